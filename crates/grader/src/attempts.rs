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
use std::io::{BufRead, Write};
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
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(AttemptsError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut out = Vec::new();
    for line in std::io::BufReader::new(file).lines() {
        let line = line.map_err(|source| AttemptsError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        if let Ok(report) = serde_json::from_str::<GradeReport>(&line) {
            out.push(report);
        }
    }
    Ok(out)
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
}
