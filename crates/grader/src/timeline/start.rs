//! When a trainee started each rollover exercise:
//! `<state>/timeline/<trainee>.starts.json`, one JSON object from exercise
//! id to seconds since the epoch, e.g. `{"zsk-rollover":1800000000}`.
//!
//! A trainee's timeline holds every exercise they did, so a rollover is
//! judged from its exercise's start ([`super::evaluate_since`]), which
//! `dnslab exercise start` records here; recording it again starts the
//! exercise over. The file is replaced atomically (a temporary file
//! renamed into place), so a reader sees the old or the new starts, never
//! half a file, and it lives in the state directory, so it survives lab
//! restarts. `dnslab reset` puts it aside with the timeline ([`archive`]):
//! the trainee begins again from nothing.

use super::file::TimelineError;
use dnslab_lab::StateDir;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The exercise-starts file of a trainee in a state directory.
pub fn path(state: &StateDir, trainee: &str) -> PathBuf {
    state
        .join("timeline")
        .join(format!("{trainee}.starts.json"))
}

/// A trainee's exercise starts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ExerciseStarts {
    /// Exercise id → start, seconds since the epoch.
    starts: BTreeMap<String, i64>,
}

impl ExerciseStarts {
    /// Reads the file at `path`; a missing file means nothing started.
    pub fn read(path: &Path) -> Result<ExerciseStarts, TimelineError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(ExerciseStarts::default());
            }
            Err(source) => {
                return Err(TimelineError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        serde_json::from_str(&text).map_err(|e| TimelineError::BadStarts {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            reason: e.to_string(),
        })
    }

    /// When `exercise` started, if it did.
    pub fn get(&self, exercise: &str) -> Option<i64> {
        self.starts.get(exercise).copied()
    }

    /// Records that `exercise` starts at `t` in the file at `path`,
    /// replacing an earlier start of it, which is returned.
    pub fn record(path: &Path, exercise: &str, t: i64) -> Result<Option<i64>, TimelineError> {
        let mut starts = ExerciseStarts::read(path)?;
        let previous = starts.starts.insert(exercise.to_string(), t);
        let write = |source| TimelineError::Write {
            path: path.to_path_buf(),
            source,
        };
        let text =
            serde_json::to_string_pretty(&starts).map_err(|e| write(std::io::Error::other(e)))?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(write)?;
        }
        dnslab_zone::writer::write_file_atomically(path, |w| {
            w.write_all(text.as_bytes())?;
            w.write_all(b"\n")
        })
        .map_err(write)?;
        Ok(previous)
    }
}

/// Puts a trainee's timeline and exercise starts aside, so that the lab
/// records a new timeline from the next snapshot on and no exercise is
/// started: into `into` (the attic directory `dnslab reset` moved the old
/// workspace to) as `timeline.jsonl` and `exercise-starts.json`, or, with
/// no such directory, into a new `attic/<trainee>-timeline-<time>/`.
/// Returns where the files went (none when there were none).
///
/// A recorder that has the timeline open keeps appending to the moved
/// file until its next snapshot, which then starts the new file with a
/// full snapshot ([`super::Recorder::append`]).
pub fn archive(
    state: &StateDir,
    trainee: &str,
    into: Option<&Path>,
) -> Result<Vec<PathBuf>, TimelineError> {
    let files = [
        (super::path(state, trainee), "timeline.jsonl"),
        (path(state, trainee), "exercise-starts.json"),
    ];
    let present: Vec<&(PathBuf, &str)> = files.iter().filter(|(p, _)| p.exists()).collect();
    if present.is_empty() {
        return Ok(Vec::new());
    }
    let dir = match into {
        Some(dir) => dir.to_path_buf(),
        None => {
            let attic = state.attic_dir();
            let stamp = dnslab_zone::rdata::time::now();
            let mut dir = attic.join(format!("{trainee}-timeline-{stamp}"));
            let mut k = 1;
            while dir.exists() {
                dir = attic.join(format!("{trainee}-timeline-{stamp}-{k}"));
                k += 1;
            }
            dir
        }
    };
    std::fs::create_dir_all(&dir).map_err(|source| TimelineError::Write {
        path: dir.clone(),
        source,
    })?;
    let mut moved = Vec::new();
    for (from, name) in present {
        let to = dir.join(name);
        match std::fs::rename(from, &to) {
            Ok(()) => moved.push(to),
            // Gone since we looked: nothing to put aside.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(TimelineError::Move {
                    from: from.clone(),
                    to,
                    source,
                });
            }
        }
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_are_recorded_replaced_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::new(dir.path());
        let file = path(&state, "t1");
        assert_eq!(
            ExerciseStarts::read(&file).unwrap().get("zsk-rollover"),
            None
        );
        assert_eq!(
            ExerciseStarts::record(&file, "zsk-rollover", 100).unwrap(),
            None
        );
        assert_eq!(
            ExerciseStarts::record(&file, "ksk-rollover", 200).unwrap(),
            None
        );
        // Again: the exercise starts over.
        assert_eq!(
            ExerciseStarts::record(&file, "zsk-rollover", 300).unwrap(),
            Some(100)
        );
        let starts = ExerciseStarts::read(&file).unwrap();
        assert_eq!(starts.get("zsk-rollover"), Some(300));
        assert_eq!(starts.get("ksk-rollover"), Some(200));
        // No temporary file is left beside it.
        let names: Vec<String> = std::fs::read_dir(file.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["t1.starts.json"]);
    }

    #[test]
    fn a_corrupt_starts_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t1.starts.json");
        std::fs::write(&file, "{\n  \"zsk-rollover\": \"soon\"\n}\n").unwrap();
        let err = ExerciseStarts::read(&file).unwrap_err().to_string();
        assert!(
            err.contains(&format!(
                "{}:2:24: not an exercise-starts file",
                file.display()
            )),
            "{err}"
        );
        // Recording over it refuses rather than losing the other starts.
        assert!(ExerciseStarts::record(&file, "ksk-rollover", 1).is_err());
    }

    #[test]
    fn archive_moves_the_timeline_and_the_starts_aside() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::new(dir.path());
        assert!(archive(&state, "t1", None).unwrap().is_empty());
        let timeline = super::super::path(&state, "t1");
        std::fs::create_dir_all(timeline.parent().unwrap()).unwrap();
        std::fs::write(&timeline, "{\"t\":1,\"same\":true}\n").unwrap();
        ExerciseStarts::record(&path(&state, "t1"), "zsk-rollover", 5).unwrap();
        // Another trainee's files stay.
        std::fs::write(super::super::path(&state, "t2"), "x\n").unwrap();
        let attic = dir.path().join("attic/t1-1");
        let moved = archive(&state, "t1", Some(&attic)).unwrap();
        assert_eq!(
            moved,
            [
                attic.join("timeline.jsonl"),
                attic.join("exercise-starts.json")
            ]
        );
        assert!(!timeline.exists() && !path(&state, "t1").exists());
        assert!(super::super::path(&state, "t2").exists());
        assert_eq!(
            ExerciseStarts::read(&attic.join("exercise-starts.json"))
                .unwrap()
                .get("zsk-rollover"),
            Some(5)
        );
        // Without a directory to go to, a new one in the attic.
        ExerciseStarts::record(&path(&state, "t1"), "zsk-rollover", 6).unwrap();
        let moved = archive(&state, "t1", None).unwrap();
        assert_eq!(moved.len(), 1);
        assert!(moved[0].starts_with(state.attic_dir()), "{moved:?}");
    }
}
