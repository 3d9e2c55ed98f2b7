//! Whether a lab runs: the supervisor's pid file, and telling the
//! supervisor from a process that was given its pid later.
//!
//! ## Background
//! A pid names a process only while that process lives. A supervisor
//! killed with SIGKILL, or gone with a reboot, leaves `supervisor.pid`
//! behind, and the kernel hands the pid to some later process (another
//! user's `docker compose up`, an editor). A `dnslab down` that trusted the
//! pid alone would signal that process. The pid together with the
//! process's start time (clock ticks after boot, field 22 of
//! `/proc/PID/stat`) names one process for the whole of a boot, and the
//! boot id (`/proc/sys/kernel/random/boot_id`) tells boots apart.
//!
//! ## The pid file
//! `<state>/supervisor.pid`, written atomically by the supervisor (the
//! embedded one and the Docker host one) when it starts:
//! ```text
//! 12345                      the pid (first line: `kill $(head -1 supervisor.pid)`)
//! start 987654               its start time, clock ticks after boot
//! boot 0b1c4a1e-…            the boot it started in
//! ```
//! [`StateDir::supervisor`] is the one answer to "does this lab run" for
//! every command (`up`, `status`, `grade`, `down`, `down --purge`, `ds`):
//! running when a live process has that pid, that start time and that
//! boot.
//!
//! ## Why not other ways
//! - `/proc/PID/exe`: `cargo install` during a workshop replaces the
//!   binary, and a running supervisor's exe then reads `… (deleted)`, so
//!   the lab would look stopped while it serves; the start time already
//!   tells the supervisor from any other process.
//! - A lock the supervisor holds (flock): the standard library's file locks
//!   need Rust 1.89 (this workspace supports 1.88) and libc's need `unsafe`,
//!   which this crate forbids; and a lock names no process to signal, so
//!   `down` would still need a pid it can trust.
//!
//! ## Limitations
//! Linux: without `/proc` no process can be identified and no lab counts
//! as running. A pid file of an earlier dnslab (the pid alone) identifies
//! nothing: it is reported as stale and its process is left alone.

use crate::error::StateError;
use crate::state::StateDir;
use dnslab_zone::writer::write_file_atomically;
use std::path::PathBuf;

/// The supervisor's pid file in the state directory.
pub const PID_FILE: &str = "supervisor.pid";

/// One process of one boot: its pid, start time and boot id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessIdentity {
    pub pid: u32,
    /// Clock ticks after boot (`/proc/PID/stat`, field 22).
    start: u64,
    /// `/proc/sys/kernel/random/boot_id`; empty where there is none.
    boot: String,
}

impl ProcessIdentity {
    /// This process.
    pub fn current() -> Option<ProcessIdentity> {
        ProcessIdentity::of(std::process::id())
    }

    /// The process that has `pid` now, if it lives (a zombie, killed but
    /// not reaped by its parent, does not).
    pub fn of(pid: u32) -> Option<ProcessIdentity> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let start = live_start_time(&stat)?;
        Some(ProcessIdentity {
            pid,
            start,
            boot: boot_id(),
        })
    }

    /// Whether this very process still lives (not merely its pid).
    pub fn is_alive(&self) -> bool {
        ProcessIdentity::of(self.pid).as_ref() == Some(self)
    }

    fn to_text(&self) -> String {
        format!("{}\nstart {}\nboot {}\n", self.pid, self.start, self.boot)
    }

    /// The pid file's text: the pid, and the identity when it is there.
    fn parse(text: &str) -> (Option<u32>, Option<ProcessIdentity>) {
        let mut lines = text.lines();
        let Some(pid) = lines.next().and_then(|l| l.trim().parse::<u32>().ok()) else {
            return (None, None);
        };
        let (mut start, mut boot) = (None, None);
        for line in lines {
            match line.split_once(' ') {
                Some(("start", v)) => start = v.trim().parse::<u64>().ok(),
                Some(("boot", v)) => boot = Some(v.trim().to_string()),
                _ => {}
            }
        }
        let identity = start
            .zip(boot)
            .map(|(start, boot)| ProcessIdentity { pid, start, boot });
        (Some(pid), identity)
    }
}

/// The start time in a `/proc/PID/stat` line, unless the process is a
/// zombie (`Z`) or dead (`X`).
fn live_start_time(stat: &str) -> Option<u64> {
    // The command name is in parentheses and may hold spaces and
    // parentheses itself: the fields start after the last ')'.
    let (_, rest) = stat.rsplit_once(") ")?;
    let mut fields = rest.split_ascii_whitespace();
    // Field 3, the state, is the first after the name.
    let state = fields.next()?;
    if state.starts_with('Z') || state.starts_with('X') {
        return None;
    }
    // Field 22 is the 19th after the state.
    fields.nth(18)?.parse().ok()
}

fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// What the pid file says about the lab's supervisor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Supervisor {
    /// No pid file (or one without a pid): the lab does not run.
    Absent,
    /// The supervisor runs.
    Running(ProcessIdentity),
    /// The pid file names a process that is gone, or whose pid now belongs
    /// to another process, or was written by an earlier dnslab without the
    /// start time: the lab does not run, and `pid` is not to be signalled.
    Stale { pid: u32 },
}

impl Supervisor {
    /// The running supervisor, if any.
    pub fn running(&self) -> Option<&ProcessIdentity> {
        match self {
            Supervisor::Running(id) => Some(id),
            _ => None,
        }
    }
}

impl StateDir {
    /// `<state>/supervisor.pid`
    pub fn pid_file(&self) -> PathBuf {
        self.join(PID_FILE)
    }

    /// Whether the lab's supervisor runs (see the module documentation).
    pub fn supervisor(&self) -> Supervisor {
        let Ok(text) = std::fs::read_to_string(self.pid_file()) else {
            return Supervisor::Absent;
        };
        match ProcessIdentity::parse(&text) {
            (None, _) => Supervisor::Absent,
            (Some(_), Some(id)) if id.is_alive() => Supervisor::Running(id),
            (Some(pid), _) => Supervisor::Stale { pid },
        }
    }

    /// Records this process as the lab's supervisor (atomically: a reader
    /// sees the old file or the new one, never half of one).
    pub fn record_supervisor(&self) -> Result<ProcessIdentity, StateError> {
        let path = self.pid_file();
        let me = ProcessIdentity::current().ok_or_else(|| StateError::Io {
            path: PathBuf::from("/proc/self/stat"),
            action: "read",
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        })?;
        write_file_atomically(&path, |out| out.write_all(me.to_text().as_bytes()))
            .map_err(StateError::io(&path, "write"))?;
        Ok(me)
    }

    /// Removes the pid file if it still names `me` (a later supervisor may
    /// have replaced it).
    pub fn forget_supervisor(&self, me: &ProcessIdentity) {
        let path = self.pid_file();
        if let Ok(text) = std::fs::read_to_string(&path)
            && ProcessIdentity::parse(&text).1.as_ref() == Some(me)
        {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_gives_the_start_time_unless_a_zombie() {
        let line = "4242 (dnslab up (x)) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 3 0 \
                    987654 1000 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        assert_eq!(live_start_time(line), Some(987654));
        assert_eq!(live_start_time(&line.replace(") S ", ") Z ")), None);
        assert_eq!(live_start_time("garbage"), None);
    }

    #[test]
    fn the_pid_file_reads_back() {
        let id = ProcessIdentity {
            pid: 12,
            start: 34,
            boot: "b".into(),
        };
        assert_eq!(ProcessIdentity::parse(&id.to_text()), (Some(12), Some(id)));
        // An earlier dnslab's file: the pid, no identity.
        assert_eq!(ProcessIdentity::parse("12\n"), (Some(12), None));
        assert_eq!(ProcessIdentity::parse(""), (None, None));
    }

    #[test]
    fn this_process_runs_and_another_start_time_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::new(dir.path());
        assert_eq!(state.supervisor(), Supervisor::Absent);
        let me = state.record_supervisor().unwrap();
        assert_eq!(state.supervisor(), Supervisor::Running(me.clone()));
        // The same pid, started at another time: a reused pid.
        let other = ProcessIdentity {
            start: me.start + 1,
            ..me.clone()
        };
        std::fs::write(state.pid_file(), other.to_text()).unwrap();
        assert_eq!(state.supervisor(), Supervisor::Stale { pid: me.pid });
        state.forget_supervisor(&me);
        assert!(
            state.pid_file().exists(),
            "another supervisor's file is kept"
        );
        std::fs::write(state.pid_file(), me.to_text()).unwrap();
        state.forget_supervisor(&me);
        assert!(!state.pid_file().exists());
    }
}
