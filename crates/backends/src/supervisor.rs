//! The lab's supervisor, whichever backend runs the nodes: the process
//! (its pid, ready and log files; stopping it; starting it detached and
//! waiting until it is ready), the state it prepares before anything
//! runs, and its periodic duties: re-signing the lab zones, recording the
//! trainees' timelines and scanning CDS.
//!
//! ```text
//!  up ─▶ prepare_state (keys, zones, root hints, anchor) ─▶ backend runs the nodes
//!     ─▶ ready file ─▶ resign_periodically · record_timelines · scan_cds_periodically
//!  up --detach ─▶ start_detached (`dnslab up --supervise` in its own process group)
//!              ─▶ waits for the ready file naming the child
//! ```

use crate::lab_zones::{self, LabZoneError};
use dnslab_lab::{LabPlan, ProcessIdentity, StateDir};
use dnslab_server::server::ServeError;
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

/// How long `up --detach` waits for a detached supervisor to be ready.
pub const READY_WITHIN: Duration = Duration::from_secs(30);

/// Why a detached supervisor did not come up.
#[derive(Debug, thiserror::Error)]
pub enum DetachError {
    #[error("cannot create {}", .path.display())]
    Log {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot start the lab supervisor")]
    Spawn(#[source] std::io::Error),
    #[error("the lab supervisor stopped ({status}); the end of {}:\n{tail}", .log.display())]
    Stopped {
        status: std::process::ExitStatus,
        log: PathBuf,
        tail: String,
    },
    #[error("the lab did not come up within {} s; see {}", READY_WITHIN.as_secs(), .log.display())]
    NotReady { log: PathBuf },
}

/// Whether the ready file names the supervisor `pid`.
pub fn is_ready(state: &StateDir, pid: u32) -> bool {
    read_pid(&ready_file(state)) == Some(pid)
}

/// Starts `command` (the caller's own `up … --supervise` command line) as
/// the lab's supervisor in its own process group, so that Ctrl-C in the
/// caller's terminal does not stop it, with its output in
/// [`log_file`]; waits until it is ready and returns its pid. When it
/// stops first, the error holds the end of its log.
pub fn start_detached(
    mut command: std::process::Command,
    state: &StateDir,
) -> Result<u32, DetachError> {
    use std::os::unix::process::CommandExt;
    let log_path = log_file(state);
    let log_error = |source| DetachError::Log {
        path: log_path.clone(),
        source,
    };
    let log = std::fs::File::create(&log_path).map_err(log_error)?;
    let log_copy = log.try_clone().map_err(log_error)?;
    let mut child = command
        .env(
            "DNSLAB_LOG",
            std::env::var("DNSLAB_LOG").unwrap_or_else(|_| "info".into()),
        )
        .stdin(std::process::Stdio::null())
        .stdout(log_copy)
        .stderr(log)
        .process_group(0)
        .spawn()
        .map_err(DetachError::Spawn)?;
    let deadline = Instant::now() + READY_WITHIN;
    loop {
        if is_ready(state, child.id()) {
            return Ok(child.id());
        }
        if let Some(status) = child.try_wait().map_err(DetachError::Spawn)? {
            let text = std::fs::read_to_string(&log_path).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(15).collect();
            return Err(DetachError::Stopped {
                status,
                log: log_path,
                tail: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
            });
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(DetachError::NotReady { log: log_path });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
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
    let anchors: String = lab_zones::root_anchor(state, plan)?
        .iter()
        .map(|r| format!("{r}\n"))
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

pub(crate) fn write_small(path: PathBuf, text: String) -> Result<(), BackendError> {
    dnslab_zone::writer::write_file_atomically(&path, |w| w.write_all(text.as_bytes()))
        .map_err(|source| BackendError::Io { path, source })
}

/// The TLDs' CDS/CDNSKEY scanning (RFC 7344): every `cds_scan.interval`,
/// each trainee zone in turn ([`crate::cds::scan_trainee`]).
pub async fn scan_cds_periodically(plan: LabPlan, state: StateDir) {
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

/// Records every trainee zone's keys, DS and signatures every
/// `timeline_interval` into `<state>/timeline/<trainee>.jsonl`, for
/// `dnslab timeline` and the rollover checks
/// ([`dnslab_probe::timeline`]).
pub async fn record_timelines(plan: LabPlan, state: StateDir) {
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
pub async fn resign_periodically(plan: LabPlan, state: StateDir) {
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
