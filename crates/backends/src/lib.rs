//! # dnslab-backends: running a lab
//!
//! A backend turns a [`dnslab_lab::LabPlan`] into running nodes: the
//! embedded backend ([`embedded`]) runs every node as tasks in the
//! `dnslab up` process, each on its own 127.x address; the Docker backend
//! ([`docker`]) runs each node as a container.
//!
//! Shared by every backend: the supervisor ([`supervisor`]: pid and ready
//! files, detached start, the prepared state, re-signing, timelines, CDS
//! scanning), what each node runs ([`nodes`]), signing the lab's own zones
//! and keeping the trainees' DS submissions ([`lab_zones`]), building the
//! bogus zoo's fixtures ([`zoo`]), health probes ([`probe`]) and the
//! status report with its health policy ([`status`]). The two backends
//! do not import each other's runner.

pub mod cds;
pub mod docker;
pub mod embedded;
pub mod lab_port;
pub mod lab_zones;
pub mod nodes;
pub mod probe;
pub mod resolver;
pub mod status;
pub mod supervisor;
pub mod zoo;
