//! Grading of dnslab exercises, over the wire.
//!
//! The grader looks at a trainee's work the way a validating resolver
//! would: it queries the trainee's servers and the lab's parents
//! ([`probe`]), validates the chain of trust from the lab's trust anchor
//! down to the trainee's zone itself, runs the checks an exercise lists
//! and explains each failure ([`outcome`]), and renders the results for a
//! person or a program ([`report`]).

#![forbid(unsafe_code)]

pub mod attempts;
pub mod chain;
pub mod chain_checks;
#[cfg(test)]
mod check_tables;
pub mod checks;
pub mod denial;
pub mod grade;
pub mod hop_view;
pub mod lab_sync;
pub mod outcome;
pub mod picture;
/// The DNS client, shared with the backends ([`dnslab_probe::client`]).
pub use dnslab_probe::client as probe;
pub mod report;
pub mod resolver_checks;
pub mod rollover_checks;
pub mod rrset;
pub mod scenario_test;
pub use dnslab_probe::served;
pub mod shipped;
pub mod timeline;
pub mod verdict;
pub mod zone_checks;
pub mod zone_facts;
