//! # dnslab-probe: the lab as seen from outside
//!
//! Everything in dnslab that asks a DNS server something goes through
//! this crate's client ([`client`]): the grader, the lab's health probes,
//! the TLDs' CDS scanner and the timeline recorder. One client means one
//! set of rules for what counts as an answer: bounded waits, a random id
//! and the question checked on every reply, spoofed datagrams dropped,
//! every failure a sentence naming the server.
//!
//! Besides the client:
//!
//! - [`timeline`]: the rollover recorder, snapshots of a trainee zone's
//!   keys as the parent's and the zone's servers show them, appended to
//!   `<state>/timeline/<trainee>.jsonl` (the lab's supervisor records; the
//!   grader reads and evaluates).
//! - [`served`]: which zone file a trainee's node serves, and whether it
//!   loads, with the server's own loader (`dnslab status` and the
//!   grader's `zone-file-loads` check ask the same question).
//! - [`blocking`]: the client for callers on plain threads.
//!
//! The grader and the backends both depend on this crate and not on each
//! other.

#![forbid(unsafe_code)]

pub mod blocking;
pub mod client;
pub mod served;
pub mod timeline;

pub use client::{ProbeError, ProbeOptions, Response, Section, Transport};
