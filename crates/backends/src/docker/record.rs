//! `<state>/docker.json`: where a Docker lab runs, for the commands that
//! run on the host (`status`, `grade`, `ds submit`, `timeline`, the
//! supervisor): the lab's subnet, and each node's published port.
//!
//! Written by `up` from what the engine reports once every container is
//! there; the engine's labels hold the same facts, so a lost record is
//! rebuilt by the next `up`.

use dnslab_lab::{LabPlan, StateDir};
use ipnet::Ipv4Net;
use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

/// The record of a Docker lab.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DockerRecord {
    pub workshop: String,
    pub network: String,
    pub subnet: Ipv4Net,
    /// Node name → the port on 127.0.0.1 its port 53 (UDP and TCP) is
    /// published on.
    pub ports: BTreeMap<String, u16>,
}

/// Where the record lives.
pub fn path(state: &StateDir) -> PathBuf {
    state.join("docker.json")
}

/// The record, if the lab in `state` last ran on Docker.
pub fn load(state: &StateDir) -> Option<DockerRecord> {
    let text = std::fs::read_to_string(path(state)).ok()?;
    match serde_json::from_str(&text) {
        Ok(r) => Some(r),
        Err(error) => {
            tracing::warn!(file = %path(state).display(), %error, "unreadable Docker record ignored");
            None
        }
    }
}

/// Writes the record atomically.
pub fn save(state: &StateDir, record: &DockerRecord) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(record).map_err(std::io::Error::other)?;
    dnslab_zone::writer::write_file_atomically(&path(state), |w| {
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")
    })
}

/// Records that `node` is now published on `port` (a container made
/// again elsewhere), on the record as it is on disk (`fallback` when there
/// is none); returns the record saved.
pub fn update_port(
    state: &StateDir,
    fallback: &DockerRecord,
    node: &str,
    port: u16,
) -> std::io::Result<DockerRecord> {
    let mut record = load(state).unwrap_or_else(|| fallback.clone());
    record.ports.insert(node.to_string(), port);
    save(state, &record)?;
    Ok(record)
}

/// Removes the record (the lab is down).
pub fn remove(state: &StateDir) {
    let _ = std::fs::remove_file(path(state));
}

impl DockerRecord {
    /// Moves `plan` onto the lab's subnet (port 53, as inside every
    /// container) and installs the map from each node's address to its
    /// published port ([`dnslab_lab::reach`]).
    pub fn apply(&self, plan: &mut LabPlan) {
        plan.rebase(self.subnet, 53);
        dnslab_lab::reach::install(self.host_map(plan));
    }

    /// Planned address → `127.0.0.1:<published port>`, for the nodes
    /// that have one.
    pub fn host_map(&self, plan: &LabPlan) -> HashMap<SocketAddr, SocketAddr> {
        plan.nodes
            .iter()
            .filter_map(|n| {
                let port = *self.ports.get(&n.name)?;
                Some((n.address, SocketAddr::from((Ipv4Addr::LOCALHOST, port))))
            })
            .collect()
    }
}
