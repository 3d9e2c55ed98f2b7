//! Errors, and where in the lab file they are.
//!
//! Two enums, one per operation:
//! - [`LabError`]: reading and planning a lab file (or a `resolver.conf`).
//!   Every variant about the file's content carries a [`Location`]; its
//!   `Display` starts with `file:line:column: ` (or `file: ` when no
//!   position is known) and names the offending value.
//! - [`StateError`]: creating, reading and purging the state directory.
//!
//! Positions are attached in one place: YAML and type errors get theirs
//! from serde_yaml ([`crate::spec`]), errors found after parsing from a scan
//! of the text (`locate.rs`).
//!
//! An I/O or other lower-level error behind a variant is its `source()`,
//! not part of its message: print errors with their chain
//! ([`dnslab_zone::ErrorChain`], or anyhow's `{:#}`).

use dnslab_zone::Name;
use dnslab_zone::keys::{CryptoError, KeyFileError};
use dnslab_zone::parser::ZoneFileError;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A place in a file: `file:line:column`, or just `file` when the position
/// is not known. Lines and columns count from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    /// `(line, column)`, both from 1.
    pub position: Option<(u32, u32)>,
}

impl Location {
    pub fn new(file: impl Into<PathBuf>, position: Option<(u32, u32)>) -> Location {
        Location {
            file: file.into(),
            position,
        }
    }

    pub fn line(&self) -> Option<u32> {
        self.position.map(|(l, _)| l)
    }

    pub fn column(&self) -> Option<u32> {
        self.position.map(|(_, c)| c)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{}:{line}:{column}", self.file.display()),
            None => write!(f, "{}", self.file.display()),
        }
    }
}

/// `, did you mean "x"?` or the list of valid choices.
fn hint(suggestion: &Option<String>, expected: &[String]) -> String {
    match (suggestion, expected) {
        (Some(s), _) => format!(", did you mean {s:?}?"),
        (None, []) => String::new(),
        (None, e) => format!(" (expected one of: {})", e.join(", ")),
    }
}

fn in_section(section: &Option<String>) -> String {
    match section {
        Some(s) => format!(" in {s}"),
        None => String::new(),
    }
}

/// An unknown key or value, and the valid ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownWord {
    pub at: Location,
    /// The key (or value) as written.
    pub word: String,
    /// The mapping it is in (`trainees`, `timers`), `None` at the top.
    pub section: Option<String>,
    /// The valid keys (or values) there.
    pub expected: Vec<String>,
    /// The valid one closest to `word`, when one is close.
    pub suggestion: Option<String>,
}

/// Why a lab file could not be read or planned.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error("{}: cannot read", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A key the format does not have (often a misspelling).
    #[error("{}: unknown key {:?}{}{}", .0.at, .0.word, in_section(&.0.section), hint(&.0.suggestion, &.0.expected))]
    UnknownKey(Box<UnknownWord>),
    /// A word that is not one of the allowed ones.
    #[error("{}: unknown value {:?}{}{}", .0.at, .0.word, in_section(&.0.section), hint(&.0.suggestion, &.0.expected))]
    UnknownValue(Box<UnknownWord>),
    /// YAML syntax, a missing key, a wrong type or a malformed value,
    /// worded by serde_yaml or by this crate's value parsers.
    #[error("{at}: {message}")]
    Syntax { at: Location, message: String },
    #[error("{at}: {field} {value:?} is not a usable DNS label: {reason}")]
    BadLabel {
        at: Location,
        /// `workshop`, `TLD`, `trainee name`.
        field: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("{at}: no TLDs: list at least one (tlds: [ne])")]
    NoTlds { at: Location },
    #[error("{at}: TLD {tld:?} is listed twice")]
    DuplicateTld { at: Location, tld: String },
    #[error("{at}: TLD {tld:?} is reserved: {reason}")]
    ReservedTld {
        at: Location,
        tld: String,
        reason: &'static str,
    },
    #[error("{at}: trainee {name:?} is listed twice")]
    DuplicateTrainee { at: Location, name: String },
    #[error("{at}: trainees: {reason}")]
    Trainees { at: Location, reason: &'static str },
    #[error(
        "{at}: {count} trainees, but the address plan has room for {max} (one authoritative and one resolver address each)"
    )]
    TooManyTrainees {
        at: Location,
        count: usize,
        max: usize,
    },
    #[error("{at}: {count} TLDs, but the address plan has room for {max}")]
    TooManyTlds {
        at: Location,
        count: usize,
        max: usize,
    },
    #[error("{at}: the zone {zone} of {owner} is also the zone of {other}")]
    ZoneCollision {
        at: Location,
        zone: Name,
        owner: String,
        other: String,
    },
    #[error(
        "{at}: the zone {zone} of {owner} would hide {name}, which {needed_by} needs (choose another trainee name or zone pattern)"
    )]
    ZoneShadows {
        at: Location,
        zone: Name,
        owner: String,
        name: Name,
        needed_by: String,
    },
    #[error("{at}: the zone {zone} of {owner} is not a valid domain name: {reason}")]
    BadZoneName {
        at: Location,
        zone: String,
        owner: String,
        reason: String,
    },
    #[error("{at}: timers: {reason}")]
    BadTimers { at: Location, reason: String },
    #[error("{at}: cds_scan: the interval must be at least 1s")]
    BadCdsInterval { at: Location },
    #[error("{at}: exercise {id:?} is listed twice")]
    DuplicateExercise { at: Location, id: String },
    #[error("{at}: exercise {id:?} needs {needs}")]
    ExerciseNeeds {
        at: Location,
        id: String,
        needs: &'static str,
    },
    #[error("{at}: bad trust anchor {anchor:?}: {reason}")]
    BadTrustAnchor {
        at: Location,
        anchor: String,
        reason: String,
    },
    #[error(
        "{at}: port 0 is not a port the lab can announce; choose one (53, or above 1023 without privileges)"
    )]
    BadPort { at: Location },
    /// `access:` (SSH to the workstations) that cannot work.
    #[error("{at}: access: {reason}")]
    Access { at: Location, reason: String },
    /// Two nodes (or a node and a trainee's own server) on one address.
    #[error("{first} and {second} would both listen on {address}")]
    AddressConflict {
        address: SocketAddr,
        first: String,
        second: String,
    },
    #[error("{at}: two nodes would be named {name:?} ({first} and {second}); rename the trainee")]
    DuplicateNodeName {
        at: Location,
        name: String,
        first: String,
        second: String,
    },
    #[error("no zone {zone} in this lab")]
    NoSuchZone { zone: Name },
    #[error("no trainee {name:?} in this lab")]
    NoSuchTrainee { name: String },
    /// A check id the grader's catalogue does not have (scenario files).
    #[error("{}: unknown check {:?}{}", .0.at, .0.word, hint(&.0.suggestion, &.0.expected))]
    UnknownCheck(Box<UnknownWord>),
    /// A `{name}` in a scenario's instructions that is not a placeholder;
    /// `word` and `expected` are written with their braces.
    #[error("{}: unknown placeholder {:?}{}{} (placeholders: {}; write {{{{ and }}}} for literal braces)",
        .0.at, .0.word, in_section(&.0.section),
        .0.suggestion.as_ref().map(|s| format!(", did you mean {s:?}?")).unwrap_or_default(),
        .0.expected.join(", "))]
    UnknownPlaceholder(Box<UnknownWord>),
    #[error("{at}: check {id:?} is listed twice")]
    DuplicateCheck { at: Location, id: String },
    #[error("{at}: mutant {name:?} is listed twice")]
    DuplicateMutant { at: Location, name: String },
    /// A mutant's `fails` names a check its scenario does not list.
    #[error("{at}: mutant {mutant:?} must fail check {check:?}, which is not among this scenario's checks{}", hint(.suggestion, &[]))]
    UnlistedCheck {
        at: Location,
        mutant: String,
        check: String,
        /// The listed check closest to `check`, when one is close.
        suggestion: Option<String>,
    },
    /// The instructions have no command: they are the reference solution
    /// ([`crate::instruction_steps`]), so they must show what to run.
    #[error(
        "{at}: the instructions have no command (an indented code line): a trainee has nothing to run, and scenario test no reference solution"
    )]
    NoInstructionCommands { at: Location },
    /// `after:` names the scenario's own exercise.
    #[error("{at}: exercise {id} cannot come after itself")]
    AfterItself { at: Location, id: String },
    /// The text generated for a zone does not parse: a bug in dnslab.
    #[error("the generated zone {zone} does not parse (a dnslab bug)")]
    Generated {
        zone: Name,
        #[source]
        source: ZoneFileError,
    },
}

/// Why the state directory could not be created or read.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(
        "no state directory: pass --state-dir or set DNSLAB_STATE_DIR (neither XDG_STATE_HOME nor HOME is set)"
    )]
    NoDefault,
    #[error(
        "no lab found under {}: run `dnslab up LABFILE` first, or pass --state-dir", .base.display()
    )]
    NoLab { base: PathBuf },
    #[error(
        "several labs under {}: {}; pass --state-dir or set DNSLAB_STATE_DIR", .base.display(), .labs.join(", ")
    )]
    SeveralLabs { base: PathBuf, labs: Vec<String> },
    #[error("{}: cannot {action}", .path.display())]
    Io {
        path: PathBuf,
        /// `create the directory`, `write`, `read`, ...
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    KeyFile(#[from] KeyFileError),
    #[error("cannot generate a key for {zone}")]
    KeyGeneration {
        zone: Name,
        #[source]
        source: CryptoError,
    },
    #[error("no lab keys for {zone} in {}", .dir.display())]
    NoKeys { zone: Name, dir: PathBuf },
    #[error(
        "{} is not a dnslab state directory (it has no `{}` file, which `dnslab up` writes); \
         dnslab removes and moves nothing there. A state directory of an earlier dnslab is marked \
         by running `dnslab up LABFILE --state-dir {}` once", .path.display(), crate::ownership::MARKER_FILE, .path.display()
    )]
    NotMarked { path: PathBuf },
    #[error(
        "{} is not empty and not a dnslab state directory ({}); choose a new or empty directory for --state-dir",
        .path.display(), list_some(.entries)
    )]
    Foreign { path: PathBuf, entries: Vec<String> },
    #[error("{} holds the state of workshop {marked:?}, not {asked:?}", .path.display())]
    OtherWorkshop {
        path: PathBuf,
        marked: String,
        asked: String,
    },
    #[error("the lab in {} is running (supervisor pid {pid}); `dnslab down` stops it", .path.display())]
    Running { path: PathBuf, pid: u32 },
    #[error(transparent)]
    Lab(#[from] LabError),
}

/// The first few names, and how many more.
fn list_some(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = names
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}

impl StateError {
    pub(crate) fn io(
        path: impl Into<PathBuf>,
        action: &'static str,
    ) -> impl FnOnce(std::io::Error) -> StateError {
        let path = path.into();
        move |source| StateError::Io {
            path,
            action,
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dnslab_zone::{ErrorChain, repeated_cause};

    /// Each cause once, and there: the chain ends with the I/O error.
    fn says_cause_once(error: &(dyn std::error::Error + 'static), cause: &str) {
        assert_eq!(repeated_cause(error), None);
        let text = ErrorChain(error).to_string();
        assert!(text.ends_with(&format!(": {cause}")), "{text}");
        assert_eq!(text.matches(cause).count(), 1, "{text}");
    }

    #[test]
    fn causes_are_sources_not_message_text() {
        let missing = std::path::Path::new("/nonexistent/dnslab/lab.yaml");
        let not_found = "No such file or directory (os error 2)";
        let e = crate::LabPlan::load(missing).unwrap_err();
        assert!(matches!(e, LabError::Read { .. }), "{e:?}");
        assert_eq!(e.to_string(), "/nonexistent/dnslab/lab.yaml: cannot read");
        says_cause_once(&e, not_found);
        // Wrapped (transparently) in a state-directory error.
        says_cause_once(&StateError::from(e), not_found);

        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let denied_text = denied.to_string();
        let e = StateError::io("/x", "write")(denied);
        assert_eq!(e.to_string(), "/x: cannot write");
        says_cause_once(&e, &denied_text);

        let e = StateError::KeyGeneration {
            zone: Name::root(),
            source: CryptoError::Random,
        };
        says_cause_once(&e, &CryptoError::Random.to_string());

        let bad = dnslab_zone::parser::parse_bytes(
            b"@ 60 IN BOGUS x\n",
            std::path::Path::new("root.zone"),
            &Default::default(),
        )
        .unwrap_err();
        let bad_text = bad.to_string();
        let e = LabError::Generated {
            zone: Name::root(),
            source: bad,
        };
        says_cause_once(&e, &bad_text);
    }
}
