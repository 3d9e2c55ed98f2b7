//! The instructor's live board: the latest attempt of each trainee at each
//! exercise, from the lab's attempts log ([`dnslab_grader::attempts`]),
//! which both `dnslab grade` and the portal append to.
//!
//! A task looks at the log's length every [`POLL`]; when it grew, the new
//! lines update the board and each changed cell goes to every open board
//! page as a server-sent event. A grade made through the portal refreshes
//! at once.

use dnslab_grader::attempts;
use dnslab_grader::outcome::GradeReport;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::broadcast;

/// How often the log is looked at.
pub const POLL: Duration = Duration::from_millis(500);

/// One cell of the board, as the page and its events show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub trainee: String,
    pub exercise: String,
    pub score: u32,
    pub max_score: u32,
    pub passed: bool,
    /// When it was graded, RFC 3339 UTC.
    pub graded_at: String,
    /// How many attempts so far.
    pub attempts: usize,
}

impl Cell {
    /// The cell's text: `100/100 · 10:02 · 3×`.
    pub fn text(&self) -> String {
        let time = self.graded_at.get(11..16).unwrap_or(&self.graded_at);
        format!(
            "{}/{} · {time} · {}×",
            self.score, self.max_score, self.attempts
        )
    }

    pub fn state(&self) -> &'static str {
        if self.passed { "pass" } else { "fail" }
    }
}

#[derive(Default)]
struct Seen {
    /// Bytes of the log read so far.
    read_len: u64,
    cells: BTreeMap<(String, String), Cell>,
    /// Every attempt, oldest first.
    reports: Vec<GradeReport>,
}

/// The board's state and its subscribers.
pub struct Board {
    log: PathBuf,
    seen: Mutex<Seen>,
    events: broadcast::Sender<Cell>,
}

impl Board {
    pub fn new(log: PathBuf) -> Board {
        let (events, _) = broadcast::channel(1024);
        let board = Board {
            log,
            seen: Mutex::new(Seen::default()),
            events,
        };
        board.refresh();
        board
    }

    /// Reads what was appended to the log since the last look; sends every
    /// changed cell, once.
    pub fn refresh(&self) {
        let Ok(mut seen) = self.seen.lock() else {
            return;
        };
        // Only the new lines are read: a class's log grows all day.
        let appended = match attempts::read_since(&self.log, seen.read_len) {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %dnslab_zone::ErrorChain(&e), "cannot read the attempts log");
                return;
            }
        };
        if appended.restarted {
            *seen = Seen::default();
        }
        let mut changed: BTreeMap<(String, String), Cell> = BTreeMap::new();
        for r in appended.reports {
            let key = (r.trainee.clone(), r.exercise.clone());
            let attempts = seen.cells.get(&key).map_or(0, |c| c.attempts) + 1;
            let cell = Cell {
                trainee: r.trainee.clone(),
                exercise: r.exercise.clone(),
                score: r.score,
                max_score: r.max_score,
                passed: r.passed,
                graded_at: r.graded_at.clone(),
                attempts,
            };
            seen.cells.insert(key.clone(), cell.clone());
            changed.insert(key, cell);
            seen.reports.push(r);
        }
        for cell in changed.into_values() {
            // No page open is fine.
            let _ = self.events.send(cell);
        }
        seen.read_len = appended.end;
    }

    /// Every cell as it stands (for a page that missed events).
    pub fn cells(&self) -> Vec<Cell> {
        self.seen
            .lock()
            .map(|seen| seen.cells.values().cloned().collect())
            .unwrap_or_default()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Cell> {
        self.events.subscribe()
    }

    pub fn cell(&self, trainee: &str, exercise: &str) -> Option<Cell> {
        let seen = self.seen.lock().ok()?;
        seen.cells
            .get(&(trainee.to_string(), exercise.to_string()))
            .cloned()
    }

    /// The latest report of every trainee at every exercise.
    pub fn latest_reports(&self) -> Vec<GradeReport> {
        let Ok(seen) = self.seen.lock() else {
            return Vec::new();
        };
        let mut latest: BTreeMap<(&str, &str), &GradeReport> = BTreeMap::new();
        for r in &seen.reports {
            latest.insert((&r.trainee, &r.exercise), r);
        }
        latest.into_values().cloned().collect()
    }

    /// A trainee's attempts, newest first.
    pub fn history(&self, trainee: &str) -> Vec<GradeReport> {
        let Ok(seen) = self.seen.lock() else {
            return Vec::new();
        };
        seen.reports
            .iter()
            .rev()
            .filter(|r| r.trainee == trainee)
            .cloned()
            .collect()
    }
}
