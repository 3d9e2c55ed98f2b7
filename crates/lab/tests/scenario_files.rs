//! Scenario files: one broken file per defect, each error with its
//! `file:line:column` and the words that explain it; a good file with
//! every key; a directory read in teaching order.

use dnslab_lab::scenario::load_dir;
use dnslab_lab::{
    CheckSeverity, CheckSpec, DenialParam, Exercise, LabError, Level, Mutant, Scenario, Step,
};
use dnslab_zone::Algorithm;
use std::path::{Path, PathBuf};

fn data(dir: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/scenarios")
        .join(dir)
}

/// The grader's catalogue, as far as these tests need it.
const KNOWN: &[&str] = &[
    "dnskey-signed-by-sep",
    "signatures-valid",
    "ds-matches-ksk",
    "nsec3-iterations-zero",
];

/// Every file in `bad/`: (file, line, column, words of the message). A
/// file that parses is checked with `validate(KNOWN)`.
const BAD: &[(&str, u32, u32, &str)] = &[
    (
        "unknown-key.yaml",
        2,
        1,
        "unknown key \"titel\", did you mean \"title\"?",
    ),
    (
        "unknown-nested-key.yaml",
        9,
        5,
        "unknown key \"pionts\" in checks[1], did you mean \"points\"?",
    ),
    (
        "unknown-step-key.yaml",
        13,
        9,
        "unknown key \"wiat\" in mutants[0].steps[1], did you mean \"wait\"?",
    ),
    (
        "unknown-exercise.yaml",
        1,
        5,
        "id: unknown exercise \"sign-zon\", did you mean \"sign-zone\"?",
    ),
    (
        "bad-level.yaml",
        3,
        8,
        "unknown value \"expert\" in level (expected one of: beginner, intermediate, advanced)",
    ),
    (
        "bad-severity.yaml",
        9,
        15,
        "unknown value \"fatal\" in checks[1].severity (expected one of: error, warning)",
    ),
    (
        "bad-duration.yaml",
        7,
        21,
        "parameters.signature_margin: bad duration \"3 days\": unknown unit",
    ),
    (
        "bad-algorithm.yaml",
        6,
        45,
        "parameters.algorithms[1]: algorithm \"RSASHA1\": RFC 9904 says RSASHA1 (5) MUST NOT be used for signing",
    ),
    (
        "run-and-wait.yaml",
        13,
        9,
        "mutants[0].steps[1]: a step has run or wait, not both",
    ),
    (
        "empty-run.yaml",
        15,
        9,
        "mutants[0].steps[0]: run: the command is empty",
    ),
    (
        "empty-steps.yaml",
        11,
        12,
        "mutants[0].steps: no steps: list at least one",
    ),
    ("no-command.yaml", 4, 1, "the instructions have no command"),
    (
        "no-checks.yaml",
        6,
        9,
        "checks: no checks: list at least one",
    ),
    (
        "empty-fails.yaml",
        16,
        12,
        "mutants[0].fails: a mutant must fail at least one check",
    ),
    (
        "unlisted-fails.yaml",
        16,
        13,
        "mutant \"expired-signatures\" must fail check \"signature-valid\", which is not among this scenario's checks, did you mean \"signatures-valid\"?",
    ),
    (
        "duplicate-mutant.yaml",
        21,
        11,
        "mutant \"expired-signatures\" is listed twice",
    ),
    (
        "duplicate-check.yaml",
        9,
        9,
        "check \"dnskey-signed-by-sep\" is listed twice",
    ),
    (
        "bad-mutant-name.yaml",
        13,
        11,
        "mutants[0].name: bad mutant name \"Expired_Signatures\"",
    ),
    (
        "unknown-check.yaml",
        7,
        9,
        "unknown check \"dnskey-signed-by-sp\", did you mean \"dnskey-signed-by-sep\"?",
    ),
    (
        "bad-placeholder.yaml",
        5,
        25,
        "unknown placeholder \"{resolvr}\" in instructions, did you mean \"{resolver}\"? (placeholders: {trainee}, {zone}, ",
    ),
    (
        "wrong-type.yaml",
        9,
        13,
        "checks[1].points: invalid type: string \"ten\", expected u32",
    ),
    (
        "tabs.yaml",
        14,
        1,
        "found a tab character that violates indentation",
    ),
    ("missing-key.yaml", 1, 1, "missing field `instructions`"),
];

fn load_and_validate(path: &Path) -> Result<Scenario, LabError> {
    let s = Scenario::load(path)?;
    s.validate(KNOWN)?;
    Ok(s)
}

#[test]
fn broken_files_are_refused_with_their_place() {
    let mut failures = Vec::new();
    for (file, line, column, words) in BAD {
        let path = data("bad").join(file);
        let message = match load_and_validate(&path) {
            Ok(_) => {
                failures.push(format!("{file}: accepted"));
                continue;
            }
            Err(e) => e.to_string(),
        };
        let prefix = format!("{}:{line}:{column}: ", path.display());
        if !message.starts_with(&prefix) || !message.contains(words) {
            failures.push(format!(
                "{file}:\n  expected {prefix}…{words}…\n  got      {message}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_broken_file_is_in_the_table() {
    let mut files: Vec<String> = std::fs::read_dir(data("bad"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut listed: Vec<String> = BAD.iter().map(|(f, ..)| f.to_string()).collect();
    listed.sort();
    assert_eq!(files, listed);
    assert!(load_dir(&data("bad")).is_err());
}

#[test]
fn errors_have_structure() {
    let e = load_and_validate(&data("bad").join("unknown-check.yaml")).unwrap_err();
    match e {
        LabError::UnknownCheck(w) => {
            assert_eq!(w.at.position, Some((7, 9)));
            assert_eq!(w.word, "dnskey-signed-by-sp");
            assert_eq!(w.suggestion.as_deref(), Some("dnskey-signed-by-sep"));
            assert_eq!(w.expected.len(), KNOWN.len());
        }
        other => panic!("{other:?}"),
    }
    let e = Scenario::load(&data("bad").join("unlisted-fails.yaml")).unwrap_err();
    assert!(
        matches!(&e, LabError::UnlistedCheck { mutant, check, .. } if mutant == "expired-signatures" && check == "signature-valid"),
        "{e:?}"
    );
    let e = Scenario::load(&data("bad").join("bad-placeholder.yaml")).unwrap_err();
    assert!(matches!(e, LabError::UnknownPlaceholder(_)), "{e:?}");
}

#[test]
fn unknown_checks_in_the_good_file() {
    let s = Scenario::load(&data("good").join("sign-zone.yaml")).unwrap();
    // The third check is written in flow style: found all the same.
    let e = s
        .validate(&["dnskey-signed-by-sep", "signatures-valid"])
        .unwrap_err()
        .to_string();
    let prefix = format!("{}:26:11: ", s.file.display());
    assert!(
        e.starts_with(&format!(
            "{prefix}unknown check \"nsec3-iterations-zero\" (expected one of: dnskey-signed-by-sep, signatures-valid)"
        )),
        "{e}"
    );
    // Nothing close: the catalogue is listed.
    let e = s.validate(&[]).unwrap_err().to_string();
    assert!(e.ends_with("unknown check \"dnskey-signed-by-sep\""), "{e}");
}

#[test]
fn the_good_file_parses_with_its_values() {
    let path = data("good").join("sign-zone.yaml");
    let s = Scenario::load(&path).unwrap();
    s.validate(KNOWN).unwrap();
    assert_eq!(s.id, Exercise::SignZone);
    assert_eq!(s.title, "Sign your zone");
    assert_eq!(s.level, Level::Beginner);
    assert_eq!(
        s.summary.as_deref(),
        Some("Generate a KSK and a ZSK, sign your zone, serve it signed.")
    );
    assert!(s.instructions.starts_with("Your zone is `{zone}`"));
    assert_eq!(
        s.parameters.algorithms,
        [Algorithm::ECDSAP256SHA256, Algorithm::ED25519]
    );
    assert_eq!(s.parameters.denial, DenialParam::Nsec);
    assert_eq!(s.parameters.signature_margin, 3 * 86400);
    assert_eq!(s.parameters.digest_types, [2]);
    let check = |id: &str, points, severity| CheckSpec {
        id: id.to_string(),
        points,
        severity,
    };
    assert_eq!(
        s.checks,
        [
            check("dnskey-signed-by-sep", 10, CheckSeverity::Error),
            check("signatures-valid", 20, CheckSeverity::Error),
            check("nsec3-iterations-zero", 2, CheckSeverity::Warning),
        ]
    );
    assert_eq!(
        s.hints,
        [
            "Generate the KSK with `--ksk`.",
            "Sign with `dnslab zone sign`.\n"
        ]
    );
    assert_eq!(
        s.reference_steps(None),
        [
            Step::Run("dnslab key generate --zone <zone_name> --ksk --dir keys".into()),
            Step::Run("dnslab key generate --zone <zone_name> --dir keys".into()),
            Step::Wait(5),
            Step::Run("dnslab zone sign --keys keys <zone_file>".into()),
            Step::Run("dig @<auth_ip> -p <port> <zone> DNSKEY +dnssec".into()),
        ]
    );
    assert_eq!(
        s.mutants,
        [
            Mutant {
                name: "expired-signatures".into(),
                description: Some("Signatures that expired yesterday.".into()),
                steps: vec![Step::Run(
                    "dnslab zone sign --keys keys --expiration -1d \"$ZONE_FILE\"".into()
                )],
                fails: vec!["signatures-valid".into()],
            },
            Mutant {
                name: "no-ksk".into(),
                description: None,
                steps: vec![
                    Step::Run("dnslab key generate --zone \"$ZONE\" --dir keys".into()),
                    Step::Wait(60),
                ],
                fails: vec!["dnskey-signed-by-sep".into(), "signatures-valid".into()],
            },
        ]
    );
    assert_eq!(s.file, path);
    assert_eq!(s.text, std::fs::read_to_string(&path).unwrap());
    // Without a trainee, placeholders show their names; `{{` is a brace.
    assert_eq!(
        s.render_instructions(None),
        "Your zone is `<zone>` (file `<zone_file>`); its server is <auth>.\n\n    \
         dnslab key generate --zone <zone_name> --ksk --dir keys\n    \
         dnslab key generate --zone <zone_name> --dir keys\n    \
         sleep 5\n    \
         dnslab zone sign --keys keys <zone_file>\n    \
         dig @<auth_ip> -p <port> <zone> DNSKEY +dnssec\n\n\
         In shell snippets, write `${ZONE}` for a literal brace.\n"
    );
}

#[test]
fn directories_load_in_teaching_order() {
    let all = load_dir(&data("good")).unwrap();
    let ids: Vec<Exercise> = all.iter().map(|s| s.id).collect();
    // a-ksk-rollover.yaml sorts first by name, sign-zone first by exercise.
    assert_eq!(ids, [Exercise::SignZone, Exercise::KskRollover]);
    assert_eq!(all[1].after, [Exercise::SignZone, Exercise::DsSubmission]);
    assert!(matches!(
        load_dir(&data("missing")),
        Err(LabError::Read { .. })
    ));
}
