//! The lab's status, as `dnslab status --format json` prints it.
//!
//! This JSON is a stable interface: the grader and the tests read it.
//!
//! ```json
//! {
//!   "workshop": "cctld-pilot",
//!   "backend": "embedded",
//!   "state_dir": "/home/i/.local/state/dnslab/cctld-pilot",
//!   "running": true,
//!   "pid": 4242,
//!   "nodes": [
//!     { "name": "root", "role": "root", "trainee": null,
//!       "address": "127.53.0.1:53", "zones": ["."], "healthy": true }
//!   ],
//!   "trainees": [
//!     { "name": "t01", "zone": "t01.ne.", "workspace": "/…/trainees/t01",
//!       "zone_file": "/…/trainees/t01/t01.ne.zone",
//!       "auth": "127.53.10.1:53", "resolver": "127.53.11.1:53" }
//!   ]
//! }
//! ```
//!
//! On the Docker backend (`"backend": "docker"`) `address`, `auth` and
//! `resolver` are on the lab's bridge network, and each node also has
//! `"host": "127.0.0.1:<port>"`, where the host reaches it (UDP and TCP),
//! and `"container"`: its container's state (`running`, `exited`,
//! `missing`). On the embedded backend they are reachable from the
//! host as they are. A node is
//! `healthy` when it answered a probe just now (an SOA query to an
//! authoritative node). `zone_file` is the file the trainee's
//! authoritative node serves: `<zone>.zone.signed` once it exists, else
//! `<zone>.zone`.

use dnslab_lab::{LabPlan, StateDir};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabStatus {
    pub workshop: String,
    pub backend: String,
    pub state_dir: String,
    /// Whether the supervisor process is alive.
    pub running: bool,
    pub pid: Option<u32>,
    pub nodes: Vec<NodeStatus>,
    pub trainees: Vec<TraineeStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeStatus {
    pub name: String,
    pub role: String,
    pub trainee: Option<String>,
    pub address: String,
    pub zones: Vec<String>,
    pub healthy: bool,
    /// Why the node is not healthy, when known (e.g. not implemented yet).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
    /// Docker backend: where the host reaches the node
    /// (`127.0.0.1:<published port>`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub host: Option<String>,
    /// Docker backend: the node's container state (`running`, `exited`,
    /// `missing`, …).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub container: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraineeStatus {
    pub name: String,
    pub zone: String,
    pub workspace: String,
    pub zone_file: String,
    pub auth: String,
    pub resolver: String,
}

/// The file a trainee's authoritative node serves (see the module docs).
pub fn served_zone_file(state: &StateDir, trainee: &dnslab_lab::Trainee) -> std::path::PathBuf {
    let signed = state.join(trainee.signed_zone_file());
    if signed.exists() {
        signed
    } else {
        state.join(&trainee.zone_file)
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

/// The status of a planned lab, with health as `probe` says.
pub fn lab_status(
    plan: &LabPlan,
    state: &StateDir,
    backend: &str,
    pid: Option<u32>,
    running: bool,
    healthy: &dyn Fn(&dnslab_lab::Node) -> (bool, Option<String>),
) -> LabStatus {
    let nodes = plan
        .nodes
        .iter()
        .map(|n| {
            let (ok, note) = healthy(n);
            NodeStatus {
                name: n.name.clone(),
                role: n.role.to_string(),
                trainee: n.trainee.clone(),
                address: n.address.to_string(),
                zones: n.zones.iter().map(|z| z.to_string()).collect(),
                healthy: ok,
                note,
                host: None,
                container: None,
            }
        })
        .collect();
    let trainees = plan
        .trainees
        .iter()
        .map(|t| TraineeStatus {
            name: t.name.clone(),
            zone: t.zone.to_string(),
            workspace: display(&state.join(&t.workspace)),
            zone_file: display(&served_zone_file(state, t)),
            auth: t.auth.to_string(),
            resolver: t.resolver.to_string(),
        })
        .collect();
    LabStatus {
        workshop: plan.workshop.clone(),
        backend: backend.to_string(),
        state_dir: display(state.path()),
        running,
        pid,
        nodes,
        trainees,
    }
}
