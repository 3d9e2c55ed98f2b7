//! The workshop's bridge network.
//!
//! One bridge per workshop, `dnslab-<workshop>`, on a 10.N.0.0/16 that no
//! other Docker network and no route of this host uses; the plan's address
//! rows map onto it as they do onto 127.x on the embedded backend. The
//! gateway is 10.N.255.254, away from the plan's rows (the root is
//! 10.N.0.1). Outbound masquerading is off, so lab containers do not reach
//! the internet through the host's address (a lab needs none, and a
//! classroom often has none). That is not a firewall: a container can
//! still reach the host itself at the gateway address, as on any Docker
//! bridge.

use super::{DockerError, label_filter, labels, network_name, workshop_labels};
use bollard::Docker;
use bollard::models::{Ipam, IpamConfig, NetworkCreateRequest};
use bollard::query_parameters::ListNetworksOptionsBuilder;
use ipnet::Ipv4Net;
use std::collections::HashMap;
use std::net::Ipv4Addr;

/// The second octets tried, in order.
const FIRST: u8 = 80;
const LAST: u8 = 250;

/// The lab network as it exists in the engine.
#[derive(Debug, Clone)]
pub struct LabNetwork {
    pub name: String,
    pub id: String,
    pub subnet: Ipv4Net,
}

/// The gateway of a lab subnet: the host's side of the bridge.
pub fn gateway(subnet: Ipv4Net) -> Ipv4Addr {
    let base = u32::from(subnet.network());
    Ipv4Addr::from(base + 0xfffe)
}

fn subnet_of(network: &bollard::models::Network) -> Option<Ipv4Net> {
    network
        .ipam
        .as_ref()?
        .config
        .as_ref()?
        .iter()
        .filter_map(|c| c.subnet.as_deref()?.parse::<Ipv4Net>().ok())
        .next()
}

/// The IPv4 networks this host routes (from /proc/net/route), so that a
/// lab subnet never hides a real one.
fn host_routes() -> Vec<Ipv4Net> {
    let Ok(text) = std::fs::read_to_string("/proc/net/route") else {
        return Vec::new();
    };
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let dest = u32::from_str_radix(f.get(1)?, 16).ok()?;
            let mask = u32::from_str_radix(f.get(7)?, 16).ok()?;
            // The kernel prints each address as the native integer of its
            // network-order bytes: the native bytes are the address.
            let dest = Ipv4Addr::from(dest.to_ne_bytes());
            let prefix = mask.count_ones() as u8;
            (prefix > 0)
                .then(|| Ipv4Net::new(dest, prefix).ok())
                .flatten()
        })
        .collect()
}

fn overlaps(a: Ipv4Net, b: Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// The workshop's network: the existing one, or a new one on a free
/// subnet (`preferred` first, e.g. the one the last `up` used).
pub async fn ensure(
    docker: &Docker,
    workshop: &str,
    preferred: Option<Ipv4Net>,
) -> Result<LabNetwork, DockerError> {
    let name = network_name(workshop);
    let all = docker
        .list_networks(None::<bollard::query_parameters::ListNetworksOptions>)
        .await
        .map_err(DockerError::api("listing networks"))?;
    if let Some(existing) = all
        .iter()
        .find(|n| n.name.as_deref() == Some(name.as_str()))
    {
        let ours = existing
            .labels
            .as_ref()
            .and_then(|l| l.get(labels::WORKSHOP))
            .is_some_and(|w| w == workshop);
        let subnet = subnet_of(existing);
        return match (ours, subnet, existing.id.clone()) {
            (true, Some(subnet), Some(id)) => Ok(LabNetwork { name, id, subnet }),
            _ => Err(DockerError::Setup(format!(
                "a Docker network named {name} exists but was not made by dnslab for workshop {workshop}; remove it or rename the workshop"
            ))),
        };
    }
    let mut taken: Vec<Ipv4Net> = all.iter().filter_map(subnet_of).collect();
    taken.extend(host_routes());
    let candidates = preferred
        .into_iter()
        .chain((FIRST..=LAST).filter_map(|n| Ipv4Net::new(Ipv4Addr::new(10, n, 0, 0), 16).ok()));
    for subnet in candidates {
        if taken.iter().any(|t| overlaps(*t, subnet)) {
            continue;
        }
        let request = NetworkCreateRequest {
            name: name.clone(),
            driver: Some("bridge".to_string()),
            ipam: Some(Ipam {
                driver: Some("default".to_string()),
                config: Some(vec![IpamConfig {
                    subnet: Some(subnet.to_string()),
                    gateway: Some(gateway(subnet).to_string()),
                    ..Default::default()
                }]),
                options: None,
            }),
            options: Some(HashMap::from([(
                "com.docker.network.bridge.enable_ip_masquerade".to_string(),
                "false".to_string(),
            )])),
            labels: Some(workshop_labels(workshop)),
            ..Default::default()
        };
        match docker.create_network(request).await {
            Ok(created) => {
                return settle_duplicates(docker, workshop, name, created.id, subnet).await;
            }
            // Another `up` took it meanwhile: try the next one.
            Err(e) if e.to_string().to_lowercase().contains("overlap") => {
                taken.push(subnet);
                continue;
            }
            Err(source) => {
                return Err(DockerError::Api {
                    what: format!("creating network {name} on {subnet}"),
                    source,
                });
            }
        }
    }
    Err(DockerError::NoSubnet {
        first: FIRST,
        last: LAST,
    })
}

/// Engines before API 1.44 accept two networks of one name: when another
/// `up` of the same workshop made one at the same moment, the older one
/// is kept and ours removed.
async fn settle_duplicates(
    docker: &Docker,
    workshop: &str,
    name: String,
    id: String,
    subnet: Ipv4Net,
) -> Result<LabNetwork, DockerError> {
    let filters = label_filter(&[(labels::WORKSHOP, workshop)]);
    let options = ListNetworksOptionsBuilder::default()
        .filters(&filters)
        .build();
    let mut same: Vec<bollard::models::Network> = docker
        .list_networks(Some(options))
        .await
        .map_err(DockerError::api("listing networks"))?
        .into_iter()
        .filter(|n| n.name.as_deref() == Some(name.as_str()))
        .collect();
    if same.len() < 2 {
        return Ok(LabNetwork { name, id, subnet });
    }
    same.sort_by_key(|n| (n.created.clone().map(|c| c.to_string()), n.id.clone()));
    let keep = same.remove(0);
    if keep.id.as_deref() != Some(id.as_str()) {
        let _ = docker.remove_network(&id).await;
    }
    let kept_subnet = subnet_of(&keep);
    match (keep.id, kept_subnet) {
        (Some(id), Some(subnet)) => Ok(LabNetwork { name, id, subnet }),
        _ => Err(DockerError::Setup(format!(
            "network {name} has no IPv4 subnet"
        ))),
    }
}

/// Removes the networks labelled for `workshop` (every dnslab network when
/// `None`). Returns their names.
pub async fn remove_all(
    docker: &Docker,
    workshop: Option<&str>,
) -> Result<Vec<String>, DockerError> {
    let filters = match workshop {
        Some(w) => label_filter(&[(labels::WORKSHOP, w)]),
        None => label_filter(&[(labels::MANAGED, "true")]),
    };
    let options = ListNetworksOptionsBuilder::default()
        .filters(&filters)
        .build();
    let networks = docker
        .list_networks(Some(options))
        .await
        .map_err(DockerError::api("listing networks"))?;
    let mut removed = Vec::new();
    for n in networks {
        let Some(id) = n.id else { continue };
        match docker.remove_network(&id).await {
            Ok(()) => removed.extend(n.name),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {}
            Err(source) => {
                return Err(DockerError::Api {
                    what: format!("removing network {}", n.name.unwrap_or(id)),
                    source,
                });
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gateway_is_away_from_the_plan_rows() {
        let net: Ipv4Net = "10.90.0.0/16".parse().unwrap();
        assert_eq!(gateway(net), Ipv4Addr::new(10, 90, 255, 254));
    }

    #[test]
    fn host_routes_read_back_as_networks() {
        // Whatever this host routes, every entry is a valid network.
        for net in host_routes() {
            assert!(net.prefix_len() > 0, "{net}");
        }
    }

    #[test]
    fn overlapping_subnets_are_seen_both_ways() {
        let a: Ipv4Net = "10.90.0.0/16".parse().unwrap();
        let b: Ipv4Net = "10.90.3.0/24".parse().unwrap();
        let c: Ipv4Net = "10.0.0.0/8".parse().unwrap();
        let d: Ipv4Net = "10.91.0.0/16".parse().unwrap();
        assert!(overlaps(a, b) && overlaps(b, a) && overlaps(a, c) && overlaps(c, a));
        assert!(!overlaps(a, d));
    }
}
