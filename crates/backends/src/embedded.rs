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

//!
//! What runs where is the supervisor's and the nodes' business, shared
//! with the Docker backend ([`crate::supervisor`], [`crate::nodes`]); this
//! module only runs the nodes in process.

use crate::nodes::{FILE_WATCH_INTERVAL, node_configs, resolver_config};
use crate::probe::answers_soa;
use crate::supervisor::{
    BackendError, prepare_state, ready_file, record_timelines, resign_periodically,
    scan_cds_periodically, write_small,
};
use dnslab_lab::{LabPlan, Node, StateDir};
use dnslab_server::server::{self, Shared};
use dnslab_zone::ErrorChain;
use std::time::{Duration, Instant};

/// Prepares the state and signs the lab zones: everything before binding.
pub fn prepare(plan: &LabPlan, state: &StateDir) -> Result<(), BackendError> {
    plan.check_addresses()?;
    prepare_state(plan, state)
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
