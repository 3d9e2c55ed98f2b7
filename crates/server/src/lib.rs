//! # dnslab-server: authoritative answers for pre-signed zones
//!
//! Background: every node of a dnslab lab (the lab root, the ccTLDs, the
//! zoo, each trainee's zone) serves zones that some tool has already
//! signed — dnslab, BIND, ldns or Knot. Hickory 0.26 cannot load such
//! zones (its zone parser refuses DNSSEC records) and its catalog answers
//! referrals with AA set, without glue and without DS. So this crate keeps
//! its own zone store ([`store`]) and answer logic ([`answer`]), encodes
//! responses itself ([`wire`]), and runs the transports ([`server`]):
//! its own UDP loop on blocking sockets (one thread per core) and
//! hickory-server's `Server` for TCP and zone transfers.
//!
//! Usage: [`server::run`] with a [`server::ServerConfig`]; `dnslab serve`
//! is the command-line front end.
//!
//! Limitations: class IN only; no dynamic update, NOTIFY or IXFR; answers
//! come from the zone data as loaded (no on-line signing).

pub mod answer;
pub mod query;
pub mod server;
pub mod store;
#[cfg(target_os = "linux")]
pub mod udp_batch;
pub mod wire;
