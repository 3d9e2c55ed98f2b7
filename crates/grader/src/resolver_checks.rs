//! The checks of the `resolver-validation` exercise: the trainee's
//! resolver is asked about the lab's own zones and every fixture of the
//! bogus zoo, whose catalogue says what a validator must answer.

use crate::checks::ResolverCheck;
use crate::outcome::ToolHints;
use crate::probe::rcode_name;
use crate::probe::{self, ProbeError, ProbeOptions, Response};
use crate::verdict::Verdict;
use dnslab_lab::zoo::{Expect, Fixture, ede};
use dnslab_zone::{Name, Rtype};
use std::net::{IpAddr, SocketAddr};

/// The resolver to grade and where to ask from.
#[derive(Debug, Clone)]
pub struct ResolverTarget {
    pub resolver: SocketAddr,
    /// A client address inside the lab: the resolver must answer it.
    pub inside: IpAddr,
    /// A client address outside the lab: the resolver must not answer it.
    pub outside: Option<IpAddr>,
    /// Names a validator must answer with AD: the lab root and TLDs.
    pub secure_names: Vec<(Name, Rtype)>,
    /// The zoo fixtures the lab serves (empty when the zoo is off).
    pub fixtures: Vec<Fixture>,
}

/// One question and the resolver's answers without and with CD.
#[derive(Debug)]
pub struct Asked {
    pub what: String,
    pub qname: Name,
    pub qtype: Rtype,
    pub expect: Expect,
    pub ede: Vec<u16>,
    pub plain: Result<Response, ProbeError>,
    /// Only for bogus fixtures with data (not the NXDOMAIN ones: with CD
    /// the check is that bogus *data* is passed on): the answer with
    /// CD=1.
    pub with_cd: Option<Result<Response, ProbeError>>,
}

/// The resolver's answers.
#[derive(Debug)]
pub struct ResolverFacts {
    pub resolver: SocketAddr,
    pub asked: Vec<Asked>,
    /// The answer to a client outside the lab, if one was tried.
    pub outside: Option<(IpAddr, Result<Response, ProbeError>)>,
    pub zoo: bool,
}

/// Asks the resolver everything the checks need.
pub async fn gather(target: &ResolverTarget, opts: &ProbeOptions) -> ResolverFacts {
    let inside = ProbeOptions {
        recursion_desired: true,
        source: Some(target.inside),
        // A validating resolver may take a while on a cold cache.
        timeout: opts.timeout.max(std::time::Duration::from_secs(3)),
        ..opts.clone()
    };
    let mut questions: Vec<(String, Name, Rtype, Expect, Vec<u16>, bool)> = target
        .secure_names
        .iter()
        .map(|(n, t)| {
            (
                format!("lab zone {n}"),
                n.clone(),
                *t,
                Expect::Secure,
                Vec::new(),
                false,
            )
        })
        .collect();
    for f in &target.fixtures {
        let Ok(qname) = f.apex().prepend(f.qname.as_bytes()) else {
            continue;
        };
        questions.push((
            format!("zoo fixture {} ({})", f.label, f.summary),
            qname,
            f.qtype,
            f.expect,
            f.ede.to_vec(),
            f.nxdomain,
        ));
    }
    let mut tasks = Vec::new();
    for (what, qname, qtype, expect, ede, nxdomain) in questions {
        let opts = inside.clone();
        let server = target.resolver;
        tasks.push(tokio::spawn(async move {
            let plain = probe::query(server, &qname, qtype, &opts).await;
            let with_cd = if expect == Expect::Bogus && !nxdomain {
                let cd = ProbeOptions {
                    checking_disabled: true,
                    ..opts.clone()
                };
                Some(probe::query(server, &qname, qtype, &cd).await)
            } else {
                None
            };
            Asked {
                what,
                qname,
                qtype,
                expect,
                ede,
                plain,
                with_cd,
            }
        }));
    }
    let mut asked = Vec::new();
    for task in tasks {
        if let Ok(a) = task.await {
            asked.push(a);
        }
    }
    let outside = match target.outside {
        Some(addr) => {
            let opts = ProbeOptions {
                recursion_desired: true,
                source: Some(addr),
                attempts: 1,
                timeout: opts.timeout.min(std::time::Duration::from_secs(1)),
                ..opts.clone()
            };
            let qname = target
                .secure_names
                .first()
                .map_or_else(Name::root, |(n, _)| n.clone());
            Some((
                addr,
                probe::query(target.resolver, &qname, Rtype::SOA, &opts).await,
            ))
        }
        None => None,
    };
    ResolverFacts {
        resolver: target.resolver,
        asked,
        outside,
        zoo: !target.fixtures.is_empty(),
    }
}

/// Runs a resolver check.
pub fn run(check: ResolverCheck, facts: &ResolverFacts) -> Verdict {
    // Every check but resolver-answers judges answers: without one, there
    // is nothing to judge. resolver-acl too: silence towards an outside
    // client shows an access list only when clients inside get answers.
    if check != ResolverCheck::Answers && !facts.asked.iter().any(|a| a.plain.is_ok()) {
        return Verdict::skip(format!(
            "the resolver {} did not answer any question",
            facts.resolver
        ));
    }
    match check {
        ResolverCheck::Answers => answers(facts),
        ResolverCheck::AdSecure => by_expectation(facts, Expect::Secure),
        ResolverCheck::ServfailBogus => by_expectation(facts, Expect::Bogus),
        ResolverCheck::InsecureNoAd => by_expectation(facts, Expect::Insecure),
        ResolverCheck::CdBypass => cd_bypass(facts),
        ResolverCheck::LabAnchor => lab_anchor(facts),
        ResolverCheck::Acl => acl(facts),
        ResolverCheck::Ede => extended_errors(facts),
    }
}

pub(crate) fn config_hints() -> ToolHints {
    ToolHints {
        dnslab: Some("in resolver.conf, validation: on and as trust_anchors the lab root's DS that `dnslab trust-anchor` prints".into()),
        bind: Some("`mkdir -p named`, `dnslab resolver-config --format bind --listen 127.0.0.1:5300 --directory named > named.conf` (validation on, the lab's trust anchor, the lab's port), `named-checkconf named.conf`, then run named -g -c named.conf".into()),
        ldns: None,
        knot: None,
        unbound: Some("`dnslab resolver-config --format unbound --listen 127.0.0.1:5300 > unbound.conf`, `unbound-checkconf unbound.conf`, then run unbound -d -c unbound.conf".into()),
    }
}

fn answers(facts: &ResolverFacts) -> Verdict {
    let answered = facts.asked.iter().filter(|a| a.plain.is_ok()).count();
    let first_error = facts
        .asked
        .iter()
        .find_map(|a| a.plain.as_ref().err())
        .map(ToString::to_string);
    if answered == 0 {
        return Verdict::fail(
            first_error.unwrap_or_else(|| "nothing was asked".into()),
            "Check that your resolver runs and listens on the address the lab gave you, and that it accepts queries from the lab network.",
        );
    }
    let ra = facts
        .asked
        .iter()
        .filter_map(|a| a.plain.as_ref().ok())
        .all(|r| r.ra);
    let v = Verdict::pass(format!(
        "{answered} of {} questions answered{}",
        facts.asked.len(),
        if ra { "" } else { " (but without the RA bit)" }
    ));
    match first_error {
        Some(e) => v.details(vec![format!("unanswered: {e}")]),
        None => v,
    }
}

/// The outcome a validator gave, in the catalogue's words.
fn outcome_of(response: &Response) -> Expect {
    if response.rcode == 2 {
        Expect::Bogus
    } else if response.ad {
        Expect::Secure
    } else {
        Expect::Insecure
    }
}

fn expect_text(e: Expect) -> &'static str {
    match e {
        Expect::Secure => "a validated answer with the AD bit",
        Expect::Insecure => "an answer without the AD bit",
        Expect::Bogus => "SERVFAIL",
    }
}

fn by_expectation(facts: &ResolverFacts, want: Expect) -> Verdict {
    let relevant: Vec<&Asked> = facts.asked.iter().filter(|a| a.expect == want).collect();
    if relevant.is_empty() {
        return Verdict::skip(if facts.zoo {
            "no question of this kind".to_string()
        } else {
            "the lab runs no zoo, so there are no fixtures of this kind to ask about".to_string()
        });
    }
    let mut wrong = Vec::new();
    let mut details = Vec::new();
    for a in &relevant {
        match &a.plain {
            Ok(r) => {
                let got = outcome_of(r);
                let line = format!(
                    "{} {}/{}: {}{}",
                    a.what,
                    a.qname,
                    a.qtype,
                    rcode_name(r.rcode),
                    if r.ad { " AD" } else { "" }
                );
                if got == want {
                    details.push(format!("✓ {line}"));
                } else {
                    wrong.push(format!(
                        "{line}, where a validator gives {}",
                        expect_text(want)
                    ));
                    details.push(format!("✗ {line}"));
                }
            }
            Err(e) => {
                wrong.push(format!("{} {}/{}: {e}", a.what, a.qname, a.qtype));
                details.push(format!("✗ {}: {e}", a.what));
            }
        }
    }
    if wrong.is_empty() {
        return Verdict::pass(format!(
            "{} answer(s) as a validator gives them ({})",
            relevant.len(),
            expect_text(want)
        ))
        .details(details);
    }
    let hint = match want {
        Expect::Secure => {
            "Turn validation on and give the resolver the lab root's key as its trust anchor; without AD, nothing was validated."
        }
        Expect::Bogus => {
            "A validating resolver must refuse data whose signatures fail (SERVFAIL); turn validation on."
        }
        Expect::Insecure => {
            "Insecure zones (no DS at the parent) must not get AD: remove extra trust anchors and negative trust anchors."
        }
    };
    Verdict::fail(
        format!(
            "{} of {} wrong: {}",
            wrong.len(),
            relevant.len(),
            wrong.join("; ")
        ),
        hint,
    )
    .tools(config_hints())
    .details(details)
}

fn cd_bypass(facts: &ResolverFacts) -> Verdict {
    let bogus: Vec<&Asked> = facts.asked.iter().filter(|a| a.with_cd.is_some()).collect();
    if bogus.is_empty() {
        return Verdict::skip("the lab runs no bogus fixtures to ask about with CD");
    }
    let mut wrong = Vec::new();
    for a in &bogus {
        match &a.with_cd {
            Some(Ok(r)) if r.rcode != 2 && !r.ad => {}
            Some(Ok(r)) => wrong.push(format!(
                "{} with CD=1: {}{}",
                a.qname,
                rcode_name(r.rcode),
                if r.ad { " with AD" } else { "" }
            )),
            Some(Err(e)) => wrong.push(format!("{} with CD=1: {e}", a.qname)),
            None => {}
        }
    }
    if wrong.is_empty() {
        Verdict::pass(format!(
            "{} bogus fixture(s) answered with CD=1, without AD",
            bogus.len()
        ))
    } else {
        Verdict::fail(
            wrong.join("; "),
            "With CD=1 the client validates itself: the resolver must pass the data on unvalidated (and never with AD).",
        )
    }
}

fn lab_anchor(facts: &ResolverFacts) -> Verdict {
    // The lab root's key is in use when the lab's own zones validate; no
    // other anchor is when the island of security (signed, no DS) stays
    // insecure: an anchor for it, or a copy of the real root's key, shows.
    let lab: Vec<&Asked> = facts
        .asked
        .iter()
        .filter(|a| a.what.starts_with("lab zone"))
        .collect();
    let lab_ok = !lab.is_empty()
        && lab
            .iter()
            .all(|a| a.plain.as_ref().is_ok_and(|r| r.ad && r.rcode == 0));
    if !lab_ok {
        return Verdict::fail(
            "answers from the lab root zone do not carry the AD bit: the resolver does not validate with the lab root's key",
            "Use the key that `dnslab trust-anchor` prints as the only trust anchor (the real root's key cannot validate the lab).",
        )
        .tools(config_hints());
    }
    let island = facts.asked.iter().find(|a| a.what.contains("no-ds"));
    match island.map(|a| &a.plain) {
        Some(Ok(r)) if r.ad => Verdict::fail(
            format!(
                "{} is an island of security (no DS in zoo.), yet the answer has AD: the resolver has a trust anchor besides the lab root's",
                island.map_or(String::new(), |a| a.qname.to_string())
            ),
            "Keep only the lab root's key as trust anchor.",
        ),
        _ => Verdict::pass(
            "the lab zones validate from the lab root's key, and no other anchor shows",
        ),
    }
}

fn acl(facts: &ResolverFacts) -> Verdict {
    let Some((addr, result)) = &facts.outside else {
        return Verdict::skip(
            "no client address outside the lab to test from (through a published Docker port, every query arrives from the lab's gateway)",
        );
    };
    match result {
        Err(ProbeError::Timeout { .. }) => Verdict::pass(format!(
            "a query from {addr} (outside the lab) got no answer"
        )),
        Err(e) => Verdict::pass(format!(
            "a query from {addr} (outside the lab) was not answered: {e}"
        )),
        Ok(r) if r.rcode == 5 => {
            Verdict::pass(format!("a query from {addr} (outside the lab) was REFUSED"))
        }
        Ok(r) => Verdict::fail(
            format!(
                "the resolver answered a query from {addr}, outside the lab, with {}: an open resolver can be abused for amplification attacks",
                rcode_name(r.rcode)
            ),
            "Allow only the lab network (Unbound: access-control: 127.53.0.0/16 allow, and refuse the rest; BIND: allow-recursion { lab; };).",
        ),
    }
}

fn extended_errors(facts: &ResolverFacts) -> Verdict {
    let mut good = Vec::new();
    let mut notes = Vec::new();
    for a in facts
        .asked
        .iter()
        .filter(|a| !a.ede.is_empty() || a.expect == Expect::Bogus)
    {
        let Ok(r) = &a.plain else { continue };
        let codes: Vec<u16> = r
            .edns
            .as_ref()
            .map(|e| e.extended_errors.iter().map(|(c, _)| *c).collect())
            .unwrap_or_default();
        let label = a.what.split(" (").next().unwrap_or(&a.what).to_string();
        if codes.is_empty() {
            notes.push(format!("{label}: no Extended DNS Error"));
        } else if codes.iter().any(|c| a.ede.contains(c)) {
            good.push(format!(
                "{label}: EDE {}",
                codes
                    .iter()
                    .map(|c| format!("{c} ({})", ede::name(*c)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        } else {
            notes.push(format!(
                "{label}: EDE {} where {} would fit",
                codes
                    .iter()
                    .map(|c| format!("{c} ({})", ede::name(*c)))
                    .collect::<Vec<_>>()
                    .join(", "),
                a.ede
                    .iter()
                    .map(|c| format!("{c} ({})", ede::name(*c)))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ));
        }
    }
    let mut details = good.clone();
    details.extend(notes.iter().cloned());
    if notes.is_empty() && !good.is_empty() {
        Verdict::pass(format!(
            "{} answer(s) carry a fitting Extended DNS Error",
            good.len()
        ))
        .details(details)
    } else if good.is_empty() && notes.is_empty() {
        Verdict::skip("no failure to explain")
    } else {
        Verdict::fail(
            format!(
                "{} of {} failures carry a fitting Extended DNS Error (RFC 8914); a bonus only",
                good.len(),
                good.len() + notes.len()
            ),
            "Unbound: ede: yes; BIND 9.18+ sends them by default.",
        )
        .details(details)
        .advisory()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{CATALOGUE, CheckId};
    use dnslab_lab::zoo::FIXTURES;
    use std::net::Ipv4Addr;
    use std::time::Duration;

    #[test]
    fn no_resolver_check_awards_points_for_a_resolver_that_is_not_running() {
        // A loopback port where nothing listens (bound, then released).
        let resolver = std::net::UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let target = ResolverTarget {
            resolver,
            inside: IpAddr::V4(Ipv4Addr::LOCALHOST),
            // Silence from outside is what an access list gives, too.
            outside: Some(IpAddr::V4(Ipv4Addr::new(127, 255, 255, 254))),
            secure_names: vec![(Name::root(), Rtype::SOA)],
            fixtures: FIXTURES.to_vec(),
        };
        let opts = ProbeOptions {
            timeout: Duration::from_millis(200),
            attempts: 1,
            ..ProbeOptions::default()
        };
        let facts = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(gather(&target, &opts));
        for def in CATALOGUE {
            let CheckId::Resolver(check) = def.id else {
                continue;
            };
            let v = run(check, &facts);
            assert_ne!(v.passed, Some(true), "{} passes: {}", def.id, v.message);
            assert!(!v.message.is_empty(), "{} gives no reason", def.id);
        }
    }
}
