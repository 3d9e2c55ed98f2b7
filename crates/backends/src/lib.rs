//! # dnslab-backends: running a lab
//!
//! A backend turns a [`dnslab_lab::LabPlan`] into running nodes. Today
//! there is the embedded backend ([`embedded`]): every node as tasks in the
//! `dnslab up` process, each on its own 127.x address. The Docker backend
//! is planned.
//!
//! Shared by every backend: signing the lab's own zones and keeping the
//! trainees' DS submissions ([`lab_zones`]), building the bogus zoo's
//! fixtures ([`zoo`]), health probes ([`probe`]) and
//! the status report ([`status`]).

pub mod cds;
pub mod docker;
pub mod embedded;
pub mod lab_port;
pub mod lab_zones;
pub mod probe;
pub mod resolver;
pub mod status;
pub mod zoo;
