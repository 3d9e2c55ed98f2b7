//! Every grade given in a lab, kept: `<state>/grades/attempts.jsonl`, one
//! JSON [`GradeReport`] per line, appended by `dnslab grade` and by the
//! classroom web's "Grade me".
//!
//! It is what the instructor's board shows (the latest attempt of each
//! trainee at each exercise) and what a trainee's history lists, whichever
//! way the grade was asked for. One `write` per line on a file opened for
//! appending: the kernel appends each whole, so the CLI and the web server
//! can append at the same time. A line that does not parse (a crash
//! mid-write, an edit by hand) is skipped by readers, not fatal.

use crate::outcome::GradeReport;
use dnslab_lab::StateDir;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why the log could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum AttemptsError {
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The log of a state directory.
pub fn path(state: &StateDir) -> PathBuf {
    state.join("grades").join("attempts.jsonl")
}

/// Appends `reports` to the log at `path`, one line each.
pub fn append(path: &Path, reports: &[GradeReport]) -> Result<(), AttemptsError> {
    let write = |source| AttemptsError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(write)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(write)?;
    for report in reports {
        let mut line = serde_json::to_vec(report)
            .map_err(|e| write(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
        line.push(b'\n');
        file.write_all(&line).map_err(write)?;
    }
    Ok(())
}

/// Every attempt in the log, oldest first; none when there is no log.
pub fn read(path: &Path) -> Result<Vec<GradeReport>, AttemptsError> {
    Ok(read_since(path, 0)?.reports)
}

/// What [`read_since`] found.
#[derive(Debug, Default)]
pub struct Appended {
    /// The attempts in the whole lines after the start, oldest first.
    pub reports: Vec<GradeReport>,
    /// Where the next read starts: after the last whole line.
    pub end: u64,
    /// The log is shorter than the start (replaced): `reports` are read
    /// from its beginning and replace, not extend, what was read before.
    pub restarted: bool,
}

/// The attempts appended since byte `from` (the `end` of an earlier read).
/// Only whole lines are taken: a line being appended is read next time,
/// whole, so a reader polling the log sees each attempt once.
pub fn read_since(path: &Path, from: u64) -> Result<Appended, AttemptsError> {
    use std::io::{Read, Seek, SeekFrom};
    let read_error = |source| AttemptsError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Appended {
                restarted: from > 0,
                ..Appended::default()
            });
        }
        Err(source) => return Err(read_error(source)),
    };
    let len = file.metadata().map_err(read_error)?.len();
    let restarted = len < from;
    let start = if restarted { 0 } else { from };
    file.seek(SeekFrom::Start(start)).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(read_error)?;
    let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let reports = bytes[..whole]
        .split(|b| *b == b'\n')
        .filter_map(|line| serde_json::from_slice::<GradeReport>(line).ok())
        .collect();
    Ok(Appended {
        reports,
        end: start + whole as u64,
        restarted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{CheckResult, Severity, Status, ToolHints};

    fn report(trainee: &str, score: u32) -> GradeReport {
        GradeReport::new(
            trainee.into(),
            format!("{trainee}.ne."),
            "sign-zone".into(),
            "Sign your zone".into(),
            "2026-12-04T10:00:00Z".into(),
            12,
            vec![CheckResult {
                id: "zone-served".into(),
                title: "served".into(),
                status: if score == 5 {
                    Status::Pass
                } else {
                    Status::Fail
                },
                severity: Severity::Error,
                points: score,
                max_points: 5,
                message: "m".into(),
                hint: String::new(),
                tool_hints: ToolHints::default(),
                reference: "RFC 1035".into(),
                details: vec![],
            }],
        )
    }

    #[test]
    fn appended_reports_read_back_in_order_and_a_torn_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grades/attempts.jsonl");
        assert!(read(&path).unwrap().is_empty());
        append(&path, &[report("alice", 0)]).unwrap();
        // A crash in the middle of a line.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"{\"trainee\":\"x\"").unwrap();
        f.write_all(b"\n").unwrap();
        append(&path, &[report("alice", 5), report("bob", 5)]).unwrap();
        let back = read(&path).unwrap();
        let seen: Vec<(String, u32)> = back.iter().map(|r| (r.trainee.clone(), r.score)).collect();
        assert_eq!(
            seen,
            [("alice".into(), 0), ("alice".into(), 5), ("bob".into(), 5)]
        );
        assert_eq!(back[1], report("alice", 5));
    }

    #[test]
    fn reads_since_an_offset_take_whole_lines_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("attempts.jsonl");
        let first = read_since(&path, 0).unwrap();
        assert!(first.reports.is_empty() && first.end == 0 && !first.restarted);
        append(&path, &[report("alice", 0)]).unwrap();
        let one = read_since(&path, 0).unwrap();
        assert_eq!(one.reports.len(), 1);
        // A line half written: not taken, and not skipped either.
        let line = serde_json::to_vec(&report("bob", 5)).unwrap();
        let (head, tail) = line.split_at(10);
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(head).unwrap();
        let torn = read_since(&path, one.end).unwrap();
        assert!(torn.reports.is_empty());
        assert_eq!(torn.end, one.end);
        f.write_all(tail).unwrap();
        f.write_all(b"\n").unwrap();
        let whole = read_since(&path, torn.end).unwrap();
        let names: Vec<&str> = whole.reports.iter().map(|r| r.trainee.as_str()).collect();
        assert_eq!(names, ["bob"]);
        assert!(!whole.restarted);
        // A log replaced by a shorter one is read again from its start.
        drop(f);
        std::fs::remove_file(&path).unwrap();
        append(&path, &[report("carol", 5)]).unwrap();
        let again = read_since(&path, whole.end).unwrap();
        assert!(again.restarted);
        let names: Vec<&str> = again.reports.iter().map(|r| r.trainee.as_str()).collect();
        assert_eq!(names, ["carol"]);
    }
}
