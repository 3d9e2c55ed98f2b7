//! `dnslab serve` against NSD, the reference authoritative server: both
//! serve the same pre-signed lab zones (lab. and its signed child
//! secure.lab., signed with NSEC, NSEC3 and NSEC3 opt-out) and must give
//! the same answer to every query of a generated corpus, over UDP and TCP,
//! with and without EDNS and the DO bit, in mixed case. Every difference
//! is collected and reported at the end in one panic message.
//!
//! Which server stands against NSD is set in `common::UNDER_TEST` (a
//! second NSD proves the harness; `dnslab serve` is the real subject).
//! Skips with a printed reason without NSD; fails instead under
//! `DNSLAB_REQUIRE_PEERS=1`.

mod common;

use common::*;
use dnslab_testkit::peers;
use hickory_proto::rr::RecordType;
use std::collections::BTreeMap;

/// Query names: every owner name of the lab zones and the interesting
/// names around them.
const NAMES: &[&str] = &[
    // Apex and plain names.
    "lab.",
    "ns1.lab.",
    "ns2.lab.",
    "mail.lab.",
    "www.lab.",
    // CNAME chains: in-zone, to outside, into the wildcard, into the
    // child zone, a loop.
    "c1.lab.",
    "c2.lab.",
    "ext.lab.",
    "towild.lab.",
    "tosecure.lab.",
    "loop1.lab.",
    // Wildcard: explicit sibling, synthesised answers (one and two labels
    // deep), the literal wildcard owner, the empty non-terminal above it.
    "x.w.lab.",
    "foo.w.lab.",
    "bar.foo.w.lab.",
    "*.w.lab.",
    "w.lab.",
    // Empty non-terminals and NXDOMAIN below an existing name.
    "a.b.c.lab.",
    "b.c.lab.",
    "c.lab.",
    "z.a.b.c.lab.",
    // SRV (additional-section processing) and the ENT above them.
    "_sip._udp.lab.",
    "_sip._tcp.lab.",
    "_udp.lab.",
    // Larger than 512 octets.
    "big.lab.",
    // DNAME: the owner, substitution, a deeper name, a target that does
    // not exist.
    "dn.lab.",
    "host.dn.lab.",
    "a.host.dn.lab.",
    "nx.dn.lab.",
    "t.lab.",
    "host.t.lab.",
    // Secure delegation (DS in the parent) to a child on the same server.
    "secure.lab.",
    "ns.secure.lab.",
    "www.secure.lab.",
    "alias.secure.lab.",
    "foo.wild.secure.lab.",
    "wild.secure.lab.",
    "a.ent.secure.lab.",
    "ent.secure.lab.",
    "nx.secure.lab.",
    "a.nx.secure.lab.",
    // Insecure delegations: referrals with in-bailiwick, sibling and no glue.
    "insecure.lab.",
    "ns.insecure.lab.",
    "x.insecure.lab.",
    "a.b.insecure.lab.",
    "other.lab.",
    "ns.other.lab.",
    "x.other.lab.",
    // NXDOMAIN at several depths, before the first and after the last name.
    "nx.lab.",
    "nx.nx.lab.",
    "a.nx.www.lab.",
    "0.lab.",
    "zzz.lab.",
    "zzz.zzz.zzz.lab.",
    // Not ours: REFUSED.
    "example.net.",
    "lab.example.",
    ".",
];

/// Query types. ANY is left out on purpose: RFC 8482 lets an
/// authoritative server answer ANY with a minimal response, and NSD 4.6
/// (without `refuse-any`) answers it in full, so NSD is no reference there.
fn types() -> Vec<u16> {
    let mut t: Vec<u16> = [
        RecordType::A,
        RecordType::AAAA,
        RecordType::TXT,
        RecordType::MX,
        RecordType::NS,
        RecordType::SOA,
        RecordType::DNSKEY,
        RecordType::DS,
        RecordType::NSEC3PARAM,
        RecordType::CNAME,
        RecordType::SRV,
        RecordType::DNAME,
        RecordType::NSEC,
        RecordType::RRSIG,
        // Absent everywhere: NODATA.
        RecordType::PTR,
    ]
    .into_iter()
    .map(u16::from)
    .collect();
    // A type no one knows (RFC 3597), absent too.
    t.push(65280);
    t
}

/// How each query is sent; `mixed` sends the name in 0x20 mixed case.
#[derive(Clone, Copy)]
struct Mode {
    flags: Flags,
    mixed: bool,
}

fn modes() -> Vec<Mode> {
    let m = |tcp, edns_payload, do_bit, cd, mixed| Mode {
        flags: Flags {
            do_bit,
            cd,
            edns_payload,
            tcp,
        },
        mixed,
    };
    vec![
        m(false, None, false, false, false),
        m(false, Some(512), false, false, false),
        m(false, Some(512), true, false, false),
        m(false, Some(1232), false, false, false),
        m(false, Some(1232), true, false, false),
        m(false, Some(1232), true, true, true),
        m(true, None, false, false, true),
        m(true, Some(1232), true, false, false),
        m(true, Some(512), true, false, false),
    ]
}

/// A difference for the report.
struct Diff {
    question: String,
    mode: String,
    text: String,
}

fn differential(denial: Denial) {
    let Some([nsd, checkconf]) = peers(["nsd", "nsd-checkconf"]) else {
        return;
    };
    if under_test() == UnderTest::Dnslab {
        require_dnslab_serve();
    }
    let dir = tempfile::tempdir().unwrap();
    let lab = build_lab_zones(&dir.path().join("zones"), denial);
    let reference = start_nsd(&nsd, &checkconf, &dir.path().join("nsd"), &lab.zones);
    let tested = start_under_test(&nsd, &checkconf, &dir.path().join("tested"), &lab.zones);
    assert!(loopback(reference.addr) && loopback(tested.addr));
    assert_ne!(reference.addr, tested.addr);
    eprintln!(
        "{}: reference NSD on {}, {} on {}",
        denial.label(),
        reference.addr,
        tested.name,
        tested.addr
    );

    let mut diffs = Vec::new();
    let mut stats = BTreeMap::new();
    let mut sent = 0;
    let mut questions = 0;
    for name in NAMES {
        for &qtype in &types() {
            questions += 1;
            for mode in modes() {
                let qname = if mode.mixed {
                    mixed_case(name)
                } else {
                    name.to_string()
                };
                sent += 1;
                compare_query(
                    &reference, &tested, &qname, qtype, mode.flags, &mut diffs, &mut stats,
                );
            }
        }
    }

    // Zone transfers: the same records, in any order.
    for zone in &lab.zones {
        let a = axfr(reference.addr, &zone.origin);
        let b = axfr(tested.addr, &zone.origin);
        let text = match (a, b) {
            (Ok(a), Ok(b)) => {
                // The closing SOA repeats the first one; compare as sets.
                let strip = |v: Vec<Rr>| {
                    let mut v = v;
                    v.pop();
                    v
                };
                section_diff("axfr", &strip(a), &strip(b), &tested.name)
            }
            (a, b) => Some(format!(
                "NSD: {}; {}: {}",
                a.map(|v| format!("{} records", v.len()))
                    .unwrap_or_else(|e| e),
                tested.name,
                b.map(|v| format!("{} records", v.len()))
                    .unwrap_or_else(|e| e)
            )),
        };
        if let Some(text) = text {
            diffs.push(Diff {
                question: format!("{} AXFR", zone.origin),
                mode: "tcp".into(),
                text,
            });
        }
    }

    eprintln!(
        "{}: NSD's answers: {}",
        denial.label(),
        stats
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    eprintln!(
        "{}: {questions} questions, {sent} queries to each server (+ AXFR of {} zones), {} differences",
        denial.label(),
        lab.zones.len(),
        diffs.len()
    );
    assert!(
        sent >= 300,
        "the corpus has only {sent} queries, fewer than 300"
    );
    if !diffs.is_empty() {
        panic!(
            "{} ({}): {} of {sent} queries answered differently by {} ({}) and the reference NSD ({}):\n{}",
            tested.name,
            denial.label(),
            diffs.len(),
            tested.name,
            tested.addr,
            reference.addr,
            report(&diffs)
        );
    }
    drop(tested);
    drop(reference);
}

/// Groups identical differences of one question across modes.
fn report(diffs: &[Diff]) -> String {
    let mut grouped: BTreeMap<&str, BTreeMap<&str, Vec<&str>>> = BTreeMap::new();
    for d in diffs {
        grouped
            .entry(&d.question)
            .or_default()
            .entry(&d.text)
            .or_default()
            .push(&d.mode);
    }
    let mut out = String::new();
    for (question, texts) in grouped {
        out.push_str(&format!("\n{question}\n"));
        for (text, modes) in texts {
            out.push_str(&format!("  [{}]\n", modes.join(" | ")));
            for line in text.lines() {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    out
}

fn compare_query(
    reference: &Server,
    tested: &Server,
    qname: &str,
    qtype: u16,
    flags: Flags,
    diffs: &mut Vec<Diff>,
    stats: &mut BTreeMap<String, usize>,
) {
    let question = format!("{qname} {}", type_name(qtype));
    let a = query(reference.addr, qname, qtype, flags);
    let b = query(tested.addr, qname, qtype, flags);
    let mut push = |flags: Flags, text: String| {
        diffs.push(Diff {
            question: question.clone(),
            mode: flags.to_string(),
            text,
        })
    };
    let (a, b) = match (a, b) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            *stats.entry("no answer".into()).or_default() += 1;
            push(
                flags,
                format!(
                    "NSD: {}\n{}: {}",
                    a.map(|r| r.header_text()).unwrap_or_else(|e| e),
                    tested.name,
                    b.map(|r| r.header_text()).unwrap_or_else(|e| e)
                ),
            );
            return;
        }
    };
    *stats.entry(kind(&a)).or_default() += 1;
    if let Some(text) = compare(qname, qtype, flags, &a, &b, &tested.name) {
        // Only an actual difference can be one of NSD's known deviations.
        match nsd_deviation(reference, qname, qtype, flags, &a, &b) {
            Some(reason) if under_test() == UnderTest::Dnslab => {
                *stats
                    .entry(format!("NSD not the reference ({reason})"))
                    .or_default() += 1;
                return;
            }
            _ => push(flags, text),
        }
    }
    // Both truncated: compare the answers over TCP instead (the UDP
    // sections of a truncated response are not specified).
    if a.tc && b.tc && !flags.tcp {
        let tcp = Flags { tcp: true, ..flags };
        match (
            query(reference.addr, qname, qtype, tcp),
            query(tested.addr, qname, qtype, tcp),
        ) {
            (Ok(a), Ok(b)) => {
                if let Some(text) = compare(qname, qtype, tcp, &a, &b, &tested.name) {
                    push(tcp, format!("(after TC over UDP)\n{text}"));
                }
            }
            (a, b) => push(
                tcp,
                format!(
                    "(after TC over UDP) NSD: {}\n{}: {}",
                    a.map(|r| r.header_text()).unwrap_or_else(|e| e),
                    tested.name,
                    b.map(|r| r.header_text()).unwrap_or_else(|e| e)
                ),
            ),
        }
    }
}

/// Whether every record of `sub` is in `sup` (as multisets).
fn contains_all(sup: &[Rr], sub: &[Rr]) -> bool {
    let mut left: Vec<_> = sup.iter().map(Rr::key).collect();
    sub.iter()
        .all(|r| match left.iter().position(|k| *k == r.key()) {
            Some(i) => {
                left.swap_remove(i);
                true
            }
            None => false,
        })
}

/// The records of `rrs` except those of `types` and the RRSIGs over them.
fn without(rrs: &[Rr], types: &[u16]) -> Vec<Rr> {
    let type_or_covered = |r: &Rr| match (r.rtype, r.rdata.get(..2)) {
        (46, Some(c)) => u16::from_be_bytes([c[0], c[1]]),
        (t, _) => t,
    };
    rrs.iter()
        .filter(|r| !types.contains(&type_or_covered(r)))
        .cloned()
        .collect()
}

/// Where NSD 4.6 answers differently from what the RFCs ask, the RFC is the
/// reference: each case here names the section, checks dnslab's answer
/// against it as far as a comparison can, and is counted in the run's
/// statistics instead of failing. `serve_delv.rs` validates the same kinds
/// of answers from dnslab with BIND's validator.
fn nsd_deviation(
    reference: &Server,
    qname: &str,
    qtype: u16,
    flags: Flags,
    a: &Response,
    b: &Response,
) -> Option<&'static str> {
    let lower = qname.to_ascii_lowercase();
    let same_header = a.rcode == b.rcode && a.aa == b.aa;
    // RFC 4035 §3.1.3.2 (and RFC 6672 §3.3): after a DNAME is followed to a
    // name that does not exist, the NXDOMAIN proof must cover the
    // synthesised name too. NSD sends only the NSEC for the wildcard; dnslab
    // sends both, so its answer is NSD's plus that NSEC (and may then need
    // TC in 512 octets).
    if lower.ends_with(".dn.lab.") && a.rcode == 3 && b.rcode == 3 {
        if b.tc && !a.tc && !flags.tcp {
            return Some(
                "RFC 4035 3.1.3.2: full NXDOMAIN proof after DNAME does not fit 512 octets",
            );
        }
        if same_header
            && a.answer.len() == b.answer.len()
            && contains_all(&b.answer, &a.answer)
            && contains_all(&b.authority, &a.authority)
        {
            return Some(
                "RFC 4035 3.1.3.2: NXDOMAIN proof after DNAME covers the synthesised name",
            );
        }
    }
    // RFC 5155 §7.2.3: a query for the literal wildcard name (it exists)
    // without the type is NODATA proven by the NSEC3 matching QNAME. NSD
    // answers it as a wildcard NODATA (§7.2.5) with other NSEC3 records.
    if lower.starts_with("*.")
        && a.rcode == 0
        && b.rcode == 0
        && a.answer.is_empty()
        && b.answer.is_empty()
    {
        let nsec3 = [50u16];
        let (a_rest, b_rest) = (without(&a.authority, &nsec3), without(&b.authority, &nsec3));
        if (a.tc || b.tc) && !flags.tcp {
            return Some("RFC 5155 7.2.3: NODATA for the literal wildcard name, different size");
        }
        if contains_all(&a_rest, &b_rest)
            && contains_all(&b_rest, &a_rest)
            && b.authority.iter().any(|r| r.rtype == 50)
        {
            return Some("RFC 5155 7.2.3: NODATA for the literal wildcard name");
        }
    }
    // RFC 9471 §2: in-domain glue must be in a referral, or TC set; other
    // additional data goes in as space allows (RFC 2181 §9). NSD 4.6 fills
    // 512 octets in its own order and may drop in-domain AAAA glue. Checked:
    // same header, answer and authority; dnslab's additional is part of the
    // full set (asked over TCP) and holds every in-domain glue record.
    if !flags.tcp
        && !a.tc
        && !b.tc
        && flags.edns_payload.is_none_or(|p| p <= 512)
        && same_header
        && contains_all(&a.answer, &b.answer)
        && contains_all(&b.answer, &a.answer)
        && contains_all(&a.authority, &b.authority)
        && contains_all(&b.authority, &a.authority)
    {
        let full = query(reference.addr, qname, qtype, Flags { tcp: true, ..flags }).ok()?;
        let cut = b
            .authority
            .iter()
            .chain(&b.answer)
            .find(|r| r.rtype == 2)
            .map(|r| r.owner.to_ascii_lowercase());
        let in_domain: Vec<Rr> = full
            .additional
            .iter()
            .filter(|r| {
                cut.as_ref()
                    .is_some_and(|c| r.owner.to_ascii_lowercase().ends_with(c.as_str()))
                    && r.rtype != 46
            })
            .cloned()
            .collect();
        if contains_all(&full.additional, &b.additional)
            && (b.aa || contains_all(&b.additional, &in_domain))
        {
            return Some("RFC 9471 2 / RFC 2181 9: which additional records fit 512 octets");
        }
    }
    None
}

/// What kind of answer NSD gave, for the corpus statistics.
fn kind(r: &Response) -> String {
    let ns = u16::from(RecordType::NS);
    let soa = u16::from(RecordType::SOA);
    if r.tc {
        return "truncated".into();
    }
    match r.rcode {
        0 if !r.answer.is_empty() => "answer",
        0 if !r.aa && r.authority.iter().any(|x| x.rtype == ns) => "referral",
        0 if r.authority.iter().any(|x| x.rtype == soa) => "nodata",
        3 => "nxdomain",
        5 => "refused",
        _ => return format!("other({})", r.header_text()),
    }
    .into()
}

/// None when `b` (the server under test) answers like `a` (NSD).
fn compare(
    qname: &str,
    qtype: u16,
    flags: Flags,
    a: &Response,
    b: &Response,
    name: &str,
) -> Option<String> {
    let mut out = Vec::new();
    let sent = vec![(qname.to_string(), qtype, 1u16)];
    for (who, r) in [("NSD", a), (name, b)] {
        if r.question != sent {
            out.push(format!(
                "{who} question section {:?}, sent {:?} (0x20 case must be echoed)",
                r.question, sent
            ));
        }
    }
    // RFC 4035 section 3.1.6: a security-aware name server copies the CD
    // bit from the query into the response. NSD 4.6 clears it, so NSD is no
    // reference there: the server under test is checked against the query
    // (unless it is the second NSD that proves the harness).
    if under_test() == UnderTest::Dnslab && b.cd != flags.cd {
        out.push(format!(
            "{name} answers with CD={}, the query had CD={} (RFC 4035 section 3.1.6: copy it)",
            b.cd, flags.cd
        ));
    }
    if a.header_text() != b.header_text() || a.opcode != b.opcode {
        // Payload size is the server's own choice; everything else in the
        // header and OPT record must match (CD: see above).
        let strip = |r: &Response| {
            (
                r.opcode,
                r.rcode,
                r.aa,
                r.tc,
                r.rd,
                r.ra,
                r.ad,
                r.opt.as_ref().map(|o| (o.do_bit, o.version)),
            )
        };
        if strip(a) != strip(b) {
            out.push(format!(
                "header: NSD {} / {name} {}",
                a.header_text(),
                b.header_text()
            ));
        }
    }
    // The sections of a truncated UDP response are not compared (see the
    // TCP re-query in compare_query).
    if !(a.tc && b.tc && !flags.tcp) {
        for (section, x, y) in [
            ("answer", &a.answer, &b.answer),
            ("authority", &a.authority, &b.authority),
            ("additional", &a.additional, &b.additional),
        ] {
            if let Some(d) = section_diff(section, x, y, name) {
                out.push(d);
            }
        }
    }
    if out.is_empty() {
        None
    } else {
        Some(out.join("\n"))
    }
}

/// The records only one side has (as multisets: duplicates count).
fn section_diff(section: &str, a: &[Rr], b: &[Rr], name: &str) -> Option<String> {
    let mut ka: Vec<_> = a.iter().map(|r| (r.key(), r)).collect();
    let mut kb: Vec<_> = b.iter().map(|r| (r.key(), r)).collect();
    ka.sort_by(|x, y| x.0.cmp(&y.0));
    kb.sort_by(|x, y| x.0.cmp(&y.0));
    let (mut i, mut j) = (0, 0);
    let mut only_a = Vec::new();
    let mut only_b = Vec::new();
    while i < ka.len() || j < kb.len() {
        if j == kb.len() || (i < ka.len() && ka[i].0 < kb[j].0) {
            only_a.push(ka[i].1);
            i += 1;
        } else if i == ka.len() || kb[j].0 < ka[i].0 {
            only_b.push(kb[j].1);
            j += 1;
        } else {
            i += 1;
            j += 1;
        }
    }
    if only_a.is_empty() && only_b.is_empty() {
        return None;
    }
    let mut s = format!(
        "{section}: {} records from NSD, {} from {name}",
        a.len(),
        b.len()
    );
    for r in only_a {
        s.push_str(&format!("\n  only NSD:   {r}"));
    }
    for r in only_b {
        s.push_str(&format!("\n  only {name}: {r}"));
    }
    Some(s)
}

#[test]
fn nsec_lab_zones_answer_like_nsd() {
    differential(Denial::Nsec);
}

#[test]
fn nsec3_lab_zones_answer_like_nsd() {
    differential(Denial::Nsec3);
}

#[test]
fn nsec3_opt_out_lab_zones_answer_like_nsd() {
    differential(Denial::Nsec3OptOut);
}
