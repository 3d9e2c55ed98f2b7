//! What a check function returns, before the scenario's points and
//! severity turn it into a [`crate::outcome::CheckResult`]; and the
//! exercise parameters checks read.

use crate::outcome::ToolHints;
use dnslab_zone::{Algorithm, Rtype};

/// The parameters of an exercise that checks read (from the scenario
/// file's `parameters:`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    /// Signing algorithms the exercise allows; empty: any RFC 9904 allows.
    pub algorithms: Vec<Algorithm>,
    /// `Some(NSEC)` or `Some(NSEC3)` when the exercise asks for one.
    pub denial: Option<Rtype>,
    /// Signatures must stay valid at least this many seconds.
    pub signature_margin: u32,
    /// DS digest types allowed; empty: those RFC 9904 recommends (2, 4).
    pub digest_types: Vec<u8>,
}

/// A check's finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `Some(true)` pass, `Some(false)` fail, `None` skipped.
    pub passed: Option<bool>,
    /// A bonus check: failing it only warns.
    pub advisory: bool,
    pub message: String,
    pub hint: String,
    pub tool_hints: ToolHints,
    pub details: Vec<String>,
    /// A more precise RFC section than the catalogue's.
    pub reference: Option<String>,
}

impl Verdict {
    fn new(passed: Option<bool>, message: String, hint: String) -> Verdict {
        Verdict {
            passed,
            advisory: false,
            message,
            hint,
            tool_hints: ToolHints::default(),
            details: Vec::new(),
            reference: None,
        }
    }

    pub fn pass(message: impl Into<String>) -> Verdict {
        Verdict::new(Some(true), message.into(), String::new())
    }

    pub fn fail(message: impl Into<String>, hint: impl Into<String>) -> Verdict {
        Verdict::new(Some(false), message.into(), hint.into())
    }

    pub fn skip(message: impl Into<String>) -> Verdict {
        Verdict::new(None, message.into(), String::new())
    }

    pub fn tools(mut self, hints: ToolHints) -> Verdict {
        self.tool_hints = hints;
        self
    }

    pub fn details(mut self, details: Vec<String>) -> Verdict {
        self.details = details;
        self
    }

    pub fn reference(mut self, reference: impl Into<String>) -> Verdict {
        self.reference = Some(reference.into());
        self
    }

    pub fn advisory(mut self) -> Verdict {
        self.advisory = true;
        self
    }
}
