//! Broken zone files: each is refused with `file:line:column: message`,
//! at the right place, and never makes the reader panic.
//!
//! Every `*.zone` file in `tests/data/malformed/` has one defect and says,
//! in its first line, where the error belongs:
//!
//! ```text
//! ; expect 3:9 what is wrong
//! ; expect other.inc:3:10 what is wrong      (error reported in an included file)
//! ```
//!
//! Optional comment lines after it:
//! - `; options: no-origin` reads the file without an origin (the default
//!   is origin `example.` and TTL 3600);
//! - `; known-bug: reports L:C` or `; known-bug: accepted` records a
//!   parser bug: the test then checks that the bug is still there, so that
//!   fixing it makes this test fail and the marker gets removed.
//!
//! `*.inc` files are only there to be included.

use dnslab_zone::Name;
use dnslab_zone::parser::{ParseOptions, parse_file};
use std::path::{Path, PathBuf};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/malformed")
}

/// What a file's header comments say.
struct Expectation {
    /// File the error is reported in (the file itself unless included).
    file: PathBuf,
    line: u32,
    column: u32,
    no_origin: bool,
    known_bug: Option<KnownBug>,
}

enum KnownBug {
    Reports(u32, u32),
    Accepted,
}

fn position(text: &str) -> Option<(u32, u32)> {
    let (line, column) = text.split_once(':')?;
    Some((line.parse().ok()?, column.parse().ok()?))
}

fn expectation(path: &Path, text: &str) -> Result<Expectation, String> {
    let first = text.lines().next().unwrap_or_default();
    let spec = first
        .strip_prefix("; expect ")
        .and_then(|rest| rest.split_whitespace().next())
        .ok_or_else(|| format!("first line is not `; expect [FILE:]LINE:COLUMN ...`: {first:?}"))?;
    let (file, at) = match spec.matches(':').count() {
        1 => (path.to_path_buf(), spec),
        2 => {
            let (name, at) = spec.split_once(':').unwrap_or_default();
            (path.with_file_name(name), at)
        }
        _ => return Err(format!("cannot read the position in {spec:?}")),
    };
    let (line, column) = position(at).ok_or_else(|| format!("cannot read {at:?}"))?;
    let mut no_origin = false;
    let mut known_bug = None;
    for comment in text.lines().skip(1).take_while(|l| l.starts_with(';')) {
        if comment.trim() == "; options: no-origin" {
            no_origin = true;
        } else if let Some(bug) = comment.strip_prefix("; known-bug: ") {
            known_bug = Some(if bug.starts_with("accepted") {
                KnownBug::Accepted
            } else {
                let at = bug
                    .strip_prefix("reports ")
                    .and_then(|b| b.split_whitespace().next())
                    .and_then(position)
                    .ok_or_else(|| format!("cannot read {comment:?}"))?;
                KnownBug::Reports(at.0, at.1)
            });
        }
    }
    Ok(Expectation {
        file,
        line,
        column,
        no_origin,
        known_bug,
    })
}

/// Checks one file; `Err` describes what is wrong.
fn check(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let expected = expectation(path, &text)?;
    let options = ParseOptions {
        origin: (!expected.no_origin).then(|| Name::parse_absolute("example.").unwrap()),
        default_ttl: Some(3600),
    };
    let result = std::panic::catch_unwind(|| parse_file(path, &options))
        .map_err(|_| "the parser panicked".to_string())?;
    let (line, column) = (expected.line, expected.column);
    let error = match (result, &expected.known_bug) {
        (Ok(_), Some(KnownBug::Accepted)) => {
            eprintln!("known parser bug: {} is accepted", path.display());
            return Ok(());
        }
        (Err(e), Some(KnownBug::Accepted)) => {
            return Err(format!(
                "known bug fixed? now refused with `{e}`; remove the known-bug line if that is right (expected :{line}:{column}:)"
            ));
        }
        (Ok(records), _) => {
            return Err(format!("accepted ({} records)", records.len()));
        }
        (Err(e), _) => e.to_string(),
    };
    let file = expected.file.display().to_string();
    if !error.starts_with(&file) {
        return Err(format!("error does not start with {file}: `{error}`"));
    }
    let after_file = &error[file.len()..];
    match expected.known_bug {
        Some(KnownBug::Reports(bug_line, bug_column)) => {
            if after_file.starts_with(&format!(":{bug_line}:{bug_column}:")) {
                eprintln!(
                    "known parser bug: {} reported at {bug_line}:{bug_column}, belongs at {line}:{column}",
                    path.display()
                );
                Ok(())
            } else {
                Err(format!(
                    "known bug changed? `{error}` (bug was {bug_line}:{bug_column}, expected {line}:{column}); update the known-bug line"
                ))
            }
        }
        _ if after_file.starts_with(&format!(":{line}:{column}:")) => Ok(()),
        _ => Err(format!("expected :{line}:{column}:, got `{error}`")),
    }
}

#[test]
fn every_malformed_zone_is_refused_at_the_right_place() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data_dir())
        .expect("tests/data/malformed")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "zone"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 30,
        "only {} malformed zone files",
        files.len()
    );
    let failures: Vec<String> = files
        .iter()
        .filter_map(|p| check(p).err().map(|e| format!("{}: {e}", p.display())))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} files:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn the_same_defects_from_bytes_never_panic() {
    // parse_bytes has no include base directory; it must still fail cleanly.
    let options = ParseOptions {
        origin: Some(Name::parse_absolute("example.").unwrap()),
        default_ttl: Some(3600),
    };
    for entry in std::fs::read_dir(data_dir()).expect("tests/data/malformed") {
        let path = entry.expect("directory entry").path();
        let text = std::fs::read(&path).expect("readable");
        let label = Path::new("bytes.zone");
        let result = std::panic::catch_unwind(|| {
            dnslab_zone::parser::parse_bytes(&text, label, &options).map(|r| r.len())
        });
        assert!(result.is_ok(), "{} panicked", path.display());
    }
}
