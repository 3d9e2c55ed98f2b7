//! Everything the zone checks read, gathered once per trainee: each
//! server's SOA (UDP and TCP) and DNSKEY answers, the zone by AXFR, the
//! probed RRsets with their signatures checked, and negative answers with
//! their proofs.
//!
//! Gathering is separate from judging so that each check is a plain
//! function of these facts, and every query is sent once however many
//! checks read its answer.

use crate::denial::{self, Negative, Proof};
use crate::probe::{self, ProbeError, ProbeOptions, Response, Section, rcode_name};
use crate::rrset::{KeyInfo, RrsetCheck, check_rrset};
use crate::served::{LoadState, load_state};
use dnslab_server::server::ZoneSource;
use dnslab_zone::parser::{ParseOptions, parse_file};
use dnslab_zone::verify::{Report, VerifyOptions, verify_zone};
use dnslab_zone::zone::{NameKind, Zone};
use dnslab_zone::{Name, Record, Rtype};
use std::net::SocketAddr;
use std::path::PathBuf;

/// The zone to grade and where it is served.
#[derive(Debug, Clone)]
pub struct ZoneTarget {
    pub zone: Name,
    /// `(node name, address)` of every authoritative server.
    pub servers: Vec<(String, SocketAddr)>,
    /// The trainee's unsigned zone file: where to find names to probe
    /// when AXFR fails.
    pub zone_file: Option<PathBuf>,
    /// What the lab's node serves the zone from, when the lab runs the
    /// zone's server (`None` with `nodes.auth: false`: the trainee's own
    /// server reads files the lab does not know).
    pub served: Option<ZoneSource>,
}

/// Answers from one server.
#[derive(Debug)]
pub struct ServerFacts {
    pub node: String,
    pub addr: SocketAddr,
    pub soa: Result<Response, ProbeError>,
    pub soa_tcp: Result<Response, ProbeError>,
    pub dnskey: Result<Response, ProbeError>,
}

/// A negative answer and its proof.
#[derive(Debug)]
pub enum NegativeFacts {
    /// Not probed, with the reason.
    Skipped(String),
    /// The query failed.
    NoAnswer(String),
    /// The answer was not the expected negative one.
    WrongAnswer { qname: Name, text: String },
    /// The proof check's result.
    Checked {
        qname: Name,
        qtype: Rtype,
        proof: Result<Proof, String>,
    },
}

/// What the zone checks read.
#[derive(Debug)]
pub struct ZoneFacts {
    pub zone: Name,
    /// The check time, seconds since the epoch.
    pub now: i64,
    pub servers: Vec<ServerFacts>,
    /// The DNSKEY RRset of the first server that served one.
    pub dnskeys: Vec<Record>,
    pub keys: Vec<KeyInfo>,
    /// The DNSKEY RRset's own signatures.
    pub dnskey_check: Option<RrsetCheck>,
    /// Apex SOA and NS, leaf data, a wildcard expansion: their signatures.
    pub probed: Vec<RrsetCheck>,
    /// Probes that got no usable answer.
    pub probe_errors: Vec<String>,
    pub nxdomain: NegativeFacts,
    pub nodata: NegativeFacts,
    /// The zone by AXFR from the first server, or why not.
    pub axfr: Result<Vec<Record>, String>,
    /// The verifier's report on the transferred zone.
    pub verify: Option<Report>,
    /// Whether the file the lab serves loads (`None`: the lab does not
    /// serve the zone).
    pub served: Option<LoadState>,
}

/// At most this many leaf RRsets are probed: enough to catch a zone signed
/// only at the apex, few enough to grade a hundred trainees in a second.
const LEAF_PROBES: usize = 6;

/// Queries the target's servers and judges signatures at `now`.
pub async fn gather(target: &ZoneTarget, opts: &ProbeOptions, now: i64) -> ZoneFacts {
    let zone = &target.zone;
    // Reading a zone file blocks; it runs beside the queries.
    let served = target
        .served
        .clone()
        .map(|source| tokio::task::spawn_blocking(move || load_state(&source)));
    let mut servers = Vec::new();
    for (node, addr) in &target.servers {
        let (soa, soa_tcp, dnskey) = tokio::join!(
            probe::query(*addr, zone, Rtype::SOA, opts),
            probe::query_tcp(*addr, zone, Rtype::SOA, opts),
            probe::query(*addr, zone, Rtype::DNSKEY, opts),
        );
        servers.push(ServerFacts {
            node: node.clone(),
            addr: *addr,
            soa,
            soa_tcp,
            dnskey,
        });
    }
    // A server that answered neither the UDP nor the TCP SOA query is not
    // asked anything else: each further probe would only wait out its
    // timeout, and the checks already know why.
    let primary = servers
        .iter()
        .find(|s| s.soa.is_ok() || s.soa_tcp.is_ok())
        .map(|s| s.addr);
    let unreachable = servers
        .iter()
        .filter_map(|s| s.soa.as_ref().err())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    let (dnskeys, dnskey_sigs) = servers
        .iter()
        .filter_map(|s| s.dnskey.as_ref().ok())
        .map(|r| {
            (
                r.rrset(Section::Answer, zone, Rtype::DNSKEY),
                r.rrsigs_for(Section::Answer, zone, Rtype::DNSKEY),
            )
        })
        .find(|(keys, _)| !keys.is_empty())
        .unwrap_or_default();
    let keys = KeyInfo::from_rrset(&dnskeys);
    let dnskey_check = check_rrset(zone, &dnskeys, &dnskey_sigs, &keys, now);

    let axfr = match primary {
        Some(addr) => probe::axfr(addr, zone, opts, 2_000_000)
            .await
            .map_err(|e| e.to_string()),
        None => Err(format!(
            "no server of the zone answers, so none was asked for a transfer ({unreachable})"
        )),
    };
    let verify = axfr.as_ref().ok().and_then(|records| {
        let zone = Zone::new(zone.clone(), records.clone()).ok()?;
        Some(verify_zone(&zone, &VerifyOptions::at(now)))
    });
    // Names to probe: from the transferred zone, else the trainee's file.
    let source: Option<Vec<Record>> = match &axfr {
        Ok(records) => Some(records.clone()),
        Err(_) => target.zone_file.as_ref().and_then(|path| {
            parse_file(
                path,
                &ParseOptions {
                    origin: Some(zone.clone()),
                    default_ttl: Some(3600),
                },
            )
            .ok()
        }),
    };
    let plan = ProbePlan::from_records(zone, source.as_deref().unwrap_or_default());

    let mut probed = Vec::new();
    let mut probe_errors = Vec::new();
    let mut nxdomain = NegativeFacts::NoAnswer(format!("no server answers ({unreachable})"));
    let mut nodata = NegativeFacts::NoAnswer(format!("no server answers ({unreachable})"));
    if let Some(addr) = primary {
        let mut asked = tokio::task::JoinSet::new();
        for (i, (qname, qtype)) in plan.positive.iter().enumerate() {
            let (qname, qtype, opts) = (qname.clone(), *qtype, opts.clone());
            asked.spawn(async move {
                let result = probe::query(addr, &qname, qtype, &opts).await;
                (i, qname, qtype, result)
            });
        }
        let mut answers = asked.join_all().await;
        // Probe order, whatever order the answers came in.
        answers.sort_by_key(|(i, ..)| *i);
        for (_, qname, qtype, result) in answers {
            let (qname, qtype) = (&qname, &qtype);
            match result {
                Ok(response) => {
                    let set = response.rrset(Section::Answer, qname, *qtype);
                    if set.is_empty() {
                        probe_errors.push(format!(
                            "{qname}/{qtype}: {addr} returned no {qtype} record (rcode {})",
                            response.rcode
                        ));
                        continue;
                    }
                    let sigs = response.rrsigs_for(Section::Answer, qname, *qtype);
                    if let Some(check) = check_rrset(zone, &set, &sigs, &keys, now) {
                        probed.push(check);
                    }
                }
                Err(e) => probe_errors.push(format!("{qname}/{qtype}: {e}")),
            }
        }
        if let Some(check) = &dnskey_check {
            probed.push(check.clone());
        }
        let nx = async {
            match &plan.nxdomain {
                Some(qname) => {
                    negative(
                        addr,
                        zone,
                        qname,
                        Rtype::A,
                        Negative::NxDomain,
                        &keys,
                        opts,
                        now,
                    )
                    .await
                }
                None => NegativeFacts::Skipped(format!(
                    "{zone} has a wildcard at its apex, so every name under it exists"
                )),
            }
        };
        let nd = negative(
            addr,
            zone,
            zone,
            plan.nodata_type,
            Negative::NoData,
            &keys,
            opts,
            now,
        );
        (nxdomain, nodata) = tokio::join!(nx, nd);
    }
    let served = match served {
        Some(task) => Some(task.await.unwrap_or_else(|e| {
            LoadState::Broken(crate::served::LoadError {
                file: target
                    .served
                    .as_ref()
                    .map_or_else(String::new, |s| s.current_file().display().to_string()),
                line: None,
                column: None,
                message: format!("reading the file failed: {e}"),
            })
        })),
        None => None,
    };
    ZoneFacts {
        zone: zone.clone(),
        now,
        servers,
        dnskeys,
        keys,
        dnskey_check,
        probed,
        probe_errors,
        nxdomain,
        nodata,
        axfr,
        verify,
        served,
    }
}

#[allow(clippy::too_many_arguments)]
async fn negative(
    addr: SocketAddr,
    zone: &Name,
    qname: &Name,
    qtype: Rtype,
    kind: Negative,
    keys: &[KeyInfo],
    opts: &ProbeOptions,
    now: i64,
) -> NegativeFacts {
    let response = match probe::query(addr, qname, qtype, opts).await {
        Ok(r) => r,
        Err(e) => return NegativeFacts::NoAnswer(e.to_string()),
    };
    let expected_rcode = match kind {
        Negative::NxDomain => 3,
        Negative::NoData => 0,
    };
    if response.rcode != expected_rcode || !response.answer.is_empty() {
        return NegativeFacts::WrongAnswer {
            qname: qname.clone(),
            text: format!(
                "{qname}/{qtype} got rcode {} with {} answer record(s), where {} with an empty answer was expected",
                rcode_name(response.rcode),
                response.answer.len(),
                rcode_name(expected_rcode)
            ),
        };
    }
    NegativeFacts::Checked {
        qname: qname.clone(),
        qtype,
        proof: denial::check_proof(zone, qname, qtype, kind, &response.authority, keys, now),
    }
}

/// What to ask the zone's server.
#[derive(Debug)]
struct ProbePlan {
    positive: Vec<(Name, Rtype)>,
    nxdomain: Option<Name>,
    nodata_type: Rtype,
}

impl ProbePlan {
    fn from_records(apex: &Name, records: &[Record]) -> ProbePlan {
        let mut positive = vec![(apex.clone(), Rtype::SOA), (apex.clone(), Rtype::NS)];
        let mut apex_wildcard = false;
        let mut apex_types = Vec::new();
        if let Ok(zone) = Zone::new(apex.clone(), records.to_vec()) {
            let mut leaves = 0;
            for owner in zone.owners() {
                let set = zone.records_of(owner);
                let Some(first) = set.first() else { continue };
                if owner.kind == NameKind::Apex {
                    apex_types = set.iter().map(|r| r.rtype).collect();
                    continue;
                }
                if owner.kind != NameKind::Authoritative {
                    continue;
                }
                let data_type = set
                    .iter()
                    .map(|r| r.rtype)
                    .find(|t| !matches!(*t, Rtype::RRSIG | Rtype::NSEC | Rtype::NSEC3 | Rtype::DS));
                let Some(rtype) = data_type else { continue };
                if first.owner.is_wildcard() {
                    if first
                        .owner
                        .strip_left(1)
                        .is_some_and(|p| p.eq_ignore_case(apex))
                    {
                        apex_wildcard = true;
                    }
                    // A name the wildcard expands to.
                    if let Some(expanded) = first
                        .owner
                        .strip_left(1)
                        .and_then(|p| p.prepend(b"dnslab-wildcard-probe").ok())
                    {
                        positive.push((expanded, rtype));
                    }
                    continue;
                }
                if leaves < LEAF_PROBES {
                    positive.push((first.owner.clone(), rtype));
                    leaves += 1;
                }
            }
        }
        let nxdomain = if apex_wildcard {
            None
        } else {
            apex.prepend(format!("dnslab-nx-{:08x}", random_u32()).as_bytes())
                .ok()
        };
        let nodata_type = [Rtype::NAPTR, Rtype::SRV, Rtype::SSHFP, Rtype::CAA]
            .into_iter()
            .find(|t| !apex_types.contains(t))
            .unwrap_or(Rtype::NAPTR);
        ProbePlan {
            positive,
            nxdomain,
            nodata_type,
        }
    }
}

fn random_u32() -> u32 {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 4];
    let _ = ring::rand::SystemRandom::new().fill(&mut b);
    u32::from_be_bytes(b)
}
