//! The bogus zoo: fixture zones under `zoo.` for resolver exercises.
//!
//! ## Background
//! Each [`Fixture`] is a small zone `<label>.zoo.` with one DNSSEC defect
//! (or none), delegated from `zoo.` and served by the zoo node itself. A
//! trainee points a validating resolver at the lab and queries the
//! fixture's [`Fixture::qname`]; the catalogue says what a correct
//! validator answers:
//!
//! - [`Expect::Secure`] means the answer (NOERROR, or NXDOMAIN where
//!   [`Fixture::nxdomain`]) with the AD bit;
//! - [`Expect::Insecure`] means the answer without AD (RFC 4035 §4.3);
//! - [`Expect::Bogus`] means SERVFAIL.
//!
//! and which Extended DNS Error codes (RFC 8914) a resolver may attach
//! ([`Fixture::ede`]). The list is the contract with the grader and
//! `dnslab zoo --format json`; the zones are built from it by the backends
//! (`dnslab_backends::zoo`), which sign each fixture with its own lab keys
//! and then break it as [`Defect`] says.
//!
//! ## Extended DNS Errors
//! Each bogus fixture accepts the specific code that names its defect and
//! 6 (DNSSEC Bogus), the generic code RFC 8914 §4.7 gives for any failed
//! validation: resolvers differ in how precisely they report. Code 0
//! (Other) is never accepted: it says nothing a trainee could act on, and
//! a resolver that gives it is worth noticing. Secure fixtures accept none.
//! Insecure fixtures accept the code that says why the zone is insecure
//! where RFC 8914 has one (1 for an unsupported algorithm, 27 for NSEC3
//! iterations); resolvers often give none there, which is fine.

use dnslab_zone::{Name, Rtype};
use std::fmt;
use std::path::PathBuf;

/// Extended DNS Error codes (RFC 8914 §4, and RFC 9276 §6 for 27).
pub mod ede {
    pub const OTHER: u16 = 0;
    pub const UNSUPPORTED_DNSKEY_ALGORITHM: u16 = 1;
    pub const UNSUPPORTED_DS_DIGEST_TYPE: u16 = 2;
    pub const DNSSEC_INDETERMINATE: u16 = 5;
    pub const DNSSEC_BOGUS: u16 = 6;
    pub const SIGNATURE_EXPIRED: u16 = 7;
    pub const SIGNATURE_NOT_YET_VALID: u16 = 8;
    pub const DNSKEY_MISSING: u16 = 9;
    pub const RRSIGS_MISSING: u16 = 10;
    pub const NO_ZONE_KEY_BIT_SET: u16 = 11;
    pub const NSEC_MISSING: u16 = 12;
    pub const UNSUPPORTED_NSEC3_ITERATIONS: u16 = 27;

    /// The code's name in RFC 8914's registry.
    pub fn name(code: u16) -> &'static str {
        match code {
            0 => "Other",
            1 => "Unsupported DNSKEY Algorithm",
            2 => "Unsupported DS Digest Type",
            3 => "Stale Answer",
            4 => "Forged Answer",
            5 => "DNSSEC Indeterminate",
            6 => "DNSSEC Bogus",
            7 => "Signature Expired",
            8 => "Signature Not Yet Valid",
            9 => "DNSKEY Missing",
            10 => "RRSIGs Missing",
            11 => "No Zone Key Bit Set",
            12 => "NSEC Missing",
            13 => "Cached Error",
            14 => "Not Ready",
            15 => "Blocked",
            16 => "Censored",
            17 => "Filtered",
            18 => "Prohibited",
            19 => "Stale NXDOMAIN Answer",
            20 => "Not Authoritative",
            21 => "Not Supported",
            22 => "No Reachable Authority",
            23 => "Network Error",
            24 => "Invalid Data",
            27 => "Unsupported NSEC3 Iterations Value",
            _ => "unassigned",
        }
    }
}

/// What a validating resolver with the lab's trust anchor concludes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expect {
    /// Validated: the answer with AD.
    Secure,
    /// Provably unsigned (or unvalidatable by design): no AD, no error.
    Insecure,
    /// Validation failed: SERVFAIL.
    Bogus,
}

impl Expect {
    pub fn as_str(self) -> &'static str {
        match self {
            Expect::Secure => "secure",
            Expect::Insecure => "insecure",
            Expect::Bogus => "bogus",
        }
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// What is wrong with a fixture zone (applied by the backend that builds
/// it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Defect {
    /// Signed with NSEC, DS in `zoo.`: nothing wrong.
    None,
    /// Signed with NSEC3 (RFC 9276 parameters: no salt, 0 iterations).
    Nsec3,
    /// Not signed, no DS.
    Unsigned,
    /// Signed, but no DS in `zoo.`.
    NoDs,
    /// Every signature's expiration is a week in the past (beyond the
    /// day of clock skew validators allow).
    Expired,
    /// Every signature's inception is a week in the future.
    NotYetValid,
    /// A byte of the signature over `www` A is flipped.
    CorruptSignature,
    /// `www` A changed after signing.
    DataChanged,
    /// No RRSIG over the data at `www` (the NSEC there stays signed).
    MissingRrsigs,
    /// The DS in `zoo.` is for a key the zone does not publish.
    DsMatchesNoKey,
    /// The DS points at the KSK, but only the ZSK signs the DNSKEY RRset.
    DnskeyOnlyZsk,
    /// The DS in `zoo.` has algorithm 253 (PRIVATEDNS), which no validator
    /// implements: RFC 4035 §5.2 makes the zone insecure.
    UnknownDsAlgorithm,
    /// NSEC3 with this many extra iterations.
    Nsec3Iterations(u16),
    /// The NSEC records (and their RRSIGs) are left out of the served zone.
    MissingNxdomainProof,
    /// Enough published DNSKEYs that the DNSKEY response exceeds 1232
    /// octets: validators must retry over TCP.
    BigDnskey,
}

/// One fixture of the zoo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fixture {
    /// The fixture's label: its apex is `<label>.zoo.`.
    pub label: &'static str,
    /// The name to query, relative to the fixture apex (`www`).
    pub qname: &'static str,
    pub qtype: Rtype,
    /// Whether the qname does not exist (the answer is NXDOMAIN unless
    /// bogus).
    pub nxdomain: bool,
    pub expect: Expect,
    /// Extended DNS Error codes a resolver may give (see the module
    /// documentation); empty: none expected.
    pub ede: &'static [u16],
    pub defect: Defect,
    /// One line for the catalogue (no quotes, no semicolons: it goes into
    /// a TXT record).
    pub summary: &'static str,
}

/// NSEC3 iterations of the `nsec3-iterations` fixture: above every
/// validator's limit (Unbound and BIND 9.18: 150; RFC 9276 §3.2 lets
/// validators treat any value above their limit as insecure).
pub const HIGH_NSEC3_ITERATIONS: u16 = 500;

/// The octets the `big-dnskey` DNSKEY RRset (with its RRSIG) must exceed:
/// the EDNS buffer size of DNS Flag Day 2020, the default of current
/// resolvers.
pub const BIG_DNSKEY_THRESHOLD: usize = 1232;

use ede::*;

/// The catalogue.
pub const FIXTURES: &[Fixture] = &[
    Fixture {
        label: "nsec",
        qname: "www",
        qtype: Rtype::A,
        nxdomain: false,
        expect: Expect::Secure,
        ede: &[],
        defect: Defect::None,
        summary: "signed with NSEC and a DS in zoo. - nothing wrong (the baseline)",
    },
    Fixture {
        label: "nsec3",
        qname: "nx",
        qtype: Rtype::A,
        nxdomain: true,
        expect: Expect::Secure,
        ede: &[],
        defect: Defect::Nsec3,
        summary: "signed with NSEC3 (no salt, 0 iterations) - a validated NXDOMAIN",
    },
    Fixture {
        label: "unsigned",
        qname: "www",
        qtype: Rtype::A,
        nxdomain: false,
        expect: Expect::Insecure,
        ede: &[],
        defect: Defect::Unsigned,
        summary: "not signed and no DS - provably insecure",
    },
    Fixture {
        label: "no-ds",
        qname: "www",
        qtype: Rtype::A,
        nxdomain: false,
        expect: Expect::Insecure,
        ede: &[],
        defect: Defect::NoDs,
        summary: "signed but no DS in zoo. - an island of security, insecure",
    },
    Fixture {
        label: "expired",
        qname: "www",
        qtype: Rtype::A,
        nxdomain: false,
        expect: Expect::Bogus,
        ede: &[SIGNATURE_EXPIRED, DNSSEC_BOGUS],
        defect: Defect::Expired,
        summary: "every RRSIG expired a week ago",
    },
    Fixture {
        label: "not-yet-valid",
        qname: "www",
        qtype: Rtype::A,
        nxdomain: false,
        expect: Expect::Bogus,
        ede: &[SIGNATURE_NOT_YET_VALID, DNSSEC_BOGUS],
        defect: Defect::NotYetValid,
        summary: "every RRSIG has its inception a week in the future",
    },
    Fixture {
        label: "bad-signature",
        qname: "www",
        qtype: Rtype::A,
        nxdomain: false,
        expect: Expect::Bogus,
        ede: &[DNSSEC_BOGUS],
        defect: Defect::CorruptSignature,
        summary: "one byte of the signature over www A flipped",
    },
    Fixture {
        label: "data-changed",
        qname: "www",
        qtype: Rtype::A,
        nxdomain: false,
        expect: Expect::Bogus,
        ede: &[DNSSEC_BOGUS],
        defect: Defect::DataChanged,
        summary: "www A edited after signing without re-signing",
    },
    Fixture {
        label: "no-rrsigs",
        qname: "www",
        qtype: Rtype::A,
        nxdomain: false,
        expect: Expect::Bogus,
        ede: &[RRSIGS_MISSING, DNSSEC_BOGUS],
        defect: Defect::MissingRrsigs,
        summary: "the RRSIGs over www A, AAAA and TXT removed",
    },
    Fixture {
        label: "ds-no-key",
        qname: "www",
        qtype: Rtype::A,
        nxdomain: false,
        expect: Expect::Bogus,
        ede: &[DNSKEY_MISSING, DNSSEC_BOGUS],
        defect: Defect::DsMatchesNoKey,
        summary: "the DS in zoo. matches no DNSKEY of the zone",
    },
    Fixture {
        label: "zsk-only-dnskey",
        qname: "www",
        qtype: Rtype::A,
        nxdomain: false,
        expect: Expect::Bogus,
        // Validators report this as a missing key (no DNSKEY the DS vouches
        // for signs the set), missing RRSIGs, or plain bogus.
        ede: &[DNSKEY_MISSING, RRSIGS_MISSING, DNSSEC_BOGUS],
        defect: Defect::DnskeyOnlyZsk,
        summary: "the DS points at the KSK but only the ZSK signs the DNSKEY RRset",
    },
    Fixture {
        label: "unknown-ds-algorithm",
        qname: "www",
        qtype: Rtype::A,
        nxdomain: false,
        expect: Expect::Insecure,
        ede: &[UNSUPPORTED_DNSKEY_ALGORITHM],
        defect: Defect::UnknownDsAlgorithm,
        summary: "the only DS has algorithm 253 (PRIVATEDNS) - insecure by RFC 4035 section 5.2",
    },
    Fixture {
        label: "nsec3-iterations",
        qname: "nx",
        qtype: Rtype::A,
        nxdomain: true,
        // RFC 9276 §3.2: validators MAY treat responses whose NSEC3
        // iterations exceed their limit as insecure (Unbound 1.17 and BIND
        // 9.18 do, above 150) and SHOULD give EDE 27 then.
        expect: Expect::Insecure,
        ede: &[UNSUPPORTED_NSEC3_ITERATIONS],
        defect: Defect::Nsec3Iterations(HIGH_NSEC3_ITERATIONS),
        summary: "NSEC3 with 500 iterations - above validator limits (RFC 9276)",
    },
    Fixture {
        label: "no-nxdomain-proof",
        qname: "nx",
        qtype: Rtype::A,
        nxdomain: true,
        expect: Expect::Bogus,
        ede: &[NSEC_MISSING, DNSSEC_BOGUS],
        defect: Defect::MissingNxdomainProof,
        summary: "signed but the NSEC records are not served - NXDOMAIN without proof",
    },
    Fixture {
        label: "big-dnskey",
        qname: "www",
        qtype: Rtype::A,
        nxdomain: false,
        expect: Expect::Secure,
        ede: &[],
        defect: Defect::BigDnskey,
        summary: "a DNSKEY RRset larger than 1232 octets - validators need TCP",
    },
];

/// The fixture with this label.
pub fn fixture(label: &str) -> Option<&'static Fixture> {
    FIXTURES
        .iter()
        .find(|f| f.label.eq_ignore_ascii_case(label))
}

/// The fixture whose apex is `apex`.
pub fn fixture_at(apex: &Name) -> Option<&'static Fixture> {
    FIXTURES.iter().find(|f| f.apex().eq_ignore_case(apex))
}

impl Fixture {
    /// `<label>.zoo.`
    pub fn apex(&self) -> Name {
        crate::zones::zoo_apex()
            .prepend(self.label.as_bytes())
            .expect("fixture labels are short")
    }

    /// The absolute name to query (`www.expired.zoo.`).
    pub fn qname(&self) -> Name {
        let apex = self.apex();
        Name::parse(self.qname.as_bytes(), Some(&apex)).expect("fixture qnames are names")
    }

    /// The fixture's number, from 1, in catalogue order (sets its
    /// documentation addresses).
    pub fn number(&self) -> usize {
        FIXTURES
            .iter()
            .position(|f| f.label == self.label)
            .map_or(0, |i| i + 1)
    }

    /// Whether the zone is signed (and so has lab keys).
    pub fn is_signed(&self) -> bool {
        self.defect != Defect::Unsigned
    }

    /// The RCODE a validating resolver returns: SERVFAIL when bogus, else
    /// NXDOMAIN or NOERROR.
    pub fn rcode(&self) -> &'static str {
        match (self.expect, self.nxdomain) {
            (Expect::Bogus, _) => "SERVFAIL",
            (_, true) => "NXDOMAIN",
            (_, false) => "NOERROR",
        }
    }

    /// The unsigned source, relative to the state directory:
    /// `zones/zoo/<label>.zone`.
    pub fn source_file(&self) -> PathBuf {
        PathBuf::from("zones")
            .join("zoo")
            .join(format!("{}.zone", self.label))
    }

    /// The served file, relative to the state directory:
    /// `zones/zoo/<label>.zone.signed` (also for the unsigned fixture,
    /// which is served as built).
    pub fn served_file(&self) -> PathBuf {
        PathBuf::from("zones")
            .join("zoo")
            .join(format!("{}.zone.signed", self.label))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalogue_is_consistent() {
        let mut labels = HashSet::new();
        for f in FIXTURES {
            assert!(labels.insert(f.label), "duplicate {}", f.label);
            assert!(crate::spec::label_problem(f.label).is_none(), "{}", f.label);
            assert!(f.qname().is_subdomain_of(&f.apex()));
            assert!(!f.summary.contains('"') && !f.summary.contains(';'));
            match f.expect {
                Expect::Secure => assert!(f.ede.is_empty(), "{}", f.label),
                Expect::Bogus => assert!(f.ede.contains(&DNSSEC_BOGUS), "{}", f.label),
                Expect::Insecure => {}
            }
            assert!(!f.ede.contains(&OTHER));
            assert_eq!(fixture(f.label), Some(f));
            assert_eq!(fixture_at(&f.apex()), Some(f));
        }
        assert_eq!(
            FIXTURES[4].qname().to_string(),
            "www.expired.zoo.",
            "absolute qname"
        );
        assert_eq!(FIXTURES[0].number(), 1);
    }
}
