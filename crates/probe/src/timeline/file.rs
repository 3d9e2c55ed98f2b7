//! The append-only timeline file: `<state>/timeline/<trainee>.jsonl`.
//!
//! One JSON object a line. A full [`Snapshot`] is written when the view
//! changed since the last line; otherwise a short `{"t":…,"same":true}`
//! line says that the view was checked again and had not changed, which
//! keeps a day of 10-second snapshots small and quick to read.
//!
//! The file survives restarts: the recorder reads its last full snapshot
//! back to know what "same" refers to. A torn last line (the process was
//! killed mid-write) is ignored; a bad line elsewhere is an error naming
//! its line number. When the file is moved away under a running recorder
//! (`dnslab reset`), the recorder starts the new file with a full
//! snapshot.

use super::snapshot::Snapshot;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
enum Line {
    Same { t: i64, same: bool },
    Full(Snapshot),
}

/// A timeline file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum TimelineError {
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot move {from} to {to}")]
    Move {
        from: PathBuf,
        to: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path}:{line}:{column}: not an exercise-starts file ({{\"exercise-id\": seconds since the epoch, …}}): {reason}"
    )]
    BadStarts {
        path: PathBuf,
        line: usize,
        column: usize,
        reason: String,
    },
    #[error("{path}:{line}: not a timeline line: {reason}")]
    Corrupt {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

/// One point of a timeline: when it was checked, and what was seen (the
/// same `Snapshot` for a run of unchanged checks).
#[derive(Debug, Clone)]
pub struct Point {
    pub t: i64,
    /// Index into [`Timeline::views`].
    pub view: usize,
}

/// A timeline read back.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    /// Distinct views in order of first appearance.
    pub views: Vec<Snapshot>,
    /// Every check, in time order.
    pub points: Vec<Point>,
}

impl Timeline {
    /// Parses timeline text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Timeline, TimelineError> {
        let mut timeline = Timeline::default();
        let lines: Vec<&str> = text.lines().collect();
        let complete = text.ends_with('\n');
        for (i, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let last = i + 1 == lines.len();
            let parsed: Line = match serde_json::from_str(line) {
                Ok(l) => l,
                // A torn last line: the writer was killed mid-line.
                Err(_) if last && !complete => break,
                Err(e) => {
                    return Err(TimelineError::Corrupt {
                        path: path.to_path_buf(),
                        line: i + 1,
                        reason: e.to_string(),
                    });
                }
            };
            match parsed {
                Line::Full(snapshot) => {
                    let t = snapshot.t;
                    let view = match timeline.views.last() {
                        Some(v) if v.same_view(&snapshot) => timeline.views.len() - 1,
                        _ => {
                            timeline.views.push(snapshot);
                            timeline.views.len() - 1
                        }
                    };
                    timeline.points.push(Point { t, view });
                }
                Line::Same { t, .. } => {
                    let Some(view) = timeline.points.last().map(|p| p.view) else {
                        return Err(TimelineError::Corrupt {
                            path: path.to_path_buf(),
                            line: i + 1,
                            reason: "a \"same\" line before any snapshot".into(),
                        });
                    };
                    timeline.points.push(Point { t, view });
                }
            }
        }
        Ok(timeline)
    }

    /// Reads a timeline file; a missing file is an empty timeline.
    pub fn read(path: &Path) -> Result<Timeline, TimelineError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Timeline::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Timeline::default()),
            Err(source) => Err(TimelineError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// The snapshot seen at point `i`.
    pub fn view_at(&self, i: usize) -> Option<&Snapshot> {
        self.points.get(i).and_then(|p| self.views.get(p.view))
    }
}

/// Appends snapshots to a timeline file.
#[derive(Debug)]
pub struct Recorder {
    path: PathBuf,
    last: Option<Snapshot>,
}

impl Recorder {
    /// Opens (or starts) the timeline at `path`, reading its last full
    /// snapshot back.
    pub fn open(path: &Path) -> Result<Recorder, TimelineError> {
        let last = Timeline::read(path)?.views.last().cloned();
        Ok(Recorder {
            path: path.to_path_buf(),
            last,
        })
    }

    /// Appends `snapshot`: in full when the view changed or the file is
    /// new (it was moved away since the last line), else as a "same"
    /// line. One `write` per line on a file opened for appending, so
    /// concurrent readers see whole lines or a torn last one.
    pub fn append(&mut self, snapshot: &Snapshot) -> Result<(), TimelineError> {
        let write = |source| TimelineError::Write {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(write)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(write)?;
        // The length of the file opened, not of the path: a file moved
        // away after this still gets a line it can read.
        let empty = file.metadata().map_err(write)?.len() == 0;
        let line = match &self.last {
            Some(last) if !empty && last.same_view(snapshot) => {
                serde_json::to_string(&Line::Same {
                    t: snapshot.t,
                    same: true,
                })
            }
            _ => serde_json::to_string(snapshot),
        }
        .map_err(|e| write(std::io::Error::other(e)))?;
        file.write_all(format!("{line}\n").as_bytes())
            .map_err(write)?;
        self.last = Some(snapshot.clone());
        Ok(())
    }
}

/// Counts the lines of a timeline file, for status output.
pub fn line_count(path: &Path) -> usize {
    std::fs::File::open(path)
        .map(|f| std::io::BufReader::new(f).lines().count())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::snapshot::ServerView;

    fn snap(t: i64, tag: &str) -> Snapshot {
        Snapshot {
            t,
            zone: "t1.ne.".into(),
            parents: vec![],
            servers: vec![ServerView {
                server: "t1-auth".into(),
                records: vec![tag.into()],
                error: None,
            }],
        }
    }

    #[test]
    fn unchanged_views_are_short_lines_and_a_torn_tail_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timeline/t1.jsonl");
        let mut r = Recorder::open(&path).unwrap();
        r.append(&snap(10, "a")).unwrap();
        r.append(&snap(20, "a")).unwrap();
        r.append(&snap(30, "b")).unwrap();
        // A restart reads the last snapshot back.
        let mut r = Recorder::open(&path).unwrap();
        r.append(&snap(40, "b")).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().filter(|l| l.contains("\"same\"")).count(), 2);
        let mut torn = text.clone();
        torn.push_str("{\"t\":50,\"zo");
        let t = Timeline::parse(&torn, &path).unwrap();
        assert_eq!(t.views.len(), 2);
        assert_eq!(
            t.points.iter().map(|p| (p.t, p.view)).collect::<Vec<_>>(),
            vec![(10, 0), (20, 0), (30, 1), (40, 1)]
        );
        let bad = text.replacen("{\"t\":20", "{\"x\":20", 1);
        let err = Timeline::parse(&bad, &path).unwrap_err().to_string();
        assert!(err.contains(":2: not a timeline line"), "{err}");
    }

    #[test]
    fn a_timeline_moved_away_under_the_recorder_starts_again_in_full() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timeline/t1.jsonl");
        let mut r = Recorder::open(&path).unwrap();
        r.append(&snap(10, "a")).unwrap();
        r.append(&snap(20, "a")).unwrap();
        // `dnslab reset` puts the file aside while the lab records.
        std::fs::rename(&path, dir.path().join("old.jsonl")).unwrap();
        r.append(&snap(30, "a")).unwrap();
        r.append(&snap(40, "a")).unwrap();
        let t = Timeline::read(&path).unwrap();
        assert_eq!(t.views.len(), 1);
        assert_eq!(
            t.points.iter().map(|p| p.t).collect::<Vec<_>>(),
            vec![30, 40]
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.lines().next().unwrap().contains("\"same\""), "{text}");
    }
}
