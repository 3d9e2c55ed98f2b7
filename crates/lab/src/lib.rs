//! # dnslab-lab: lab files, the lab plan and the lab state directory
//!
//! ## Background
//! An instructor describes a workshop in a *lab file* (`labs/*.yaml`): the
//! workshop's name, its TLDs, its trainees, the zone each trainee owns, the
//! nodes each trainee gets, the timer profile, whether the parent scans
//! CDS/CDNSKEY, and the exercises. `dnslab up LABFILE` turns that file into
//! a private DNSSEC tree: a lab root `.`, one zone per TLD, an optional
//! `zoo.` of broken and unusual zones, and one zone per trainee, each
//! trainee with an authoritative server and a validating resolver.
//!
//! This crate is everything between the file and the sockets; it binds
//! nothing and starts nothing:
//!
//! ```text
//!  labs/x.yaml ──spec::LabFile::load──▶ LabFile (as written, unknown keys refused)
//!                                         │ plan::LabPlan::from_spec (all checks, all defaults)
//!                                         ▼
//!                                      LabPlan: nodes, addresses, zones, trainees, timers
//!                                         │ state::StateDir::init (idempotent)
//!                                         ▼
//!                                      <state>/ lab.yaml keys/ zones/ trainees/<name>/
//! ```
//!
//! ## Usage
//! ```no_run
//! use dnslab_lab::{LabPlan, StateDir};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let plan = LabPlan::load("labs/minimal.yaml".as_ref())?;
//! plan.check_addresses()?; // before anything binds
//! let state = StateDir::locate(None, Some(&plan.workshop))?;
//! state.init(&plan)?; // lab keys at the first run, trainee work kept
//! for zone in plan.lab_zones() {
//!     let records = plan.zone_records(&zone.apex)?; // unsigned, to sign
//!     let keys = state.load_keys(&zone.apex)?;
//!     # let _ = (records, keys);
//! }
//! # Ok(()) }
//! ```
//!
//! - [`spec`]: the on-disk format, field by field, and how it is read.
//! - [`plan`]: the validated plan and the address scheme.
//! - [`timers`]: the timer profiles (`workshop`, `classroom`, `standard`).
//! - [`zones`]: the starting contents of every zone.
//! - [`zoo`]: the bogus zoo, fixture zones under `zoo.` and what a
//!   validating resolver must make of each.
//! - [`state`]: the state directory and each trainee's workspace.
//! - [`ownership`]: the marker `up` writes, dnslab's entries, `down --purge`.
//! - [`supervisor`]: whether a lab runs (the supervisor's pid file).
//! - [`resolver_conf`]: a trainee resolver's `resolver.conf`.
//! - [`scenario`]: scenario files (`scenarios/*.yaml`): an exercise's
//!   instructions, checks, reference solution and mutants.
//! - [`peer_signer`]: a Knot configuration for signing a trainee's zone
//!   with `kzonesign` (`dnslab signer-config`).
//! - [`moved`]: a lab file moved to a throw-away network, for
//!   `dnslab scenario test --lab`.
//! - [`error`]: [`LabError`] and [`StateError`]; every lab-file error
//!   names `file:line:column` when it can.
//!
//! ## Limitations
//! IPv4 loopback only (the embedded backend); a single port for every
//! node. Locations of errors found after parsing (a duplicate trainee, a
//! zone collision) come from a plain scan of the YAML text: right for the
//! ordinary block and flow styles, the key's line otherwise.

#![forbid(unsafe_code)]

pub mod access;
pub mod error;
pub mod exercise;
pub mod instruction_steps;
pub mod moved;
pub mod ownership;
pub mod peer_resolver;
pub mod peer_signer;
pub mod plan;
pub mod plan_diff;
pub mod reach;
pub mod resolver_conf;
pub mod scenario;
pub mod spec;
pub mod state;
pub mod supervisor;
pub mod timers;
pub mod zones;
pub mod zoo;

mod locate;
mod readme;
mod suggest;

pub use error::{LabError, Location, StateError, UnknownWord};
pub use exercise::{Exercise, KNOWN_EXERCISES};
pub use ownership::PurgeReport;
pub use plan::{CdsScan, LabPlan, LabZone, Node, Role, SshAccess, Tld, Trainee};
pub use resolver_conf::ResolverConfig;
pub use scenario::{
    CheckSeverity, CheckSpec, DenialParam, Level, Mutant, PLACEHOLDERS, Parameters, Scenario, Step,
};
pub use spec::LabFile;
pub use state::{InitReport, StateDir};
pub use supervisor::{ProcessIdentity, Supervisor};
pub use timers::{TimerProfile, Timers};
pub use zoo::{Defect, Expect, FIXTURES, Fixture};
