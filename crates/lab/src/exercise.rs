//! The exercises (scenario ids) a lab file can list.
//!
//! A lab file's `exercises:` lists the ids of the workshop's exercises in
//! teaching order. The ids are fixed: each one names a scenario the
//! grader knows. An unknown id is refused with the closest known one
//! (`zsk-rolover` → `zsk-rollover`).

use crate::suggest::closest;
use std::fmt;
use std::str::FromStr;

/// One exercise of a workshop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Exercise {
    /// Generate a KSK and a ZSK, sign the zone, serve it signed.
    SignZone,
    /// Hand the DS record to the parent (the TLD) and see the chain of trust.
    DsSubmission,
    /// Turn on validation in the trainee's resolver with the lab root's
    /// trust anchor; tell secure, insecure and bogus answers apart.
    ResolverValidation,
    /// Roll the ZSK (pre-publish, RFC 6781 §4.1.1.1).
    ZskRollover,
    /// Roll the KSK (double-KSK, RFC 6781 §4.1.2), with a DS change.
    KskRollover,
    /// Change the signing algorithm (RFC 6781 §4.1.4).
    AlgorithmRollover,
    /// Publish CDS/CDNSKEY and let the parent update the DS (RFC 7344,
    /// RFC 8078); needs `cds_scan.enabled`.
    CdsAutomation,
}

/// Every exercise, in the usual teaching order.
pub const KNOWN_EXERCISES: &[Exercise] = &[
    Exercise::SignZone,
    Exercise::DsSubmission,
    Exercise::ResolverValidation,
    Exercise::ZskRollover,
    Exercise::KskRollover,
    Exercise::AlgorithmRollover,
    Exercise::CdsAutomation,
];

impl Exercise {
    /// The id written in lab files.
    pub fn id(self) -> &'static str {
        match self {
            Exercise::SignZone => "sign-zone",
            Exercise::DsSubmission => "ds-submission",
            Exercise::ResolverValidation => "resolver-validation",
            Exercise::ZskRollover => "zsk-rollover",
            Exercise::KskRollover => "ksk-rollover",
            Exercise::AlgorithmRollover => "algorithm-rollover",
            Exercise::CdsAutomation => "cds-automation",
        }
    }

    /// One line for a trainee's README.
    pub fn summary(self) -> &'static str {
        match self {
            Exercise::SignZone => "generate a KSK and a ZSK, sign your zone and serve it signed",
            Exercise::DsSubmission => {
                "give your KSK's DS record to your TLD and check the chain of trust"
            }
            Exercise::ResolverValidation => {
                "turn on validation in your resolver with the lab root's trust anchor"
            }
            Exercise::ZskRollover => "replace your ZSK without breaking validation (pre-publish)",
            Exercise::KskRollover => "replace your KSK and its DS record (double-KSK)",
            Exercise::AlgorithmRollover => "move your zone to another signing algorithm",
            Exercise::CdsAutomation => "publish CDS/CDNSKEY and let your TLD update your DS record",
        }
    }
}

impl fmt::Display for Exercise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// An id that is not a known exercise; `Display` suggests the closest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown exercise {id:?}{}", match .suggestion {
    Some(s) => format!(", did you mean {s:?}?"),
    None => format!(" (known: {})", KNOWN_EXERCISES.iter().map(|e| e.id()).collect::<Vec<_>>().join(", ")),
})]
pub struct UnknownExercise {
    pub id: String,
    pub suggestion: Option<&'static str>,
}

impl FromStr for Exercise {
    type Err = UnknownExercise;

    fn from_str(s: &str) -> Result<Exercise, UnknownExercise> {
        KNOWN_EXERCISES
            .iter()
            .copied()
            .find(|e| e.id() == s)
            .ok_or_else(|| UnknownExercise {
                id: s.to_string(),
                suggestion: closest(s, KNOWN_EXERCISES.iter().map(|e| e.id())),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for e in KNOWN_EXERCISES {
            assert_eq!(e.id().parse::<Exercise>(), Ok(*e));
        }
        let err = "zsk-rolover".parse::<Exercise>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown exercise \"zsk-rolover\", did you mean \"zsk-rollover\"?"
        );
    }
}
