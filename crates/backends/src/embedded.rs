//! The embedded backend: every node of the lab as tasks in one process.
//!
//! ```text
//!  up ─▶ plan ─▶ state init (keys, zones, workspaces) ─▶ build the zoo fixtures, sign root/TLDs/zoo
//!     ─▶ one dnslab-server per node on its own 127.x address (UDP + TCP)
//!     ─▶ wait until every node answers ─▶ pid + ready files ─▶ serve
//!     ─▶ re-sign lab zones every signature_refresh ─▶ stop on signal
//! ```
//!
//! The zoo node serves `zoo.` and every fixture of the bogus zoo
//! (`<label>.zoo.`, [`crate::zoo`]); DS queries for a fixture are answered
//! from `zoo.`, the parent, as RFC 4035 §3.1.4.1 requires.
//!
//! A trainee's authoritative node serves `<zone>.zone` from the trainee's
//! workspace, or `<zone>.zone.signed` once the trainee has signed it, and
//! reloads when either changes; a broken file keeps the last good zone and
//! the reason is logged. A broken file at start leaves that zone REFUSED
//! until it is fixed, without stopping the lab.
//!
//! Resolver nodes (the reference resolver and each trainee's) run hickory's
//! recursor ([`crate::resolver`]) on any lab port; a trainee's is
//! restarted when their `resolver.conf` changes.

use crate::lab_zones::{self, LabZoneError};
use crate::probe::answers_soa;
use crate::zoo;
use dnslab_lab::{LabPlan, Node, ProcessIdentity, Role, StateDir};
use dnslab_server::server::{self, ServeError, ServerConfig, Shared, ZoneSource};
use dnslab_zone::ErrorChain;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Why a lab could not run.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    // Boxed: these errors are large and the happy path should stay small.
    #[error(transparent)]
    Lab(Box<dnslab_lab::LabError>),
    #[error(transparent)]
    State(Box<dnslab_lab::StateError>),
    #[error(transparent)]
    LabZone(Box<LabZoneError>),
    #[error("node {node}")]
    Serve { node: String, source: ServeError },
    #[error("nodes did not answer within {seconds} s: {nodes}")]
    NotReady { seconds: u64, nodes: String },
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl From<dnslab_lab::LabError> for BackendError {
    fn from(e: dnslab_lab::LabError) -> Self {
        BackendError::Lab(Box::new(e))
    }
}

impl From<dnslab_lab::StateError> for BackendError {
    fn from(e: dnslab_lab::StateError) -> Self {
        BackendError::State(Box::new(e))
    }
}

impl From<LabZoneError> for BackendError {
    fn from(e: LabZoneError) -> Self {
        BackendError::LabZone(Box::new(e))
    }
}

/// `<state>/supervisor.pid`: the running supervisor
/// ([`dnslab_lab::supervisor`]).
pub fn pid_file(state: &StateDir) -> PathBuf {
    state.pid_file()
}

/// `<state>/ready`: written (with the pid) once every node answers.
pub fn ready_file(state: &StateDir) -> PathBuf {
    state.join("ready")
}

/// `<state>/supervisor.log`: a detached supervisor's output.
pub fn log_file(state: &StateDir) -> PathBuf {
    state.join("supervisor.log")
}

/// The pid in the ready file (or the first line of the pid file), if any.
pub fn read_pid(path: &std::path::Path) -> Option<u32> {
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

/// The running supervisor's pid, if one runs: the pid file names a live
/// process with the supervisor's start time ([`StateDir::supervisor`],
/// which every "does the lab run" question goes through).
pub fn running_pid(state: &StateDir) -> Option<u32> {
    state.supervisor().running().map(|id| id.pid)
}

/// Asks a supervisor to stop (SIGTERM), then insists (SIGKILL) after
/// `grace`. Returns whether it is gone. Each signal goes only to that very
/// process: its start time is checked just before, so a pid the kernel
/// has handed to another process meanwhile is left alone.
pub fn stop(supervisor: &ProcessIdentity, grace: Duration) -> bool {
    let Ok(p) = libc::pid_t::try_from(supervisor.pid) else {
        return false;
    };
    if !supervisor.is_alive() {
        return true;
    }
    // SAFETY: kill(2) takes no pointers; the target is the supervisor
    // itself, identified by pid and start time just above.
    unsafe { libc::kill(p, libc::SIGTERM) };
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if !supervisor.is_alive() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if !supervisor.is_alive() {
        return true;
    }
    // SAFETY: as above, identity checked just before.
    unsafe { libc::kill(p, libc::SIGKILL) };
    std::thread::sleep(Duration::from_millis(100));
    !supervisor.is_alive()
}

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

/// Prepares the state and signs the lab zones: everything before binding.
pub fn prepare(plan: &LabPlan, state: &StateDir) -> Result<(), BackendError> {
    plan.check_addresses()?;
    prepare_state(plan, state)
}

/// The state directory, the signed lab zones, root hints and the reference
/// anchor for `plan` as it will run (any backend).
pub fn prepare_state(plan: &LabPlan, state: &StateDir) -> Result<(), BackendError> {
    let report = state.init(plan)?;
    tracing::info!(
        keys = report.generated_keys.len(),
        new_workspaces = report.new_workspaces.len(),
        "state ready"
    );
    lab_zones::sign_all(state, plan)?;
    write_small(
        root_hints_file(state),
        crate::resolver::root_hints_text(plan)?,
    )?;
    let root = dnslab_zone::Name::root();
    let anchors: String = state
        .load_keys(&root)?
        .iter()
        .filter(|k| k.is_sep())
        .map(|k| {
            format!(
                "{}\n",
                dnslab_zone::Record::new(
                    root.clone(),
                    dnslab_zone::Rtype::DNSKEY,
                    plan.timers.dnskey_ttl,
                    k.dnskey_rdata()
                )
            )
        })
        .collect();
    write_small(reference_anchor_file(state), anchors)?;
    Ok(())
}

/// `<state>/root.hints`: where the lab's resolvers start.
pub fn root_hints_file(state: &StateDir) -> PathBuf {
    state.join("root.hints")
}

/// `<state>/trust-anchor.dnskey`: the lab root's KSK, the reference
/// resolver's trust anchor.
pub fn reference_anchor_file(state: &StateDir) -> PathBuf {
    state.join("trust-anchor.dnskey")
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

fn write_small(path: PathBuf, text: String) -> Result<(), BackendError> {
    dnslab_zone::writer::write_file_atomically(&path, |w| w.write_all(text.as_bytes()))
        .map_err(|source| BackendError::Io { path, source })
}

/// Runs the lab until `shutdown` resolves. Call [`prepare`] first.
pub async fn run(
    plan: LabPlan,
    state: StateDir,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), BackendError> {
    let me = state.record_supervisor()?;
    let _ = std::fs::remove_file(ready_file(&state));
    let result = serve_nodes(&plan, &state, shutdown).await;
    let _ = std::fs::remove_file(ready_file(&state));
    state.forget_supervisor(&me);
    result
}

async fn serve_nodes(
    plan: &LabPlan,
    state: &StateDir,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), BackendError> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    let mut probes = Vec::new();
    for (node, config) in node_configs(plan, state)? {
        let (shared, errors) = Shared::load_lenient(&config);
        for error in errors {
            tracing::warn!(node = %node.name, error = %ErrorChain(&error), "zone not loaded; it is REFUSED until its file is fixed");
        }
        if let Some(zone) = config.zones.first() {
            probes.push((
                node.name.clone(),
                node.address,
                zone.origin.clone(),
                shared.clone(),
            ));
        }
        let mut rx = stop_rx.clone();
        let name = node.name.clone();
        tasks.spawn(async move {
            let stopped = async move {
                let _ = rx.wait_for(|s| *s).await;
            };
            server::run(config, shared, stopped)
                .await
                .map_err(|source| BackendError::Serve { node: name, source })
        });
    }

    let resolvers = tokio::spawn(run_resolvers(plan.clone(), state.clone(), stop_rx.clone()));
    let resolver_addrs: Vec<(String, std::net::SocketAddr)> = plan
        .nodes
        .iter()
        .filter(|n| resolver_config(plan, state, n).is_some())
        .map(|n| (n.name.clone(), n.address))
        .collect();

    // Ready when every node answers (resolvers: a recursive query through
    // the lab), or fail early when one cannot bind. Probes block, so they
    // run off the runtime, all nodes at once.
    const READY_WITHIN: u64 = 30;
    let deadline = Instant::now() + Duration::from_secs(READY_WITHIN);
    let probes = std::sync::Arc::new(probes);
    loop {
        if let Some(Ok(Err(e))) = tasks.try_join_next() {
            let _ = stop_tx.send(true);
            while tasks.join_next().await.is_some() {}
            return Err(e);
        }
        let (p, r) = (probes.clone(), resolver_addrs.clone());
        let silent: Vec<String> = tokio::task::spawn_blocking(move || {
            let mut silent = silent_nodes(&p);
            if silent.is_empty() {
                silent = silent_resolvers(&r);
            }
            silent
        })
        .await
        .unwrap_or_default();
        if silent.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            let nodes = silent.join(", ");
            let _ = stop_tx.send(true);
            while tasks.join_next().await.is_some() {}
            return Err(BackendError::NotReady {
                seconds: READY_WITHIN,
                nodes,
            });
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    write_small(ready_file(state), format!("{}\n", std::process::id()))?;
    tracing::info!(workshop = %plan.workshop, nodes = probes.len() + resolver_addrs.len(), "lab is up");

    let resign = tokio::spawn(resign_periodically(plan.clone(), state.clone()));
    let timelines = tokio::spawn(record_timelines(plan.clone(), state.clone()));
    let scan = plan
        .cds_scan
        .enabled
        .then(|| tokio::spawn(scan_cds_periodically(plan.clone(), state.clone())));
    shutdown.await;
    tracing::info!("stopping the lab");
    resign.abort();
    timelines.abort();
    let _ = stop_tx.send(true);
    let _ = resolvers.await;
    if let Some(scan) = scan {
        scan.abort();
    }
    let _ = stop_tx.send(true);
    let mut result = Ok(());
    while let Some(joined) = tasks.join_next().await {
        if let Ok(Err(e)) = joined {
            result = Err(e);
        }
    }
    result
}

type Probe = (
    String,
    std::net::SocketAddr,
    dnslab_zone::Name,
    std::sync::Arc<Shared>,
);

/// The nodes that do not answer an SOA probe yet (each probed in its own
/// thread). A zone that did not load cannot answer; its node still runs.
fn silent_nodes(probes: &[Probe]) -> Vec<String> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = probes
            .iter()
            .map(|(name, addr, apex, shared)| {
                scope.spawn(move || {
                    let loaded = shared
                        .zones
                        .load()
                        .get(apex.to_lowercase().as_wire())
                        .is_some();
                    (loaded && !answers_soa(*addr, apex, Duration::from_millis(200)))
                        .then(|| name.clone())
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().ok().flatten())
            .collect()
    })
}

/// A resolver task: the `resolver.conf` time it started from, its stop
/// switch and its task.
type RunningResolver = (
    Option<std::time::SystemTime>,
    tokio::sync::watch::Sender<bool>,
    tokio::task::JoinHandle<()>,
);

/// Runs every resolver node, restarting a trainee's when its
/// `resolver.conf` changes, until `stop` turns true.
async fn run_resolvers(
    plan: LabPlan,
    state: StateDir,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    use std::collections::HashMap;
    let stamp = |node: &Node| {
        node.trainee
            .as_deref()
            .and_then(|t| plan.trainee(t))
            .and_then(|t| {
                std::fs::metadata(state.join(t.resolver_conf()))
                    .and_then(|m| m.modified())
                    .ok()
            })
    };
    let mut running: HashMap<String, RunningResolver> = HashMap::new();
    loop {
        for node in plan.nodes.iter().filter(|n| n.role.is_resolver()) {
            let now = stamp(node);
            if running
                .get(&node.name)
                .is_some_and(|(seen, ..)| *seen == now)
            {
                continue;
            }
            if let Some((_, tx, task)) = running.remove(&node.name) {
                let _ = tx.send(true);
                let _ = task.await;
                tracing::info!(node = %node.name, "resolver.conf changed: restarting the resolver");
            }
            // What the resolver starts from, read before it starts: the
            // marker written below then never claims a newer file.
            let conf_text = node
                .trainee
                .as_deref()
                .and_then(|t| plan.trainee(t))
                .and_then(|t| std::fs::read(state.join(t.resolver_conf())).ok());
            let Some(config) = resolver_config(&plan, &state, node) else {
                continue;
            };
            let (tx, mut rx) = tokio::sync::watch::channel(false);
            let name = node.name.clone();
            let task = tokio::spawn(async move {
                let stopped = async move {
                    let _ = rx.wait_for(|s| *s).await;
                };
                if let Err(error) = crate::resolver::run(config, stopped).await {
                    tracing::error!(node = %name, error = %ErrorChain(&error), "resolver stopped");
                }
            });
            running.insert(node.name.clone(), (now, tx, task));
            if let (Some(trainee), Some(text)) = (node.trainee.as_deref(), conf_text) {
                let marker = state.applied_resolver_conf(trainee);
                let _ = std::fs::create_dir_all(state.join("resolvers"));
                if let Err(error) =
                    dnslab_zone::writer::write_file_atomically(&marker, |w| w.write_all(&text))
                {
                    tracing::warn!(path = %marker.display(), %error, "cannot record the resolver.conf applied");
                }
            }
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            _ = tokio::time::sleep(FILE_WATCH_INTERVAL) => {}
        }
    }
    for (_, (_, tx, task)) in running {
        let _ = tx.send(true);
        let _ = task.await;
    }
}

/// The TLDs' CDS/CDNSKEY scanning (RFC 7344): every `cds_scan.interval`,
/// each trainee zone in turn ([`crate::cds::scan_trainee`]).
pub(crate) async fn scan_cds_periodically(plan: LabPlan, state: StateDir) {
    let every = Duration::from_secs(u64::from(plan.cds_scan.interval.max(1)));
    loop {
        tokio::time::sleep(every).await;
        let (p, s) = (plan.clone(), state.clone());
        let _ = tokio::task::spawn_blocking(move || {
            for trainee in &p.trainees {
                if let Err(error) = crate::cds::scan_trainee(&s, &p, trainee) {
                    tracing::error!(trainee = %trainee.name, error = %ErrorChain(&error), "CDS scan failed");
                }
            }
        })
        .await;
    }
}

/// The resolvers that do not answer a recursive query yet.
fn silent_resolvers(resolvers: &[(String, std::net::SocketAddr)]) -> Vec<String> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = resolvers
            .iter()
            .map(|(name, addr)| {
                scope.spawn(move || {
                    (!crate::probe::answers_recursive(*addr, Duration::from_millis(500)))
                        .then(|| name.clone())
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().ok().flatten())
            .collect()
    })
}

/// Records every trainee zone's keys, DS and signatures every
/// `timeline_interval` into `<state>/timeline/<trainee>.jsonl`, for
/// `dnslab timeline` and the rollover checks
/// ([`dnslab_probe::timeline`]).
pub(crate) async fn record_timelines(plan: LabPlan, state: StateDir) {
    use dnslab_probe::timeline::{self, Recorder, SnapshotTarget};
    let every = Duration::from_secs(u64::from(plan.timers.timeline_interval()));
    let opts = dnslab_probe::ProbeOptions {
        timeout: Duration::from_millis(800),
        attempts: 2,
        ..Default::default()
    };
    let mut recorders = std::collections::HashMap::new();
    let mut targets = Vec::new();
    for t in &plan.trainees {
        let Some(tld) = plan.tld(&t.tld) else {
            continue;
        };
        let path = timeline::path(&state, &t.name);
        match Recorder::open(&path) {
            Ok(r) => {
                recorders.insert(t.name.clone(), r);
            }
            Err(error) => {
                tracing::error!(trainee = %t.name, error = %ErrorChain(&error), "timeline not recorded");
                continue;
            }
        }
        targets.push((
            t.name.clone(),
            SnapshotTarget {
                zone: t.zone.clone(),
                parents: vec![(format!("tld-{}", tld.label), tld.address)],
                servers: vec![(format!("{}-auth", t.name), t.auth)],
                probes: timeline::snapshot::probes_from_zone_file(
                    &state.join(&t.zone_file),
                    &t.zone,
                    2,
                ),
            },
        ));
    }
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticker.tick().await;
        let now = dnslab_zone::rdata::time::now();
        let mut asked = tokio::task::JoinSet::new();
        for (name, target) in &targets {
            let (name, target, opts) = (name.clone(), target.clone(), opts.clone());
            asked.spawn(async move { (name, timeline::snapshot::take(&target, &opts, now).await) });
        }
        for (name, snapshot) in asked.join_all().await {
            if let Some(r) = recorders.get_mut(&name)
                && let Err(error) = r.append(&snapshot)
            {
                tracing::error!(trainee = %name, error = %ErrorChain(&error), "cannot record the timeline");
            }
        }
    }
}

/// Re-signs the lab zones before their signatures run out.
pub(crate) async fn resign_periodically(plan: LabPlan, state: StateDir) {
    let every = Duration::from_secs(u64::from(plan.timers.signature_refresh.max(60)));
    loop {
        tokio::time::sleep(every).await;
        let (p, s) = (plan.clone(), state.clone());
        match tokio::task::spawn_blocking(move || lab_zones::sign_all(&s, &p)).await {
            Ok(Ok(_)) => tracing::info!("lab zones re-signed"),
            Ok(Err(error)) => {
                tracing::error!(error = %ErrorChain(&error), "re-signing the lab zones failed")
            }
            Err(error) => tracing::error!(%error, "re-signing task failed"),
        }
    }
}
