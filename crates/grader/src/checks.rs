//! The catalogue of checks: every id a scenario file may list, with the
//! line that says what it wants, the RFC rule behind it and what it needs
//! gathered before it can run.
//!
//! Ids are stable: scenario files, reports and workshop material use them.

/// What a check reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Answers from the trainee's authoritative servers (and the zone by
    /// AXFR).
    Zone,
    /// The chain of trust from the lab anchor, through the parent's DS.
    Chain,
    /// Answers from the trainee's resolver.
    Resolver,
    /// The zone's recorded timeline.
    Timeline,
}

/// One check the grader knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckDef {
    pub id: &'static str,
    pub title: &'static str,
    pub reference: &'static str,
    pub needs: Needs,
}

macro_rules! catalogue {
    ($($id:literal, $needs:ident, $reference:literal, $title:literal;)*) => {
        /// Every check, in report order.
        pub const CATALOGUE: &[CheckDef] = &[
            $(CheckDef { id: $id, title: $title, reference: $reference, needs: Needs::$needs },)*
        ];
    };
}

catalogue! {
    "zone-served", Zone, "RFC 1034 §4.3.2",
        "every server of the zone answers for it authoritatively";
    "zone-file-loads", Zone, "RFC 1035 §5",
        "the zone file the lab serves for you loads (else your server serves an older version)";
    "dnskey-published", Zone, "RFC 4035 §2.1",
        "the zone publishes a DNSKEY RRset with a zone key";
    "dnskey-signed-by-sep", Zone, "RFC 4035 §2.1, RFC 6781 §3.1",
        "the DNSKEY RRset is signed by a key with the SEP flag (a KSK or CSK)";
    "algorithm-allowed", Zone, "RFC 9904 (RFC 8624 §3.1)",
        "the zone is signed with an algorithm recommended for signing";
    "rrsets-signed", Zone, "RFC 4035 §2.2, §5.3",
        "every probed RRset has a valid RRSIG of every algorithm of the key set";
    "signatures-margin", Zone, "RFC 6781 §4.4.2",
        "signatures stay valid long enough for resolvers and for re-signing";
    "denial-nxdomain", Zone, "RFC 4035 §3.1.3.2, RFC 5155 §7.2.2",
        "a name that does not exist gets a signed NXDOMAIN proof";
    "denial-nodata", Zone, "RFC 4035 §3.1.3.1, RFC 5155 §7.2.3",
        "a type that does not exist gets a signed NODATA proof";
    "denial-method", Zone, "RFC 5155 §1, RFC 4034 §4",
        "the zone uses the denial of existence the exercise asks for";
    "nsec3-parameters", Zone, "RFC 9276 §3.1",
        "NSEC3 uses 0 extra iterations and no salt";
    "zone-verifies", Zone, "RFC 4035 §2",
        "the whole zone, transferred by AXFR, passes the DNSSEC verifier";
    "servers-consistent", Zone, "RFC 1996 §1",
        "every server of the zone gives the same serial and keys";
    "tcp-answers", Zone, "RFC 7766 §3",
        "the zone's servers answer over TCP";
    "ds-published", Chain, "RFC 4035 §5.2",
        "the parent publishes a signed DS RRset for the zone";
    "ds-matches-key", Chain, "RFC 4035 §5.2",
        "a DS record matches a key that signs the zone's DNSKEY RRset";
    "ds-digest-type", Chain, "RFC 9904 (RFC 8624 §3.3)",
        "the DS records use a digest type recommended for DS (SHA-256 or SHA-384)";
    "ds-no-stale", Chain, "RFC 6781 §4.1.2",
        "every DS record matches a key the zone publishes";
    "chain-secure", Chain, "RFC 4035 §5",
        "the chain of trust from the lab root validates down to the zone's data";
    "resolver-answers", Resolver, "RFC 1034 §4.3.1",
        "the resolver answers recursive queries from the lab";
    "resolver-ad-secure", Resolver, "RFC 4035 §3.2.3",
        "answers from signed zones with a chain of trust carry the AD bit";
    "resolver-servfail-bogus", Resolver, "RFC 4035 §5.5",
        "answers that fail validation are SERVFAIL";
    "resolver-cd-bypass", Resolver, "RFC 4035 §3.2.2",
        "with the CD bit set, the resolver returns the data it could not validate";
    "resolver-insecure-no-ad", Resolver, "RFC 4035 §4.3",
        "answers from insecure zones come without the AD bit";
    "resolver-lab-anchor", Resolver, "RFC 4035 §4.4",
        "the resolver trusts the lab root's key and no other anchor";
    "resolver-acl", Resolver, "RFC 5358 §4",
        "the resolver refuses clients outside the lab (no open resolver)";
    "resolver-ede", Resolver, "RFC 8914 §4",
        "failures carry a fitting Extended DNS Error (a bonus, never a failure)";
    "rollover-safe", Timeline, "RFC 7583 §3",
        "at no moment of the recorded timeline could a validating resolver have failed";
    "zsk-rolled", Timeline, "RFC 6781 §4.1.1",
        "a new ZSK signs the zone and the old one is gone";
    "ksk-rolled", Timeline, "RFC 6781 §4.1.2",
        "a new KSK signs the DNSKEY RRset, the DS points at it, the old KSK is gone";
    "algorithm-rolled", Timeline, "RFC 6781 §4.1.4",
        "the zone's keys are all of the new algorithm";
}

/// The check with this id.
pub fn find(id: &str) -> Option<&'static CheckDef> {
    CATALOGUE.iter().find(|c| c.id == id)
}

/// Every id, for scenario validation.
pub fn known_ids() -> Vec<&'static str> {
    CATALOGUE.iter().map(|c| c.id).collect()
}

/// The tool hints the checks give with a failure, in the order a trainee
/// would follow them (keys, signing, DS…), for tests that run them: each
/// code span is a whole command, run in the trainee's workspace once its
/// `{placeholders}` are filled in for the trainee.
pub fn shared_tool_hints() -> Vec<crate::outcome::ToolHints> {
    vec![
        crate::zone_checks::keygen_hints(),
        crate::zone_checks::resign_hints(),
        crate::zone_checks::load_hints("{signed_zone_file}", "{zone_name}"),
        crate::chain_checks::submit_hints(),
        crate::chain_checks::digest_hints(),
        crate::resolver_checks::config_hints(),
        crate::rollover_checks::timing_hints(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_kebab_case() {
        let ids = known_ids();
        for (i, id) in ids.iter().enumerate() {
            assert!(!ids[i + 1..].contains(id), "duplicate {id}");
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{id}"
            );
        }
    }
}
