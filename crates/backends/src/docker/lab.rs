//! A lab on Docker, end to end: bring-up, health, the host supervisor,
//! status and tear-down.

use super::containers::{self, NodeSpec};
use super::image::{self, ImageKind};
use super::record::{self, DockerRecord};
use super::{DockerError, Progress, connect, network};
use crate::supervisor::{self, BackendError};
use bollard::Docker;
use dnslab_lab::{LabPlan, Role, StateDir};
use dnslab_zone::ErrorChain;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long `up` waits for every node to answer.
pub const HEALTHY_WITHIN: Duration = Duration::from_secs(60);

fn lab_error(e: BackendError) -> DockerError {
    DockerError::Lab(Box::new(e))
}

/// What `up` did.
#[derive(Debug)]
pub struct UpReport {
    pub record: DockerRecord,
    pub image_built: bool,
    pub nodes: usize,
}

/// Brings the lab up on Docker, or completes it: builds the node image if
/// needed, makes the network, moves `plan` onto it, prepares the state,
/// makes every container run as planned and waits until each answers.
/// Afterwards `plan` is the rebased plan and the host reaches the nodes
/// through their published ports.
pub async fn bring_up(
    plan: &mut LabPlan,
    state: &StateDir,
    progress: &dyn Progress,
) -> Result<UpReport, DockerError> {
    if !plan.runs_auth || !plan.runs_resolver {
        // Trainees' own servers would sit on the lab's bridge, where the
        // host does not go: the Docker backend runs every node itself.
        return Err(DockerError::Setup(
            "the Docker backend runs every trainee's server and resolver: remove `nodes: { auth: false }` / `resolver: false` from the lab file, or use the embedded backend".to_string(),
        ));
    }
    bindable(state.path())?;
    let docker = connect().await?;
    progress.start("node image", 1);
    let image_built = image::ensure_node_image(&docker, false).await?;
    progress.done("node image");
    progress.finish();
    let previous = record::load(state);
    let net = network::ensure(&docker, &plan.workshop, previous.map(|r| r.subnet)).await?;
    plan.rebase(net.subnet, 53);
    {
        let (p, s) = (plan.clone(), state.clone());
        tokio::task::spawn_blocking(move || supervisor::prepare_state(&p, &s))
            .await
            .map_err(|e| DockerError::Setup(format!("preparing the state: {e}")))?
            .map_err(lab_error)?;
    }
    write_public_files(state)?;
    let (image_id, trainee_image_id) = image_ids(&docker, plan).await?;
    super::ssh::prepare(&docker, plan, state).await?;
    if plan.runs_workstation {
        // Trainees have shells there: nothing on the lab network may open
        // a connection off it.
        super::egress::close(&docker, &plan.workshop, &net.id).await?;
    }
    let specs =
        containers::node_specs(plan, state, &image_id, &trainee_image_id).map_err(lab_error)?;
    let ports =
        containers::ensure_all(&docker, &plan.workshop, &net.name, &specs, progress).await?;
    let record = DockerRecord {
        workshop: plan.workshop.clone(),
        network: net.name.clone(),
        subnet: net.subnet,
        ports,
    };
    record::save(state, &record).map_err(|source| DockerError::Io {
        path: record::path(state),
        source,
    })?;
    record.apply(plan);
    wait_healthy(&docker, &plan.workshop, &specs, progress).await?;
    Ok(UpReport {
        record,
        image_built,
        nodes: specs.len(),
    })
}

/// Docker's bind mounts are `SOURCE:TARGET[:OPTIONS]`: a state directory
/// with a `:` in its path would be cut there (and mount the wrong thing),
/// so it is refused before anything is made.
fn bindable(state_dir: &std::path::Path) -> Result<(), DockerError> {
    let absolute = std::path::absolute(state_dir).unwrap_or_else(|_| state_dir.to_path_buf());
    if absolute.to_string_lossy().contains(':') {
        return Err(DockerError::Setup(format!(
            "the state directory {} has a ':' in its path, which Docker's bind mounts cannot take; choose another with --state-dir (or DNSLAB_STATE_DIR)",
            absolute.display()
        )));
    }
    Ok(())
}

/// The node image's id, and the trainee image's when the lab has
/// workstations (which needs it built: it cannot be made from nothing),
/// checked to have OpenSSH's server when the lab has SSH access.
async fn image_ids(docker: &Docker, plan: &LabPlan) -> Result<(String, String), DockerError> {
    let workstations = plan.runs_workstation;
    if plan.ssh.is_some() {
        let sshd = docker
            .inspect_image(&ImageKind::Trainee.reference())
            .await
            .ok()
            .and_then(|i| i.config)
            .and_then(|c| c.labels)
            .and_then(|l| l.get(super::ssh::SSHD_LABEL).cloned());
        if sshd.is_some_and(|s| s != "true") {
            return Err(DockerError::Setup(format!(
                "the lab file asks for SSH access (access.ssh: true) but the trainee image {} has no OpenSSH server; make the root filesystem with openssh-server (see docker/README.md) and run `dnslab image build trainee --rootfs DIR` again",
                ImageKind::Trainee.reference()
            )));
        }
    }
    let id = |r: Result<bollard::models::ImageInspect, _>| r.ok().and_then(|i| i.id);
    let node = id(docker.inspect_image(&ImageKind::Node.reference()).await).ok_or_else(|| {
        DockerError::Setup(format!(
            "the node image {} is missing",
            ImageKind::Node.reference()
        ))
    })?;
    let trainee = if workstations {
        id(docker.inspect_image(&ImageKind::Trainee.reference()).await).ok_or_else(|| {
            DockerError::Setup(format!(
                "the lab file asks for trainee workstations (nodes.workstation: true) but the trainee image {} is missing; build it with `dnslab image build trainee --rootfs DIR` from a debootstrap root filesystem (see docker/README.md)",
                ImageKind::Trainee.reference()
            ))
        })?
    } else {
        String::new()
    };
    Ok((node, trainee))
}

/// `<state>/public/`: what a trainee may see of the lab (root hints and
/// the lab's trust anchor), mounted into workstations at /lab. Never the
/// state directory itself, which holds the lab's keys.
pub fn public_dir(state: &StateDir) -> std::path::PathBuf {
    state.join("public")
}

fn write_public_files(state: &StateDir) -> Result<(), DockerError> {
    // Mounted into the resolvers even before any trainee anchors exist.
    let resolvers = state.join("resolvers");
    std::fs::create_dir_all(&resolvers).map_err(|source| DockerError::Io {
        path: resolvers,
        source,
    })?;
    let dir = public_dir(state);
    std::fs::create_dir_all(&dir).map_err(|source| DockerError::Io {
        path: dir.clone(),
        source,
    })?;
    for (from, name) in [
        (supervisor::root_hints_file(state), "root.hints"),
        (
            supervisor::reference_anchor_file(state),
            "trust-anchor.dnskey",
        ),
    ] {
        let to = dir.join(name);
        let text = std::fs::read(&from).map_err(|source| DockerError::Io {
            path: from.clone(),
            source,
        })?;
        dnslab_zone::writer::write_file_atomically(&to, |w| w.write_all(&text))
            .map_err(|source| DockerError::Io { path: to, source })?;
    }
    Ok(())
}

/// Whether a node answers through its published port: an authoritative
/// server answers anything (a trainee's broken zone is REFUSED, yet the
/// server runs); a resolver resolves the lab root.
fn node_answers(spec: &NodeSpec, timeout: Duration) -> bool {
    match &spec.kind {
        containers::Kind::Resolver => crate::probe::answers_recursive(spec.address, timeout),
        containers::Kind::Server { apex } => {
            crate::probe::answers_at_all(spec.address, apex, timeout)
        }
        // sshd answers with its version line; without SSH nothing
        // listens, and the caller checks that the container runs.
        containers::Kind::Workstation => spec
            .ssh
            .as_ref()
            .is_some_and(|p| super::ssh::answers(p.probe_address(), timeout)),
    }
}

async fn wait_healthy(
    docker: &Docker,
    workshop: &str,
    specs: &[NodeSpec],
    progress: &dyn Progress,
) -> Result<(), DockerError> {
    let deadline = Instant::now() + HEALTHY_WITHIN;
    let mut waiting: Vec<NodeSpec> = specs.to_vec();
    progress.start("health", specs.len() as u64);
    loop {
        let batch = waiting.clone();
        let silent: Vec<NodeSpec> = tokio::task::spawn_blocking(move || {
            std::thread::scope(|scope| {
                let handles: Vec<_> = batch
                    .iter()
                    .map(|s| {
                        scope.spawn(move || {
                            (!node_answers(s, Duration::from_millis(400))).then(|| s.clone())
                        })
                    })
                    .collect();
                // A probe that panicked proves nothing: still waiting.
                handles
                    .into_iter()
                    .zip(batch.iter())
                    .filter_map(|(h, s)| h.join().unwrap_or_else(|_| Some(s.clone())))
                    .collect()
            })
        })
        .await
        .unwrap_or_else(|_| waiting.clone());
        // A workstation without SSH is ready when its container runs.
        let states = container_states(docker, workshop).await?;
        let silent: Vec<NodeSpec> = silent
            .into_iter()
            .filter(|s| {
                s.kind != containers::Kind::Workstation
                    || s.ssh.is_some()
                    || states.get(&s.name).map(String::as_str) != Some("running")
            })
            .collect();
        for done in waiting
            .iter()
            .filter(|w| !silent.iter().any(|s| s.name == w.name))
        {
            progress.done(&done.name);
        }
        waiting = silent;
        if waiting.is_empty() {
            progress.finish();
            return Ok(());
        }
        // A container that exited will not come back by waiting.
        let exited: Vec<&NodeSpec> = waiting
            .iter()
            .filter(|w| states.get(&w.name).is_some_and(|s| s != "running"))
            .collect();
        if let Some(dead) = exited.first() {
            progress.finish();
            let log = containers::log_tail(docker, &dead.container, 10).await;
            return Err(DockerError::Setup(format!(
                "container {} stopped ({}); its last output:\n{log}",
                dead.container,
                states.get(&dead.name).map_or("gone", String::as_str)
            )));
        }
        if Instant::now() > deadline {
            progress.finish();
            return Err(DockerError::NotHealthy {
                seconds: HEALTHY_WITHIN.as_secs(),
                nodes: waiting
                    .iter()
                    .map(|w| w.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Node name → container state (`running`, `exited`, …) for `workshop`.
pub async fn container_states(
    docker: &Docker,
    workshop: &str,
) -> Result<HashMap<String, String>, DockerError> {
    Ok(containers::list(docker, Some(workshop))
        .await?
        .into_iter()
        .map(|c| (c.node, c.state))
        .collect())
}

/// Container states for `status`, connecting on its own; `None` when the
/// engine cannot be reached (the status says so).
pub async fn states_for_status(workshop: &str) -> Option<HashMap<String, String>> {
    let docker = connect().await.ok()?;
    container_states(&docker, workshop).await.ok()
}

/// What `down` removed.
#[derive(Debug, Default)]
pub struct DownReport {
    pub containers: usize,
    pub networks: Vec<String>,
    pub volumes: Vec<String>,
}

/// Removes every object labelled for `workshop` (every dnslab object when
/// `None`); needs no state directory.
pub async fn tear_down(workshop: Option<&str>) -> Result<DownReport, DockerError> {
    let docker = connect().await?;
    if let Some(w) = workshop {
        // No table is fine; no trainee image (a lab without workstations
        // never made one) is too.
        if let Err(e) = super::egress::remove(&docker, w).await {
            tracing::debug!(error = %dnslab_zone::ErrorChain(&e), "no lab firewall removed");
        }
    }
    let containers = containers::remove_all(&docker, workshop).await?;
    let networks = network::remove_all(&docker, workshop).await?;
    let volumes = remove_volumes(&docker, workshop).await?;
    Ok(DownReport {
        containers,
        networks,
        volumes,
    })
}

async fn remove_volumes(
    docker: &Docker,
    workshop: Option<&str>,
) -> Result<Vec<String>, DockerError> {
    use super::labels;
    let filters = match workshop {
        Some(w) => super::label_filter(&[(labels::WORKSHOP, w)]),
        None => super::label_filter(&[(labels::MANAGED, "true")]),
    };
    let options = bollard::query_parameters::ListVolumesOptionsBuilder::default()
        .filters(&filters)
        .build();
    let listed = docker
        .list_volumes(Some(options))
        .await
        .map_err(DockerError::api("listing volumes"))?;
    let mut removed = Vec::new();
    for v in listed.volumes.unwrap_or_default() {
        docker
            .remove_volume(
                &v.name,
                None::<bollard::query_parameters::RemoveVolumeOptions>,
            )
            .await
            .map_err(DockerError::api(format!("removing volume {}", v.name)))?;
        removed.push(v.name);
    }
    Ok(removed)
}

/// The host side of a Docker lab, until `shutdown`: re-signs the lab
/// zones, records timelines, scans for CDS/CDNSKEY, and re-creates a
/// trainee's resolver when their `resolver.conf` changes. `plan` is the
/// rebased plan ([`DockerRecord::apply`] done).
pub async fn supervise(
    plan: LabPlan,
    state: StateDir,
    record: DockerRecord,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), DockerError> {
    let me = state
        .record_supervisor()
        .map_err(|e| Box::new(supervisor::BackendError::from(e)))?;
    let ready = supervisor::ready_file(&state);
    dnslab_zone::writer::write_file_atomically(&ready, |w| {
        w.write_all(format!("{}\n", me.pid).as_bytes())
    })
    .map_err(|source| DockerError::Io {
        path: ready.clone(),
        source,
    })?;
    let resign = tokio::spawn(supervisor::resign_periodically(plan.clone(), state.clone()));
    let timelines = tokio::spawn(supervisor::record_timelines(plan.clone(), state.clone()));
    let scan = plan.cds_scan.enabled.then(|| {
        tokio::spawn(supervisor::scan_cds_periodically(
            plan.clone(),
            state.clone(),
        ))
    });
    let resolvers = tokio::spawn(follow_resolver_confs(plan.clone(), state.clone(), record));
    tracing::info!(workshop = %plan.workshop, "Docker lab supervised");
    shutdown.await;
    resign.abort();
    timelines.abort();
    resolvers.abort();
    if let Some(scan) = scan {
        scan.abort();
    }
    let _ = std::fs::remove_file(ready);
    state.forget_supervisor(&me);
    Ok(())
}

/// Re-creates a trainee's resolver container when their `resolver.conf`
/// changes (its anchors and validation switch are in the container's
/// arguments and mounted anchors file).
async fn follow_resolver_confs(plan: LabPlan, state: StateDir, record: DockerRecord) {
    let stamp = |t: &dnslab_lab::Trainee| {
        std::fs::metadata(state.join(t.resolver_conf()))
            .and_then(|m| m.modified())
            .ok()
    };
    let mut seen: HashMap<String, Option<std::time::SystemTime>> = plan
        .trainees
        .iter()
        .map(|t| (t.name.clone(), stamp(t)))
        .collect();
    let docker = match connect().await {
        Ok(d) => d,
        Err(error) => {
            tracing::error!(error = %ErrorChain(&error), "resolver.conf changes will not be followed");
            return;
        }
    };
    let record_stamp = || {
        std::fs::metadata(record::path(&state))
            .and_then(|m| m.modified())
            .ok()
    };
    let mut record_seen = record_stamp();
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        // Another command (reset) may have moved a node to another port.
        let record_now = record_stamp();
        if record_now != record_seen {
            record_seen = record_now;
            if let Some(updated) = record::load(&state) {
                dnslab_lab::reach::install(updated.host_map(&plan));
            }
        }
        for t in &plan.trainees {
            let now = stamp(t);
            if seen.get(&t.name) == Some(&now) {
                continue;
            }
            // `seen` moves on only once the resolver follows: a failure is
            // tried again at the next look.
            let Ok(image_id) = docker
                .inspect_image(&ImageKind::Node.reference())
                .await
                .map(|i| i.id.unwrap_or_default())
            else {
                continue;
            };
            // Only the resolver's spec is used: the trainee image id does
            // not matter here.
            let Ok(specs) = containers::node_specs(&plan, &state, &image_id, "") else {
                continue;
            };
            let resolver_role = Role::Resolver.as_str();
            let Some(spec) = specs
                .iter()
                .find(|s| s.role == resolver_role && s.trainee.as_deref() == Some(&t.name))
            else {
                continue;
            };
            let current = containers::list(&docker, Some(&plan.workshop))
                .await
                .ok()
                .and_then(|l| l.into_iter().find(|c| c.node == spec.name));
            match containers::ensure_one(
                &docker,
                &plan.workshop,
                &record.network,
                spec,
                current.as_ref(),
            )
            .await
            {
                Ok((action, port)) => {
                    seen.insert(t.name.clone(), now);
                    tracing::info!(trainee = %t.name, ?action, "resolver.conf changed: resolver follows");
                    let known = record::load(&state).unwrap_or_else(|| record.clone());
                    if let Some(port) = port
                        && known.ports.get(&spec.name) != Some(&port)
                    {
                        // Re-created on another port: the record and this
                        // process's map follow.
                        match record::update_port(&state, &record, &spec.name, port) {
                            Ok(updated) => dnslab_lab::reach::install(updated.host_map(&plan)),
                            Err(error) => {
                                tracing::error!(%error, "cannot update the Docker record")
                            }
                        }
                    }
                }
                Err(error) => {
                    tracing::error!(trainee = %t.name, error = %ErrorChain(&error), "cannot restart the resolver")
                }
            }
        }
    }
}

/// Re-creates `trainee`'s containers after their workspace was replaced
/// (`dnslab reset` moves the old one to the attic; a bind mount would
/// keep showing it). Ports are kept where they can be.
pub async fn recreate_trainee(
    plan: &LabPlan,
    state: &StateDir,
    record: &DockerRecord,
    trainee: &str,
) -> Result<usize, DockerError> {
    let docker = connect().await?;
    let (image_id, trainee_image_id) = image_ids(&docker, plan).await?;
    let specs =
        containers::node_specs(plan, state, &image_id, &trainee_image_id).map_err(lab_error)?;
    let running = containers::list(&docker, Some(&plan.workshop)).await?;
    let mut n = 0;
    // The containers that mount the workspace: the trainee's server and
    // workstation. (Their resolver follows resolver.conf through the
    // supervisor, which re-creates it when that file changes.)
    let mounts_workspace = |s: &&NodeSpec| {
        matches!(
            s.kind,
            containers::Kind::Server { .. } | containers::Kind::Workstation
        )
    };
    for spec in specs
        .iter()
        .filter(|s| s.trainee.as_deref() == Some(trainee))
        .filter(mounts_workspace)
    {
        let current = running.iter().find(|c| c.node == spec.name);
        let (_, port) =
            containers::recreate_one(&docker, &plan.workshop, &record.network, spec, current)
                .await?;
        if let Some(port) = port
            && record.ports.get(&spec.name) != Some(&port)
        {
            record::update_port(state, record, &spec.name, port).map_err(|source| {
                DockerError::Io {
                    path: record::path(state),
                    source,
                }
            })?;
            tracing::warn!(node = %spec.name, port, "published on a new port: run `dnslab up` again so that the supervisor follows");
        }
        // The trainee logs in again at once: sshd answers before reset
        // says it is done.
        if let Some(published) = &spec.ssh {
            let at = published.probe_address();
            let answered = tokio::task::spawn_blocking(move || {
                let deadline = Instant::now() + HEALTHY_WITHIN;
                while Instant::now() < deadline {
                    if super::ssh::answers(at, Duration::from_millis(400)) {
                        return true;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                false
            })
            .await
            .unwrap_or(false);
            if !answered {
                return Err(DockerError::NotHealthy {
                    seconds: HEALTHY_WITHIN.as_secs(),
                    nodes: spec.name.clone(),
                });
            }
        }
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_directory_with_a_colon_is_refused_by_name() {
        let e = bindable(std::path::Path::new("/srv/labs/2026:pilot")).unwrap_err();
        assert!(e.to_string().contains("/srv/labs/2026:pilot"), "{e}");
        assert!(e.to_string().contains("':'"), "{e}");
        assert!(bindable(std::path::Path::new("/srv/labs/2026-pilot")).is_ok());
    }
}
