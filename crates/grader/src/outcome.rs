//! What grading produces: one [`GradeReport`] per trainee and exercise,
//! made of one [`CheckResult`] per check. Renderers ([`crate::report`])
//! only read these types; the field names are the JSON format's
//! (docs/grading.md).

use serde::{Deserialize, Serialize};

/// How one check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The work does what the check asks.
    Pass,
    /// It does not, and the check counts (severity error).
    Fail,
    /// It does not, but the check is advisory (severity warning, or a
    /// bonus such as Extended DNS Errors): no points, not a failure.
    Warn,
    /// The check could not be made because something it builds on failed
    /// (no DNSKEY RRset to validate, for example); the message says what.
    Skip,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Skip => "skip",
        }
    }
}

/// Whether a failed check fails the exercise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A failure fails the exercise.
    #[default]
    Error,
    /// A failure is reported as a warning and costs only the points.
    Warning,
}

/// Advice for the users of each toolset; any may be absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolHints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnslab: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldns: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knot: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unbound: Option<String>,
}

impl ToolHints {
    pub fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }

    /// Fills in each hint's `{placeholders}` (`{zone_name}`, `{trainee}`…)
    /// with `render`, as the exercise texts are for a trainee.
    pub fn rendered(self, render: impl Fn(&str) -> String) -> ToolHints {
        let r = |h: Option<String>| h.map(|h| render(&h));
        ToolHints {
            dnslab: r(self.dnslab),
            bind: r(self.bind),
            ldns: r(self.ldns),
            knot: r(self.knot),
            unbound: r(self.unbound),
        }
    }

    /// `(tool name, hint)` for the hints present, in a fixed order.
    pub fn entries(&self) -> Vec<(&'static str, &str)> {
        [
            ("dnslab", &self.dnslab),
            ("BIND", &self.bind),
            ("ldns", &self.ldns),
            ("Knot", &self.knot),
            ("Unbound", &self.unbound),
        ]
        .into_iter()
        .filter_map(|(tool, hint)| hint.as_deref().map(|h| (tool, h)))
        .collect()
    }
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Stable id, e.g. `dnskey-signed-by-sep`.
    pub id: String,
    /// One line saying what the check wants.
    pub title: String,
    pub status: Status,
    pub severity: Severity,
    /// Points earned: `max_points` on pass, else 0.
    pub points: u32,
    pub max_points: u32,
    /// What was found, with where (owner, type, key tag, server, time).
    /// For a pass, what was verified.
    pub message: String,
    /// What to do about it, in general terms; empty on pass.
    pub hint: String,
    /// The same for each toolset.
    #[serde(default, skip_serializing_if = "ToolHints::is_empty")]
    pub tool_hints: ToolHints,
    /// The RFC section that makes it a rule, e.g. `RFC 4035 §5.3.1`.
    pub reference: String,
    /// Further lines of evidence (one per server, per RRset...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

/// One trainee's result for one exercise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeReport {
    pub trainee: String,
    /// The trainee's zone, e.g. `t07.tg.`.
    pub zone: String,
    pub exercise: String,
    pub exercise_title: String,
    pub score: u32,
    pub max_score: u32,
    /// No check with severity error failed.
    pub passed: bool,
    /// When grading started, RFC 3339 UTC.
    pub graded_at: String,
    /// How long grading this trainee and exercise took.
    pub duration_ms: u64,
    pub checks: Vec<CheckResult>,
    /// The chain-of-trust walk the chain checks read, when the exercise
    /// has any: what the chain picture is drawn from
    /// ([`crate::picture::chain_svg`]). Not part of the JSON report (nor
    /// of the class record, `attempts`).
    #[serde(skip)]
    pub chain: Option<crate::chain::Chain>,
}

impl GradeReport {
    /// Builds the report's totals from its checks.
    pub fn new(
        trainee: String,
        zone: String,
        exercise: String,
        exercise_title: String,
        graded_at: String,
        duration_ms: u64,
        checks: Vec<CheckResult>,
    ) -> GradeReport {
        let score = checks.iter().map(|c| c.points).sum();
        let max_score = checks.iter().map(|c| c.max_points).sum();
        let passed = !checks.iter().any(|c| c.status == Status::Fail);
        GradeReport {
            trainee,
            zone,
            exercise,
            exercise_title,
            score,
            max_score,
            passed,
            graded_at,
            duration_ms,
            checks,
            chain: None,
        }
    }
}
