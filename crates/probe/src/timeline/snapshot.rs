//! One snapshot of a trainee zone's keys as the world sees them: the DS
//! RRset at every parent server, and the DNSKEY, SOA, CDS and CDNSKEY
//! RRsets with their RRSIGs at every server of the zone.
//!
//! Records are kept in zone-file form (one line each, TTLs included), so
//! that a timeline file can be read by a person and parsed back by the
//! zone parser.

use crate::client::{self as probe, ProbeOptions, Section};
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
    /// Data RRsets below the apex to record too (their signatures are
    /// what caches hold besides the SOA's).
    pub probes: Vec<(Name, Rtype)>,
}

/// Up to `n` data RRsets below the apex of the zone file at `path`
/// (A, AAAA, TXT, MX), for [`SnapshotTarget::probes`]; none when the file
/// cannot be read.
pub fn probes_from_zone_file(path: &std::path::Path, zone: &Name, n: usize) -> Vec<(Name, Rtype)> {
    let options = ParseOptions {
        origin: Some(zone.clone()),
        default_ttl: Some(3600),
    };
    let Ok(records) = dnslab_zone::parser::parse_file(path, &options) else {
        return Vec::new();
    };
    let Ok(zone) = dnslab_zone::zone::Zone::new(zone.clone(), records) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for owner in zone.owners() {
        if owner.kind != dnslab_zone::zone::NameKind::Authoritative {
            continue;
        }
        if let Some(r) = zone
            .records_of(owner)
            .iter()
            .find(|r| matches!(r.rtype, Rtype::A | Rtype::AAAA | Rtype::TXT | Rtype::MX))
        {
            out.push((r.owner.clone(), r.rtype));
        }
        if out.len() == n {
            break;
        }
    }
    out
}

async fn ask(
    node: &str,
    addr: SocketAddr,
    questions: &[(Name, Rtype)],
    opts: &ProbeOptions,
) -> ServerView {
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for (qname, rtype) in questions {
        match probe::query(addr, qname, *rtype, opts).await {
            Ok(response) => {
                let mut set = response.rrset(Section::Answer, qname, *rtype);
                set.extend(response.rrsigs_for(Section::Answer, qname, *rtype));
                records.extend(set.iter().map(ToString::to_string));
            }
            Err(e) => errors.push(format!("{qname}/{rtype}: {e}")),
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
    let zone = &target.zone;
    for (node, addr) in &target.parents {
        parents.push(ask(node, *addr, &[(zone.clone(), Rtype::DS)], opts).await);
    }
    let mut questions: Vec<(Name, Rtype)> = [Rtype::DNSKEY, Rtype::SOA, Rtype::CDS, Rtype::CDNSKEY]
        .into_iter()
        .map(|t| (zone.clone(), t))
        .collect();
    questions.extend(target.probes.iter().cloned());
    let mut servers = Vec::new();
    for (node, addr) in &target.servers {
        servers.push(ask(node, *addr, &questions, opts).await);
    }
    Snapshot {
        t,
        zone: target.zone.to_string(),
        parents,
        servers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_are_data_below_the_apex_and_not_glue() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("z");
        std::fs::write(
            &path,
            "$ORIGIN t1.ne.\n$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\n@ TXT apex\nns A 127.0.0.1\n\
             sub NS ns.sub\nns.sub A 127.0.0.2\nwww AAAA ::1\nzz TXT last\n",
        )
        .unwrap();
        let zone = Name::parse_absolute("t1.ne.").unwrap();
        let probes = probes_from_zone_file(&path, &zone, 2);
        let text: Vec<String> = probes.iter().map(|(n, t)| format!("{n}/{t}")).collect();
        assert_eq!(text, ["ns.t1.ne./A", "www.t1.ne./AAAA"]);
        assert!(probes_from_zone_file(&dir.path().join("missing"), &zone, 2).is_empty());
    }
}
