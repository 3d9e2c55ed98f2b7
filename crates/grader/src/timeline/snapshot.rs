//! One snapshot of a trainee zone's keys as the world sees them: the DS
//! RRset at every parent server, and the DNSKEY, SOA, CDS and CDNSKEY
//! RRsets with their RRSIGs at every server of the zone.
//!
//! Records are kept in zone-file form (one line each, TTLs included), so
//! that a timeline file can be read by a person and parsed back by the
//! zone parser.

use crate::probe::{self, ProbeOptions, Section};
use dnslab_zone::parser::{ParseOptions, parse_bytes};
use dnslab_zone::{Name, Record, Rtype};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// What one server answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerView {
    /// `node (ip:port)`.
    pub server: String,
    /// The answer records, RRSIGs included, one zone-file line each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<String>,
    /// Why some question got no answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ServerView {
    /// The records, parsed; lines that do not parse are skipped (they were
    /// written by dnslab, so that means a torn or edited file).
    pub fn parsed(&self) -> Vec<Record> {
        let text = self.records.join("\n");
        let options = ParseOptions {
            origin: Some(Name::root()),
            default_ttl: Some(0),
        };
        parse_bytes(text.as_bytes(), std::path::Path::new("timeline"), &options).unwrap_or_default()
    }
}

/// The zone at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Seconds since the epoch.
    pub t: i64,
    pub zone: String,
    /// The parent's servers: the DS RRset.
    pub parents: Vec<ServerView>,
    /// The zone's servers: DNSKEY, SOA, CDS, CDNSKEY.
    pub servers: Vec<ServerView>,
}

impl Snapshot {
    /// Whether two snapshots saw the same thing (times aside).
    pub fn same_view(&self, other: &Snapshot) -> bool {
        self.zone == other.zone && self.parents == other.parents && self.servers == other.servers
    }
}

/// Where to look.
#[derive(Debug, Clone)]
pub struct SnapshotTarget {
    pub zone: Name,
    /// `(node name, address)` of the parent's servers.
    pub parents: Vec<(String, SocketAddr)>,
    /// `(node name, address)` of the zone's servers.
    pub servers: Vec<(String, SocketAddr)>,
}

async fn ask(
    node: &str,
    addr: SocketAddr,
    zone: &Name,
    types: &[Rtype],
    opts: &ProbeOptions,
) -> ServerView {
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for rtype in types {
        match probe::query(addr, zone, *rtype, opts).await {
            Ok(response) => {
                let mut set = response.rrset(Section::Answer, zone, *rtype);
                set.extend(response.rrsigs_for(Section::Answer, zone, *rtype));
                records.extend(set.iter().map(ToString::to_string));
            }
            Err(e) => errors.push(format!("{rtype}: {e}")),
        }
    }
    ServerView {
        server: format!("{node} ({addr})"),
        records,
        error: (!errors.is_empty()).then(|| errors.join("; ")),
    }
}

/// Takes a snapshot at time `t`.
pub async fn take(target: &SnapshotTarget, opts: &ProbeOptions, t: i64) -> Snapshot {
    let mut parents = Vec::new();
    for (node, addr) in &target.parents {
        parents.push(ask(node, *addr, &target.zone, &[Rtype::DS], opts).await);
    }
    let mut servers = Vec::new();
    for (node, addr) in &target.servers {
        servers.push(
            ask(
                node,
                *addr,
                &target.zone,
                &[Rtype::DNSKEY, Rtype::SOA, Rtype::CDS, Rtype::CDNSKEY],
                opts,
            )
            .await,
        );
    }
    Snapshot {
        t,
        zone: target.zone.to_string(),
        parents,
        servers,
    }
}
