//! Recording rollover timelines: a [`Snapshot`] of a trainee zone's keys
//! as the world sees them ([`snapshot`]), appended to the trainee's
//! timeline file ([`file`]) by the lab's supervisor. Reading a timeline
//! back is here too ([`Timeline`]); what it means (the RFC 7583
//! evaluation, key states, exercise starts) is the grader's.

pub mod file;
pub mod snapshot;

pub use file::{Point, Recorder, Timeline, TimelineError};
pub use snapshot::{ServerView, Snapshot, SnapshotTarget};

/// The timeline file of a trainee in a state directory.
pub fn path(state: &dnslab_lab::StateDir, trainee: &str) -> std::path::PathBuf {
    state.join("timeline").join(format!("{trainee}.jsonl"))
}
