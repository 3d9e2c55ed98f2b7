//! The Docker backend: every node of the lab as a container, through
//! bollard and a local Docker engine, with no registry.
//!
//! ```text
//!  up ─▶ engine (negotiated API) ─▶ node image (built here when missing or stale)
//!     ─▶ bridge network dnslab-<workshop> on a free 10.N.0.0/16 ─▶ plan rebased onto it
//!     ─▶ state prepared, lab zones signed (glue and hints name the bridge addresses)
//!     ─▶ one container per node, in parallel; DNS port published on 127.0.0.1
//!     ─▶ record (<state>/docker.json) ─▶ health through the published ports
//!     ─▶ the host supervisor (re-signing, timelines, CDS scans, resolver.conf)
//! ```
//!
//! The engine is the source of truth: every object carries labels
//! ([`labels`]), so `down` finds them without the state directory, and
//! `up` compares what runs with what the plan wants ([`containers`]),
//! keeping what matches, starting what stopped and re-creating the rest.
//! The host reaches nodes only through the published ports
//! ([`dnslab_lab::reach`]), never on the bridge's addresses.

pub mod containers;
pub mod egress;
pub mod exec;
pub mod image;
pub mod lab;
pub mod network;
pub mod record;
pub mod ssh;

use bollard::Docker;
use std::collections::HashMap;
use std::path::PathBuf;

/// Why the Docker backend could not do something.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    #[error(
        "cannot reach the Docker engine (is it running, and may this user use it? dnslab uses DOCKER_HOST, else /var/run/docker.sock)"
    )]
    Connect { source: bollard::errors::Error },
    #[error("Docker engine: {what}")]
    Api {
        what: String,
        source: bollard::errors::Error,
    },
    #[error("building image {image}: {message}")]
    Build { image: String, message: String },
    #[error("{path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Setup(String),
    #[error(
        "no free subnet for the lab network: every 10.N.0.0/16 from 10.{first} to 10.{last} overlaps a Docker network or a route of this host"
    )]
    NoSubnet { first: u8, last: u8 },
    #[error("nodes did not answer within {seconds} s: {nodes}")]
    NotHealthy { seconds: u64, nodes: String },
    #[error(transparent)]
    Lab(#[from] Box<crate::supervisor::BackendError>),
}

impl DockerError {
    pub(crate) fn api(
        what: impl Into<String>,
    ) -> impl FnOnce(bollard::errors::Error) -> DockerError {
        let what = what.into();
        move |source| DockerError::Api { what, source }
    }
}

/// Connects to the local engine and agrees on an API version it speaks
/// (Debian's engine may be older than bollard's default).
pub async fn connect() -> Result<Docker, DockerError> {
    let docker =
        Docker::connect_with_local_defaults().map_err(|source| DockerError::Connect { source })?;
    let docker = docker
        .negotiate_version()
        .await
        .map_err(|source| DockerError::Connect { source })?;
    docker
        .ping()
        .await
        .map_err(|source| DockerError::Connect { source })?;
    Ok(docker)
}

/// The labels on every object dnslab makes.
pub mod labels {
    /// Present on every dnslab object: `down --all` and the tests look for it.
    pub const MANAGED: &str = "dnslab.managed";
    pub const WORKSHOP: &str = "dnslab.workshop";
    pub const NODE: &str = "dnslab.node";
    pub const ROLE: &str = "dnslab.role";
    pub const TRAINEE: &str = "dnslab.trainee";
    pub const VERSION: &str = "dnslab.version";
    /// The host port a node's DNS port is published on.
    pub const PORT: &str = "dnslab.port";
    /// A digest of what the container was created from: when the plan
    /// or the image changes, the container is re-created.
    pub const SPEC: &str = "dnslab.spec";
    /// On images: which image (`node`, `trainee`) and a digest of what
    /// it was built from.
    pub const IMAGE: &str = "dnslab.image";
    pub const CONTENT: &str = "dnslab.content";
}

/// The labels every object of `workshop` carries.
pub fn workshop_labels(workshop: &str) -> HashMap<String, String> {
    HashMap::from([
        (labels::MANAGED.to_string(), "true".to_string()),
        (labels::WORKSHOP.to_string(), workshop.to_string()),
        (
            labels::VERSION.to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
    ])
}

/// A label filter for the engine's list calls.
pub(crate) fn label_filter(pairs: &[(&str, &str)]) -> HashMap<String, Vec<String>> {
    HashMap::from([(
        "label".to_string(),
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>(),
    )])
}

/// The bridge network of a workshop.
pub fn network_name(workshop: &str) -> String {
    format!("dnslab-{workshop}")
}

/// The container of one node.
pub fn container_name(workshop: &str, node: &str) -> String {
    format!("dnslab-{workshop}-{node}")
}

/// Hex SHA-256 of `data`, for content and spec labels.
pub(crate) fn digest_hex(parts: &[&[u8]]) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for p in parts {
        ctx.update(&(p.len() as u64).to_be_bytes());
        ctx.update(p);
    }
    ctx.finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Progress of a long step, shown by the front end (a progress bar).
pub trait Progress: Send + Sync {
    /// A step of `total` items starts.
    fn start(&self, step: &str, total: u64);
    /// One item is done.
    fn done(&self, item: &str);
    /// The step is over.
    fn finish(&self);
}

/// No progress display (tests, the supervisor).
pub struct Quiet;

impl Progress for Quiet {
    fn start(&self, _: &str, _: u64) {}
    fn done(&self, _: &str) {}
    fn finish(&self) {}
}
