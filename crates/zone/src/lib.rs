//! # dnslab-zone: zone files and DNSSEC, with no network
//!
//! Background: a DNSSEC workshop needs zone files read exactly as BIND,
//! NSD, Knot and ldns read them, keys in BIND's formats, DS records, a
//! signer and a verifier whose findings a trainee can act on. This crate is
//! all of that and nothing else: it reads and writes files, never sockets.
//!
//! Usage:
//! - [`parser::parse_file`] reads a zone file (with `$INCLUDE`) into
//!   [`Record`]s; errors say `file:line:column: what was expected`.
//! - [`writer::write_zone`] writes records back in zone order.
//! - [`keys`] generates, reads and writes keys (BIND's `.key`/`.private`).
//! - [`sign`] signs a zone with NSEC or NSEC3; [`verify`] checks one.
//!
//! Records keep their data in wire form ([`Record`]); [`hickory`] converts
//! them to hickory-proto records for the server.

#![forbid(unsafe_code)]

pub mod algorithm;
pub mod error_chain;
pub mod hickory;
pub mod keys;
pub mod lexer;
pub mod name;
pub mod nsec3;
pub mod parser;
pub mod rdata;
pub mod record;
pub mod rtype;
pub mod sign;
pub mod validate;
pub mod verify;
pub mod writer;
pub mod zone;

pub use algorithm::Algorithm;
pub use error_chain::{ErrorChain, repeated_cause};
pub use name::Name;
pub use record::Record;
pub use rtype::{Class, Rtype};
