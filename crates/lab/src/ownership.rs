//! What in a state directory is dnslab's: the marker `up` writes, the
//! entries dnslab makes, and purging them.
//!
//! ## Background
//! `--state-dir` is any path a user types, and `dnslab down --purge` once
//! removed whatever directory it named: a typo (`--state-dir ~`) would
//! have erased a home directory, and the parent of a running lab's state
//! directory went with the lab still serving. So every command that
//! deletes or moves something in a state directory (`down`, `down
//! --purge`, `reset`) acts only on a directory that carries the marker,
//! and `--purge` also
//! - refuses while the lab's supervisor runs ([`StateDir::supervisor`]),
//! - removes only the entries in [`KNOWN_ENTRIES`], and leaves anything
//!   else where it is and reports it; the directory itself goes only when
//!   nothing else is left in it.
//!
//! ## The marker
//! `<state>/dnslab-state`, written atomically by [`StateDir::init`] (every
//! `up`) before anything else:
//! ```text
//! # A dnslab state directory: …
//! workshop: <name>
//! ```
//! `up` puts its state only in a directory that is new, empty, already
//! marked for the same workshop, or the state directory of a dnslab from
//! before the marker (below); anything else is refused, so the marker
//! never lands in a directory of someone else's files.
//!
//! ## State directories made before the marker
//! They are marked by the next `up` when everything in them has a name
//! from [`KNOWN_ENTRIES`] and `lab.yaml` is there: that is how a state
//! directory of an earlier dnslab looks, and adopting one deletes nothing.
//! `down --purge` and `reset` do not adopt: the same test is too weak a
//! reason to delete (a workshop's own material may well be a `lab.yaml`
//! beside a `keys/` directory), so they refuse an unmarked directory and
//! say to run `up` once, which marks it, or to delete it by hand.

use crate::error::StateError;
use crate::state::{LAB_FILE, StateDir};
use dnslab_zone::writer::write_file_atomically;
use std::path::PathBuf;

/// The marker file.
pub const MARKER_FILE: &str = "dnslab-state";

/// The entries dnslab makes at the top of a state directory, by anyone
/// (the lab crate's layout in [`crate::state`], the backends' files beside
/// it, the grader's timelines): what `down --purge` removes.
pub const KNOWN_ENTRIES: &[&str] = &[
    MARKER_FILE,
    LAB_FILE,
    "keys",
    "zones",
    "zoo-keys",
    "trainees",
    "attic",
    // The backends: supervisors, signed-zone helpers, resolvers, Docker.
    crate::supervisor::PID_FILE,
    "ready",
    "supervisor.log",
    "root.hints",
    "trust-anchor.dnskey",
    "resolvers",
    "public",
    "ds",
    "cds.log",
    "docker.json",
    // The grader: trainees' timelines and exercise starts; every grade.
    "timeline",
    "grades",
    // The classroom web: login tokens.
    "web",
    // SSH to the workstations: passwords, host keys, sshd's files.
    "access",
];

/// Whether dnslab makes an entry of this name in a state directory: a
/// [`KNOWN_ENTRIES`] name, or a temporary file of an atomic write that a
/// crash left (`.dnslab-*.tmp`).
pub fn is_known_entry(name: &str) -> bool {
    KNOWN_ENTRIES.contains(&name) || (name.starts_with(".dnslab-") && name.ends_with(".tmp"))
}

/// What [`StateDir::purge`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// The workshop the marker named.
    pub workshop: String,
    /// dnslab's entries, removed.
    pub removed: Vec<String>,
    /// Entries dnslab did not make, left where they are.
    pub kept: Vec<String>,
    /// Whether the directory itself went (only when nothing was kept).
    pub directory_removed: bool,
}

impl StateDir {
    /// `<state>/dnslab-state`
    pub fn marker_file(&self) -> PathBuf {
        self.join(MARKER_FILE)
    }

    /// The workshop named by the marker; [`StateError::NotMarked`] when
    /// there is none (see the module documentation).
    pub fn marked_workshop(&self) -> Result<String, StateError> {
        let path = self.marker_file();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StateError::NotMarked {
                    path: self.path().to_path_buf(),
                });
            }
            Err(source) => {
                return Err(StateError::Io {
                    path,
                    action: "read",
                    source,
                });
            }
        };
        text.lines()
            .find_map(|l| l.strip_prefix("workshop:"))
            .map(|w| w.trim().to_string())
            .ok_or_else(|| StateError::NotMarked {
                path: self.path().to_path_buf(),
            })
    }

    /// Makes this directory `workshop`'s state directory: creates and marks
    /// a new or empty one, keeps a marked one of the same workshop, adopts
    /// one of a dnslab from before the marker; refuses anything else.
    pub fn claim(&self, workshop: &str) -> Result<(), StateError> {
        match self.marked_workshop() {
            Ok(marked) if marked == workshop => return Ok(()),
            Ok(marked) => {
                return Err(StateError::OtherWorkshop {
                    path: self.path().to_path_buf(),
                    marked,
                    asked: workshop.to_string(),
                });
            }
            Err(StateError::NotMarked { .. }) => {}
            Err(e) => return Err(e),
        }
        let entries = self.entries()?;
        let foreign: Vec<String> = entries
            .iter()
            .filter(|e| !is_known_entry(e))
            .cloned()
            .collect();
        let earlier_dnslab = entries.iter().any(|e| e == LAB_FILE);
        if !foreign.is_empty() || (!entries.is_empty() && !earlier_dnslab) {
            return Err(StateError::Foreign {
                path: self.path().to_path_buf(),
                entries: if foreign.is_empty() { entries } else { foreign },
            });
        }
        if !entries.is_empty() {
            tracing::info!(state = %self.path().display(), workshop, "state directory of an earlier dnslab marked");
        }
        crate::state::create_dir(self.path(), None)?;
        let path = self.marker_file();
        let text = format!(
            "# A dnslab state directory: `dnslab down --purge` removes what dnslab made here.\n\
             workshop: {workshop}\n"
        );
        write_file_atomically(&path, |out| out.write_all(text.as_bytes()))
            .map_err(StateError::io(&path, "write"))
    }

    /// Checks that `down --purge` may remove this directory's content: it
    /// is marked and its lab does not run. Returns the marked workshop.
    pub fn check_purge(&self) -> Result<String, StateError> {
        let workshop = self.marked_workshop()?;
        if let Some(id) = self.supervisor().running() {
            return Err(StateError::Running {
                path: self.path().to_path_buf(),
                pid: id.pid,
            });
        }
        Ok(workshop)
    }

    /// Removes dnslab's entries (see the module documentation), after
    /// [`StateDir::check_purge`].
    pub fn purge(&self) -> Result<PurgeReport, StateError> {
        let mut report = PurgeReport {
            workshop: self.check_purge()?,
            ..PurgeReport::default()
        };
        for name in self.entries()? {
            if !is_known_entry(&name) {
                report.kept.push(name);
                continue;
            }
            // The marker goes last: a directory that keeps something
            // foreign stays marked, and purging again finishes the job.
            if name == MARKER_FILE {
                continue;
            }
            let path = self.join(&name);
            // A symbolic link is removed, never followed.
            let is_dir = std::fs::symlink_metadata(&path)
                .map(|m| m.is_dir())
                .map_err(StateError::io(&path, "read"))?;
            let removed = if is_dir {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            removed.map_err(StateError::io(&path, "remove"))?;
            report.removed.push(name);
        }
        if report.kept.is_empty() {
            let marker = self.marker_file();
            std::fs::remove_file(&marker).map_err(StateError::io(&marker, "remove"))?;
            std::fs::remove_dir(self.path()).map_err(StateError::io(self.path(), "remove"))?;
            report.directory_removed = true;
        }
        Ok(report)
    }

    /// The names in the directory, sorted; none when it does not exist.
    fn entries(&self) -> Result<Vec<String>, StateError> {
        let dir = match std::fs::read_dir(self.path()) {
            Ok(dir) => dir,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(StateError::Io {
                    path: self.path().to_path_buf(),
                    action: "read",
                    source,
                });
            }
        };
        let mut names = Vec::new();
        for entry in dir {
            let entry = entry.map_err(StateError::io(self.path(), "read"))?;
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(dir: &std::path::Path) -> StateDir {
        let state = StateDir::new(dir.join("state"));
        state.claim("demo").unwrap();
        state
    }

    #[test]
    fn up_marks_new_and_earlier_state_directories_only() {
        let dir = tempfile::tempdir().unwrap();
        let state = marked(dir.path());
        assert_eq!(state.marked_workshop().unwrap(), "demo");
        state.claim("demo").unwrap();
        assert!(matches!(
            state.claim("other"),
            Err(StateError::OtherWorkshop { .. })
        ));

        // Someone else's files: refused, and no marker.
        let theirs = StateDir::new(dir.path().join("theirs"));
        std::fs::create_dir(theirs.path()).unwrap();
        std::fs::write(theirs.join("thesis.txt"), "x").unwrap();
        let e = theirs.claim("demo").unwrap_err();
        assert!(e.to_string().contains("thesis.txt"), "{e}");
        assert!(!theirs.marker_file().exists());
        // Only dnslab's names but no lab.yaml: not an earlier dnslab's.
        std::fs::remove_file(theirs.join("thesis.txt")).unwrap();
        std::fs::create_dir(theirs.join("keys")).unwrap();
        assert!(matches!(
            theirs.claim("demo"),
            Err(StateError::Foreign { .. })
        ));

        // An earlier dnslab's: adopted.
        std::fs::write(theirs.join(LAB_FILE), "workshop: demo\n").unwrap();
        theirs.claim("demo").unwrap();
        assert_eq!(theirs.marked_workshop().unwrap(), "demo");
    }

    #[test]
    fn purge_removes_dnslab_entries_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let state = marked(dir.path());
        std::fs::create_dir_all(state.join("trainees/alice")).unwrap();
        std::fs::write(state.join("trainees/alice/notes"), "x").unwrap();
        std::fs::write(state.join(LAB_FILE), "x").unwrap();
        std::fs::write(state.join(".dnslab-abc.tmp"), "x").unwrap();
        std::fs::write(state.join("mine.txt"), "keep me").unwrap();
        // A link to elsewhere under a dnslab name: the link goes, not its target.
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("precious"), "x").unwrap();
        std::os::unix::fs::symlink(&elsewhere, state.join("attic")).unwrap();

        let report = state.purge().unwrap();
        assert_eq!(
            report.removed,
            [".dnslab-abc.tmp", "attic", "lab.yaml", "trainees"]
        );
        assert_eq!(report.kept, ["mine.txt"]);
        assert!(!report.directory_removed);
        assert!(elsewhere.join("precious").exists());
        assert_eq!(state.marked_workshop().unwrap(), "demo");

        std::fs::remove_file(state.join("mine.txt")).unwrap();
        let report = state.purge().unwrap();
        assert!(report.directory_removed);
        assert!(!state.path().exists());
    }

    #[test]
    fn purge_refuses_unmarked_directories_and_running_labs() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("thesis.txt"), "x").unwrap();
        let foreign = StateDir::new(dir.path());
        assert!(matches!(foreign.purge(), Err(StateError::NotMarked { .. })));
        assert!(dir.path().join("thesis.txt").exists());

        // This test process as the lab's supervisor: a running lab.
        let state = marked(dir.path());
        state.record_supervisor().unwrap();
        let e = state.purge().unwrap_err();
        assert!(matches!(e, StateError::Running { .. }), "{e}");
        assert!(state.pid_file().exists() && state.marker_file().exists());
    }
}
