//! One container per node.
//!
//! Every node runs the node image: authoritative nodes `dnslab serve`,
//! resolvers `dnslab resolve`, with the files they serve bind-mounted
//! read-only from the state directory at the same relative path under
//! `/lab` (whole directories, never single files: the lab replaces files
//! by rename, which a file mount would not see). A trainee's server sees
//! only that trainee's workspace, so hot reload works as on the embedded
//! backend.
//!
//! Containers run as the invoking user, with every capability dropped but
//! NET_BIND_SERVICE, `net.ipv4.ip_unprivileged_port_start=0` in their own
//! network namespace (port 53 for a non-root user), a read-only root
//! filesystem, no new privileges, memory and pids limits, and no Docker
//! socket. Port 53 (UDP and TCP) is published on 127.0.0.1 only.
//!
//! [`NodeSpec::digest`] covers everything a container is created from but
//! its host port; `ensure` keeps a container whose digest matches (starting
//! it if it stopped) and re-creates the others.

use super::image::ImageKind;
use super::{DockerError, Progress, container_name, label_filter, labels, workshop_labels};
use crate::nodes;
use crate::supervisor::{self, BackendError};
use bollard::Docker;
use bollard::models::{
    ContainerCreateBody, EndpointIpamConfig, EndpointSettings, HostConfig, NetworkingConfig,
    PortBinding, RestartPolicy, RestartPolicyNameEnum,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, ListContainersOptionsBuilder, RemoveContainerOptionsBuilder,
};
use dnslab_lab::{LabPlan, Node, Role, StateDir};
use futures_util::StreamExt;
use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

/// Where the state directory appears inside a container.
pub const LAB_DIR: &str = "/lab";
/// Where a workstation has the trainee's workspace.
pub const WORKSPACE_DIR: &str = "/workspace";
/// Where a workstation has the lab's public files (root hints, anchor).
pub const PUBLIC_DIR: &str = "/lab";
/// Memory and process limits of a workstation (the trainee's own tools).
const WORKSTATION_MEMORY_BYTES: i64 = 1 << 30;
const WORKSTATION_PIDS: i64 = 512;
/// Memory limit of a node container.
const MEMORY_BYTES: i64 = 256 << 20;
/// Process (thread) limit of a node container.
const PIDS: i64 = 256;

/// What a container does, and how `up` knows it is ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// An authoritative server: ready when it answers for `apex`.
    Server { apex: dnslab_zone::Name },
    /// A resolver: ready when it resolves the lab root.
    Resolver,
    /// A trainee's workstation (trainee image): ready when running.
    Workstation,
}

/// What one container is made from.
#[derive(Debug, Clone)]
pub struct NodeSpec {
    /// The node's name (`root`, `t01-auth`, `t01-workstation`, …).
    pub name: String,
    pub role: String,
    pub trainee: Option<String>,
    /// Its address on the lab network (port 53 for DNS nodes).
    pub address: SocketAddr,
    pub kind: Kind,
    /// A workstation's resolver (the trainee's resolver node).
    pub workstation_dns: Option<String>,
    /// Where a workstation's sshd is published on the host (`access.ssh`).
    pub ssh: Option<super::ssh::Published>,
    pub container: String,
    /// dnslab's arguments.
    pub args: Vec<String>,
    /// `host:container:ro` bind mounts.
    pub binds: Vec<String>,
    /// Digest of all the above, the image and the mounted files that are
    /// not watched (a resolver's anchors): a change re-creates the container.
    pub digest: String,
}

/// The container path of a file in the state directory.
fn inside(state: &StateDir, file: &Path) -> Result<String, BackendError> {
    let rel = file
        .strip_prefix(state.path())
        .map_err(|_| BackendError::Io {
            path: file.to_path_buf(),
            source: std::io::Error::other("not inside the state directory"),
        })?;
    Ok(Path::new(LAB_DIR).join(rel).display().to_string())
}

/// A read-only bind mount of the state directory's `dir` at its place
/// under /lab. The host side is made absolute: the engine would take a
/// relative path for the name of a volume.
fn bind_state_dir(state: &StateDir, dir: &Path, writable: bool) -> Result<String, BackendError> {
    let at = inside(state, dir)?;
    bind_at(dir, &at, writable)
}

fn bind_at(host: &Path, container: &str, writable: bool) -> Result<String, BackendError> {
    let host = std::path::absolute(host).map_err(|source| BackendError::Io {
        path: host.to_path_buf(),
        source,
    })?;
    Ok(format!(
        "{}:{container}{}",
        host.display(),
        if writable { "" } else { ":ro" }
    ))
}

/// The specs of every node the lab runs (`plan` rebased onto the lab
/// network), for node image `image_id` and trainee image
/// `trainee_image_id` (workstations).
///
/// Each container mounts only what it serves or reads: lab servers the
/// signed lab zones (`zones/`), a trainee's server that trainee's
/// workspace, resolvers the root hints and anchors (`public/`,
/// `resolvers/`). Never `keys/`, another trainee's workspace or the attic.
pub fn node_specs(
    plan: &LabPlan,
    state: &StateDir,
    image_id: &str,
    trainee_image_id: &str,
) -> Result<Vec<NodeSpec>, BackendError> {
    let axfr = [plan.network.to_string(), "127.0.0.0/8".to_string()];
    let zones_dir = state.join("zones");
    let public = super::lab::public_dir(state);
    let resolvers_dir = state.join("resolvers");
    let mut specs = Vec::new();
    for (node, config) in nodes::node_configs(plan, state)? {
        let mut args = vec![
            "serve".to_string(),
            "--listen".to_string(),
            node.address.to_string(),
            "--threads".to_string(),
            "1".to_string(),
            "--watch-interval".to_string(),
            "0.5".to_string(),
        ];
        for a in &axfr {
            args.extend(["--axfr-allow".to_string(), a.clone()]);
        }
        for zone in &config.zones {
            args.extend([
                "--zone".to_string(),
                format!("{}={}", zone.origin, inside(state, &zone.file)?),
            ]);
        }
        let binds = if node.role == Role::Auth {
            let trainee = node
                .trainee
                .as_deref()
                .and_then(|t| plan.trainee(t))
                .ok_or_else(|| BackendError::Io {
                    path: state.path().to_path_buf(),
                    source: std::io::Error::other(format!("node {} has no trainee", node.name)),
                })?;
            args.push("--prefer-signed".to_string());
            args.push("--allow-broken".to_string());
            vec![bind_state_dir(
                state,
                &state.join(&trainee.workspace),
                false,
            )?]
        } else {
            vec![bind_state_dir(state, &zones_dir, false)?]
        };
        let apex = node
            .zones
            .first()
            .cloned()
            .unwrap_or_else(dnslab_zone::Name::root);
        specs.push(NodeSpec::new(
            plan,
            &node,
            Kind::Server { apex },
            args,
            binds,
            image_id,
            &[],
        )?);
    }
    for node in plan.nodes.iter().filter(|n| n.role.is_resolver()) {
        let Some(config) = nodes::resolver_config(plan, state, node) else {
            continue;
        };
        // The public copies: the state directory's own files sit beside
        // the lab's keys.
        let mut args = vec![
            "resolve".to_string(),
            "--listen".to_string(),
            config.listen.to_string(),
            "--root-hints".to_string(),
            inside(state, &public.join("root.hints"))?,
        ];
        let mut watched = Vec::new();
        if let Some(anchors) = &config.trust_anchors {
            let anchors = if *anchors == supervisor::reference_anchor_file(state) {
                public.join("trust-anchor.dnskey")
            } else {
                anchors.clone()
            };
            args.extend(["--trust-anchors".to_string(), inside(state, &anchors)?]);
            watched.push(std::fs::read(&anchors).unwrap_or_default());
        }
        for net in &config.allow {
            args.extend(["--allow".to_string(), net.to_string()]);
        }
        let binds = vec![
            bind_state_dir(state, &public, false)?,
            bind_state_dir(state, &resolvers_dir, false)?,
        ];
        specs.push(NodeSpec::new(
            plan,
            node,
            Kind::Resolver,
            args,
            binds,
            image_id,
            &watched,
        )?);
    }
    if plan.runs_workstation {
        for t in &plan.trainees {
            let node = Node {
                name: format!("{}-workstation", t.name),
                role: Role::Resolver,
                trainee: Some(t.name.clone()),
                address: SocketAddr::from((plan.workstation_address(t), 0)),
                zones: Vec::new(),
            };
            let mut binds = vec![
                bind_at(&state.join(&t.workspace), WORKSPACE_DIR, true)?,
                bind_at(&public, PUBLIC_DIR, false)?,
            ];
            let published = super::ssh::published(plan, t);
            let (args, watched) = if published.is_some() {
                // sshd as the main process, on its own account files.
                binds.extend(super::ssh::binds(state, &t.name).map_err(|source| {
                    BackendError::Io {
                        path: dnslab_lab::access::trainee_dir(state, &t.name),
                        source,
                    }
                })?);
                (
                    super::ssh::command(super::ssh::invoking_ids().0),
                    super::ssh::watched(state, &t.name),
                )
            } else {
                (
                    vec!["sleep".to_string(), "infinity".to_string()],
                    Vec::new(),
                )
            };
            let mut w = NodeSpec::new(
                plan,
                &node,
                Kind::Workstation,
                args,
                binds,
                trainee_image_id,
                &[],
            )?;
            w.role = "workstation".to_string();
            w.workstation_dns = Some(t.resolver.ip().to_string());
            w.ssh = published;
            w.seal_with(&plan.workshop, trainee_image_id, &watched.concat());
            specs.push(w);
        }
    }
    Ok(specs)
}

impl NodeSpec {
    fn new(
        plan: &LabPlan,
        node: &Node,
        kind: Kind,
        args: Vec<String>,
        binds: Vec<String>,
        image_id: &str,
        watched: &[Vec<u8>],
    ) -> Result<NodeSpec, BackendError> {
        let mut spec = NodeSpec {
            name: node.name.clone(),
            role: node.role.as_str().to_string(),
            trainee: node.trainee.clone(),
            address: node.address,
            kind,
            workstation_dns: None,
            ssh: None,
            container: container_name(&plan.workshop, &node.name),
            args,
            binds,
            digest: String::new(),
        };
        let watched: Vec<u8> = watched.concat();
        spec.seal_with(&plan.workshop, image_id, &watched);
        Ok(spec)
    }

    /// The digest covers the whole creation request (user, limits,
    /// mounts, arguments, addresses; not the host port, not the labels),
    /// the image and files the container reads once (anchors).
    fn seal_with(&mut self, workshop: &str, image_id: &str, watched: &[u8]) {
        let mut body = create_body(workshop, &super::network_name(workshop), self, None);
        body.labels = None;
        let request = serde_json::to_vec(&body).unwrap_or_default();
        self.digest = super::digest_hex(&[image_id.as_bytes(), &request, watched]);
    }
}

/// The labels of a node's container.
fn node_labels(workshop: &str, spec: &NodeSpec, port: Option<u16>) -> HashMap<String, String> {
    let mut l = workshop_labels(workshop);
    l.insert(labels::NODE.to_string(), spec.name.clone());
    l.insert(labels::ROLE.to_string(), spec.role.clone());
    if let Some(t) = &spec.trainee {
        l.insert(labels::TRAINEE.to_string(), t.clone());
    }
    if let Some(port) = port {
        l.insert(labels::PORT.to_string(), port.to_string());
    }
    l.insert(labels::SPEC.to_string(), spec.digest.clone());
    l
}

fn create_body(
    workshop: &str,
    network: &str,
    spec: &NodeSpec,
    port: Option<u16>,
) -> ContainerCreateBody {
    // SAFETY: getuid/getgid cannot fail and touch no memory.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    let ip = match spec.address {
        SocketAddr::V4(a) => a.ip().to_string(),
        SocketAddr::V6(a) => a.ip().to_string(),
    };
    let networking_config = Some(NetworkingConfig {
        endpoints_config: Some(HashMap::from([(
            network.to_string(),
            EndpointSettings {
                ipam_config: Some(EndpointIpamConfig {
                    ipv4_address: Some(ip),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )])),
    });
    let common = HostConfig {
        binds: Some(spec.binds.clone()),
        cap_drop: Some(vec!["ALL".to_string()]),
        readonly_rootfs: Some(true),
        security_opt: Some(vec!["no-new-privileges".to_string()]),
        memory: Some(MEMORY_BYTES),
        pids_limit: Some(PIDS),
        network_mode: Some(network.to_string()),
        ..Default::default()
    };
    if spec.kind == Kind::Workstation {
        // A shell for the trainee: their workspace read-write, the lab's
        // public files read-only, scratch space in memory, and the
        // trainee's resolver as the resolver.
        let tmpfs = ["/tmp", "/run", "/var/tmp", "/var/lib/unbound"]
            .into_iter()
            .map(|d| {
                (
                    d.to_string(),
                    "rw,nosuid,nodev,size=64m,mode=1777".to_string(),
                )
            })
            .collect();
        // With SSH: sshd's port published where the lab file says, the
        // capabilities it needs (none unless dnslab runs as root), and
        // restarted by the engine should a trainee stop it.
        let (exposed, bindings, cap_add, restart) = match &spec.ssh {
            Some(p) => {
                let port = format!("{}/tcp", super::ssh::SSHD_PORT);
                (
                    Some(vec![port.clone()]),
                    Some(HashMap::from([(
                        port,
                        Some(vec![PortBinding {
                            host_ip: Some(p.bind.to_string()),
                            host_port: Some(p.port.to_string()),
                        }]),
                    )])),
                    Some(super::ssh::capabilities(uid)).filter(|c| !c.is_empty()),
                    Some(RestartPolicy {
                        name: Some(RestartPolicyNameEnum::UNLESS_STOPPED),
                        maximum_retry_count: None,
                    }),
                )
            }
            None => (None, None, None, None),
        };
        return ContainerCreateBody {
            image: Some(ImageKind::Trainee.reference()),
            cmd: Some(spec.args.clone()),
            exposed_ports: exposed,
            user: Some(format!("{uid}:{gid}")),
            hostname: spec.trainee.clone(),
            working_dir: Some(WORKSPACE_DIR.to_string()),
            env: Some(vec![
                format!("HOME={WORKSPACE_DIR}"),
                format!("TRAINEE={}", spec.trainee.as_deref().unwrap_or_default()),
            ]),
            labels: Some(node_labels(workshop, spec, None)),
            stop_timeout: Some(1),
            host_config: Some(HostConfig {
                tmpfs: Some(tmpfs),
                memory: Some(WORKSTATION_MEMORY_BYTES),
                pids_limit: Some(WORKSTATION_PIDS),
                dns: spec.workstation_dns.clone().map(|d| vec![d]),
                port_bindings: bindings,
                cap_add,
                restart_policy: restart,
                ..common
            }),
            networking_config,
            ..Default::default()
        };
    }
    let published = || {
        Some(vec![PortBinding {
            host_ip: Some(Ipv4Addr::LOCALHOST.to_string()),
            host_port: port.map(|p| p.to_string()),
        }])
    };
    ContainerCreateBody {
        image: Some(ImageKind::Node.reference()),
        cmd: Some(spec.args.clone()),
        user: Some(format!("{uid}:{gid}")),
        env: Some(vec!["DNSLAB_LOG=info".to_string()]),
        labels: Some(node_labels(workshop, spec, port)),
        exposed_ports: Some(vec!["53/udp".to_string(), "53/tcp".to_string()]),
        stop_timeout: Some(2),
        host_config: Some(HostConfig {
            port_bindings: Some(HashMap::from([
                ("53/udp".to_string(), published()),
                ("53/tcp".to_string(), published()),
            ])),
            cap_add: Some(vec!["NET_BIND_SERVICE".to_string()]),
            sysctls: Some(HashMap::from([(
                "net.ipv4.ip_unprivileged_port_start".to_string(),
                "0".to_string(),
            )])),
            ..common
        }),
        networking_config,
        ..Default::default()
    }
}

/// Whether `port` on 127.0.0.1 is free for both UDP and TCP right now.
fn port_is_free(port: u16) -> bool {
    std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
        && std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
}

/// A port on 127.0.0.1 free for both UDP and TCP right now.
fn free_port() -> Result<u16, DockerError> {
    for _ in 0..50 {
        let tcp = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|source| {
            DockerError::Io {
                path: PathBuf::from("127.0.0.1:0"),
                source,
            }
        })?;
        let port = tcp.local_addr().map(|a| a.port()).unwrap_or(0);
        if port != 0 && std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(port);
        }
    }
    Err(DockerError::Setup(
        "no port on 127.0.0.1 is free for both UDP and TCP".to_string(),
    ))
}

/// A container of the lab as the engine lists it.
#[derive(Debug, Clone)]
pub struct Running {
    pub id: String,
    pub node: String,
    pub state: String,
    pub port: Option<u16>,
    pub spec: String,
}

/// The containers labelled for `workshop` (every dnslab container when
/// `None`), running or not.
pub async fn list(docker: &Docker, workshop: Option<&str>) -> Result<Vec<Running>, DockerError> {
    let filters = match workshop {
        Some(w) => label_filter(&[(labels::WORKSHOP, w)]),
        None => label_filter(&[(labels::MANAGED, "true")]),
    };
    let options = ListContainersOptionsBuilder::default()
        .all(true)
        .filters(&filters)
        .build();
    let found = docker
        .list_containers(Some(options))
        .await
        .map_err(DockerError::api("listing containers"))?;
    Ok(found
        .into_iter()
        .map(|c| {
            let labels = c.labels.unwrap_or_default();
            Running {
                id: c.id.unwrap_or_default(),
                node: labels.get(labels::NODE).cloned().unwrap_or_default(),
                state: c.state.map(|s| s.to_string()).unwrap_or_default(),
                port: labels.get(labels::PORT).and_then(|p| p.parse().ok()),
                spec: labels.get(labels::SPEC).cloned().unwrap_or_default(),
            }
        })
        .collect())
}

async fn remove(docker: &Docker, id: &str) -> Result<(), DockerError> {
    let options = RemoveContainerOptionsBuilder::default()
        .force(true)
        .v(true)
        .build();
    match docker.remove_container(id, Some(options)).await {
        Ok(()) => Ok(()),
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(()),
        Err(source) => Err(DockerError::Api {
            what: format!("removing container {id}"),
            source,
        }),
    }
}

/// What `ensure_one` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Kept,
    Started,
    Created,
}

/// Makes one node's container run as `spec` says; returns the action and
/// the published port (none for a workstation).
pub async fn ensure_one(
    docker: &Docker,
    workshop: &str,
    network: &str,
    spec: &NodeSpec,
    current: Option<&Running>,
) -> Result<(Action, Option<u16>), DockerError> {
    ensure_or_recreate(docker, workshop, network, spec, current, false).await
}

/// Re-creates a node's container even when it matches its spec (its
/// mounts must be made again, e.g. after a workspace was replaced),
/// keeping its port when it can.
pub async fn recreate_one(
    docker: &Docker,
    workshop: &str,
    network: &str,
    spec: &NodeSpec,
    current: Option<&Running>,
) -> Result<(Action, Option<u16>), DockerError> {
    ensure_or_recreate(docker, workshop, network, spec, current, true).await
}

async fn ensure_or_recreate(
    docker: &Docker,
    workshop: &str,
    network: &str,
    spec: &NodeSpec,
    current: Option<&Running>,
    recreate: bool,
) -> Result<(Action, Option<u16>), DockerError> {
    let publishes = spec.kind != Kind::Workstation;
    if let Some(c) = current {
        if !recreate && c.spec == spec.digest && c.port.is_some() == publishes {
            let port = c.port;
            if c.state == "running" {
                return Ok((Action::Kept, port));
            }
            match docker
                .start_container(
                    &c.id,
                    None::<bollard::query_parameters::StartContainerOptions>,
                )
                .await
            {
                Ok(()) => return Ok((Action::Started, port)),
                // The port may have been taken meanwhile: re-create below.
                Err(error) => {
                    tracing::warn!(container = %spec.container, error = %dnslab_zone::ErrorChain(&error), "cannot restart; re-creating");
                }
            }
        }
        remove(docker, &c.id).await?;
    }
    let mut last = None;
    for attempt in 0..3 {
        // The port it had, if free (first attempt only): the host's map
        // of published ports stays right.
        let old = current
            .and_then(|c| c.port)
            .filter(|p| attempt == 0 && port_is_free(*p));
        let port = match (publishes, old) {
            (false, _) => None,
            (true, Some(p)) => Some(p),
            (true, None) => Some(free_port()?),
        };
        let options = CreateContainerOptionsBuilder::default()
            .name(&spec.container)
            .build();
        let body = create_body(workshop, network, spec, port);
        let created =
            docker
                .create_container(Some(options), body)
                .await
                .map_err(DockerError::api(format!(
                    "creating container {}",
                    spec.container
                )))?;
        match docker
            .start_container(
                &created.id,
                None::<bollard::query_parameters::StartContainerOptions>,
            )
            .await
        {
            Ok(()) => return Ok((Action::Created, port)),
            Err(source) => {
                // Most often the port was taken between the check and
                // the start: try another.
                remove(docker, &created.id).await?;
                last = Some(source);
            }
        }
    }
    Err(DockerError::Api {
        what: format!("starting container {}", spec.container),
        source: last.unwrap_or(bollard::errors::Error::RequestTimeoutError),
    })
}

/// Makes every node's container run as its spec says (in parallel),
/// removes the workshop's containers for nodes the plan no longer has,
/// and returns each node's published port.
pub async fn ensure_all(
    docker: &Docker,
    workshop: &str,
    network: &str,
    specs: &[NodeSpec],
    progress: &dyn Progress,
) -> Result<BTreeMap<String, u16>, DockerError> {
    let existing = list(docker, Some(workshop)).await?;
    for stale in existing
        .iter()
        .filter(|c| !specs.iter().any(|s| s.name == c.node))
    {
        remove(docker, &stale.id).await?;
    }
    progress.start("containers", specs.len() as u64);
    let results: Vec<Result<Option<(String, u16)>, DockerError>> =
        futures_util::stream::iter(specs)
            .map(|spec| {
                let current = existing.iter().find(|c| c.node == spec.name);
                async move {
                    let (action, port) =
                        ensure_one(docker, workshop, network, spec, current).await?;
                    tracing::debug!(node = %spec.name, ?action, ?port, "container ready");
                    progress.done(&spec.name);
                    Ok(port.map(|p| (spec.name.clone(), p)))
                }
            })
            .buffer_unordered(8)
            .collect()
            .await;
    progress.finish();
    let mut ports = BTreeMap::new();
    for r in results {
        ports.extend(r?);
    }
    Ok(ports)
}

/// Removes every container labelled for `workshop` (every dnslab
/// container when `None`). Returns how many.
pub async fn remove_all(docker: &Docker, workshop: Option<&str>) -> Result<usize, DockerError> {
    let found = list(docker, workshop).await?;
    let n = found.len();
    let results: Vec<Result<(), DockerError>> = futures_util::stream::iter(&found)
        .map(|c| remove(docker, &c.id))
        .buffer_unordered(8)
        .collect()
        .await;
    results.into_iter().collect::<Result<Vec<()>, _>>()?;
    Ok(n)
}

/// The last lines a container printed, for error messages.
pub async fn log_tail(docker: &Docker, container: &str, lines: usize) -> String {
    let options = bollard::query_parameters::LogsOptionsBuilder::default()
        .stdout(true)
        .stderr(true)
        .tail(&lines.to_string())
        .build();
    let mut stream = docker.logs(container, Some(options));
    let mut out = String::new();
    while let Some(Ok(chunk)) = stream.next().await {
        out.push_str(&chunk.to_string());
    }
    out.trim_end().to_string()
}

/// Runs a one-off container `name` made from `body` to its end and
/// removes it (also one left by an interrupted run); `job` names what it
/// runs in errors, e.g. "ssh-keygen in the trainee image". A job that
/// fails says so with the last lines of its output.
pub async fn run_to_end(
    docker: &Docker,
    name: &str,
    body: bollard::models::ContainerCreateBody,
    job: &str,
) -> Result<(), DockerError> {
    use bollard::query_parameters::{
        CreateContainerOptionsBuilder, RemoveContainerOptionsBuilder, WaitContainerOptionsBuilder,
    };
    use futures_util::StreamExt;
    let remove = RemoveContainerOptionsBuilder::default().force(true).build();
    let _ = docker.remove_container(name, Some(remove.clone())).await;
    let options = CreateContainerOptionsBuilder::default().name(name).build();
    docker
        .create_container(Some(options), body)
        .await
        .map_err(DockerError::api(format!(
            "creating the container for {job}"
        )))?;
    let outcome = async {
        docker
            .start_container(
                name,
                None::<bollard::query_parameters::StartContainerOptions>,
            )
            .await
            .map_err(DockerError::api(format!("starting {job}")))?;
        let wait = WaitContainerOptionsBuilder::default()
            .condition("not-running")
            .build();
        let mut waits = docker.wait_container(name, Some(wait));
        while let Some(status) = waits.next().await {
            if let Err(error) = status {
                let log = log_tail(docker, name, 10).await;
                return Err(DockerError::Setup(format!(
                    "{job} failed ({}); its output:\n{log}",
                    dnslab_zone::ErrorChain(&error)
                )));
            }
        }
        Ok(())
    }
    .await;
    let _ = docker.remove_container(name, Some(remove)).await;
    outcome
}
