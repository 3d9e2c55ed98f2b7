//! The lab network's way out, closed: nothing on the lab's bridge may
//! open a connection to anything off it (the host through the bridge's
//! gateway address, the classroom network, the internet, other Docker
//! networks), while the host's own connections into the lab (published
//! ports: the grader, health probes, trainees' SSH) and their replies
//! keep working.
//!
//! ## Why a firewall table, and how it gets there
//! Masquerading off is not a firewall: a packet to an outside address
//! still leaves the bridge with its private source, and the host answers
//! on the gateway address. No Docker network option closes that and keeps
//! published ports (an `internal` network cannot publish; Docker 28's
//! `isolated` gateway mode is an internal network too). So the lab gets
//! an nftables table of its own, `inet dnslab_<workshop>`, apart from
//! Docker's chains (a drop in any netfilter hook is final, whichever of
//! iptables-nft or legacy iptables Docker uses):
//!
//! - forward: from the bridge to any other interface, only replies
//!   (`ct state established,related`), so that published ports reached
//!   from a LAN through Docker's DNAT still answer; new connections out
//!   are dropped;
//! - input: from the bridge to the host itself, only replies to the
//!   host's connections (docker-proxy's, for ports published on
//!   loopback).
//!
//! Traffic between containers on the bridge is untouched. The table is
//! written by `nft` in a one-off container of the trainee image on the
//! host's network with NET_ADMIN, so dnslab needs no root of its own (the
//! Docker engine's rights are the instructor's already); it is made only
//! for labs with workstations, where trainees have shells, and removed by
//! `dnslab down`. Rules do not outlive a reboot; the next `up` makes them
//! again.

use super::image::ImageKind;
use super::{DockerError, labels, workshop_labels};
use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig};

/// The nftables table of `workshop` (names: letters, digits and `_`).
pub fn table_name(workshop: &str) -> String {
    let safe: String = workshop
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("dnslab_{safe}")
}

/// The Linux bridge of a Docker network: `br-` and the first 12 hex
/// digits of its id (Docker's default for user-defined networks).
pub fn bridge_name(network_id: &str) -> String {
    let short: String = network_id.chars().take(12).collect();
    format!("br-{short}")
}

/// The table's rules for `bridge`, replacing any earlier version in one
/// transaction (`add` then `delete` makes the `delete` safe when the table
/// is new).
pub fn ruleset(table: &str, bridge: &str) -> String {
    format!(
        "add table inet {table}\n\
         delete table inet {table}\n\
         table inet {table} {{\n\
         \x20 chain egress_forward {{\n\
         \x20   type filter hook forward priority 0; policy accept;\n\
         \x20   iifname \"{bridge}\" oifname != \"{bridge}\" ct state established,related accept\n\
         \x20   iifname \"{bridge}\" oifname != \"{bridge}\" drop\n\
         \x20 }}\n\
         \x20 chain egress_input {{\n\
         \x20   type filter hook input priority 0; policy accept;\n\
         \x20   iifname \"{bridge}\" ct state established,related accept\n\
         \x20   iifname \"{bridge}\" drop\n\
         \x20 }}\n\
         }}\n"
    )
}

/// Closes the way out of `workshop`'s network `network_id`.
pub async fn close(docker: &Docker, workshop: &str, network_id: &str) -> Result<(), DockerError> {
    let table = table_name(workshop);
    run_nft(docker, workshop, ruleset(&table, &bridge_name(network_id))).await?;
    tracing::info!(%table, "lab network closed to the outside");
    Ok(())
}

/// Removes `workshop`'s table (nothing when there is none).
pub async fn remove(docker: &Docker, workshop: &str) -> Result<(), DockerError> {
    let table = table_name(workshop);
    run_nft(
        docker,
        workshop,
        format!("add table inet {table}\ndelete table inet {table}\n"),
    )
    .await
}

/// Runs `nft COMMANDS` in a one-off container of the trainee image, on
/// the host's network namespace with NET_ADMIN and nothing else.
async fn run_nft(docker: &Docker, workshop: &str, commands: String) -> Result<(), DockerError> {
    let mut container_labels = workshop_labels(workshop);
    container_labels.insert(labels::NODE.to_string(), "egress".to_string());
    let body = ContainerCreateBody {
        image: Some(ImageKind::Trainee.reference()),
        cmd: Some(vec!["/usr/sbin/nft".to_string(), commands]),
        user: Some("0:0".to_string()),
        labels: Some(container_labels),
        host_config: Some(HostConfig {
            network_mode: Some("host".to_string()),
            cap_drop: Some(vec!["ALL".to_string()]),
            cap_add: Some(vec!["NET_ADMIN".to_string()]),
            readonly_rootfs: Some(true),
            security_opt: Some(vec!["no-new-privileges".to_string()]),
            ..Default::default()
        }),
        ..Default::default()
    };
    let name = super::container_name(workshop, "egress");
    super::containers::run_to_end(docker, &name, body, "nft in the trainee image").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_what_nft_and_docker_use() {
        assert_eq!(table_name("ccTLD-pilot.2026"), "dnslab_ccTLD_pilot_2026");
        assert_eq!(bridge_name("0123456789abcdef0123"), "br-0123456789ab");
    }

    #[test]
    fn only_replies_leave_the_bridge() {
        let rules = ruleset("dnslab_w", "br-0123456789ab");
        let forward: Vec<&str> = rules
            .lines()
            .skip_while(|l| !l.contains("chain egress_forward"))
            .take_while(|l| !l.contains("chain egress_input"))
            .collect();
        // Replies first, then everything else from the bridge dropped.
        let accept = forward
            .iter()
            .position(|l| l.contains("established,related accept"));
        let drop = forward.iter().position(|l| l.trim_end().ends_with("drop"));
        assert!(
            accept.is_some() && drop.is_some() && accept < drop,
            "{rules}"
        );
        assert!(rules.starts_with("add table inet dnslab_w\ndelete table inet dnslab_w\n"));
    }
}
