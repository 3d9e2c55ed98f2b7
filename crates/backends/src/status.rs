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
//!
//! A trainee's authoritative node whose served file does not load has a
//! `zone_error` (absent otherwise): the node keeps serving the last
//! version that loaded (or, if none ever did, answers REFUSED for the
//! zone), so it may still be `healthy`. `line` and `column` are 1-based
//! and `null` for errors about the zone as a whole (no SOA, no NS at the
//! apex); `file` is the file at fault (an `$INCLUDE`d one if the error is
//! there):
//!
//! ```json
//! { "name": "t01-auth", "role": "auth", "trainee": "t01", "healthy": true, …,
//!   "zone_error": { "file": "/…/trainees/t01/t01.ne.zone.signed",
//!                   "line": 12, "column": 5,
//!                   "message": "expected a record type, found \"BOGUS\"" } }
//! ```
//!
//! ## When the lab is down
//! [`LabStatus::down`] is the one rule for "the lab is down", which
//! `dnslab grade` applies before grading (exit 2, no score): the
//! supervisor is not running, or a node the lab runs for everyone (the
//! root, a TLD, the zoo) does not answer. A trainee's own node that is
//! down or serves a broken file is the trainee's to fix, not a lab
//! failure: that is graded.

use dnslab_lab::{LabPlan, Role, StateDir};
use dnslab_probe::served::{LoadError, load_error, served_file};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
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
    /// A trainee's authoritative node: why the file it serves does not
    /// load (it keeps serving the last version that did).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub zone_error: Option<LoadError>,
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
    served_file(state, trainee)
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
    health: &dyn Fn(&dnslab_lab::Node) -> Health,
) -> LabStatus {
    let nodes = plan
        .nodes
        .iter()
        .map(|n| {
            let h = health(n);
            let (ok, note) = (h.is_healthy(), h.note());
            // Only a node the lab runs reads the trainee's file.
            let zone_error = match (&n.trainee, n.role) {
                (Some(t), Role::Auth) if plan.runs_auth => {
                    plan.trainee(t).and_then(|t| load_error(state, t))
                }
                _ => None,
            };
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
                zone_error,
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

/// A node's health, as `dnslab status` says it: the one policy for what
/// is probed and what a node that is not probed is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// It answers as its role asks (an authoritative SOA answer for its
    /// first zone; a recursive answer for the root SOA).
    Answers,
    /// It should answer but does not.
    Silent { why: String },
    /// The trainee runs it (`nodes.auth: false`, `nodes.resolver: false`):
    /// not the lab's to probe.
    RunByTrainee { setting: &'static str },
    /// The lab's supervisor is not running.
    LabStopped,
    /// Docker: its container is not running, or the engine does not answer.
    Container { why: String },
}

impl Health {
    pub fn is_healthy(&self) -> bool {
        *self == Health::Answers
    }

    /// Why it is not healthy, in a few words.
    pub fn note(&self) -> Option<String> {
        match self {
            Health::Answers => None,
            Health::Silent { why } | Health::Container { why } => Some(why.clone()),
            Health::RunByTrainee { setting } => Some(format!("run by the trainee ({setting})")),
            Health::LabStopped => Some("the lab is not running".to_string()),
        }
    }
}

/// Probes one node as its role asks (blocking, a few seconds at most).
fn probe_node(plan: &LabPlan, node: &dnslab_lab::Node, running: bool) -> Health {
    use std::time::Duration;
    if node.role == Role::Resolver && !plan.runs_resolver {
        return Health::RunByTrainee {
            setting: "nodes.resolver: false",
        };
    }
    if node.role == Role::Auth && !plan.runs_auth {
        return Health::RunByTrainee {
            setting: "nodes.auth: false",
        };
    }
    if !running {
        return Health::LabStopped;
    }
    if node.role.is_resolver() {
        return if crate::probe::answers_recursive(node.address, Duration::from_secs(2)) {
            Health::Answers
        } else {
            Health::Silent {
                why: "no recursive answer for . SOA".to_string(),
            }
        };
    }
    let apex = node
        .zones
        .first()
        .cloned()
        .unwrap_or_else(dnslab_zone::Name::root);
    if crate::probe::answers_soa(node.address, &apex, Duration::from_millis(500)) {
        Health::Answers
    } else {
        Health::Silent {
            why: format!("no authoritative answer for {apex} SOA"),
        }
    }
}

/// Node name → health, every node probed at once (each in its own thread).
fn probe_all(plan: &LabPlan, running: bool) -> HashMap<String, Health> {
    probe_nodes(plan, running, |_| true)
}

/// The roles every trainee's grade depends on: the lab's own zones.
const SHARED: [Role; 3] = [Role::Root, Role::Tld, Role::Zoo];

/// Node name → health of the nodes `which` selects, probed at once.
fn probe_nodes(
    plan: &LabPlan,
    running: bool,
    which: impl Fn(&dnslab_lab::Node) -> bool,
) -> HashMap<String, Health> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = plan
            .nodes
            .iter()
            .filter(|node| which(node))
            .map(|node| (node, scope.spawn(move || probe_node(plan, node, running))))
            .collect();
        handles
            .into_iter()
            .map(|(node, h)| {
                let health = h.join().unwrap_or(Health::Silent {
                    why: "the probe failed".to_string(),
                });
                (node.name.clone(), health)
            })
            .collect()
    })
}

/// The lab's status now, on whichever backend it runs: the supervisor,
/// every node probed ([`Health`]), on Docker each container's state and
/// published port.
pub fn collect(state: &StateDir, plan: &LabPlan) -> LabStatus {
    let pid = state.supervisor().running().map(|id| id.pid);
    if let Some(record) = crate::docker::record::load(state) {
        return docker_status(state, plan, &record, pid);
    }
    let health = probe_all(plan, pid.is_some());
    lab_status(plan, state, "embedded", pid, pid.is_some(), &|n| {
        health.get(&n.name).cloned().unwrap_or(Health::LabStopped)
    })
}

/// Why grading cannot run now ([`LabStatus::down`]), probing only what
/// that depends on: the supervisor and the shared nodes (root, TLDs, zoo).
/// A class grading at once from the web asks this per grade; probing every
/// trainee's server and resolver each time, as [`collect`] does, would be
/// a hundred queries and threads per grade.
pub fn grading_blocked(state: &StateDir, plan: &LabPlan) -> Option<LabDown> {
    let pid = state.supervisor().running().map(|id| id.pid);
    let backend = if crate::docker::record::load(state).is_some() {
        "docker"
    } else {
        "embedded"
    };
    let shared = probe_nodes(plan, pid.is_some(), |n| SHARED.contains(&n.role));
    // Nodes not probed are not what `down` looks at.
    lab_status(plan, state, backend, pid, pid.is_some(), &|n| {
        shared.get(&n.name).cloned().unwrap_or(Health::Answers)
    })
    .down()
}

/// The status of a Docker lab: each node's container state, published
/// port and health through that port.
fn docker_status(
    state: &StateDir,
    plan: &LabPlan,
    record: &crate::docker::record::DockerRecord,
    pid: Option<u32>,
) -> LabStatus {
    // The engine's answer needs a runtime; status is asked from plain
    // threads (the CLI, the web's blocking handlers).
    let containers = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()
        .and_then(|rt| rt.block_on(crate::docker::lab::states_for_status(&plan.workshop)));
    let health = probe_all(plan, true);
    let mut status = lab_status(plan, state, "docker", pid, pid.is_some(), &|n| {
        let container = containers
            .as_ref()
            .map(|c| c.get(&n.name).map_or("missing", String::as_str));
        match container {
            None => Health::Container {
                why: "the Docker engine does not answer".to_string(),
            },
            Some(state) if state != "running" && record.ports.contains_key(&n.name) => {
                Health::Container {
                    why: format!("container {state}: `dnslab up` brings it back"),
                }
            }
            Some(_) => health.get(&n.name).cloned().unwrap_or(Health::LabStopped),
        }
    });
    for n in &mut status.nodes {
        n.host = record.ports.get(&n.name).map(|p| format!("127.0.0.1:{p}"));
        n.container = containers
            .as_ref()
            .and_then(|c| c.get(&n.name).cloned())
            .or_else(|| {
                record
                    .ports
                    .contains_key(&n.name)
                    .then(|| "missing".to_string())
            });
    }
    status
}

/// Why the lab as a whole is down (see the module docs): grading it
/// would blame trainees for the lab.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabDown {
    #[error(
        "lab {workshop} is not running (no supervisor process), so nothing was graded: start it with `{up}`, then grade again"
    )]
    NotRunning { workshop: String, up: String },
    #[error(
        "lab {workshop} is down: {} {} not answer ({}), so nothing was graded; `dnslab status` shows the lab, and `dnslab down` then `{up}` restarts it",
        nodes.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", "),
        if nodes.len() == 1 { "does" } else { "do" },
        nodes.iter().map(|(n, why)| format!("{n}: {why}")).collect::<Vec<_>>().join("; ")
    )]
    NodesDown {
        workshop: String,
        /// (node name, why it is not healthy).
        nodes: Vec<(String, String)>,
        up: String,
    },
}

impl LabStatus {
    /// The command that starts this lab again from its state directory.
    pub fn up_command(&self) -> String {
        let state = Path::new(&self.state_dir);
        format!(
            "dnslab up {} --state-dir {}{} --detach",
            state.join(dnslab_lab::state::LAB_FILE).display(),
            state.display(),
            if self.backend == "docker" {
                " --backend docker"
            } else {
                ""
            }
        )
    }

    /// Whether the lab is down as a whole: its supervisor is not running,
    /// or a node it runs for everyone (root, TLD, zoo) does not answer.
    /// A trainee's node does not count: a trainee's server that is down is
    /// the trainee's failure, graded as such.
    pub fn down(&self) -> Option<LabDown> {
        if !self.running {
            return Some(LabDown::NotRunning {
                workshop: self.workshop.clone(),
                up: self.up_command(),
            });
        }
        let shared = SHARED.map(Role::as_str);
        let nodes: Vec<(String, String)> = self
            .nodes
            .iter()
            .filter(|n| shared.contains(&n.role.as_str()) && !n.healthy)
            .map(|n| {
                (
                    n.name.clone(),
                    n.note
                        .clone()
                        .unwrap_or_else(|| format!("no answer at {}", n.address)),
                )
            })
            .collect();
        (!nodes.is_empty()).then(|| LabDown::NodesDown {
            workshop: self.workshop.clone(),
            nodes,
            up: self.up_command(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, role: Role, trainee: Option<&str>, healthy: bool) -> NodeStatus {
        NodeStatus {
            name: name.into(),
            role: role.as_str().into(),
            trainee: trainee.map(Into::into),
            address: "127.53.0.1:10053".into(),
            zones: Vec::new(),
            healthy,
            note: (!healthy).then(|| "no authoritative answer".into()),
            host: None,
            container: None,
            zone_error: None,
        }
    }

    fn status(running: bool, nodes: Vec<NodeStatus>) -> LabStatus {
        LabStatus {
            workshop: "minimal".into(),
            backend: "embedded".into(),
            state_dir: "/var/lab/minimal".into(),
            running,
            pid: running.then_some(42),
            nodes,
            trainees: Vec::new(),
        }
    }

    #[test]
    fn a_lab_is_down_when_its_supervisor_or_a_shared_node_is() {
        let healthy = || {
            vec![
                node("root", Role::Root, None, true),
                node("tld-ne", Role::Tld, None, true),
                node("alice-auth", Role::Auth, Some("alice"), true),
            ]
        };
        assert_eq!(status(true, healthy()).down(), None);
        let stopped = status(false, healthy()).down().expect("down");
        let text = stopped.to_string();
        assert!(
            text.contains("not running")
                && text.contains(
                    "`dnslab up /var/lab/minimal/lab.yaml --state-dir /var/lab/minimal --detach`"
                ),
            "{text}"
        );
        // A trainee's server down: the trainee's failure, the lab is up.
        let mut nodes = healthy();
        nodes[2] = node("alice-auth", Role::Auth, Some("alice"), false);
        assert_eq!(status(true, nodes).down(), None);
        // The TLD down: everyone's chain breaks there.
        let mut nodes = healthy();
        nodes[1] = node("tld-ne", Role::Tld, None, false);
        let Some(LabDown::NodesDown { nodes: down, .. }) = status(true, nodes).down() else {
            panic!("a lab without its TLD is up");
        };
        assert_eq!(
            down,
            vec![("tld-ne".to_string(), "no authoritative answer".to_string())]
        );
    }
}
