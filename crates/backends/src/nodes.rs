//! What each node of a lab runs, for every backend: the server
//! configuration of each authoritative node, and the configuration of each
//! resolver node as its `resolver.conf` says now. The embedded backend
//! runs them in process; the Docker backend turns them into containers.

use crate::lab_zones::{self, LabZoneError};
use crate::supervisor::{BackendError, reference_anchor_file, root_hints_file, write_small};
use crate::zoo;
use dnslab_lab::{LabPlan, Node, Role, StateDir};
use dnslab_server::server::{ServerConfig, ZoneSource};
use dnslab_zone::ErrorChain;
use std::time::Duration;

/// The server configuration of each authoritative node.
pub fn node_configs(
    plan: &LabPlan,
    state: &StateDir,
) -> Result<Vec<(Node, ServerConfig)>, BackendError> {
    let mut out = Vec::new();
    for node in &plan.nodes {
        let zones = match node.role {
            Role::Root | Role::Tld | Role::Zoo => node
                .zones
                .iter()
                .map(|apex| {
                    // The zoo node also serves the fixtures of the zoo.
                    let file = match zoo::served_file(state, plan, apex) {
                        Some(file) => file,
                        None => lab_zones::signed_file(state, plan, apex)?,
                    };
                    Ok(ZoneSource::new(apex.clone(), file))
                })
                .collect::<Result<Vec<_>, LabZoneError>>()?,
            Role::Auth if plan.runs_auth => {
                let Some(trainee) = node.trainee.as_deref().and_then(|t| plan.trainee(t)) else {
                    continue;
                };
                vec![ZoneSource {
                    origin: trainee.zone.clone(),
                    file: state.join(&trainee.zone_file),
                    prefer_signed: true,
                }]
            }
            _ => continue,
        };
        let config = ServerConfig {
            zones,
            listen: vec![node.address],
            // The grader fetches trainee zones by AXFR from the host.
            axfr_allow: vec![loopback()],
            threads: 1,
            watch_interval: FILE_WATCH_INTERVAL,
            udp_via_hickory: false,
        };
        out.push((node.clone(), config));
    }
    Ok(out)
}

/// How often the lab looks for changed files (zone files, `resolver.conf`):
/// a trainee sees a change within this time. A look is one `stat` per
/// file, so a short interval costs nothing measurable.
pub const FILE_WATCH_INTERVAL: Duration = Duration::from_millis(100);

/// Who the lab's resolvers answer: the lab network and the host itself.
fn resolver_clients(plan: &LabPlan) -> Vec<ipnet::IpNet> {
    vec![
        ipnet::IpNet::V4(plan.network),
        ipnet::IpNet::V4(ipnet::Ipv4Net::from(std::net::Ipv4Addr::LOCALHOST)),
    ]
}

fn loopback() -> ipnet::IpNet {
    // A /8 prefix on an IPv4 address is always valid.
    ipnet::IpNet::V4(
        ipnet::Ipv4Net::new(std::net::Ipv4Addr::new(127, 0, 0, 0), 8).expect("valid prefix"),
    )
}

/// The configuration of a resolver node now: the reference resolver
/// validates with the lab anchor; a trainee's follows its `resolver.conf`
/// (whose anchors are written to `<state>/resolvers/<trainee>.anchors`).
/// `None` when the node is not run (`nodes.resolver: false`).
pub fn resolver_config(
    plan: &LabPlan,
    state: &StateDir,
    node: &Node,
) -> Option<crate::resolver::ResolverConfig> {
    let hints = root_hints_file(state);
    match node.role {
        Role::ReferenceResolver => Some(crate::resolver::ResolverConfig {
            listen: node.address,
            root_hints: hints,
            trust_anchors: Some(reference_anchor_file(state)),
            allow: resolver_clients(plan),
            lab_port: plan.port,
        }),
        Role::Resolver if plan.runs_resolver => {
            let trainee = plan.trainee(node.trainee.as_deref()?)?;
            let conf = match dnslab_lab::ResolverConfig::read(&state.join(trainee.resolver_conf()))
            {
                Ok(c) => c,
                Err(error) => {
                    tracing::warn!(trainee = %trainee.name, error = %ErrorChain(&error), "resolver.conf unreadable: the resolver runs without validation");
                    dnslab_lab::ResolverConfig {
                        validation: false,
                        trust_anchors: Vec::new(),
                    }
                }
            };
            let anchors = conf.validation.then(|| {
                let keys = crate::resolver::anchor_keys(state, plan, &conf.trust_anchors);
                let path = state
                    .join("resolvers")
                    .join(format!("{}.anchors", trainee.name));
                let text: String = keys.iter().map(|k| format!("{k}\n")).collect();
                let _ = std::fs::create_dir_all(state.join("resolvers"));
                let _ = write_small(path.clone(), text);
                path
            });
            Some(crate::resolver::ResolverConfig {
                listen: node.address,
                root_hints: hints,
                trust_anchors: anchors,
                allow: resolver_clients(plan),
                lab_port: plan.port,
            })
        }
        _ => None,
    }
}

/// How many nodes the lab runs (and `up` waits for): every node but those
/// the trainees run themselves (`nodes.auth: false`, `nodes.resolver:
/// false`).
pub fn run_count(plan: &LabPlan, state: &StateDir) -> usize {
    plan.nodes
        .iter()
        .filter(|n| match n.role {
            Role::Auth => plan.runs_auth,
            Role::Resolver | Role::ReferenceResolver => resolver_config(plan, state, n).is_some(),
            _ => true,
        })
        .count()
}
