//! The lab plan: every node, address, zone and trainee, checked, nothing
//! bound.
//!
//! ## Background
//! [`LabPlan::from_spec`] turns a [`LabFile`] into the runtime description
//! the backends start from. It applies every default (from
//! [`crate::spec::defaults`]) and makes every check that compares values:
//! duplicate TLDs and trainees, reserved names, zones that collide or hide
//! a name the lab needs, too many trainees for the address plan, timers
//! that cannot work, exercises whose prerequisites are off, and address
//! conflicts. Errors name `file:line:column` of the offending value where
//! the text scan finds it.
//!
//! ## The address plan
//! All nodes listen on one port ([`LabPlan::port`], default 53) at
//! addresses inside the base network `B` (default `127.53.0.0/16`),
//! written here as `B.x.y` = base + 256·x + y:
//!
//! | address | node | name | serves |
//! |---|---|---|---|
//! | `B.0.1` | the lab root | `root` | `.` |
//! | `B.1.k` | the k-th TLD of the lab file, k = 1…254 | `tld-<tld>` | `<tld>.` |
//! | `B.2.1` | the zoo | `zoo` | `zoo.` and its fixtures `<label>.zoo.` ([`crate::zoo`]) |
//! | `B.3.1` | the reference resolver (validating, lab root anchor) | `reference-resolver` | |
//! | `B.4.1` | the grader's source address (no server: resolvers must answer it) | | |
//! | `B.4.2`–`B.9.*` | reserved for later nodes (secondaries) | | |
//! | `B.10.n` | trainee n's authoritative server, n = 1…254 | `<trainee>-auth` | the trainee's zone |
//! | `B.11.n` | trainee n's validating resolver | `<trainee>-resolver` | |
//!
//! With the defaults: root `127.53.0.1:53`, `ne` (first TLD)
//! `127.53.1.1:53`, trainee 1 `127.53.10.1:53` and `127.53.11.1:53`.
//! Trainees are numbered in lab-file order from 1 (with `count`, n is the
//! number in the name). Trainee n's zone is under TLD number
//! `(n − 1) mod len(tlds)`: TLDs are assigned round-robin. A trainee whose
//! `nodes.auth` (or `resolver`) is off still has the address: the trainee
//! runs that server there, and the TLD's glue points at it.
//!
//! ## Usage
//! ```no_run
//! # use dnslab_lab::LabPlan;
//! # fn main() -> Result<(), dnslab_lab::LabError> {
//! let plan = LabPlan::load("labs/cctld-pilot.yaml".as_ref())?;
//! for node in &plan.nodes {
//!     println!("{:<20} {:<18} {}", node.name, node.role, node.address);
//! }
//! # Ok(()) }
//! ```

use crate::error::{LabError, Location};
use crate::exercise::Exercise;
use crate::locate::Source;
use crate::spec::{LabFile, TimersSpec, defaults, label_problem};
use crate::timers::{TimerProfile, Timers};
use dnslab_zone::{Algorithm, Name};
use ipnet::Ipv4Net;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};

/// At most this many TLDs (`B.1.1`–`B.1.254`).
pub const MAX_TLDS: usize = 254;
/// At most this many trainees (`B.10.1`–`B.10.254`).
pub const MAX_TRAINEES: usize = 254;

/// Address of `B.x.y` (see the module documentation).
const ROOT: (u8, u8) = (0, 1);
const TLD_ROW: u8 = 1;
const ZOO: (u8, u8) = (2, 1);
const REFERENCE_RESOLVER: (u8, u8) = (3, 1);
const AUTH_ROW: u8 = 10;
const RESOLVER_ROW: u8 = 11;
const WORKSTATION_ROW: u8 = 12;

/// What a node does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Authoritative for the lab root `.`.
    Root,
    /// Authoritative for one lab TLD.
    Tld,
    /// Authoritative for `zoo.` and the scenario zones below it.
    Zoo,
    /// A trainee's authoritative server (serves the trainee's zone).
    Auth,
    /// A trainee's resolver (validation as the trainee's `resolver.conf`
    /// says).
    Resolver,
    /// A validating resolver with the lab root's trust anchor, for the
    /// instructor and the grader.
    ReferenceResolver,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Root => "root",
            Role::Tld => "tld",
            Role::Zoo => "zoo",
            Role::Auth => "auth",
            Role::Resolver => "resolver",
            Role::ReferenceResolver => "reference-resolver",
        }
    }

    /// Whether the node answers recursive queries (else it is
    /// authoritative).
    pub fn is_resolver(self) -> bool {
        matches!(self, Role::Resolver | Role::ReferenceResolver)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// One server the lab runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Unique: `root`, `tld-ne`, `zoo`, `t01-auth`, `t01-resolver`,
    /// `reference-resolver`.
    pub name: String,
    pub role: Role,
    /// The trainee it belongs to, for `Auth` and `Resolver`.
    pub trainee: Option<String>,
    pub address: SocketAddr,
    /// The apexes of the zones it serves (empty for resolvers).
    pub zones: Vec<Name>,
}

/// A lab TLD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tld {
    /// The label as written (`ne`).
    pub label: String,
    /// `ne.`
    pub apex: Name,
    /// Its authoritative server's address.
    pub address: SocketAddr,
    /// Names of the trainees whose zones are under it, in order.
    pub trainees: Vec<String>,
}

/// A trainee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trainee {
    pub name: String,
    /// From 1, in lab-file order; sets the addresses.
    pub number: usize,
    /// The trainee's zone (`t01.ne.`).
    pub zone: Name,
    /// The label of the TLD it is under.
    pub tld: String,
    /// The workspace, relative to the state directory: `trainees/<name>`.
    pub workspace: PathBuf,
    /// The zone file in the workspace, relative to the state directory:
    /// `trainees/<name>/<zone>.zone` (zone without its trailing dot).
    pub zone_file: PathBuf,
    /// Where the trainee's authoritative server listens (the TLD's glue).
    pub auth: SocketAddr,
    /// Where the trainee's resolver listens.
    pub resolver: SocketAddr,
}

impl Trainee {
    /// `trainees/<name>/resolver.conf`, relative to the state directory.
    pub fn resolver_conf(&self) -> PathBuf {
        self.workspace.join(crate::resolver_conf::FILE_NAME)
    }

    /// `trainees/<name>/README.md`, relative to the state directory.
    pub fn readme(&self) -> PathBuf {
        self.workspace.join("README.md")
    }

    /// Where `dnslab zone sign` writes by default:
    /// `trainees/<name>/<zone>.zone.signed`.
    pub fn signed_zone_file(&self) -> PathBuf {
        let mut s = self.zone_file.clone().into_os_string();
        s.push(".signed");
        PathBuf::from(s)
    }
}

/// Whether and how often the TLDs scan trainee zones for CDS/CDNSKEY
/// (RFC 7344, RFC 8078) and update the DS records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CdsScan {
    pub enabled: bool,
    /// Seconds between scans.
    pub interval: u32,
}

/// `access.ssh`: trainees log in to their own workstation by SSH from
/// their own machines (Docker backend).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshAccess {
    /// The host address each workstation's SSH port is published on.
    pub bind: IpAddr,
    /// What trainees type to reach the host, when the lab file says.
    pub host: Option<String>,
    /// Trainee n's workstation is published on `port_base + n`.
    pub port_base: u16,
    /// Whether a generated password logs in.
    pub password: bool,
    /// Trainee name → `authorized_keys` lines.
    pub keys: BTreeMap<String, Vec<String>>,
}

impl SshAccess {
    /// The host port of `trainee`'s workstation.
    pub fn port(&self, trainee: &Trainee) -> u16 {
        // from_spec checked that the last trainee's port fits.
        self.port_base.saturating_add(trainee.number as u16)
    }

    /// What trainees type to reach the host: `host`, else the bind
    /// address unless it is 0.0.0.0 or ::, else `None` (the caller names
    /// this machine).
    pub fn host_to_type(&self) -> Option<String> {
        match (&self.host, self.bind) {
            (Some(h), _) => Some(h.clone()),
            (None, ip) if ip.is_unspecified() => None,
            (None, ip) => Some(ip.to_string()),
        }
    }
}

/// A zone the lab itself signs (root, TLDs, zoo) with lab keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabZone {
    pub apex: Name,
    pub role: Role,
    /// The node serving it.
    pub node: String,
    /// The unsigned source, relative to the state directory
    /// (`zones/root.zone`, `zones/ne.zone`, `zones/zoo.zone`).
    pub source_file: PathBuf,
}

/// The validated lab.
#[derive(Debug, Clone)]
pub struct LabPlan {
    pub workshop: String,
    pub description: Option<String>,
    /// The lab file it was planned from, and its text.
    pub lab_file: PathBuf,
    pub lab_text: String,
    /// Algorithm of the lab keys.
    pub algorithm: Algorithm,
    pub network: Ipv4Net,
    pub port: u16,
    pub timers: Timers,
    /// The profile the timers start from (`Table` entries override it).
    pub timer_profile: TimerProfile,
    pub cds_scan: CdsScan,
    pub exercises: Vec<Exercise>,
    /// Whether the lab runs each trainee's authoritative server.
    pub runs_auth: bool,
    /// Whether the lab runs each trainee's resolver.
    pub runs_resolver: bool,
    /// Whether each trainee gets a workstation container (`nodes.workstation`,
    /// Docker backend only).
    pub runs_workstation: bool,
    pub zoo: bool,
    /// SSH access to the workstations (`access.ssh: true`).
    pub ssh: Option<SshAccess>,
    /// In lab-file order.
    pub tlds: Vec<Tld>,
    /// In lab-file order.
    pub trainees: Vec<Trainee>,
    /// Root, TLDs, zoo, reference resolver, then each trainee's nodes.
    pub nodes: Vec<Node>,
}

impl LabPlan {
    /// Reads, parses and plans a lab file.
    pub fn load(path: &Path) -> Result<LabPlan, LabError> {
        LabPlan::from_spec(LabFile::load(path)?, path)
    }

    /// Plans a parsed lab file; `lab_file` names it in errors (positions
    /// come from the text kept in `spec`).
    pub fn from_spec(spec: LabFile, lab_file: &Path) -> Result<LabPlan, LabError> {
        let text = spec.text.clone();
        let src = Source::new(lab_file, &text);
        let zoo = spec.zoo.unwrap_or(defaults::ZOO);
        let port = spec.port.unwrap_or(defaults::PORT);
        if port == 0 {
            return Err(LabError::BadPort {
                at: src.key(&["port"]),
            });
        }
        let network = spec
            .addresses
            .as_ref()
            .and_then(|a| a.base)
            .map_or(defaults::NETWORK, |n| n.0);
        let addr = |(x, y): (u8, u8)| -> SocketAddr {
            let base = u32::from(network.network());
            let ip = Ipv4Addr::from(base + (u32::from(x) << 8) + u32::from(y));
            SocketAddr::V4(SocketAddrV4::new(ip, port))
        };

        // TLDs.
        if spec.tlds.is_empty() {
            return Err(LabError::NoTlds {
                at: src.key(&["tlds"]),
            });
        }
        if spec.tlds.len() > MAX_TLDS {
            return Err(LabError::TooManyTlds {
                at: src.key(&["tlds"]),
                count: spec.tlds.len(),
                max: MAX_TLDS,
            });
        }
        let mut seen = HashSet::new();
        for tld in &spec.tlds {
            let tld = tld.as_str();
            if !seen.insert(tld) {
                return Err(LabError::DuplicateTld {
                    at: src.value(&["tlds"], tld, 1),
                    tld: tld.to_string(),
                });
            }
            let reserved = match tld {
                crate::zones::ZOO_LABEL if zoo => {
                    Some("the zoo uses it (set zoo: false to use it as a TLD)")
                }
                crate::zones::ROOT_NS_LABEL => Some("the lab root's name server is named root-ns."),
                _ => None,
            };
            if let Some(reason) = reserved {
                return Err(LabError::ReservedTld {
                    at: src.value(&["tlds"], tld, 0),
                    tld: tld.to_string(),
                    reason,
                });
            }
        }
        let mut tlds: Vec<Tld> = spec
            .tlds
            .iter()
            .enumerate()
            .map(|(i, t)| {
                Ok(Tld {
                    label: t.0.clone(),
                    apex: label_name(&t.0).map_err(|reason| LabError::BadLabel {
                        at: src.value(&["tlds"], &t.0, 0),
                        field: "TLD",
                        value: t.0.clone(),
                        reason,
                    })?,
                    address: addr((TLD_ROW, (i + 1) as u8)),
                    trainees: Vec::new(),
                })
            })
            .collect::<Result<_, LabError>>()?;

        // Trainees.
        let names = trainee_names(&spec, &src)?;
        let zone_pattern = spec
            .zone
            .clone()
            .unwrap_or_else(|| crate::spec::ZonePattern(defaults::ZONE_PATTERN.to_string()));
        let named_in_list = spec.trainees.names.is_some();
        let trainee_at = |name: &str| {
            if named_in_list {
                src.value(&["trainees", "names"], name, 0)
            } else if spec.zone.is_some() {
                src.key(&["zone"])
            } else {
                src.key(&["trainees"])
            }
        };
        let mut trainees = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            let number = i + 1;
            let tld = &mut tlds[i % spec.tlds.len()];
            let zone_text = zone_pattern.render(name, &tld.label);
            let zone = Name::parse_absolute(&zone_text).map_err(|e| LabError::BadZoneName {
                at: trainee_at(name),
                zone: zone_text.clone(),
                owner: format!("trainee {name}"),
                reason: e.to_string(),
            })?;
            let workspace = PathBuf::from("trainees").join(name);
            tld.trainees.push(name.clone());
            trainees.push(Trainee {
                name: name.clone(),
                number,
                zone_file: workspace.join(format!("{zone_text}.zone")),
                zone,
                tld: tld.label.clone(),
                workspace,
                auth: addr((AUTH_ROW, number as u8)),
                resolver: addr((RESOLVER_ROW, number as u8)),
            });
        }

        // Timers.
        let (timer_profile, timers) = timers(spec.timers.as_ref());
        if let Some(reason) = timers.problem() {
            return Err(LabError::BadTimers {
                at: src.key(&["timers"]),
                reason,
            });
        }
        let cds = spec.cds_scan.clone().unwrap_or_default();
        let cds_scan = CdsScan {
            enabled: cds.enabled.unwrap_or(defaults::CDS_SCAN),
            interval: cds.interval.map_or(defaults::CDS_SCAN_INTERVAL, |d| d.0),
        };
        if cds_scan.interval == 0 {
            return Err(LabError::BadCdsInterval {
                at: src.key(&["cds_scan", "interval"]),
            });
        }

        // Exercises.
        let exercises = spec.exercises.clone().unwrap_or_default();
        let mut seen = HashSet::new();
        for e in &exercises {
            if !seen.insert(*e) {
                return Err(LabError::DuplicateExercise {
                    at: src.value(&["exercises"], e.id(), 1),
                    id: e.id().to_string(),
                });
            }
            if *e == Exercise::CdsAutomation && !cds_scan.enabled {
                return Err(LabError::ExerciseNeeds {
                    at: src.value(&["exercises"], e.id(), 0),
                    id: e.id().to_string(),
                    needs: "the parent to scan for CDS/CDNSKEY: add cds_scan: { enabled: true }",
                });
            }
        }

        let nodes_spec = spec.nodes.clone().unwrap_or_default();
        let ssh = ssh_access(&spec, &src, &trainees)?;
        // SSH logs in to the workstation: asking for one asks for the other.
        let runs_workstation = match nodes_spec.workstation {
            Some(false) if ssh.is_some() => {
                return Err(LabError::Access {
                    at: src.key(&["nodes", "workstation"]),
                    reason: "access.ssh logs trainees in to their workstations: remove `workstation: false`, or set `ssh: false`".to_string(),
                });
            }
            Some(w) => w || ssh.is_some(),
            None => defaults::WORKSTATION || ssh.is_some(),
        };
        let mut plan = LabPlan {
            workshop: spec.workshop.0.clone(),
            description: spec.description.clone(),
            lab_file: lab_file.to_path_buf(),
            lab_text: text.clone(),
            algorithm: spec.algorithm.map_or(defaults::ALGORITHM, |a| a.0),
            network,
            port,
            timers,
            timer_profile,
            cds_scan,
            exercises,
            runs_auth: nodes_spec.auth.unwrap_or(defaults::AUTH_NODE),
            runs_resolver: nodes_spec.resolver.unwrap_or(defaults::RESOLVER_NODE),
            runs_workstation,
            zoo,
            ssh,
            tlds,
            trainees,
            nodes: Vec::new(),
        };
        plan.nodes = plan.build_nodes(&addr);
        plan.check_zones(&trainee_at)?;
        plan.check_node_names(&trainee_at)?;
        plan.check_addresses()?;
        Ok(plan)
    }

    fn build_nodes(&self, addr: &dyn Fn((u8, u8)) -> SocketAddr) -> Vec<Node> {
        let mut nodes = vec![Node {
            name: "root".to_string(),
            role: Role::Root,
            trainee: None,
            address: addr(ROOT),
            zones: vec![Name::root()],
        }];
        for tld in &self.tlds {
            nodes.push(Node {
                name: format!("tld-{}", tld.label),
                role: Role::Tld,
                trainee: None,
                address: tld.address,
                zones: vec![tld.apex.clone()],
            });
        }
        if self.zoo {
            nodes.push(Node {
                name: "zoo".to_string(),
                role: Role::Zoo,
                trainee: None,
                address: addr(ZOO),
                zones: std::iter::once(crate::zones::zoo_apex())
                    .chain(crate::zoo::FIXTURES.iter().map(|f| f.apex()))
                    .collect(),
            });
        }
        nodes.push(Node {
            name: "reference-resolver".to_string(),
            role: Role::ReferenceResolver,
            trainee: None,
            address: addr(REFERENCE_RESOLVER),
            zones: Vec::new(),
        });
        for t in &self.trainees {
            if self.runs_auth {
                nodes.push(Node {
                    name: format!("{}-auth", t.name),
                    role: Role::Auth,
                    trainee: Some(t.name.clone()),
                    address: t.auth,
                    zones: vec![t.zone.clone()],
                });
            }
            if self.runs_resolver {
                nodes.push(Node {
                    name: format!("{}-resolver", t.name),
                    role: Role::Resolver,
                    trainee: Some(t.name.clone()),
                    address: t.resolver,
                    zones: Vec::new(),
                });
            }
        }
        nodes
    }

    /// Zones that collide, and zones that would hide a name the lab
    /// needs (a trainee named `ns` under `ne.` would own `ns.ne.`, the
    /// TLD's own name server).
    fn check_zones(&self, trainee_at: &dyn Fn(&str) -> Location) -> Result<(), LabError> {
        let mut zones: Vec<(Name, String, Option<&str>)> =
            vec![(Name::root(), "the lab root".into(), None)];
        for tld in &self.tlds {
            zones.push((tld.apex.clone(), format!("TLD {}", tld.label), None));
        }
        if self.zoo {
            zones.push((crate::zones::zoo_apex(), "the zoo".into(), None));
            for f in crate::zoo::FIXTURES {
                zones.push((f.apex(), format!("the zoo fixture {}", f.label), None));
            }
        }
        for t in &self.trainees {
            zones.push((t.zone.clone(), format!("trainee {}", t.name), Some(&t.name)));
        }
        let mut owners: HashMap<Name, &str> = HashMap::new();
        for (apex, owner, trainee) in &zones {
            if let Some(other) = owners.insert(apex.to_lowercase(), owner) {
                return Err(LabError::ZoneCollision {
                    at: trainee.map_or_else(|| Location::new(&self.lab_file, None), trainee_at),
                    zone: apex.clone(),
                    owner: owner.clone(),
                    other: other.to_string(),
                });
            }
        }
        for (host, host_zone, needed_by) in crate::zones::host_names(self) {
            for (apex, owner, trainee) in &zones {
                let below = apex.is_subdomain_of(&host_zone) && !apex.eq_ignore_case(&host_zone);
                if below && host.is_subdomain_of(apex) {
                    return Err(LabError::ZoneShadows {
                        at: trainee.map_or_else(|| Location::new(&self.lab_file, None), trainee_at),
                        zone: apex.clone(),
                        owner: owner.clone(),
                        name: host,
                        needed_by,
                    });
                }
            }
        }
        Ok(())
    }

    fn check_node_names(&self, trainee_at: &dyn Fn(&str) -> Location) -> Result<(), LabError> {
        let mut seen: HashMap<&str, &Node> = HashMap::new();
        for node in &self.nodes {
            if let Some(first) = seen.insert(&node.name, node) {
                let describe = |n: &Node| match &n.trainee {
                    Some(t) => format!("trainee {t}'s {}", n.role),
                    None => format!("the {}", n.role),
                };
                let trainee = node.trainee.as_deref().or(first.trainee.as_deref());
                return Err(LabError::DuplicateNodeName {
                    at: trainee.map_or_else(|| Location::new(&self.lab_file, None), trainee_at),
                    name: node.name.clone(),
                    first: describe(first),
                    second: describe(node),
                });
            }
        }
        Ok(())
    }

    /// Finds two servers planned on one address and port, before anything
    /// binds: every node, and the trainees' own servers where the lab does
    /// not run them. A plan from [`LabPlan::from_spec`] has passed this
    /// check; call it again after adding nodes.
    pub fn check_addresses(&self) -> Result<(), LabError> {
        let mut claims: Vec<(SocketAddr, String)> = self
            .nodes
            .iter()
            .map(|n| (n.address, format!("node {}", n.name)))
            .collect();
        for t in &self.trainees {
            if !self.runs_auth {
                claims.push((
                    t.auth,
                    format!("trainee {}'s own authoritative server", t.name),
                ));
            }
            if !self.runs_resolver {
                claims.push((t.resolver, format!("trainee {}'s own resolver", t.name)));
            }
        }
        let mut seen: HashMap<SocketAddr, String> = HashMap::new();
        for (address, who) in claims {
            if let Some(first) = seen.insert(address, who.clone()) {
                return Err(LabError::AddressConflict {
                    address,
                    first,
                    second: who,
                });
            }
        }
        Ok(())
    }

    /// The trainee with this name.
    pub fn trainee(&self, name: &str) -> Option<&Trainee> {
        self.trainees.iter().find(|t| t.name == name)
    }

    /// The TLD with this label.
    pub fn tld(&self, label: &str) -> Option<&Tld> {
        self.tlds.iter().find(|t| t.label == label)
    }

    /// The node with this name.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// Moves every node to the same place in `network` on `port`: the
    /// Docker backend runs the plan on a bridge network of its own, and the
    /// lab's zones (glue, root hints) then name those addresses.
    pub fn rebase(&mut self, network: Ipv4Net, port: u16) {
        let (old, new) = (
            u32::from(self.network.network()),
            u32::from(network.network()),
        );
        let moved = |a: SocketAddr| -> SocketAddr {
            match a {
                SocketAddr::V4(v4) => {
                    let offset = u32::from(*v4.ip()).wrapping_sub(old);
                    SocketAddr::V4(SocketAddrV4::new(
                        Ipv4Addr::from(new.wrapping_add(offset)),
                        port,
                    ))
                }
                v6 => v6,
            }
        };
        for tld in &mut self.tlds {
            tld.address = moved(tld.address);
        }
        for t in &mut self.trainees {
            t.auth = moved(t.auth);
            t.resolver = moved(t.resolver);
        }
        for n in &mut self.nodes {
            n.address = moved(n.address);
        }
        self.network = network;
        self.port = port;
    }

    /// A trainee's workstation address (`B.12.N`; Docker backend).
    pub fn workstation_address(&self, trainee: &Trainee) -> Ipv4Addr {
        let base = u32::from(self.network.network());
        Ipv4Addr::from(base + (u32::from(WORKSTATION_ROW) << 8) + trainee.number as u32)
    }

    /// The lab root's server.
    pub fn root_node(&self) -> &Node {
        &self.nodes[0]
    }

    /// The address the grader sends from (`B.4.1`): inside the lab, so a
    /// resolver that answers only the lab network answers it.
    pub fn grader_address(&self) -> std::net::IpAddr {
        let base = u32::from(self.network.network());
        std::net::IpAddr::V4(std::net::Ipv4Addr::from(base + (4 << 8) + 1))
    }

    /// The reference resolver.
    pub fn reference_resolver(&self) -> &Node {
        self.nodes
            .iter()
            .find(|n| n.role == Role::ReferenceResolver)
            .expect("every plan has a reference resolver")
    }

    /// The zoo's fixture zones (`<label>.zoo.`, served by the zoo node);
    /// none when the lab has no zoo.
    pub fn zoo_fixtures(&self) -> &'static [crate::zoo::Fixture] {
        if self.zoo { crate::zoo::FIXTURES } else { &[] }
    }

    /// The zones the lab signs with its own keys: the root, each TLD and
    /// the zoo, parents before children. The zoo's fixtures are not among
    /// them: see [`LabPlan::zoo_fixtures`].
    pub fn lab_zones(&self) -> Vec<LabZone> {
        self.nodes
            .iter()
            .filter(|n| matches!(n.role, Role::Root | Role::Tld | Role::Zoo))
            .map(|n| LabZone {
                apex: n.zones[0].clone(),
                role: n.role,
                node: n.name.clone(),
                source_file: PathBuf::from("zones")
                    .join(crate::zones::source_file_name(&n.zones[0])),
            })
            .collect()
    }
}

/// The trainee names from `names` or `count` + `pattern`, checked.
fn trainee_names(spec: &LabFile, src: &Source<'_>) -> Result<Vec<String>, LabError> {
    let t = &spec.trainees;
    let at = || src.key(&["trainees"]);
    let names: Vec<String> = match (&t.names, t.count) {
        (Some(_), Some(_)) => {
            return Err(LabError::Trainees {
                at: at(),
                reason: "give either names or count (with pattern), not both",
            });
        }
        (None, None) => {
            return Err(LabError::Trainees {
                at: at(),
                reason: "give names: [alice, bob] or count: 20 (with pattern: \"t{n:02}\")",
            });
        }
        (Some(_), None) if t.pattern.is_some() => {
            return Err(LabError::Trainees {
                at: src.key(&["trainees", "pattern"]),
                reason: "pattern goes with count, not with names",
            });
        }
        (Some(names), None) => names.iter().map(|l| l.0.clone()).collect(),
        (None, Some(count)) => {
            let pattern = t.pattern.clone().unwrap_or_else(|| {
                defaults::TRAINEE_PATTERN
                    .parse()
                    .expect("the default pattern parses")
            });
            let count = count as usize;
            if count > MAX_TRAINEES {
                return Err(LabError::TooManyTrainees {
                    at: src.key(&["trainees", "count"]),
                    count,
                    max: MAX_TRAINEES,
                });
            }
            let names: Vec<String> = (1..=count).map(|n| pattern.render(n)).collect();
            for name in &names {
                if let Some(reason) = label_problem(name) {
                    return Err(LabError::BadLabel {
                        at: src.key(&["trainees", "pattern"]),
                        field: "trainee name",
                        value: name.clone(),
                        reason,
                    });
                }
            }
            names
        }
    };
    if names.is_empty() {
        return Err(LabError::Trainees {
            at: src.key(&[
                "trainees",
                if t.count.is_some() { "count" } else { "names" },
            ]),
            reason: "a lab needs at least one trainee",
        });
    }
    if names.len() > MAX_TRAINEES {
        return Err(LabError::TooManyTrainees {
            at: at(),
            count: names.len(),
            max: MAX_TRAINEES,
        });
    }
    let mut seen = HashSet::new();
    for name in &names {
        if !seen.insert(name.as_str()) {
            return Err(LabError::DuplicateTrainee {
                at: src.value(&["trainees", "names"], name, 1),
                name: name.clone(),
            });
        }
    }
    Ok(names)
}

/// `access:` checked: ports that fit, keys for trainees of the lab,
/// someone able to log in as each trainee.
fn ssh_access(
    spec: &LabFile,
    src: &Source<'_>,
    trainees: &[Trainee],
) -> Result<Option<SshAccess>, LabError> {
    let Some(access) = &spec.access else {
        return Ok(None);
    };
    let bad = |path: &[&str], reason: String| LabError::Access {
        at: src.key(path),
        reason,
    };
    if !access.ssh.unwrap_or(defaults::SSH) {
        // Settings without the switch would be silently ignored.
        let set = [
            ("bind", access.bind.is_some()),
            ("host", access.host.is_some()),
            ("port_base", access.port_base.is_some()),
            ("password", access.password.is_some()),
            ("keys", access.keys.is_some()),
        ];
        if let Some((key, _)) = set.iter().find(|(_, set)| *set) {
            return Err(bad(
                &["access", key],
                format!("{key} is an SSH setting, but SSH is off: add `ssh: true`"),
            ));
        }
        return Ok(None);
    }
    let port_base = access.port_base.unwrap_or(defaults::SSH_PORT_BASE);
    let last = trainees.len();
    if port_base == 0 || usize::from(port_base) + last > usize::from(u16::MAX) {
        return Err(bad(
            &["access", "port_base"],
            format!(
                "trainees 1 to {last} would be on ports {} to {}: choose a port_base from 1 to {}",
                u32::from(port_base) + 1,
                u32::from(port_base) + last as u32,
                usize::from(u16::MAX) - last
            ),
        ));
    }
    let mut keys = BTreeMap::new();
    for (name, lines) in access.keys.iter().flatten() {
        if !trainees.iter().any(|t| t.name == name.0) {
            let names = trainees.iter().map(|t| t.name.as_str());
            let hint = crate::suggest::closest(&name.0, names)
                .map(|s| format!(", did you mean {s:?}?"))
                .unwrap_or_default();
            return Err(LabError::Access {
                at: src.value(&["access", "keys"], &name.0, 0),
                reason: format!(
                    "keys for {:?}, who is not a trainee of this lab{hint}",
                    name.0
                ),
            });
        }
        keys.insert(
            name.0.clone(),
            lines.iter().map(|l| l.line()).collect::<Vec<_>>(),
        );
    }
    let password = access.password.unwrap_or(defaults::SSH_PASSWORD);
    if !password {
        let keyless: Vec<&str> = trainees
            .iter()
            .filter(|t| keys.get(&t.name).is_none_or(Vec::is_empty))
            .map(|t| t.name.as_str())
            .collect();
        if !keyless.is_empty() {
            return Err(bad(
                &["access", "password"],
                format!(
                    "with password: false only keys log in, and {} {} none (access.keys)",
                    keyless.join(", "),
                    if keyless.len() == 1 { "has" } else { "have" }
                ),
            ));
        }
    }
    Ok(Some(SshAccess {
        bind: access.bind.map_or(defaults::SSH_BIND, |b| b.0),
        host: access.host.as_ref().map(|h| h.0.clone()),
        port_base,
        password,
        keys,
    }))
}

/// The timers a `timers:` entry means, and the profile they start from.
fn timers(spec: Option<&TimersSpec>) -> (TimerProfile, Timers) {
    match spec {
        None => (TimerProfile::DEFAULT, TimerProfile::DEFAULT.timers()),
        Some(TimersSpec::Profile(p)) => (*p, p.timers()),
        Some(TimersSpec::Table(t)) => {
            let profile = t.profile.unwrap_or(TimerProfile::DEFAULT);
            let base = profile.timers();
            let pick = |v: Option<crate::spec::Duration>, d: u32| v.map_or(d, |v| v.0);
            (
                profile,
                Timers {
                    ttl: pick(t.ttl, base.ttl),
                    dnskey_ttl: pick(t.dnskey_ttl, base.dnskey_ttl),
                    ds_ttl: pick(t.ds_ttl, base.ds_ttl),
                    negative_ttl: pick(t.negative_ttl, base.negative_ttl),
                    signature_validity: pick(t.signature_validity, base.signature_validity),
                    signature_refresh: pick(t.signature_refresh, base.signature_refresh),
                    signature_inception_offset: pick(
                        t.signature_inception_offset,
                        base.signature_inception_offset,
                    ),
                },
            )
        }
    }
}

/// `label.` as a name.
fn label_name(label: &str) -> Result<Name, &'static str> {
    Name::parse_absolute(label).map_err(|_| "not a valid DNS name")
}
