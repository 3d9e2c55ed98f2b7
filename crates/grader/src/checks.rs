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
    pub id: CheckId,
    pub title: &'static str,
    pub reference: &'static str,
    pub needs: Needs,
}

/// Builds, from one list, the catalogue and the types that name its
/// checks: an enum per kind of facts (`ZoneCheck`, `ChainCheck`,
/// `ResolverCheck`, `TimelineCheck`), each matched exhaustively by the
/// module that runs those checks, and [`CheckId`], one of them. A check
/// added here without code that runs it does not compile; a check's
/// [`Needs`] is its kind, so the two cannot disagree.
macro_rules! catalogue {
    ($(
        $needs:ident => $kind:ident {
            $($variant:ident = $id:literal, $reference:literal, $title:literal;)*
        }
    )*) => {
        $(
            #[doc = concat!("The checks that need [`Needs::", stringify!($needs), "`] facts.")]
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum $kind {
                $(#[doc = $title] $variant,)*
            }

            impl From<$kind> for CheckId {
                fn from(check: $kind) -> CheckId {
                    CheckId::$needs(check)
                }
            }
        )*

        /// A check of the catalogue, by the facts it needs. Its text form
        /// ([`CheckId::as_str`]) is the stable id of scenario files and
        /// reports.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum CheckId {
            $($needs($kind),)*
        }

        impl CheckId {
            /// The id as scenario files and reports write it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($(CheckId::$needs($kind::$variant) => $id,)*)*
                }
            }

            /// The catalogue's entry for this check.
            pub const fn def(self) -> &'static CheckDef {
                match self {
                    $($(CheckId::$needs($kind::$variant) => &CheckDef {
                        id: CheckId::$needs($kind::$variant),
                        title: $title,
                        reference: $reference,
                        needs: Needs::$needs,
                    },)*)*
                }
            }

            /// What the check reads.
            pub const fn needs(self) -> Needs {
                match self {
                    $(CheckId::$needs(_) => Needs::$needs,)*
                }
            }
        }

        /// Every check, in report order.
        pub const CATALOGUE: &[CheckDef] = &[
            $($(CheckDef {
                id: CheckId::$needs($kind::$variant),
                title: $title,
                reference: $reference,
                needs: Needs::$needs,
            },)*)*
        ];
    };
}

catalogue! {
    Zone => ZoneCheck {
        Served = "zone-served", "RFC 1034 §4.3.2",
            "every server of the zone answers for it authoritatively";
        FileLoads = "zone-file-loads", "RFC 1035 §5",
            "the zone file the lab serves for you loads (else your server serves an older version)";
        DnskeyPublished = "dnskey-published", "RFC 4035 §2.1",
            "the zone publishes a DNSKEY RRset with a zone key";
        DnskeySignedBySep = "dnskey-signed-by-sep", "RFC 4035 §2.1, RFC 6781 §3.1",
            "the DNSKEY RRset is signed by a key with the SEP flag (a KSK or CSK)";
        AlgorithmAllowed = "algorithm-allowed", "RFC 9904 (RFC 8624 §3.1)",
            "the zone is signed with an algorithm recommended for signing";
        RrsetsSigned = "rrsets-signed", "RFC 4035 §2.2, §5.3",
            "every probed RRset has a valid RRSIG of every algorithm of the key set";
        SignaturesMargin = "signatures-margin", "RFC 6781 §4.4.2",
            "signatures stay valid long enough for resolvers and for re-signing";
        DenialNxdomain = "denial-nxdomain", "RFC 4035 §3.1.3.2, RFC 5155 §7.2.2",
            "a name that does not exist gets a signed NXDOMAIN proof";
        DenialNodata = "denial-nodata", "RFC 4035 §3.1.3.1, RFC 5155 §7.2.3",
            "a type that does not exist gets a signed NODATA proof";
        DenialMethod = "denial-method", "RFC 5155 §1, RFC 4034 §4",
            "the zone uses the denial of existence the exercise asks for";
        Nsec3Parameters = "nsec3-parameters", "RFC 9276 §3.1",
            "NSEC3 uses 0 extra iterations and no salt";
        Verifies = "zone-verifies", "RFC 4035 §2",
            "the whole zone, transferred by AXFR, passes the DNSSEC verifier";
        ServersConsistent = "servers-consistent", "RFC 1996 §1",
            "every server of the zone gives the same serial and keys";
        TcpAnswers = "tcp-answers", "RFC 7766 §3",
            "the zone's servers answer over TCP";
    }
    Chain => ChainCheck {
        DsPublished = "ds-published", "RFC 4035 §5.2",
            "the parent publishes a signed DS RRset for the zone";
        DsMatchesKey = "ds-matches-key", "RFC 4035 §5.2",
            "a DS record matches a key that signs the zone's DNSKEY RRset";
        DsDigestType = "ds-digest-type", "RFC 9904 (RFC 8624 §3.3)",
            "the DS records use a digest type recommended for DS (SHA-256 or SHA-384)";
        DsNoStale = "ds-no-stale", "RFC 6781 §4.1.2",
            "every DS record matches a key the zone publishes";
        Secure = "chain-secure", "RFC 4035 §5",
            "the chain of trust from the lab root validates down to the zone's data";
    }
    Resolver => ResolverCheck {
        Answers = "resolver-answers", "RFC 1034 §4.3.1",
            "the resolver answers recursive queries from the lab";
        AdSecure = "resolver-ad-secure", "RFC 4035 §3.2.3",
            "answers from signed zones with a chain of trust carry the AD bit";
        ServfailBogus = "resolver-servfail-bogus", "RFC 4035 §5.5",
            "answers that fail validation are SERVFAIL";
        CdBypass = "resolver-cd-bypass", "RFC 4035 §3.2.2",
            "with the CD bit set, the resolver returns the data it could not validate";
        InsecureNoAd = "resolver-insecure-no-ad", "RFC 4035 §4.3",
            "answers from insecure zones come without the AD bit";
        LabAnchor = "resolver-lab-anchor", "RFC 4035 §4.4",
            "the resolver trusts the lab root's key and no other anchor";
        Acl = "resolver-acl", "RFC 5358 §4",
            "the resolver refuses clients outside the lab (no open resolver)";
        Ede = "resolver-ede", "RFC 8914 §4",
            "failures carry a fitting Extended DNS Error (a bonus, never a failure)";
    }
    Timeline => TimelineCheck {
        RolloverSafe = "rollover-safe", "RFC 7583 §3",
            "at no moment of the recorded timeline could a validating resolver have failed";
        ZskRolled = "zsk-rolled", "RFC 6781 §4.1.1",
            "a new ZSK signs the zone and the old one is gone";
        KskRolled = "ksk-rolled", "RFC 6781 §4.1.2",
            "a new KSK signs the DNSKEY RRset, the DS points at it, the old KSK is gone";
        AlgorithmRolled = "algorithm-rolled", "RFC 6781 §4.1.4",
            "the zone's keys are all of the new algorithm";
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An id that is not in the catalogue. Scenario files are validated
/// against [`known_ids`] when they are loaded (with the closest id in the
/// error), so this is met only by a scenario that skipped validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown check {0:?}: not in the grader's catalogue")]
pub struct UnknownCheck(pub String);

impl std::str::FromStr for CheckId {
    type Err = UnknownCheck;

    fn from_str(id: &str) -> Result<CheckId, UnknownCheck> {
        find(id)
            .map(|def| def.id)
            .ok_or_else(|| UnknownCheck(id.to_string()))
    }
}

/// The check with this id.
pub fn find(id: &str) -> Option<&'static CheckDef> {
    CATALOGUE.iter().find(|c| c.id.as_str() == id)
}

/// Every id, for scenario validation.
pub fn known_ids() -> Vec<&'static str> {
    CATALOGUE.iter().map(|c| c.id.as_str()).collect()
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

    #[test]
    fn every_id_reads_back_as_its_check_and_unknown_ids_are_errors() {
        for def in CATALOGUE {
            assert_eq!(def.id.as_str().parse::<CheckId>(), Ok(def.id));
            assert_eq!(def.id.def(), def);
            assert_eq!(def.id.needs(), def.needs);
        }
        let err = "zone-servd".parse::<CheckId>().unwrap_err();
        assert_eq!(err, UnknownCheck("zone-servd".into()));
        assert!(err.to_string().contains("\"zone-servd\""), "{err}");
        assert!(find("zone-servd").is_none());
        assert_eq!(
            find("zone-served").map(|d| d.title),
            Some(CATALOGUE[0].title)
        );
    }
}
