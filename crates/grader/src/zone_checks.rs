//! The checks of the `sign-zone` exercise (and the zone side of the
//! others): each a function of the gathered [`ZoneFacts`].

use crate::checks::ZoneCheck;
use crate::outcome::ToolHints;
use crate::probe::rcode_name;
use crate::rrset::KeyInfo;
use crate::served::LoadState;
use crate::verdict::{Params, Verdict};
use crate::zone_facts::{NegativeFacts, ZoneFacts};
use dnslab_zone::rdata::{time, view};
use dnslab_zone::verify::Severity as FindingSeverity;
use dnslab_zone::{Algorithm, Rtype};

/// Runs a zone check.
pub fn run(check: ZoneCheck, facts: &ZoneFacts, params: &Params) -> Verdict {
    match check {
        ZoneCheck::Served => zone_served(facts),
        ZoneCheck::FileLoads => zone_file_loads(facts),
        ZoneCheck::DnskeyPublished => dnskey_published(facts),
        ZoneCheck::DnskeySignedBySep => dnskey_signed_by_sep(facts),
        ZoneCheck::AlgorithmAllowed => algorithm_allowed(facts, params),
        ZoneCheck::RrsetsSigned => rrsets_signed(facts),
        ZoneCheck::SignaturesMargin => signatures_margin(facts, params),
        ZoneCheck::DenialNxdomain => negative(&facts.nxdomain, "NXDOMAIN"),
        ZoneCheck::DenialNodata => negative(&facts.nodata, "NODATA"),
        ZoneCheck::DenialMethod => denial_method(facts, params),
        ZoneCheck::Nsec3Parameters => nsec3_parameters(facts),
        ZoneCheck::Verifies => zone_verifies(facts),
        ZoneCheck::ServersConsistent => servers_consistent(facts),
        ZoneCheck::TcpAnswers => tcp_answers(facts),
    }
}

pub(crate) fn resign_hints() -> ToolHints {
    ToolHints {
        dnslab: Some(
            "`dnslab zone sign {zone_file} --origin {zone_name} --keys keys -o {signed_zone_file}`"
                .into(),
        ),
        bind: Some(
            "`dnssec-signzone -S -K keys -o {zone_name} -f {signed_zone_file} {zone_file}` (-S: every key of keys/ as its timers say)"
                .into(),
        ),
        ldns: Some(
            "`ldns-signzone -f {signed_zone_file} {zone_file} keys/$(cat ksk.name) keys/$(cat zsk.name)` (every key to sign with, by name)"
                .into(),
        ),
        knot: Some(
            "`kzonesign -c knot.conf -o knot/out {zone_name} && mv knot/out/{zone_name}.zone {signed_zone_file}` (knot.conf from `dnslab signer-config --format knot --trainee {trainee}`)"
                .into(),
        ),
        unbound: None,
    }
}

/// How each toolset checks that `file`, of `zone`, loads.
pub(crate) fn load_hints(file: &str, zone: &str) -> ToolHints {
    ToolHints {
        dnslab: Some(format!("`dnslab zone check {file} --origin {zone}`")),
        bind: Some(format!("`named-checkzone {zone} {file}`")),
        ldns: Some(format!("`ldns-read-zone {file}`")),
        knot: Some(format!("`kzonecheck -o {zone} {file}`")),
        unbound: None,
    }
}

pub(crate) fn keygen_hints() -> ToolHints {
    ToolHints {
        dnslab: Some(
            "`mkdir -p keys`, then `dnslab key generate --zone {zone_name} --ksk --dir keys > ksk.name` and `dnslab key generate --zone {zone_name} --dir keys > zsk.name` (each prints its key's name)"
                .into(),
        ),
        bind: Some(
            "`mkdir -p keys`, then `dnssec-keygen -K keys -a ECDSAP256SHA256 -f KSK {zone_name} > ksk.name` and `dnssec-keygen -K keys -a ECDSAP256SHA256 {zone_name} > zsk.name`"
                .into(),
        ),
        ldns: Some(
            "`mkdir -p keys`, then `cd keys && ldns-keygen -a ECDSAP256SHA256 -k {zone_name} > ../ksk.name` and `cd keys && ldns-keygen -a ECDSAP256SHA256 {zone_name} > ../zsk.name`"
                .into(),
        ),
        knot: Some(
            "`mkdir -p knot` and `dnslab signer-config --format knot --trainee {trainee} > knot.conf` (Knot's key database and configuration), then `keymgr -c knot.conf {zone_name} generate algorithm=13 ksk=yes` and `keymgr -c knot.conf {zone_name} generate algorithm=13`"
                .into(),
        ),
        unbound: None,
    }
}

fn no_keys(facts: &ZoneFacts) -> Option<Verdict> {
    facts.keys.is_empty().then(|| {
        Verdict::skip(format!(
            "{} publishes no DNSKEY, so there is nothing to check here",
            facts.zone
        ))
    })
}

fn zone_served(facts: &ZoneFacts) -> Verdict {
    let mut details = Vec::new();
    let mut bad = Vec::new();
    for s in &facts.servers {
        match &s.soa {
            Ok(r)
                if r.rcode == 0
                    && r.aa
                    && !r
                        .rrset(crate::probe::Section::Answer, &facts.zone, Rtype::SOA)
                        .is_empty() =>
            {
                details.push(format!("{} ({}): authoritative SOA answer", s.node, s.addr));
            }
            Ok(r) => bad.push(format!(
                "{} ({}) answered the SOA query with {}{}",
                s.node,
                s.addr,
                rcode_name(r.rcode),
                if r.aa {
                    ""
                } else {
                    " and without the AA bit: it does not serve the zone"
                }
            )),
            Err(e) => bad.push(e.to_string()),
        }
    }
    if facts.servers.is_empty() {
        return Verdict::fail(
            format!("no authoritative server is known for {}", facts.zone),
            "Check that the lab runs your authoritative server (dnslab status).",
        );
    }
    if bad.is_empty() {
        Verdict::pass(format!(
            "{} server(s) answer for {} authoritatively",
            facts.servers.len(),
            facts.zone
        ))
        .details(details)
    } else {
        Verdict::fail(
            bad.join("; "),
            "Make sure your zone file loads: `dnslab zone check` on it, then look at the server's log (dnslab status shows it).",
        )
        .details(details)
    }
}

/// The SOA serial a server answered with, if it answered one.
fn served_serial(
    facts: &ZoneFacts,
    soa: &Result<crate::probe::Response, crate::probe::ProbeError>,
) -> Option<u32> {
    soa.as_ref().ok().and_then(|r| {
        r.rrset(crate::probe::Section::Answer, &facts.zone, Rtype::SOA)
            .first()
            .and_then(|soa| view::Soa::parse(&soa.rdata))
            .map(|soa| soa.serial)
    })
}

fn zone_file_loads(facts: &ZoneFacts) -> Verdict {
    let error = match &facts.served {
        None => {
            return Verdict::skip(
                "the lab does not run your authoritative server (nodes.auth: false): your own server reads your files, and its log says whether one failed to load",
            );
        }
        Some(LoadState::Loads { file, serial }) => {
            return Verdict::pass(format!(
                "{} loads (serial {serial}): your server serves what you wrote",
                file.display()
            ));
        }
        Some(LoadState::Broken(e)) => e,
    };
    // What the trainee's server serves instead.
    let serving: Vec<String> = facts
        .servers
        .iter()
        .map(|s| match served_serial(facts, &s.soa) {
            Some(serial) => format!(
                "{} ({}) keeps serving the last version that loaded (serial {serial}): the other checks graded that version, not your file",
                s.node, s.addr
            ),
            None => format!(
                "{} ({}) serves no version of {}: none has loaded yet",
                s.node, s.addr, facts.zone
            ),
        })
        .collect();
    let (zone, file) = (&facts.zone, &error.file);
    Verdict::fail(
        format!("the file you wrote does not load: {error}"),
        "Fix the file at that position and save it again: your server reloads it within a second. For a signed file, fix the unsigned one and sign again rather than editing the signed file.",
    )
    .tools(load_hints(file, &zone.to_string()))
    .details(serving)
}

fn dnskey_published(facts: &ZoneFacts) -> Verdict {
    let zone_keys: Vec<&KeyInfo> = facts
        .keys
        .iter()
        .filter(|k| k.zone_key && !k.revoked)
        .collect();
    if zone_keys.is_empty() {
        let why = match facts.servers.first().map(|s| &s.dnskey) {
            Some(Err(e)) => e.to_string(),
            _ if facts.keys.is_empty() => format!("{} serves no DNSKEY RRset", facts.zone),
            _ => "none of its DNSKEYs has the Zone Key flag (flags 256 or 257)".to_string(),
        };
        return Verdict::fail(
            why,
            "Generate a KSK and a ZSK, sign the zone with them and serve the signed file.",
        )
        .tools(keygen_hints());
    }
    Verdict::pass(format!(
        "{} publishes {}",
        facts.zone,
        zone_keys
            .iter()
            .map(|k| k.describe())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

fn dnskey_signed_by_sep(facts: &ZoneFacts) -> Verdict {
    if let Some(skip) = no_keys(facts) {
        return skip;
    }
    let Some(check) = &facts.dnskey_check else {
        return Verdict::skip("no DNSKEY RRset to check");
    };
    let by_sep = check.signatures.iter().find(|s| {
        s.is_valid()
            && facts
                .keys
                .iter()
                .any(|k| k.sep && k.tag == s.key_tag && k.algorithm == s.algorithm)
    });
    if let Some(sig) = by_sep {
        return Verdict::pass(format!(
            "the DNSKEY RRset is signed by SEP key {} until {}",
            sig.key_tag,
            time::format_human(i64::from(sig.expiration))
        ));
    }
    let seps: Vec<String> = facts
        .keys
        .iter()
        .filter(|k| k.sep)
        .map(|k| k.describe())
        .collect();
    let sign_with_ksk = "Sign with a KSK (generated with --ksk / -f KSK) as well as the ZSK: the KSK signs the DNSKEY RRset.";
    let (message, hint) = if seps.is_empty() {
        (
            format!(
                "no DNSKEY of {} has the SEP flag (257): the parent's DS must point at a key that signs the DNSKEY RRset, and by convention that is a KSK",
                facts.zone
            ),
            sign_with_ksk,
        )
    } else {
        let problems: Vec<String> = check
            .signatures
            .iter()
            .map(|s| s.describe(&facts.zone, Rtype::DNSKEY))
            .collect();
        // A KSK that is there but whose signature is out of date needs a
        // new signing, not another key.
        let hint = if problems.iter().any(|p| p.contains("expired")) {
            "Re-sign the zone: the KSK's signature over the DNSKEY RRset has expired, and signatures must be renewed before they expire."
        } else if problems.iter().any(|p| p.contains("not valid before")) {
            "Re-sign with an inception in the past (the default is an hour ago); check the clock of the machine that signed."
        } else {
            sign_with_ksk
        };
        (
            format!(
                "the DNSKEY RRset has no valid signature by a SEP key ({}); its signatures: {}",
                seps.join(", "),
                if problems.is_empty() {
                    "none".to_string()
                } else {
                    problems.join("; ")
                }
            ),
            hint,
        )
    };
    Verdict::fail(message, hint).tools(resign_hints())
}

/// RFC 9904 (the statuses of RFC 8624 §3.1) for signing.
fn signing_allowed(alg: Algorithm) -> Result<(), &'static str> {
    match alg.signing_advice() {
        "RECOMMENDED" | "MAY" => Ok(()),
        other => Err(other),
    }
}

fn algorithm_allowed(facts: &ZoneFacts, params: &Params) -> Verdict {
    if let Some(skip) = no_keys(facts) {
        return skip;
    }
    let mut algs: Vec<Algorithm> = facts
        .keys
        .iter()
        .filter(|k| k.zone_key)
        .map(|k| k.algorithm)
        .collect();
    algs.sort();
    algs.dedup();
    if algs.is_empty() {
        return Verdict::skip(
            "no DNSKEY has the Zone Key flag, so there is no signing algorithm to judge (dnskey-published says why)",
        );
    }
    let mut bad = Vec::new();
    for alg in &algs {
        if let Err(advice) = signing_allowed(*alg) {
            bad.push(format!("{alg} is {advice} for signing"));
        } else if !params.algorithms.is_empty() && !params.algorithms.contains(alg) {
            bad.push(format!(
                "{alg} is not one this exercise asks for ({})",
                params
                    .algorithms
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    let list = algs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if bad.is_empty() {
        Verdict::pass(format!("the zone is signed with {list}"))
    } else {
        Verdict::fail(
            bad.join("; "),
            "Generate new keys with ECDSAP256SHA256 (13) or ED25519 (15) and roll to them.",
        )
        .tools(keygen_hints())
    }
}

fn rrsets_signed(facts: &ZoneFacts) -> Verdict {
    if let Some(skip) = no_keys(facts) {
        return skip;
    }
    let mut problems = Vec::new();
    let mut details = Vec::new();
    for check in &facts.probed {
        match check.problem() {
            Some(p) => problems.push(p),
            None => details.push(format!(
                "{}/{}: valid until {}",
                check.owner,
                check.rtype,
                check
                    .valid_until()
                    .map_or_else(String::new, |t| time::format_human(i64::from(t)))
            )),
        }
    }
    details.extend(facts.probe_errors.iter().cloned());
    if facts.probed.is_empty() {
        return Verdict::fail(
            "no RRset of the zone could be fetched to check its signatures",
            "Make sure your server serves the signed zone.",
        )
        .details(details);
    }
    if problems.is_empty() {
        return Verdict::pass(format!(
            "{} probed RRsets are validly signed by every algorithm of the key set",
            facts.probed.len()
        ))
        .details(details);
    }
    let hint = if problems.iter().any(|p| p.contains("expired")) {
        "Re-sign the zone: signatures have a lifetime, and the zone must be re-signed before they expire."
    } else if problems.iter().any(|p| p.contains("not valid before")) {
        "Re-sign with an inception in the past (the default is an hour ago); check the clock of the machine that signed."
    } else if problems.iter().any(|p| p.contains("does not verify")) {
        "The data changed after signing: edit the unsigned file and sign again; never edit the signed file."
    } else {
        "Sign the zone with all its keys and serve the signed file."
    };
    Verdict::fail(problems.join("; "), hint)
        .tools(resign_hints())
        .details(details)
        .reference("RFC 4035 §5.3.1")
}

fn signatures_margin(facts: &ZoneFacts, params: &Params) -> Verdict {
    if let Some(skip) = no_keys(facts) {
        return skip;
    }
    let limit = facts.now + i64::from(params.signature_margin);
    let mut short = Vec::new();
    let mut earliest: Option<i64> = None;
    for check in &facts.probed {
        let Some(until) = check.valid_until() else {
            continue;
        };
        // Serial arithmetic around now: expirations are within 68 years.
        let until = facts.now + i64::from(until.wrapping_sub(facts.now as u32) as i32);
        earliest = Some(earliest.map_or(until, |e| e.min(until)));
        if until < limit {
            short.push(format!(
                "{}/{} expires at {}",
                check.owner,
                check.rtype,
                time::format_human(until)
            ));
        }
    }
    let margin = human_duration(params.signature_margin);
    match earliest {
        None => Verdict::skip("no valid signature to measure"),
        Some(_) if short.is_empty() => Verdict::pass(format!(
            "every probed signature stays valid for at least {margin} (first expiry {})",
            time::format_human(earliest.unwrap_or_default())
        )),
        Some(_) => Verdict::fail(
            format!(
                "signatures expire within {margin} of now: {}",
                short.join("; ")
            ),
            "Sign with a longer validity (dnslab zone sign --expiration +14d, dnssec-signzone -e +14d) and re-sign well before expiry.",
        )
        .tools(resign_hints()),
    }
}

fn negative(facts: &NegativeFacts, what: &str) -> Verdict {
    match facts {
        NegativeFacts::Skipped(why) => Verdict::skip(why.clone()),
        NegativeFacts::NoAnswer(why) => Verdict::fail(
            format!("the {what} probe got no answer: {why}"),
            "Make sure your server answers for names that do not exist.",
        ),
        NegativeFacts::WrongAnswer { text, .. } => Verdict::fail(
            text.clone(),
            "Serve the signed zone; a name that is not in the zone must get NXDOMAIN, a missing type NODATA.",
        ),
        NegativeFacts::Checked {
            qname,
            qtype,
            proof,
        } => match proof {
            Ok(p) => Verdict::pass(format!(
                "{qname}/{qtype}: {what} proved by {} signed {} record(s)",
                p.records, p.kind
            )),
            Err(problem) => Verdict::fail(
                format!("{qname}/{qtype}: {problem}"),
                "Re-sign the whole zone so the NSEC/NSEC3 chain is complete, and serve the signed file unedited.",
            )
            .tools(resign_hints()),
        },
    }
}

/// The denial method the zone uses, from its answers and transfer.
fn denial_used(facts: &ZoneFacts) -> Option<Rtype> {
    for negative in [&facts.nxdomain, &facts.nodata] {
        if let NegativeFacts::Checked { proof: Ok(p), .. } = negative {
            return Some(p.kind);
        }
    }
    let records = facts.axfr.as_ref().ok()?;
    if records.iter().any(|r| r.rtype == Rtype::NSEC3) {
        Some(Rtype::NSEC3)
    } else if records.iter().any(|r| r.rtype == Rtype::NSEC) {
        Some(Rtype::NSEC)
    } else {
        None
    }
}

fn denial_method(facts: &ZoneFacts, params: &Params) -> Verdict {
    let used = denial_used(facts);
    match (params.denial, used) {
        (_, None) => Verdict::fail(
            "the zone serves neither NSEC nor NSEC3 records",
            "Sign the zone; the signer adds the NSEC or NSEC3 chain.",
        ),
        (None, Some(kind)) => Verdict::pass(format!("the zone uses {kind}")),
        (Some(want), Some(kind)) if want == kind => {
            Verdict::pass(format!("the zone uses {kind} as asked"))
        }
        (Some(want), Some(kind)) => Verdict::fail(
            format!("the zone uses {kind}, but this exercise asks for {want}"),
            if want == Rtype::NSEC3 {
                "Sign with NSEC3 (dnslab zone sign --nsec3, dnssec-signzone -3 -, ldns-signzone -n)."
            } else {
                "Sign with NSEC (leave out the NSEC3 options)."
            },
        ),
    }
}

fn nsec3_parameters(facts: &ZoneFacts) -> Verdict {
    let mut params = None;
    for negative in [&facts.nxdomain, &facts.nodata] {
        if let NegativeFacts::Checked { proof: Ok(p), .. } = negative
            && let Some(n) = p.nsec3
        {
            params = Some(n);
        }
    }
    if params.is_none()
        && let Ok(records) = &facts.axfr
        && let Some(p) = records
            .iter()
            .filter(|r| r.rtype == Rtype::NSEC3PARAM)
            .find_map(|r| view::Nsec3Param::parse(&r.rdata))
    {
        params = Some((p.iterations, p.salt.len(), p.flags & 1 != 0));
    }
    let Some((iterations, salt_len, opt_out)) = params else {
        return match denial_used(facts) {
            Some(Rtype::NSEC) => Verdict::pass("the zone uses NSEC: no NSEC3 parameters to check"),
            _ => Verdict::skip("no NSEC3 records seen"),
        };
    };
    let mut bad = Vec::new();
    if iterations != 0 {
        bad.push(format!("{iterations} extra iterations (RFC 9276 asks for 0: they cost resolvers and protect nothing)"));
    }
    if salt_len != 0 {
        bad.push(format!(
            "a salt of {salt_len} octets (RFC 9276 asks for none)"
        ));
    }
    let note = if opt_out { " (opt-out)" } else { "" };
    if bad.is_empty() {
        Verdict::pass(format!("NSEC3 with 0 iterations and no salt{note}"))
    } else {
        Verdict::fail(
            format!("NSEC3 with {}", bad.join(" and ")),
            "Sign with --iterations 0 --salt - (dnssec-signzone -3 - -H 0, ldns-signzone -n -t 0 -s '').",
        )
        .tools(resign_hints())
    }
}

fn zone_verifies(facts: &ZoneFacts) -> Verdict {
    let records = match &facts.axfr {
        Ok(r) => r,
        Err(e) => {
            return Verdict::fail(
                format!("the zone could not be transferred for checking: {e}"),
                "The lab's servers allow AXFR to the grader; check that your server runs and serves the zone.",
            );
        }
    };
    let Some(report) = &facts.verify else {
        return Verdict::fail(
            format!(
                "the {} transferred records do not form a zone (no SOA, or records outside it)",
                records.len()
            ),
            "Check the zone file with `dnslab zone check`.",
        );
    };
    let errors: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.severity == FindingSeverity::Error)
        .map(|f| format!("[{}] {}", f.id, f.message))
        .collect();
    let warnings: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.severity == FindingSeverity::Warning)
        .map(|f| format!("warning [{}] {}", f.id, f.message))
        .collect();
    if errors.is_empty() {
        Verdict::pass(format!(
            "{} records transferred; the verifier finds no error",
            records.len()
        ))
        .details(warnings)
    } else {
        let first = errors[0].clone();
        let mut details = errors;
        details.extend(warnings);
        details.truncate(20);
        Verdict::fail(
            format!("{} error(s) in the served zone; the first: {first}", report.errors()),
            "Run `dnslab zone verify` (or dnssec-verify, ldns-verify-zone) on your signed file, fix the cause and re-sign.",
        )
        .tools(resign_hints())
        .details(details)
    }
}

fn servers_consistent(facts: &ZoneFacts) -> Verdict {
    // Only answers can be compared: a server that did not answer is
    // zone-served's failure, and two silent servers agree on nothing.
    let silent: Vec<String> = facts
        .servers
        .iter()
        .filter_map(|s| match (&s.soa, &s.dnskey) {
            (Err(e), _) | (_, Err(e)) => Some(e.to_string()),
            _ => None,
        })
        .collect();
    if facts.servers.is_empty() {
        return Verdict::skip("no server to compare");
    }
    if !silent.is_empty() {
        return Verdict::skip(format!(
            "not every server answered, so their versions cannot be compared: {}",
            silent.join("; ")
        ));
    }
    let mut seen: Vec<(String, Option<u32>, Vec<u16>)> = Vec::new();
    for s in &facts.servers {
        let serial = served_serial(facts, &s.soa);
        let mut tags: Vec<u16> = s
            .dnskey
            .as_ref()
            .ok()
            .map(|r| {
                KeyInfo::from_rrset(&r.rrset(
                    crate::probe::Section::Answer,
                    &facts.zone,
                    Rtype::DNSKEY,
                ))
                .iter()
                .map(|k| k.tag)
                .collect()
            })
            .unwrap_or_default();
        tags.sort_unstable();
        seen.push((format!("{} ({})", s.node, s.addr), serial, tags));
    }
    let details: Vec<String> = seen
        .iter()
        .map(|(node, serial, tags)| {
            format!(
                "{node}: serial {}, keys {:?}",
                serial.map_or("none".to_string(), |s| s.to_string()),
                tags
            )
        })
        .collect();
    if seen.iter().any(|(_, serial, _)| serial.is_none()) {
        return Verdict::skip(
            "not every server answered with an SOA record, so there is no serial to compare (zone-served says why)",
        )
        .details(details);
    }
    let Some(first) = seen.first() else {
        return Verdict::skip("no server to compare");
    };
    if seen.iter().all(|(_, s, t)| *s == first.1 && *t == first.2) {
        Verdict::pass(format!("{} server(s) agree on serial and keys", seen.len())).details(details)
    } else {
        Verdict::fail(
            "the zone's servers serve different versions of the zone",
            "Load the same signed file on every server (and raise the serial when you re-sign).",
        )
        .details(details)
    }
}

fn tcp_answers(facts: &ZoneFacts) -> Verdict {
    if facts.servers.is_empty() {
        return Verdict::fail(
            format!("no authoritative server is known for {}", facts.zone),
            "Check that the lab runs your authoritative server (dnslab status).",
        );
    }
    let mut bad = Vec::new();
    for s in &facts.servers {
        match &s.soa_tcp {
            Ok(r) if r.rcode == 0 => {}
            Ok(r) => bad.push(format!(
                "{} ({}) answered over TCP with {}",
                s.node,
                s.addr,
                rcode_name(r.rcode)
            )),
            Err(e) => bad.push(e.to_string()),
        }
    }
    if bad.is_empty() {
        Verdict::pass(format!("{} server(s) answer over TCP", facts.servers.len()))
    } else {
        // The lab's port, not 53: a lab run without privileges uses another.
        let port = facts.servers.first().map_or(53, |s| s.addr.port());
        Verdict::fail(
            bad.join("; "),
            format!(
                "DNSSEC answers are often too big for UDP: the server must listen on TCP port {port} as well as UDP."
            ),
        )
    }
}

/// `3d`, `12h`, `90s`, for messages.
pub fn human_duration(secs: u32) -> String {
    if secs == 0 {
        "0s".into()
    } else if secs.is_multiple_of(86400) {
        format!("{}d", secs / 86400)
    } else if secs.is_multiple_of(3600) {
        format!("{}h", secs / 3600)
    } else if secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{CATALOGUE, CheckId};
    use crate::probe::ProbeOptions;
    use crate::zone_facts::{ZoneTarget, gather};
    use dnslab_zone::Name;
    use std::net::SocketAddr;
    use std::time::Duration;

    /// A loopback port where nothing listens (bound, then released).
    fn closed_port() -> SocketAddr {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.local_addr().unwrap()
    }

    fn facts_of_a_stopped_server(served: Option<dnslab_server::server::ZoneSource>) -> ZoneFacts {
        let target = ZoneTarget {
            zone: Name::parse_absolute("t1.ne.").unwrap(),
            servers: vec![("t1-auth".into(), closed_port())],
            zone_file: None,
            served,
        };
        let opts = ProbeOptions {
            timeout: Duration::from_millis(200),
            attempts: 1,
            ..ProbeOptions::default()
        };
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(gather(&target, &opts, 1_700_000_000))
    }

    #[test]
    fn no_zone_check_awards_points_for_a_server_that_is_not_running() {
        let facts = facts_of_a_stopped_server(None);
        let params = Params {
            signature_margin: 3 * 86400,
            ..Params::default()
        };
        for def in CATALOGUE {
            let CheckId::Zone(check) = def.id else {
                continue;
            };
            let v = run(check, &facts, &params);
            assert_ne!(v.passed, Some(true), "{} passes: {}", def.id, v.message);
            assert!(!v.message.is_empty(), "{} gives no reason", def.id);
        }
    }

    #[test]
    fn a_file_that_does_not_load_fails_with_its_position() {
        const SOA: &str = "$TTL 300\n@ SOA ns1 hostmaster 8 3600 600 86400 300\n@ NS ns1\n";
        let dir = tempfile::tempdir().unwrap();
        let source = dnslab_server::server::ZoneSource {
            origin: Name::parse_absolute("t1.ne.").unwrap(),
            file: dir.path().join("t1.ne.zone"),
            prefer_signed: true,
        };
        std::fs::write(&source.file, SOA).unwrap();
        // The signed file is the one served, and the one judged.
        let signed = dir.path().join("t1.ne.zone.signed");
        std::fs::write(&signed, format!("{SOA}ns1 BOGUS 1\n")).unwrap();
        let v = zone_file_loads(&facts_of_a_stopped_server(Some(source.clone())));
        assert_eq!(v.passed, Some(false), "{}", v.message);
        let want = format!(
            "the file you wrote does not load: {}:4:5: ",
            signed.display()
        );
        assert!(v.message.starts_with(&want), "{}", v.message);
        assert!(
            v.tool_hints
                .dnslab
                .as_deref()
                .is_some_and(|h| h.contains(&*signed.to_string_lossy())),
            "{:?}",
            v.tool_hints
        );
        // Fixed: the same check passes, naming the serial it read.
        std::fs::write(&signed, SOA).unwrap();
        let v = zone_file_loads(&facts_of_a_stopped_server(Some(source)));
        assert_eq!(v.passed, Some(true), "{}", v.message);
        assert!(v.message.contains("serial 8"), "{}", v.message);
    }
}
