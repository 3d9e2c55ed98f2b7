//! Scenario files: one exercise, its instructions (which are its reference
//! solution), its checks and the wrong solutions it must catch.
//!
//! ## Background
//! A lab file lists exercises by id ([`Exercise`]); a *scenario file*
//! (`scenarios/*.yaml`) says what an exercise is: the instructions a
//! trainee reads, the checks the grader runs and their points, the hints
//! and *mutants*, wrong solutions with the checks each must fail. The
//! reference solution is the instructions themselves: the commands of
//! their code blocks ([`crate::instruction_steps`]), after those of the
//! exercises listed in `after:`. CI follows the instructions and runs every
//! mutant against a lab, so instructions that do not work, or checks that
//! do not catch their own mutants, fail there, not in front of a class.
//!
//! ## Format
//! The schema below is the contract; a key it does not have is an error
//! naming the closest valid one, like in lab files ([`crate::spec`]).
//!
//! ```yaml
//! id: sign-zone                # an exercise id (crate::KNOWN_EXERCISES)
//! title: Sign your zone
//! level: beginner              # beginner | intermediate | advanced
//! summary: one line            # optional
//! instructions: |              # Markdown shown to a trainee; placeholders below
//!   Your zone is {zone}; its server is {auth}...
//! parameters:                  # all optional
//!   algorithms: [ECDSAP256SHA256, ED25519]   # allowed signing algorithms
//!   denial: any                # any | nsec | nsec3
//!   signature_margin: 3d       # signatures must stay valid at least this long
//!   digest_types: [SHA256]     # allowed DS digest types
//! checks:                      # at least one
//!   - id: dnskey-signed-by-sep # a check id of the grader's catalogue
//!     points: 10               # default 10
//!     severity: error          # error | warning; default error
//! hints:                       # optional list of Markdown strings
//!   - Generate the KSK with --ksk.
//! after: [sign-zone]          # optional: exercises done first (their
//!                              # instructions run before these)
//! mutants:                     # optional; wrong solutions
//!   - name: expired-signatures # unique in the file; a-z, 0-9, -
//!     description: Signatures that expired yesterday.   # optional
//!     steps:                   # commands run in the workspace, in order
//!       - run: dnslab key generate --zone "$ZONE" --ksk --dir keys
//!       - wait: 5s             # a duration, on the lab's (virtual) clock
//!     fails: [signatures-valid]   # checks it must fail, all among `checks`
//! ```
//!
//! | key | default | notes |
//! |---|---|---|
//! | `parameters.algorithms` | every algorithm RFC 9904 allows for signing ([`defaults::ALGORITHMS`]) | names or numbers, as in lab files (`ECDSAP256SHA256`, `13`); one RFC 9904 says MUST NOT be used for signing is refused |
//! | `parameters.denial` | `any` ([`defaults::DENIAL`]) | |
//! | `parameters.signature_margin` | 0 ([`defaults::SIGNATURE_MARGIN`]) | a duration |
//! | `parameters.digest_types` | SHA-256 and SHA-384 ([`defaults::DIGEST_TYPES`]) | `SHA256`, `SHA-256` or `2`; SHA-1 is refused (RFC 9904) |
//! | `checks[].points` | 10 ([`defaults::POINTS`]) | |
//! | `checks[].severity` | `error` ([`defaults::SEVERITY`]) | |
//!
//! Durations are written as in lab files: seconds or `90s`, `5m`, `1h`,
//! `14d`, `2w`, `1h30m`. A step is a map with exactly one of `run` (a shell
//! command line, not empty) or `wait`.
//!
//! ## Placeholders
//! [`Scenario::render_instructions`] fills these in for one trainee; an
//! unknown `{name}` is refused when the file is parsed, so that a typo
//! fails in CI. `{{` and `}}` write a literal `{` and `}` (`${{ZONE}}` in
//! a shell snippet); a `{` that does not open a `{name}` is kept as it is.
//!
//! | placeholder | value (for trainee t01 of the default lab) |
//! |---|---|
//! | `{trainee}` | `t01` |
//! | `{zone}` | `t01.ne.` (with the trailing dot) |
//! | `{zone_name}` | `t01.ne` |
//! | `{tld}` | `ne` |
//! | `{auth}`, `{auth_ip}` | `127.53.10.1:53`, `127.53.10.1` |
//! | `{resolver}`, `{resolver_ip}` | `127.53.11.1:53`, `127.53.11.1` |
//! | `{port}` | `53` |
//! | `{workspace}` | `<state>/trainees/t01` (absolute) |
//! | `{zone_file}` | `<state>/trainees/t01/t01.ne.zone` |
//! | `{signed_zone_file}` | `<state>/trainees/t01/t01.ne.zone.signed` |
//! | `{root_server}` | `127.53.0.1:53`, the lab root's server |
//! | `{dnskey_wait}` | seconds a cache may keep the DNSKEY RRset, with a margin: twice the DNSKEY TTL |
//! | `{ds_wait}` | the same for the DS RRset at the parent (twice the DS TTL) |
//! | `{data_wait}` | the same for the zone's other records and negative answers (twice the larger of TTL and negative TTL) |
//!
//! ## Reading and checking
//! [`Scenario::load`] / [`Scenario::parse`] read one file and make every
//! check the file alone allows: the schema (inside deserialization, so
//! serde_yaml gives `file:line:column`), placeholders, duplicate check ids
//! and mutant names, and mutants failing checks the file does not list
//! (located by a scan of the text). [`Scenario::validate`] checks the ids
//! against the grader's catalogue, which this crate does not know.
//! [`load_dir`] reads a directory in teaching order.
//!
//! ## Limitations
//! Errors found after parsing are located by scanning the text (block and
//! flow styles); in unusual layouts they fall back to the key's line or to
//! the file.

use crate::error::{LabError, Location, UnknownWord};
use crate::exercise::Exercise;
use crate::locate::Source;
use crate::plan::{LabPlan, Trainee};
use crate::spec::{Duration, label_problem, yaml_error};
use crate::suggest::closest;
use dnslab_zone::Algorithm;
use dnslab_zone::keys::ds::DigestType;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::HashSet;
use std::fmt::{self, Write as _};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// The default of every optional key, in one place.
pub mod defaults {
    use super::{CheckSeverity, DenialParam};
    use dnslab_zone::Algorithm;

    /// `checks[].points:`
    pub const POINTS: u32 = 10;
    /// `checks[].severity:`
    pub const SEVERITY: CheckSeverity = CheckSeverity::Error;
    /// `parameters.denial:`
    pub const DENIAL: DenialParam = DenialParam::Any;
    /// `parameters.signature_margin:` (seconds)
    pub const SIGNATURE_MARGIN: u32 = 0;
    /// `parameters.algorithms:` every algorithm RFC 9904 §3.1 does not
    /// forbid for signing.
    pub const ALGORITHMS: [Algorithm; 6] = [
        Algorithm::RSASHA256,
        Algorithm::RSASHA512,
        Algorithm::ECDSAP256SHA256,
        Algorithm::ECDSAP384SHA384,
        Algorithm::ED25519,
        Algorithm::ED448,
    ];
    /// `parameters.digest_types:` SHA-256 and SHA-384 (SHA-1 MUST NOT be
    /// published, RFC 9904 §3.2).
    pub const DIGEST_TYPES: [u8; 2] = [2, 4];
}

/// The placeholders of instructions (see the module documentation).
pub const PLACEHOLDERS: &[&str] = &[
    "trainee",
    "zone",
    "zone_name",
    "tld",
    "auth",
    "auth_ip",
    "resolver",
    "resolver_ip",
    "port",
    "workspace",
    "zone_file",
    "signed_zone_file",
    "root_server",
    "dnskey_wait",
    "ds_wait",
    "data_wait",
];

/// How long a trainee waits for a cache to drop an RRset, in seconds: its
/// TTL, and as much again for the lab to serve and record the change. The
/// instructions say `sleep {dnskey_wait}`; `dnslab scenario test` moves its
/// virtual clock instead of sleeping.
fn cache_wait(ttl: u32) -> u32 {
    ttl.saturating_mul(2)
}

/// One exercise, as its scenario file describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    pub id: Exercise,
    pub title: String,
    pub level: Level,
    pub summary: Option<String>,
    /// Markdown with placeholders ([`Scenario::render_instructions`]).
    pub instructions: String,
    pub parameters: Parameters,
    /// At least one, ids unique.
    pub checks: Vec<CheckSpec>,
    pub hints: Vec<String>,
    /// Exercises a trainee does first: the state this one starts from.
    pub after: Vec<Exercise>,
    pub mutants: Vec<Mutant>,
    /// The file it was read from and its text, for locating errors found
    /// later ([`Scenario::validate`]).
    pub file: PathBuf,
    pub text: String,
}

/// How hard an exercise is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Beginner,
    Intermediate,
    Advanced,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Beginner => "beginner",
            Level::Intermediate => "intermediate",
            Level::Advanced => "advanced",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// `parameters:` what a correct solution may choose, defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameters {
    /// Allowed signing algorithms.
    pub algorithms: Vec<Algorithm>,
    pub denial: DenialParam,
    /// Seconds that signatures must stay valid at least (0: no margin).
    pub signature_margin: u32,
    /// Allowed DS digest types (IANA numbers).
    pub digest_types: Vec<u8>,
}

impl Default for Parameters {
    fn default() -> Parameters {
        Parameters {
            algorithms: defaults::ALGORITHMS.to_vec(),
            denial: defaults::DENIAL,
            signature_margin: defaults::SIGNATURE_MARGIN,
            digest_types: defaults::DIGEST_TYPES.to_vec(),
        }
    }
}

/// `parameters.denial:` which authenticated denial a solution may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DenialParam {
    /// NSEC or NSEC3.
    Any,
    Nsec,
    Nsec3,
}

/// `checks[]:` one grader check and what it is worth.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// An id of the grader's catalogue ([`Scenario::validate`]).
    pub id: String,
    #[serde(default = "default_points")]
    pub points: u32,
    #[serde(default = "default_severity")]
    pub severity: CheckSeverity,
}

fn default_points() -> u32 {
    defaults::POINTS
}

fn default_severity() -> CheckSeverity {
    defaults::SEVERITY
}

/// Whether a failed check fails the exercise or only warns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckSeverity {
    Error,
    Warning,
}

/// One step of a solution or a mutant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A shell command line, run in the trainee's workspace.
    Run(String),
    /// Seconds to let pass on the lab's clock.
    Wait(u32),
}

/// A wrong solution, and the checks it must fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mutant {
    /// Unique in its file; a-z, 0-9 and `-`.
    pub name: String,
    pub description: Option<String>,
    /// At least one.
    pub steps: Vec<Step>,
    /// At least one; each among the scenario's checks.
    pub fails: Vec<String>,
}

impl Scenario {
    /// Reads and parses a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, LabError> {
        let text = std::fs::read_to_string(path).map_err(|source| LabError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Scenario::parse(&text, path)
    }

    /// Parses scenario text; `path` names it in errors. Makes every check
    /// that needs no catalogue (see the module documentation).
    pub fn parse(text: &str, path: &Path) -> Result<Scenario, LabError> {
        let src = Source::new(path, text);
        let file: ScenarioFile = serde_yaml::from_str(text).map_err(|e| yaml_error(&e, src))?;
        let p = file.parameters.unwrap_or_default();
        let scenario = Scenario {
            id: file.id,
            title: file.title,
            level: file.level,
            summary: file.summary,
            instructions: file.instructions,
            parameters: Parameters {
                algorithms: p.algorithms.map_or(defaults::ALGORITHMS.to_vec(), |a| {
                    a.into_iter().map(|a| a.0).collect()
                }),
                denial: p.denial.unwrap_or(defaults::DENIAL),
                signature_margin: p
                    .signature_margin
                    .map_or(defaults::SIGNATURE_MARGIN, |d| d.0),
                digest_types: p.digest_types.map_or(defaults::DIGEST_TYPES.to_vec(), |d| {
                    d.into_iter().map(|d| d.0).collect()
                }),
            },
            checks: file.checks,
            hints: file.hints.unwrap_or_default(),
            after: file.after.unwrap_or_default(),
            mutants: file
                .mutants
                .unwrap_or_default()
                .into_iter()
                .map(|m| Mutant {
                    name: m.name.0,
                    description: m.description,
                    steps: m.steps,
                    fails: m.fails,
                })
                .collect(),
            file: path.to_path_buf(),
            text: text.to_string(),
        };
        scenario.check_placeholders()?;
        scenario.check_consistency()?;
        Ok(scenario)
    }

    /// Checks every check id against the grader's catalogue
    /// (`known_checks`), and what [`Scenario::parse`] checks of the lists
    /// (for a scenario built in code): an unknown id is reported at its
    /// `file:line:column` with the closest known id; duplicate check ids,
    /// mutants failing a check the scenario does not list, duplicate
    /// mutant names.
    pub fn validate(&self, known_checks: &[&str]) -> Result<(), LabError> {
        self.check_consistency()?;
        let items = ListItems::new(&self.file, &self.text, "checks");
        for (i, check) in self.checks.iter().enumerate() {
            if known_checks.contains(&check.id.as_str()) {
                continue;
            }
            return Err(LabError::UnknownCheck(Box::new(UnknownWord {
                at: items.value(i, "id", &check.id),
                word: check.id.clone(),
                section: None,
                expected: known_checks.iter().map(|c| c.to_string()).collect(),
                suggestion: closest(&check.id, known_checks.iter().copied()).map(str::to_string),
            })));
        }
        Ok(())
    }

    /// The instructions with the placeholders filled in for one trainee
    /// (`plan`, the trainee and the state directory), or shown as
    /// `<trainee>`, `<zone>`... without one. `{{` and `}}` become `{` and
    /// `}`; an unknown placeholder is left as written.
    pub fn render_instructions(&self, plan: Option<(&LabPlan, &Trainee, &Path)>) -> String {
        render(&self.instructions, plan)
    }

    /// The hints, with the placeholders filled in as in the instructions.
    pub fn render_hints(&self, plan: Option<(&LabPlan, &Trainee, &Path)>) -> Vec<String> {
        self.hints.iter().map(|h| render(h, plan)).collect()
    }

    /// The reference solution: the commands of the instructions rendered
    /// for one trainee (or with `<placeholders>` without one), as steps
    /// ([`crate::instruction_steps`]). The exercises of [`Scenario::after`]
    /// come first; the caller runs their steps.
    pub fn reference_steps(&self, plan: Option<(&LabPlan, &Trainee, &Path)>) -> Vec<Step> {
        crate::instruction_steps::steps_from_instructions(&self.render_instructions(plan))
    }

    /// Every `{name}` of the instructions and hints is a known placeholder.
    fn check_placeholders(&self) -> Result<(), LabError> {
        let texts = std::iter::once(("instructions", self.instructions.as_str()))
            .chain(self.hints.iter().map(|h| ("hints", h.as_str())));
        for (section, text) in texts {
            let unknown = pieces(text).into_iter().find_map(|p| match p {
                Piece::Placeholder { name, .. } if !PLACEHOLDERS.contains(&name) => Some(name),
                _ => None,
            });
            let Some(name) = unknown else {
                continue;
            };
            let src = Source::new(&self.file, &self.text);
            // The same scan over the file text from the key finds the
            // written placeholder (block scalars and quoted strings keep
            // it as is).
            let key = src.key(&[section]);
            let at = key
                .position
                .map(|(line, column)| offset_of(&self.text, line, column))
                .and_then(|from| {
                    pieces(&self.text[from..])
                        .into_iter()
                        .find_map(|p| match p {
                            Piece::Placeholder { name: n, offset } if n == name => {
                                Some(from + offset)
                            }
                            _ => None,
                        })
                })
                .map_or(key, |o| src.at_offset(Some(o)));
            return Err(LabError::UnknownPlaceholder(Box::new(UnknownWord {
                at,
                word: format!("{{{name}}}"),
                section: Some(section.to_string()),
                expected: PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect(),
                suggestion: closest(name, PLACEHOLDERS.iter().copied()).map(|p| format!("{{{p}}}")),
            })));
        }
        Ok(())
    }

    /// Check ids and mutant names unique, mutants failing listed checks.
    fn check_consistency(&self) -> Result<(), LabError> {
        let src = Source::new(&self.file, &self.text);
        if self.reference_steps(None).is_empty() {
            return Err(LabError::NoInstructionCommands {
                at: src.key(&["instructions"]),
            });
        }
        if self.after.contains(&self.id) {
            return Err(LabError::AfterItself {
                at: src.key(&["after"]),
                id: self.id.id().to_string(),
            });
        }
        let checks = ListItems::new(&self.file, &self.text, "checks");
        let mut seen = HashSet::new();
        for (i, c) in self.checks.iter().enumerate() {
            if !seen.insert(c.id.as_str()) {
                return Err(LabError::DuplicateCheck {
                    at: checks.value(i, "id", &c.id),
                    id: c.id.clone(),
                });
            }
        }
        let mutants = ListItems::new(&self.file, &self.text, "mutants");
        let mut names = HashSet::new();
        for (i, m) in self.mutants.iter().enumerate() {
            if !names.insert(m.name.as_str()) {
                return Err(LabError::DuplicateMutant {
                    at: mutants.value(i, "name", &m.name),
                    name: m.name.clone(),
                });
            }
            if let Some(check) = m.fails.iter().find(|f| !seen.contains(f.as_str())) {
                return Err(LabError::UnlistedCheck {
                    at: mutants.value(i, "fails", check),
                    mutant: m.name.clone(),
                    check: check.clone(),
                    suggestion: closest(check, seen.iter().copied()).map(str::to_string),
                });
            }
        }
        Ok(())
    }
}

/// Reads every `*.yaml` in `dir`, in the teaching order of their
/// exercises ([`crate::KNOWN_EXERCISES`]), then by file name. Stops at the
/// first file that does not parse.
pub fn load_dir(dir: &Path) -> Result<Vec<Scenario>, LabError> {
    let read_error = |source| LabError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        if path.extension().is_some_and(|e| e == "yaml") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    let mut scenarios = files
        .iter()
        .map(|f| Scenario::load(f))
        .collect::<Result<Vec<_>, _>>()?;
    // Stable: files of one exercise stay in name order.
    scenarios.sort_by_key(|s| s.id);
    Ok(scenarios)
}

// ---------------------------------------------------------------------
// The file as written.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    id: Exercise,
    title: String,
    level: Level,
    summary: Option<String>,
    instructions: String,
    parameters: Option<ParametersFile>,
    #[serde(deserialize_with = "checks_list")]
    checks: Vec<CheckSpec>,
    hints: Option<Vec<String>>,
    after: Option<Vec<Exercise>>,
    mutants: Option<Vec<MutantFile>>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParametersFile {
    algorithms: Option<Vec<SigningAlgorithm>>,
    denial: Option<DenialParam>,
    signature_margin: Option<Duration>,
    digest_types: Option<Vec<DsDigest>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MutantFile {
    name: MutantName,
    description: Option<String>,
    #[serde(deserialize_with = "steps_list")]
    steps: Vec<Step>,
    #[serde(deserialize_with = "fails_list")]
    fails: Vec<String>,
}

/// `algorithms[]`: a name or number of an algorithm RFC 9904 allows for
/// signing.
struct SigningAlgorithm(Algorithm);

/// `digest_types[]`: a DS digest type that may be published.
struct DsDigest(u8);

/// `mutants[].name`: a-z, 0-9 and `-`.
struct MutantName(String);

/// Parses a scalar (string or number) inside the visitor, so that
/// serde_yaml attaches the value's position to the error.
struct ScalarVisitor<T>(&'static str, fn(&str) -> Result<T, String>);

impl<T> Visitor<'_> for ScalarVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.1)(v).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        self.visit_str(&v.to_string())
    }
}

fn parse_algorithm(s: &str) -> Result<SigningAlgorithm, String> {
    let allowed = || {
        defaults::ALGORITHMS
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let algorithm = match s.parse::<u8>() {
        Ok(n) => Some(Algorithm(n)),
        Err(_) => Algorithm::from_mnemonic(s.as_bytes()),
    };
    match algorithm {
        Some(a) if defaults::ALGORITHMS.contains(&a) => Ok(SigningAlgorithm(a)),
        Some(a) if a.mnemonic().is_some() => Err(format!(
            "algorithm {s:?}: RFC 9904 says {a} MUST NOT be used for signing (allowed: {})",
            allowed()
        )),
        Some(a) => Err(format!(
            "algorithm {s:?}: {a} is not one RFC 9904 allows for signing (allowed: {})",
            allowed()
        )),
        None => {
            let names = defaults::ALGORITHMS.iter().filter_map(|a| a.mnemonic());
            Err(match closest(s, names) {
                Some(c) => format!("unknown algorithm {s:?}, did you mean {c:?}?"),
                None => format!("unknown algorithm {s:?} (allowed: {})", allowed()),
            })
        }
    }
}

fn parse_digest(s: &str) -> Result<DsDigest, String> {
    match DigestType::from_text(s) {
        Some(DigestType::Sha1) => Err(format!(
            "digest type {s:?}: SHA-1 DS records MUST NOT be published (RFC 9904); use SHA256 or SHA384"
        )),
        Some(d) => Ok(DsDigest(d as u8)),
        None => Err(format!(
            "unknown digest type {s:?} (expected SHA256 (2) or SHA384 (4))"
        )),
    }
}

fn parse_mutant_name(s: &str) -> Result<MutantName, String> {
    match label_problem(s) {
        Some(reason) => Err(format!("bad mutant name {s:?}: {reason}")),
        None => Ok(MutantName(s.to_string())),
    }
}

impl<'de> Deserialize<'de> for SigningAlgorithm {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor(
            "an algorithm name or number",
            parse_algorithm,
        ))
    }
}

impl<'de> Deserialize<'de> for DsDigest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor("a DS digest type", parse_digest))
    }
}

impl<'de> Deserialize<'de> for MutantName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(ScalarVisitor(
            "a mutant name (a-z, 0-9, -)",
            parse_mutant_name,
        ))
    }
}

/// `run:` or `wait:`, checked inside the visitor so that errors point at
/// the step.
impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct StepFile {
            run: Option<String>,
            wait: Option<Duration>,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Step;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a step: { run: COMMAND } or { wait: DURATION }")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Step, A::Error> {
                let step = StepFile::deserialize(de::value::MapAccessDeserializer::new(map))?;
                match (step.run, step.wait) {
                    (Some(_), Some(_)) => Err(de::Error::custom(
                        "a step has run or wait, not both: write two steps",
                    )),
                    (None, None) => Err(de::Error::custom(
                        "a step needs run (a command) or wait (a duration)",
                    )),
                    (Some(run), None) if run.trim().is_empty() => {
                        Err(de::Error::custom("run: the command is empty"))
                    }
                    (Some(run), None) => Ok(Step::Run(run)),
                    (None, Some(wait)) => Ok(Step::Wait(wait.0)),
                }
            }
        }
        d.deserialize_map(V)
    }
}

/// A list that must not be empty; the error points at the list.
fn non_empty<'de, D, T>(d: D, what: &'static str) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct V<T>(&'static str, PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            if items.is_empty() {
                return Err(de::Error::custom(self.0));
            }
            Ok(items)
        }
    }
    d.deserialize_seq(V(what, PhantomData))
}

fn checks_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<CheckSpec>, D::Error> {
    non_empty(d, "no checks: list at least one (- id: CHECK)")
}

fn steps_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Step>, D::Error> {
    non_empty(d, "no steps: list at least one (- run: COMMAND)")
}

fn fails_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    non_empty(
        d,
        "a mutant must fail at least one check: list its ids (fails: [CHECK])",
    )
}

// ---------------------------------------------------------------------
// Placeholders.

/// A piece of an instructions template.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Literal(&'a str),
    /// `{name}`, `offset` being that of its `{`.
    Placeholder {
        name: &'a str,
        offset: usize,
    },
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// Splits a template into literals and `{name}` placeholders; `{{` and
/// `}}` are literal braces, any other brace is kept as written.
fn pieces(template: &str) -> Vec<Piece<'_>> {
    let bytes = template.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &template[i..];
        if rest.starts_with("{{") || rest.starts_with("}}") {
            out.push(Piece::Literal(&template[i..i + 1]));
            i += 2;
        } else if bytes[i] == b'{' {
            let len = bytes[i + 1..]
                .iter()
                .take_while(|&&c| is_name_char(c))
                .count();
            if len > 0 && bytes.get(i + 1 + len) == Some(&b'}') {
                out.push(Piece::Placeholder {
                    name: &template[i + 1..i + 1 + len],
                    offset: i,
                });
                i += len + 2;
            } else {
                out.push(Piece::Literal("{"));
                i += 1;
            }
        } else {
            let len = rest.find(['{', '}']).unwrap_or(rest.len()).max(1);
            out.push(Piece::Literal(&template[i..i + len]));
            i += len;
        }
    }
    out
}

/// `text` with its placeholders filled in for one trainee, or shown as
/// `<name>` without one ([`Scenario::render_instructions`]).
/// `text` with its `{placeholders}` filled in for a trainee (or written
/// `<placeholder>` without one), as the instructions are: the grader's
/// tool hints are rendered with it too.
pub fn render(text: &str, plan: Option<(&LabPlan, &Trainee, &Path)>) -> String {
    let mut out = String::with_capacity(text.len());
    for piece in pieces(text) {
        match piece {
            Piece::Literal(s) => out.push_str(s),
            Piece::Placeholder { name, .. } => match plan {
                Some((plan, trainee, state)) => {
                    match placeholder_value(name, plan, trainee, state) {
                        Some(v) => out.push_str(&v),
                        None => {
                            let _ = write!(out, "{{{name}}}");
                        }
                    }
                }
                None if PLACEHOLDERS.contains(&name) => {
                    let _ = write!(out, "<{name}>");
                }
                None => {
                    let _ = write!(out, "{{{name}}}");
                }
            },
        }
    }
    out
}

/// A placeholder's value for one trainee; `None` for an unknown name.
fn placeholder_value(name: &str, plan: &LabPlan, t: &Trainee, state: &Path) -> Option<String> {
    let path = |p: PathBuf| state.join(p).display().to_string();
    Some(match name {
        "trainee" => t.name.clone(),
        "zone" => t.zone.to_string(),
        "zone_name" => {
            let zone = t.zone.to_string();
            zone.strip_suffix('.').unwrap_or(&zone).to_string()
        }
        "tld" => t.tld.clone(),
        "auth" => t.auth.to_string(),
        "auth_ip" => t.auth.ip().to_string(),
        "resolver" => t.resolver.to_string(),
        "resolver_ip" => t.resolver.ip().to_string(),
        "port" => plan.port.to_string(),
        "workspace" => path(t.workspace.clone()),
        "zone_file" => path(t.zone_file.clone()),
        "signed_zone_file" => path(t.signed_zone_file()),
        "root_server" => plan.root_node().address.to_string(),
        "dnskey_wait" => cache_wait(plan.timers.dnskey_ttl).to_string(),
        "ds_wait" => cache_wait(plan.timers.ds_ttl).to_string(),
        "data_wait" => cache_wait(plan.timers.ttl.max(plan.timers.negative_ttl)).to_string(),
        _ => return None,
    })
}

// ---------------------------------------------------------------------
// Locating values inside list items.

/// The byte offset of a `(line, column)` position (columns in characters).
fn offset_of(text: &str, line: u32, column: u32) -> usize {
    let line_start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1) as usize)
        .map(str::len)
        .sum::<usize>();
    let rest = &text[line_start..];
    line_start
        + rest
            .char_indices()
            .nth(column.saturating_sub(1) as usize)
            .map_or(rest.len(), |(i, _)| i)
}

/// The items of a top-level block list (`checks:`, `mutants:`), to find a
/// key of the i-th item with [`Source`]: the text before that item is
/// blanked (newlines kept, so positions stay right), and the first such
/// key after the blank is the item's.
struct ListItems<'a> {
    file: &'a Path,
    text: &'a str,
    key: &'static str,
    /// Where the blank starts: the line after the list's key.
    body: usize,
    /// The byte offset of each item's `-`.
    items: Vec<usize>,
}

impl<'a> ListItems<'a> {
    fn new(file: &'a Path, text: &'a str, key: &'static str) -> ListItems<'a> {
        let mut list = ListItems {
            file,
            text,
            key,
            body: text.len(),
            items: Vec::new(),
        };
        let Some((line, _)) = Source::new(file, text).key(&[key]).position else {
            return list;
        };
        list.body = offset_of(text, line + 1, 1);
        let mut indent = None;
        let mut pos = list.body;
        for l in text[list.body..].split_inclusive('\n') {
            let trimmed = l.trim_start_matches(' ');
            let depth = l.len() - trimmed.len();
            let content = trimmed.trim_end();
            if content.is_empty() || content.starts_with('#') {
                pos += l.len();
                continue;
            }
            let item = content == "-" || content.starts_with("- ");
            match indent {
                None if item => indent = Some(depth),
                None => break,
                Some(i) if depth < i || depth == i && !item => break,
                _ => {}
            }
            if indent == Some(depth) && item {
                list.items.push(pos + depth);
            }
            pos += l.len();
        }
        list
    }

    /// Where `value` is written under `key` in the `index`-th item; else
    /// where it is written in the list; else the list's key.
    fn value(&self, index: usize, key: &str, value: &str) -> Location {
        let Some(&start) = self.items.get(index) else {
            return Source::new(self.file, self.text).value(&[self.key], value, 0);
        };
        let mut masked = String::with_capacity(self.text.len());
        masked.push_str(&self.text[..self.body]);
        masked.extend(
            self.text[self.body..start]
                .chars()
                .map(|c| if c == '\n' { '\n' } else { ' ' }),
        );
        masked.push_str(&self.text[start..]);
        Source::new(self.file, &masked).value(&[self.key, key], value, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::LabFile;

    const MINIMAL: &str = "\
id: ds-submission
title: Submit your DS
level: intermediate
instructions: |
  Give the DS of {zone} to {tld}:

      dnslab ds submit --trainee {trainee} --key k.key
checks:
  - id: ds-matches-ksk
";

    fn parse(text: &str) -> Result<Scenario, LabError> {
        Scenario::parse(text, Path::new("scenarios/x.yaml"))
    }

    #[test]
    fn defaults_apply() {
        let s = parse(MINIMAL).unwrap();
        assert_eq!(s.id, Exercise::DsSubmission);
        assert_eq!(s.level, Level::Intermediate);
        assert_eq!(s.summary, None);
        assert_eq!(s.parameters, Parameters::default());
        assert_eq!(
            s.checks,
            [CheckSpec {
                id: "ds-matches-ksk".to_string(),
                points: 10,
                severity: CheckSeverity::Error
            }]
        );
        assert!(s.hints.is_empty() && s.mutants.is_empty() && s.after.is_empty());
        assert_eq!(
            s.reference_steps(None),
            [Step::Run(
                "dnslab ds submit --trainee <trainee> --key k.key".to_string()
            )]
        );
    }

    #[test]
    fn default_algorithms_are_rfc_9904s() {
        let allowed: Vec<Algorithm> = (0..=255)
            .map(Algorithm)
            .filter(|a| a.signing_advice() != "MUST NOT")
            .collect();
        assert_eq!(allowed, defaults::ALGORITHMS);
    }

    #[test]
    fn parameters() {
        let text = format!(
            "{MINIMAL}parameters:\n  algorithms: [ecdsap256sha256, 15, RSASHA256]\n  denial: nsec3\n  signature_margin: 1d12h\n  digest_types: [SHA-384, 2]\n"
        );
        let p = parse(&text).unwrap().parameters;
        assert_eq!(
            p.algorithms,
            [
                Algorithm::ECDSAP256SHA256,
                Algorithm::ED25519,
                Algorithm::RSASHA256
            ]
        );
        assert_eq!(p.denial, DenialParam::Nsec3);
        assert_eq!(p.signature_margin, 36 * 3600);
        assert_eq!(p.digest_types, [4, 2]);

        for (bad, message) in [
            (
                "algorithms: [RSASHA1]",
                "RFC 9904 says RSASHA1 (5) MUST NOT be used for signing",
            ),
            ("algorithms: [ED2551]", "did you mean \"ED25519\"?"),
            (
                "digest_types: [SHA1]",
                "SHA-1 DS records MUST NOT be published",
            ),
            ("digest_types: [GOST]", "unknown digest type \"GOST\""),
        ] {
            let text = format!("{MINIMAL}parameters:\n  {bad}\n");
            let e = parse(&text).unwrap_err().to_string();
            assert!(e.starts_with("scenarios/x.yaml:11:"), "{e}");
            assert!(e.contains(message), "{e}");
        }
    }

    #[test]
    fn steps() {
        let mutant = |steps: &str| {
            format!(
                "{MINIMAL}mutants:\n  - name: m\n    steps:\n{steps}    fails: [ds-matches-ksk]\n"
            )
        };
        let s = parse(&mutant(
            "      - run: a\n      - wait: 1h30m\n      - { wait: 90 }\n",
        ))
        .unwrap();
        assert_eq!(
            s.mutants[0].steps,
            [Step::Run("a".into()), Step::Wait(5400), Step::Wait(90)]
        );
        let e = parse(&mutant("      - run: \"  \"\n")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "scenarios/x.yaml:13:9: mutants[0].steps[0]: run: the command is empty"
        );
        let e = parse(&mutant("      - {}\n")).unwrap_err();
        assert!(
            e.to_string().contains("needs run (a command) or wait"),
            "{e}"
        );
    }

    #[test]
    fn instructions_without_a_command_and_after_itself_are_refused() {
        let text = MINIMAL.replace(
            "      dnslab ds submit --trainee {trainee} --key k.key\n",
            "  `dnslab ds submit` is only mentioned.\n",
        );
        let e = parse(&text).unwrap_err().to_string();
        assert!(
            e.starts_with("scenarios/x.yaml:4:1: the instructions have no command"),
            "{e}"
        );
        let e = parse(&format!("{MINIMAL}after: [sign-zone, ds-submission]\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("ds-submission cannot come after itself"), "{e}");
        let s = parse(&format!("{MINIMAL}after: [sign-zone]\n")).unwrap();
        assert_eq!(s.after, [Exercise::SignZone]);
    }

    #[test]
    fn pieces_and_escapes() {
        use Piece::*;
        assert_eq!(
            pieces("a {zone} {{x}} {not closed ${{Z}} }"),
            [
                Literal("a "),
                Placeholder {
                    name: "zone",
                    offset: 2
                },
                Literal(" "),
                Literal("{"),
                Literal("x"),
                Literal("}"),
                Literal(" "),
                Literal("{"),
                Literal("not closed $"),
                Literal("{"),
                Literal("Z"),
                Literal("}"),
                Literal(" "),
                Literal("}"),
            ]
        );
        assert_eq!(pieces(""), []);
    }

    #[test]
    fn unknown_placeholder_is_located() {
        let text = MINIMAL.replace(
            "  Give the DS of {zone} to {tld}:",
            "  Give the DS\n  of @{zoen} {{zoen}} to {tld}.",
        );
        let e = parse(&text).unwrap_err();
        assert!(matches!(e, LabError::UnknownPlaceholder(_)), "{e:?}");
        let s = e.to_string();
        assert!(
            s.starts_with(
                "scenarios/x.yaml:6:7: unknown placeholder \"{zoen}\" in instructions, did you mean \"{zone}\"?"
            ),
            "{s}"
        );
        assert!(s.contains("{signed_zone_file}"), "{s}");
        // Escaped, it is text.
        let ok = MINIMAL.replace("{zone} to", "${{ZONE}} to");
        assert_eq!(
            parse(&ok).unwrap().render_instructions(None),
            "Give the DS of ${ZONE} to <tld>:\n\n    dnslab ds submit --trainee <trainee> --key k.key\n"
        );
    }

    #[test]
    fn render_for_a_trainee() {
        let lab = LabFile::parse(
            "workshop: demo\ntlds: [ne]\ntrainees: { count: 2 }\nport: 5353\n",
            Path::new("labs/demo.yaml"),
        )
        .unwrap();
        let plan = LabPlan::from_spec(lab, Path::new("labs/demo.yaml")).unwrap();
        let all: String = PLACEHOLDERS
            .iter()
            .map(|p| format!("{p}={{{p}}}\n"))
            .collect();
        let mut s = parse(MINIMAL).unwrap();
        s.instructions = format!("{all}{{{{literal}}}} {{unknown}}");
        let state = Path::new("/var/lab");
        let out = s.render_instructions(Some((&plan, &plan.trainees[1], state)));
        assert_eq!(
            out,
            "\
trainee=t02
zone=t02.ne.
zone_name=t02.ne
tld=ne
auth=127.53.10.2:5353
auth_ip=127.53.10.2
resolver=127.53.11.2:5353
resolver_ip=127.53.11.2
port=5353
workspace=/var/lab/trainees/t02
zone_file=/var/lab/trainees/t02/t02.ne.zone
signed_zone_file=/var/lab/trainees/t02/t02.ne.zone.signed
root_server=127.53.0.1:5353
dnskey_wait=120
ds_wait=120
data_wait=120
{literal} {unknown}"
        );
        let out = s.render_instructions(None);
        assert!(out.starts_with("trainee=<trainee>\nzone=<zone>\n"), "{out}");
        assert!(
            out.ends_with("data_wait=<data_wait>\n{literal} {unknown}"),
            "{out}"
        );
    }

    #[test]
    fn list_items_are_found() {
        let text = "\
checks:
  - id: a
    points: 1
  # - id: b
  - id: b

  -
    id: a
mutants: []
";
        let items = ListItems::new(Path::new("f"), text, "checks");
        assert_eq!(items.items.len(), 3);
        assert_eq!(items.value(0, "id", "a").position, Some((2, 9)));
        assert_eq!(items.value(1, "id", "b").position, Some((5, 9)));
        assert_eq!(items.value(2, "id", "a").position, Some((8, 9)));
        assert_eq!(offset_of(text, 2, 3), 10);
    }
}
