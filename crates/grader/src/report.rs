//! Grade reports rendered for a person or a program.
//!
//! # Background
//!
//! Grading produces one [`GradeReport`] per trainee and exercise. The same
//! reports are rendered in four formats, described (with every field) in
//! `docs/grading.md`, which is the contract for the machine formats:
//!
//! - [`Format::Text`]: for a trainee at a terminal. One header line per
//!   report, one line per check, and under each failure or warning what
//!   was found, why it is a rule and how to fix it, with hints for each
//!   toolset. Lines are wrapped at [`TEXT_WIDTH`] columns. Not meant to be
//!   parsed.
//! - [`Format::Json`]: an array of the reports exactly as serde serialises
//!   them.
//! - [`Format::Junit`]: JUnit XML, one test suite per report and one test
//!   case per check, for CI tools (Jenkins, GitLab).
//! - [`Format::Csv`]: RFC 4180, one row per trainee and check, for a
//!   spreadsheet.
//!
//! # Usage
//!
//! ```
//! use dnslab_grader::report::{render, Format};
//!
//! let format: Format = "junit".parse().unwrap();
//! let reports = []; // from grading
//! assert!(render(&reports, format, false).contains("<testsuites name=\"dnslab\""));
//! ```
//!
//! # Limitations
//!
//! Text wrapping counts characters, not display cells: East Asian wide
//! characters make a line look longer than it is. A word longer than a
//! line is not broken.

use std::fmt;
use std::str::FromStr;

use crate::outcome::{CheckResult, GradeReport, Severity, Status};

/// Where text output wraps.
pub const TEXT_WIDTH: usize = 100;

/// An output format for grade reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Text,
    Json,
    Junit,
    Csv,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Text, Format::Json, Format::Junit, Format::Csv];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Junit => "junit",
            Format::Csv => "csv",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A word that is not a report format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown report format {name:?} (formats: text, json, junit, csv)")]
pub struct UnknownFormat {
    pub name: String,
}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFormat {
                name: s.to_string(),
            })
    }
}

/// Renders `reports` in `format`. `color` adds ANSI colours to text
/// output and is ignored by the other formats.
pub fn render(reports: &[GradeReport], format: Format, color: bool) -> String {
    match format {
        Format::Text => text::render(reports, color),
        Format::Json => json(reports),
        Format::Junit => junit::render(reports),
        Format::Csv => csv::render(reports),
    }
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn count(report: &GradeReport, status: Status) -> usize {
    report.checks.iter().filter(|c| c.status == status).count()
}

fn json(reports: &[GradeReport]) -> String {
    // Serialising plain structs of strings and integers cannot fail.
    let mut out = serde_json::to_string_pretty(reports).expect("grade reports serialise");
    out.push('\n');
    out
}

mod text {
    //! The text format, and the line wrapper it uses.

    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(super) enum Style {
        Plain,
        Bold,
        Green,
        Red,
        Yellow,
        Dim,
    }

    impl Style {
        fn code(self) -> &'static str {
            match self {
                Style::Plain => "",
                Style::Bold => "\x1b[1m",
                Style::Green => "\x1b[32m",
                Style::Red => "\x1b[31m",
                Style::Yellow => "\x1b[33m",
                Style::Dim => "\x1b[2m",
            }
        }
    }

    const RESET: &str = "\x1b[0m";

    /// Words in one style, before wrapping.
    pub(super) type Span<'a> = (Style, &'a str);

    /// Wraps `spans` to `width` columns. The first line starts with
    /// `prefix` (plain), the others with `indent` spaces; runs of
    /// whitespace, newlines included, become one space. A word longer than
    /// a line gets a line of its own. Returns the lines without newlines.
    pub(super) fn wrap(
        prefix: &str,
        indent: usize,
        spans: &[Span<'_>],
        width: usize,
        color: bool,
    ) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = prefix.to_string();
        let mut column = prefix.chars().count();
        let mut words = 0; // words on the current line
        let mut open = Style::Plain; // style in effect at the end of `line`
        for &(style, text) in spans {
            for word in text.split_whitespace() {
                let len = word.chars().count();
                if words > 0 && column + 1 + len > width {
                    close(&mut line, &mut open);
                    lines.push(std::mem::take(&mut line));
                    line = " ".repeat(indent);
                    column = indent;
                    words = 0;
                }
                if color && style != open {
                    close(&mut line, &mut open);
                }
                if words > 0 {
                    line.push(' ');
                    column += 1;
                }
                if color && style != open {
                    line.push_str(style.code());
                    open = style;
                }
                line.push_str(word);
                column += len;
                words += 1;
            }
        }
        close(&mut line, &mut open);
        lines.push(line);
        lines
    }

    fn close(line: &mut String, open: &mut Style) {
        if *open != Style::Plain {
            line.push_str(RESET);
            *open = Style::Plain;
        }
    }

    fn paint(color: bool, style: Style, text: &str) -> String {
        if color && style != Style::Plain {
            format!("{}{text}{RESET}", style.code())
        } else {
            text.to_string()
        }
    }

    fn push_wrapped(
        out: &mut String,
        prefix: &str,
        indent: usize,
        spans: &[Span<'_>],
        color: bool,
    ) {
        for line in wrap(prefix, indent, spans, TEXT_WIDTH, color) {
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }

    /// A paragraph per line of `text`, each starting at `indent` and
    /// continued at `indent + hang`, the first one after `label`.
    fn push_block(
        out: &mut String,
        indent: usize,
        label: &str,
        text: &str,
        style: Style,
        color: bool,
    ) {
        let hang = label.chars().count();
        for (i, paragraph) in text.lines().enumerate() {
            let prefix = if i == 0 {
                format!("{}{label}", " ".repeat(indent))
            } else {
                " ".repeat(indent + hang)
            };
            push_wrapped(out, &prefix, indent + hang, &[(style, paragraph)], color);
        }
    }

    pub(super) fn render(reports: &[GradeReport], color: bool) -> String {
        let mut out = String::new();
        for (i, report) in reports.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            push_report(&mut out, report, color);
        }
        if reports.len() > 1 {
            out.push('\n');
            push_summary(&mut out, reports, color);
        }
        out
    }

    fn push_report(out: &mut String, report: &GradeReport, color: bool) {
        let score = format!("{}/{}", report.score, report.max_score);
        let (verdict, verdict_style) = if report.passed {
            ("PASSED", Style::Green)
        } else {
            ("FAILED", Style::Red)
        };
        let exercise = format!("[{}]", report.exercise);
        let zone = format!("({})", report.zone);
        push_wrapped(
            out,
            "",
            4,
            &[
                (Style::Bold, &report.trainee),
                (Style::Plain, &zone),
                (Style::Bold, &report.exercise_title),
                (Style::Plain, &exercise),
                (Style::Plain, "—"),
                (Style::Bold, &score),
                (verdict_style, verdict),
            ],
            color,
        );
        let points_width = report
            .checks
            .iter()
            .map(|c| format!("{}/{}", c.points, c.max_points).len())
            .max()
            .unwrap_or(0);
        for check in &report.checks {
            push_check(out, check, points_width, color);
        }
    }

    fn push_check(out: &mut String, check: &CheckResult, points_width: usize, color: bool) {
        let (symbol, style) = match check.status {
            Status::Pass => ("✓", Style::Green),
            Status::Fail => ("✗", Style::Red),
            Status::Warn => ("!", Style::Yellow),
            Status::Skip => ("–", Style::Dim),
        };
        let points = format!("{}/{}", check.points, check.max_points);
        let prefix = format!(
            "  {} {points:>points_width$}  ",
            paint(color, style, symbol)
        );
        // Where the id starts: the column under which the rest is indented.
        let column = 2 + 1 + 1 + points_width + 2;
        let mut spans = vec![
            (Style::Bold, check.id.as_str()),
            (Style::Plain, &check.title),
        ];
        let dash_message;
        if check.status == Status::Pass && !check.message.is_empty() {
            dash_message = format!("— {}", check.message);
            spans.push((Style::Dim, &dash_message));
        }
        // `wrap` counts the prefix's colour codes as columns; wrap the
        // plain prefix and substitute afterwards.
        let plain_prefix = format!("  {symbol} {points:>points_width$}  ");
        for (i, line) in wrap(&plain_prefix, column + 2, &spans, TEXT_WIDTH, color)
            .into_iter()
            .enumerate()
        {
            let line = if i == 0 {
                line.replacen(&plain_prefix, &prefix, 1)
            } else {
                line
            };
            out.push_str(line.trim_end());
            out.push('\n');
        }
        if check.status == Status::Pass {
            return;
        }
        if check.status == Status::Skip {
            // Only what it builds on; there is nothing to fix here.
            push_block(out, column, "", &check.message, Style::Dim, color);
            return;
        }
        push_block(out, column, "", &check.message, Style::Plain, color);
        for detail in &check.details {
            push_block(out, column + 2, "", detail, Style::Plain, color);
        }
        if !check.reference.is_empty() {
            push_block(out, column, "Why: ", &check.reference, Style::Plain, color);
        }
        if !check.hint.is_empty() {
            push_block(out, column, "Fix: ", &check.hint, Style::Plain, color);
        }
        for (tool, hint) in check.tool_hints.entries() {
            push_block(
                out,
                column + 2,
                &format!("{tool}: "),
                hint,
                Style::Plain,
                color,
            );
        }
    }

    fn push_summary(out: &mut String, reports: &[GradeReport], color: bool) {
        let header = ["trainee", "exercise", "score", "passed"];
        let rows: Vec<[String; 4]> = reports
            .iter()
            .map(|r| {
                [
                    r.trainee.clone(),
                    r.exercise.clone(),
                    format!("{}/{}", r.score, r.max_score),
                    if r.passed { "yes" } else { "no" }.to_string(),
                ]
            })
            .collect();
        let mut widths = header.map(|h| h.chars().count());
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let pad = |text: &str, width: usize| {
            let fill = width.saturating_sub(text.chars().count());
            format!("{text}{}", " ".repeat(fill))
        };
        let header_line: Vec<String> = header.iter().zip(widths).map(|(h, w)| pad(h, w)).collect();
        out.push_str(paint(color, Style::Bold, header_line.join("  ").trim_end()).as_str());
        out.push('\n');
        for (row, report) in rows.iter().zip(reports) {
            let mut cells: Vec<String> = row.iter().zip(widths).map(|(c, w)| pad(c, w)).collect();
            let verdict = if report.passed {
                Style::Green
            } else {
                Style::Red
            };
            cells[3] = paint(color, verdict, cells[3].trim_end());
            out.push_str(&cells.join("  "));
            out.push('\n');
        }
        let passed = reports.iter().filter(|r| r.passed).count();
        out.push_str(&paint(
            color,
            Style::Bold,
            &format!("{passed} of {} passed", reports.len()),
        ));
        out.push('\n');
    }
}

mod junit {
    //! JUnit XML, as Jenkins and GitLab read it.

    use std::fmt::Write;

    use super::*;

    /// Whether XML 1.0 allows `c` in a document (§2.2); Rust's `char`
    /// has no surrogates.
    fn allowed(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..)
    }

    /// Character data: `&`, `<`, `>`, quotes escaped, forbidden characters
    /// dropped.
    pub(super) fn escape_text(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars().filter(|&c| allowed(c)) {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&apos;"),
                c => out.push(c),
            }
        }
        out
    }

    /// An attribute value: as text, and tab, newline and carriage return
    /// as character references so that parsers keep them (§3.3.3).
    pub(super) fn escape_attr(text: &str) -> String {
        escape_text(text)
            .replace('\t', "&#9;")
            .replace('\n', "&#10;")
            .replace('\r', "&#13;")
    }

    fn seconds(ms: u64) -> String {
        format!("{}.{:03}", ms / 1000, ms % 1000)
    }

    /// What was found, why, and how to fix it: the body of a failure or
    /// the output of a warning.
    fn explanation(check: &CheckResult) -> String {
        let mut body = check.message.clone();
        for detail in &check.details {
            body.push_str("\n  ");
            body.push_str(detail);
        }
        if !check.reference.is_empty() {
            body.push_str("\nWhy: ");
            body.push_str(&check.reference);
        }
        if !check.hint.is_empty() {
            body.push_str("\nFix: ");
            body.push_str(&check.hint);
        }
        for (tool, hint) in check.tool_hints.entries() {
            body.push_str(&format!("\n  {tool}: {hint}"));
        }
        body
    }

    pub(super) fn render(reports: &[GradeReport]) -> String {
        let total = |status| reports.iter().map(|r| count(r, status)).sum::<usize>();
        let tests: usize = reports.iter().map(|r| r.checks.len()).sum();
        let ms: u64 = reports.iter().map(|r| r.duration_ms).sum();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "<testsuites name=\"dnslab\" tests=\"{tests}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{}\">",
            total(Status::Fail),
            total(Status::Skip),
            seconds(ms),
        );
        for report in reports {
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}/{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{}\">",
                escape_attr(&report.trainee),
                escape_attr(&report.exercise),
                report.checks.len(),
                count(report, Status::Fail),
                count(report, Status::Skip),
                seconds(report.duration_ms),
            );
            let classname = escape_attr(&format!("dnslab.{}.{}", report.exercise, report.trainee));
            for check in &report.checks {
                let _ = write!(
                    out,
                    "    <testcase classname=\"{classname}\" name=\"{}\" time=\"0\"",
                    escape_attr(&check.id)
                );
                match check.status {
                    Status::Pass => out.push_str("/>\n"),
                    Status::Fail => {
                        let _ = writeln!(
                            out,
                            ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                            escape_attr(&check.message),
                            escape_attr(&check.id),
                            escape_text(&explanation(check)),
                        );
                    }
                    Status::Skip => {
                        let _ = writeln!(
                            out,
                            ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                            escape_attr(&check.message),
                        );
                    }
                    Status::Warn => {
                        let _ = writeln!(
                            out,
                            ">\n      <system-out>warning: {}</system-out>\n    </testcase>",
                            escape_text(&explanation(check)),
                        );
                    }
                }
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }
}

mod csv {
    //! RFC 4180 CSV.

    use super::*;

    pub(super) const HEADER: [&str; 11] = [
        "trainee",
        "zone",
        "exercise",
        "check",
        "status",
        "severity",
        "points",
        "max_points",
        "message",
        "hint",
        "reference",
    ];

    /// A field, quoted if it contains a comma, a quote, CR or LF. One that
    /// a spreadsheet would run as a formula (it starts with `=`, `+`, `-`,
    /// `@`, a tab or CR; messages quote what trainees' servers answer) gets
    /// a leading `'`, which spreadsheets show as text (OWASP's advice on
    /// CSV injection).
    pub(super) fn field(text: &str) -> String {
        let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{text}")
        } else {
            text.to_string()
        };
        if text.contains([',', '"', '\r', '\n']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text
        }
    }

    fn push_record<S: AsRef<str>>(out: &mut String, fields: &[S]) {
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&field(f.as_ref()));
        }
        out.push_str("\r\n");
    }

    pub(super) fn render(reports: &[GradeReport]) -> String {
        let mut out = String::new();
        push_record(&mut out, &HEADER);
        for report in reports {
            for check in &report.checks {
                let points = check.points.to_string();
                let max_points = check.max_points.to_string();
                push_record(
                    &mut out,
                    &[
                        report.trainee.as_str(),
                        &report.zone,
                        &report.exercise,
                        &check.id,
                        check.status.as_str(),
                        severity_name(check.severity),
                        &points,
                        &max_points,
                        &check.message,
                        &check.hint,
                        &check.reference,
                    ],
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::text::{Style, wrap};
    use super::*;
    use crate::outcome::ToolHints;

    const NASTY: &str = "bad <&\">, here\nsecond line";

    fn check(id: &str, status: Status, points: u32, message: &str) -> CheckResult {
        let pass = status == Status::Pass;
        CheckResult {
            id: id.to_string(),
            title: format!("title of {id}"),
            status,
            severity: if status == Status::Warn {
                Severity::Warning
            } else {
                Severity::Error
            },
            points: if pass { points } else { 0 },
            max_points: points,
            message: message.to_string(),
            hint: if pass {
                String::new()
            } else {
                format!("fix {id}")
            },
            tool_hints: ToolHints::default(),
            reference: "RFC 4035 §5.3.1".to_string(),
            details: Vec::new(),
        }
    }

    fn reports() -> Vec<GradeReport> {
        let good = GradeReport::new(
            "t01".into(),
            "t01.tg.".into(),
            "sign-zone".into(),
            "Sign your zone".into(),
            "2025-01-01T10:00:00Z".into(),
            1234,
            vec![
                check("dnskey-present", Status::Pass, 10, "2 DNSKEYs at t01.tg."),
                check("rrsig-valid", Status::Pass, 20, "all 12 RRsets validate"),
            ],
        );
        let mut fail = check("ds-matches", Status::Fail, 20, NASTY);
        fail.details = vec![
            "parent tg. has DS 12345 8 2 ab…".to_string(),
            "no DNSKEY with key tag 12345".to_string(),
        ];
        fail.tool_hints = ToolHints {
            dnslab: Some("dnslab ds submit t02.tg.".into()),
            bind: Some("dnssec-dsfromkey Kt02.tg.+013+54321.key".into()),
            ldns: None,
            knot: Some("keymgr t02.tg. ds".into()),
            unbound: None,
        };
        let mut warn = check("ede-present", Status::Warn, 5, "no Extended DNS Error");
        warn.tool_hints.bind = Some("upgrade to BIND 9.18".into());
        let long = "word ".repeat(60);
        let bad = GradeReport::new(
            "t02".into(),
            "t02.tg.".into(),
            "sign-zone".into(),
            "Sign your zone".into(),
            "2025-01-01T10:00:02Z".into(),
            56,
            vec![
                check("dnskey-present", Status::Pass, 10, "1 DNSKEY at t02.tg."),
                fail,
                warn,
                check("chain-valid", Status::Skip, 10, "skipped: no valid DS"),
                check("long-one", Status::Fail, 5, long.trim_end()),
            ],
        );
        vec![good, bad]
    }

    #[test]
    fn format_names_round_trip() {
        for format in Format::ALL {
            assert_eq!(format.to_string().parse::<Format>(), Ok(format));
        }
        let err = "xml".parse::<Format>().unwrap_err().to_string();
        assert!(err.contains("\"xml\""), "{err}");
        for name in ["text", "json", "junit", "csv"] {
            assert!(err.contains(name), "{err}");
        }
    }

    #[test]
    fn wrap_keeps_indentation() {
        let words = "alpha beta gamma delta epsilon";
        let lines = wrap("  - ", 4, &[(Style::Plain, words)], 16, false);
        assert_eq!(lines, ["  - alpha beta", "    gamma delta", "    epsilon"]);
        // A word longer than the line stands alone, unbroken.
        let lines = wrap("", 2, &[(Style::Plain, "a 0123456789abcdef b")], 10, false);
        assert_eq!(lines, ["a", "  0123456789abcdef", "  b"]);
        // Colour codes do not count as columns.
        let lines = wrap(
            "",
            0,
            &[(Style::Red, "aaaa"), (Style::Plain, "bbbb")],
            9,
            true,
        );
        assert_eq!(lines, ["\x1b[31maaaa\x1b[0m bbbb"]);
    }

    #[test]
    fn text_plain() {
        let out = render(&reports(), Format::Text, false);
        assert!(!out.contains('\x1b'), "{out}");
        assert!(
            out.starts_with("t01 (t01.tg.) Sign your zone [sign-zone] — 30/30 PASSED\n"),
            "{out}"
        );
        assert!(
            out.contains("t02 (t02.tg.) Sign your zone [sign-zone] — 10/50 FAILED\n"),
            "{out}"
        );
        assert!(
            out.contains(
                "  ✓ 10/10  dnskey-present title of dnskey-present — 2 DNSKEYs at t01.tg.\n"
            ),
            "{out}"
        );
        assert!(
            out.contains("  ✗  0/20  ds-matches title of ds-matches\n"),
            "{out}"
        );
        assert!(out.contains("  !   0/5  ede-present"), "{out}");
        assert!(out.contains("  –  0/10  chain-valid"), "{out}");
        // Failure explained, message lines kept apart, indentation kept.
        let indent = " ".repeat(11);
        for line in [
            format!("{indent}bad <&\">, here\n{indent}second line\n"),
            format!("{indent}  parent tg. has DS 12345 8 2 ab…\n"),
            format!("{indent}Why: RFC 4035 §5.3.1\n{indent}Fix: fix ds-matches\n"),
            format!("{indent}  dnslab: dnslab ds submit t02.tg.\n"),
            format!("{indent}  BIND: dnssec-dsfromkey Kt02.tg.+013+54321.key\n"),
            format!("{indent}  Knot: keymgr t02.tg. ds\n"),
        ] {
            assert!(out.contains(&line), "{line:?} missing in\n{out}");
        }
        assert!(!out.contains("ldns:"));
        // Passes show only their line.
        assert!(!out.contains("Fix: \n") && !out.contains("fix dnskey-present"));
        for line in out.lines() {
            assert!(line.chars().count() <= TEXT_WIDTH, "too long: {line:?}");
            assert_eq!(line, line.trim_end());
        }
        assert!(out.contains(&format!("\n{indent}word word")), "{out}");
        assert!(
            out.ends_with(
                "trainee  exercise   score  passed\n\
             t01      sign-zone  30/30  yes\n\
             t02      sign-zone  10/50  no\n\
             1 of 2 passed\n"
            ),
            "{out}"
        );
        // One report: no summary.
        let one = render(&reports()[..1], Format::Text, false);
        assert!(
            !one.contains("passed\n") && one.lines().count() == 3,
            "{one}"
        );
    }

    #[test]
    fn text_color() {
        let out = render(&reports(), Format::Text, true);
        assert!(out.contains("\x1b[32m✓\x1b[0m"), "{out}");
        assert!(out.contains("\x1b[31m✗\x1b[0m"), "{out}");
        assert!(out.contains("\x1b[33m!\x1b[0m"), "{out}");
        assert!(
            out.contains("\x1b[2m— 2 DNSKEYs at t01.tg.\x1b[0m"),
            "{out}"
        );
        assert!(out.contains("\x1b[32mPASSED\x1b[0m") && out.contains("\x1b[31mFAILED\x1b[0m"));
        // Every colour is reset on its line.
        for line in out.lines() {
            assert_eq!(
                line.matches("\x1b[0m").count(),
                line.matches('\x1b').count() / 2,
                "{line:?}"
            );
        }
    }

    #[test]
    fn json_is_the_serde_form() {
        let reports = reports();
        let out = render(&reports, Format::Json, false);
        assert!(out.ends_with("]\n"));
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value, serde_json::to_value(&reports).unwrap());
        let array = value.as_array().unwrap();
        assert_eq!(array.len(), 2);
        let keys = |v: &serde_json::Value| {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(
            keys(&array[0]),
            [
                "checks",
                "duration_ms",
                "exercise",
                "exercise_title",
                "graded_at",
                "max_score",
                "passed",
                "score",
                "trainee",
                "zone"
            ]
        );
        let checks = array[1]["checks"].as_array().unwrap();
        let mut base = vec![
            "id",
            "max_points",
            "message",
            "hint",
            "points",
            "reference",
            "severity",
            "status",
            "title",
        ];
        base.sort();
        assert_eq!(
            keys(&checks[0]),
            base,
            "empty tool_hints and details are absent"
        );
        base.extend(["details", "tool_hints"]);
        base.sort();
        assert_eq!(keys(&checks[1]), base);
        assert_eq!(checks[1]["message"], NASTY);
        assert_eq!(checks[1]["status"], "fail");
        assert_eq!(checks[2]["status"], "warn");
        assert_eq!(checks[2]["severity"], "warning");
        assert_eq!(checks[3]["status"], "skip");
        let hints = checks[1]["tool_hints"].as_object().unwrap();
        assert_eq!(hints.keys().collect::<Vec<_>>(), ["bind", "dnslab", "knot"]);
        assert_eq!(render(&[], Format::Json, false), "[]\n");
    }

    /// Checks that `xml` is well formed as far as this format goes:
    /// elements nest, attributes are quoted, `<` and `&` appear only as
    /// markup and known references, no forbidden characters. Returns the
    /// start tags, each as its name and unescaped attributes.
    fn parse_xml(xml: &str) -> Vec<(String, Vec<(String, String)>)> {
        fn unescape(s: &str) -> String {
            let mut out = String::new();
            let mut rest = s;
            while let Some(i) = rest.find('&') {
                out.push_str(&rest[..i]);
                let end = rest[i..].find(';').expect("unterminated reference") + i;
                out.push(match &rest[i + 1..end] {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    "#9" => '\t',
                    "#10" => '\n',
                    "#13" => '\r',
                    other => panic!("unknown reference &{other};"),
                });
                rest = &rest[end + 1..];
            }
            out.push_str(rest);
            out
        }
        for c in xml.chars() {
            assert!(
                matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..),
                "forbidden {c:?}"
            );
        }
        let body = xml
            .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
            .expect("declaration");
        let mut stack: Vec<String> = Vec::new();
        let mut starts = Vec::new();
        let mut rest = body;
        while !rest.is_empty() {
            let lt = rest.find('<').unwrap_or(rest.len());
            unescape(&rest[..lt]); // text: references must be known
            assert!(!rest[..lt].contains('>') || stack.is_empty() && rest[..lt].trim().is_empty());
            rest = &rest[lt..];
            if rest.is_empty() {
                break;
            }
            let gt = rest.find('>').expect("unterminated tag");
            let tag = &rest[1..gt];
            rest = &rest[gt + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
                continue;
            }
            let (tag, empty) = match tag.strip_suffix('/') {
                Some(t) => (t, true),
                None => (tag, false),
            };
            let (name, mut attrs_text) = tag.split_once(' ').unwrap_or((tag, ""));
            let mut attrs = Vec::new();
            while !attrs_text.trim().is_empty() {
                let (key, after) = attrs_text
                    .trim_start()
                    .split_once("=\"")
                    .expect("attribute");
                let end = after.find('"').expect("unterminated attribute");
                let value = &after[..end];
                assert!(
                    !value.contains('<') && !value.contains('\n'),
                    "raw in attribute: {value:?}"
                );
                attrs.push((key.to_string(), unescape(value)));
                attrs_text = &after[end + 1..];
            }
            starts.push((name.to_string(), attrs));
            if !empty {
                stack.push(name.to_string());
            }
        }
        assert!(stack.is_empty(), "unclosed {stack:?}");
        starts
    }

    #[test]
    fn junit_is_well_formed() {
        let out = render(&reports(), Format::Junit, false);
        let starts = parse_xml(&out);
        let named = |n: &str| {
            starts
                .iter()
                .filter(|(name, _)| name == n)
                .collect::<Vec<_>>()
        };
        let attr = |tag: &(String, Vec<(String, String)>), key: &str| {
            tag.1
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        let root = named("testsuites");
        assert_eq!(root.len(), 1);
        assert_eq!(attr(root[0], "tests"), "7");
        assert_eq!(attr(root[0], "failures"), "2");
        assert_eq!(attr(root[0], "skipped"), "1");
        let suites = named("testsuite");
        assert_eq!(suites.len(), 2);
        assert_eq!(attr(suites[1], "name"), "t02/sign-zone");
        assert_eq!(attr(suites[1], "tests"), "5");
        assert_eq!(attr(suites[1], "time"), "0.056");
        assert_eq!(attr(suites[0], "time"), "1.234");
        let cases = named("testcase");
        assert_eq!(cases.len(), 7);
        assert_eq!(attr(cases[3], "classname"), "dnslab.sign-zone.t02");
        assert_eq!(attr(cases[3], "name"), "ds-matches");
        let failures = named("failure");
        assert_eq!(failures.len(), 2);
        assert_eq!(
            attr(failures[0], "message"),
            NASTY,
            "message survives escaping"
        );
        assert_eq!(attr(failures[0], "type"), "ds-matches");
        assert_eq!(named("skipped").len(), 1);
        assert_eq!(named("system-out").len(), 1);
        assert_eq!(out.matches("<testcase").count(), 7);
        assert!(out.contains("Why: RFC 4035 §5.3.1\nFix: fix ds-matches\n  dnslab: dnslab ds submit t02.tg.\n  BIND: "));
        assert!(out.contains("<system-out>warning: no Extended DNS Error\nWhy:"));
        assert!(out.contains("bad &lt;&amp;&quot;&gt;, here\nsecond line"));
    }

    #[test]
    fn junit_drops_forbidden_characters() {
        let mut reports = reports();
        reports[1].checks[1].message = "a\u{1}b\u{1b}c\u{FFFE}d'e\tf".into();
        let out = render(&reports, Format::Junit, false);
        let starts = parse_xml(&out);
        let failure = starts.iter().find(|(n, _)| n == "failure").unwrap();
        assert_eq!(
            failure.1[0],
            ("message".to_string(), "abcd'e\tf".to_string())
        );
        assert!(out.contains("abcd&apos;e\tf"));
        let empty = render(&[], Format::Junit, false);
        parse_xml(&empty);
        assert!(empty.contains("tests=\"0\" failures=\"0\""));
    }

    /// A small RFC 4180 reader: records of fields, CRLF line ends.
    fn read_csv(text: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let mut record = Vec::new();
        let mut field = String::new();
        let mut chars = text.chars().peekable();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            if quoted {
                match c {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => quoted = false,
                    c => field.push(c),
                }
                continue;
            }
            match c {
                '"' => {
                    assert!(field.is_empty(), "quote inside an unquoted field");
                    quoted = true;
                }
                ',' => record.push(std::mem::take(&mut field)),
                '\r' => {
                    assert_eq!(chars.next(), Some('\n'), "CR without LF");
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                '\n' => panic!("bare LF outside quotes"),
                c => field.push(c),
            }
        }
        assert!(
            !quoted && field.is_empty() && record.is_empty(),
            "last record not ended"
        );
        records
    }

    #[test]
    fn csv_fields_that_a_spreadsheet_would_run_are_text() {
        assert_eq!(
            csv::field("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(csv::field("+1"), "'+1");
        assert_eq!(csv::field("-2+3"), "'-2+3");
        assert_eq!(csv::field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv::field("\tx"), "'\tx");
        assert_eq!(csv::field("a=b"), "a=b");
        assert_eq!(csv::field("20"), "20");
    }

    #[test]
    fn csv_reads_back() {
        let reports = reports();
        let out = render(&reports, Format::Csv, false);
        let records = read_csv(&out);
        assert_eq!(records.len(), 1 + 7);
        assert_eq!(
            records[0].join(","),
            "trainee,zone,exercise,check,status,severity,points,max_points,message,hint,reference"
        );
        assert!(records.iter().all(|r| r.len() == 11));
        assert_eq!(
            records[4],
            [
                "t02",
                "t02.tg.",
                "sign-zone",
                "ds-matches",
                "fail",
                "error",
                "0",
                "20",
                NASTY,
                "fix ds-matches",
                "RFC 4035 §5.3.1"
            ]
        );
        assert_eq!(records[5][4..6], ["warn", "warning"]);
        assert!(out.contains(",\"bad <&\"\">, here\nsecond line\","));
        assert!(out.contains("\r\nt01,t01.tg.,sign-zone,dnskey-present,pass,error,10,10,"));
        assert_eq!(render(&[], Format::Csv, false).lines().count(), 1);
    }
}
