//! The rollover timeline picture: time runs left to right, from the first
//! recorded snapshot to the last one plus the longest TTL (as long as a
//! resolver may still hold what was served last).
//!
//! ```text
//!  RRset versions   ▇▇▇▇▇▇▇░░░              served ▇, may still be cached ░
//!  key 12345 KSK
//!    DNSKEY         ▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇     one bar per record of the key,
//!    DS             ▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇     its pattern the key state
//!    signs keys     ▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇     (BIND's words: rumoured,
//!    signs data                              omnipresent, unretentive)
//!                          ┆ a resolver could fail here (red, dashed)
//! ```
//!
//! A key's bars show it published (DNSKEY), active (signing), retired
//! (unretentive: no longer served, still in caches) and removed (the bar
//! ends), and its DS at the parent. The moment of the
//! [`Violation`](crate::timeline::Violation), if any, is a red dashed
//! vertical line with the story below the chart; an exercise start is a
//! dotted one.

use super::svg::{Svg, num, wrap};
use super::{BROKEN_DASH, INK, MUTED, RED};
use crate::timeline::evaluate::{Evaluation, Kind, Version, clock};
use crate::timeline::states::{KeyHistory, State};

/// The document's width (the `viewBox`'s; it scales).
pub(crate) const WIDTH: f64 = 640.0;
/// Where the time axis starts: the labels are left of it.
pub(crate) const PLOT_LEFT: f64 = 132.0;
/// Where it ends.
pub(crate) const PLOT_RIGHT: f64 = WIDTH - 16.0;
const ROW: f64 = 13.0;
const FONT: f64 = 11.0;
/// Versions drawn at most; a longer timeline says how many it left out.
const MAX_VERSIONS: usize = 30;

const PATTERNS: &str = r##"<defs>
<pattern id="dl-rumoured" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#c6dbef"/><line x1="0" y1="0" x2="0" y2="6" stroke="#2b6ca3" stroke-width="2"/></pattern>
<pattern id="dl-unretentive" width="5" height="5" patternUnits="userSpaceOnUse"><rect width="5" height="5" fill="#eeeeee"/><circle cx="2.5" cy="2.5" r="1" fill="#555555"/></pattern>
</defs>
"##;

/// How a key state fills its bar; hidden draws nothing.
fn state_fill(state: State) -> Option<&'static str> {
    match state {
        State::Hidden => None,
        State::Rumoured => Some("url(#dl-rumoured)"),
        State::Omnipresent => Some("#1f4e79"),
        State::Unretentive => Some("url(#dl-unretentive)"),
    }
}

/// Seconds to the x of the document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimeScale {
    pub(crate) from: i64,
    pub(crate) to: i64,
}

impl TimeScale {
    pub(crate) fn x(&self, t: i64) -> f64 {
        let span = (self.to - self.from).max(1) as f64;
        let t = t.clamp(self.from, self.to);
        PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * (t - self.from) as f64 / span
    }

    /// Tick times: a round step giving at most six ticks.
    fn ticks(&self) -> Vec<i64> {
        const STEPS: [i64; 17] = [
            1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400,
        ];
        let span = (self.to - self.from).max(1);
        let step = STEPS
            .iter()
            .copied()
            .find(|s| span / s <= 6)
            .unwrap_or(span / 6 + 1);
        let first =
            self.from.div_euclid(step) * step + if self.from % step == 0 { 0 } else { step };
        (0..)
            .map(|n| first + n * step)
            .take_while(|t| *t <= self.to)
            .collect()
    }
}

/// The scale of `evaluation`: its span plus the longest TTL.
pub(crate) fn scale_of(evaluation: &Evaluation) -> Option<TimeScale> {
    let (from, to) = evaluation.span?;
    let ttl = evaluation
        .versions
        .iter()
        .map(|v| i64::from(v.ttl))
        .max()
        .unwrap_or(0);
    Some(TimeScale { from, to: to + ttl })
}

/// The rollover timeline of `evaluation.zone` as an SVG document:
/// `evaluation` gives the versions, their cache windows and the
/// violation; `histories` (from [`states::histories`](crate::timeline::states::histories)
/// over the same timeline's snapshot times) each key's states.
pub fn timeline_svg(evaluation: &Evaluation, histories: &[KeyHistory]) -> String {
    let title = format!("Rollover timeline of {}", evaluation.zone);
    let mut svg = Svg::new(WIDTH);
    svg.defs(PATTERNS);
    svg.text(12.0, 22.0, 15.0, &[("font-weight", "bold".into())], &title);
    let Some(scale) = scale_of(evaluation) else {
        svg.text(
            12.0,
            44.0,
            FONT + 1.0,
            &[],
            "No timeline recorded yet (the lab records one while it runs).",
        );
        return svg.finish(&title, 60.0);
    };
    let verdict = match &evaluation.violation {
        None => "safe: no validating resolver could have failed".to_string(),
        Some(v) => format!("UNSAFE: a resolver could have failed at {}", clock(v.at)),
    };
    let (first, last) = evaluation.span.unwrap_or((scale.from, scale.from));
    svg.text(
        12.0,
        40.0,
        FONT + 1.0,
        &[(
            "fill",
            if evaluation.violation.is_some() {
                RED
            } else {
                INK
            }
            .into(),
        )],
        &format!(
            "{} to {} UTC, then one TTL of caching; {verdict}",
            clock(first),
            clock(last)
        ),
    );
    let mut y = 58.0;
    let axis_top = y;
    y = axis(&mut svg, &scale, y);
    y = versions(&mut svg, &scale, &evaluation.versions, y);
    for history in histories {
        y = key_rows(&mut svg, &scale, history, last, y);
    }
    let bottom = y;
    if let Some(from) = evaluation.from {
        let x = scale.x(from);
        svg.empty(
            "line",
            &[
                ("id", "exercise-start".into()),
                ("x1", num(x)),
                ("y1", num(axis_top)),
                ("x2", num(x)),
                ("y2", num(bottom)),
                ("stroke", INK.into()),
                ("stroke-width", "1.5".into()),
                ("stroke-dasharray", "2 3".into()),
            ],
        );
        svg.text(x + 3.0, bottom + 11.0, FONT - 1.0, &[], "exercise start");
        y += 14.0;
    }
    if let Some(v) = &evaluation.violation {
        let x = scale.x(v.at);
        svg.open(
            "g",
            &[("id", "violation".into()), ("class", "broken".into())],
        );
        svg.empty(
            "line",
            &[
                ("x1", num(x)),
                ("y1", num(axis_top)),
                ("x2", num(x)),
                ("y2", num(bottom)),
                ("stroke", RED.into()),
                ("stroke-width", "2".into()),
                ("stroke-dasharray", BROKEN_DASH.into()),
            ],
        );
        // The label reads from the line, or into the chart near the right
        // edge, so it stays in the picture.
        let anchor = if x > WIDTH - 200.0 { "end" } else { "start" };
        let lx = if anchor == "end" { x - 4.0 } else { x + 4.0 };
        svg.text(
            lx,
            y + 12.0,
            FONT,
            &[
                ("fill", RED.into()),
                ("font-weight", "bold".into()),
                ("text-anchor", anchor.into()),
            ],
            &format!("✗ a resolver could fail at {}", clock(v.at)),
        );
        y += 20.0;
        for line in wrap(&v.story, 100) {
            y += 13.0;
            svg.text(12.0, y, FONT - 1.0, &[("fill", RED.into())], &line);
        }
        y += 13.0;
        svg.text(12.0, y, FONT - 1.0, &[("fill", MUTED.into())], v.reference);
        svg.close("g");
        y += 8.0;
    }
    y = legend(&mut svg, y + 10.0);
    svg.finish(&title, y + 8.0)
}

/// The time axis with its ticks; returns the y below it.
fn axis(svg: &mut Svg, scale: &TimeScale, y: f64) -> f64 {
    svg.empty(
        "line",
        &[
            ("x1", num(PLOT_LEFT)),
            ("y1", num(y + 14.0)),
            ("x2", num(PLOT_RIGHT)),
            ("y2", num(y + 14.0)),
            ("stroke", INK.into()),
        ],
    );
    svg.text(
        12.0,
        y + 11.0,
        FONT,
        &[("fill", MUTED.into())],
        "time (UTC)",
    );
    for t in scale.ticks() {
        let x = scale.x(t);
        svg.empty(
            "line",
            &[
                ("x1", num(x)),
                ("y1", num(y + 10.0)),
                ("x2", num(x)),
                ("y2", num(y + 18.0)),
                ("stroke", INK.into()),
            ],
        );
        svg.text(
            x,
            y + 8.0,
            FONT - 2.0,
            &[("text-anchor", "middle".into())],
            &clock(t),
        );
    }
    y + 24.0
}

fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Ds => "DS",
        Kind::Dnskey => "DNSKEY",
        Kind::ZoneSigs => "data",
    }
}

/// A short label that fits the label column, and the full one (a tooltip).
fn short(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(chars.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// One row per RRset version: served (dark), then possibly cached (light).
fn versions(svg: &mut Svg, scale: &TimeScale, versions: &[Version], mut y: f64) -> f64 {
    svg.text(
        12.0,
        y + 10.0,
        FONT,
        &[("font-weight", "bold".into())],
        "RRset versions",
    );
    y += 14.0;
    let mut sorted: Vec<&Version> = versions.iter().collect();
    sorted.sort_by_key(|v| (v.kind, v.seen.first().map(|s| s.0)));
    for v in sorted.iter().take(MAX_VERSIONS) {
        let label = format!("{} {}", kind_label(v.kind), v.tags());
        svg.open("g", &[("class", "version".into())]);
        svg.with_text("title", &[], &format!("{label}, TTL {} s", v.ttl));
        svg.text(20.0, y + ROW - 3.0, FONT - 1.0, &[], &short(&label, 21));
        for ((seen_from, seen_to), (cached_from, cached_to)) in v.seen.iter().zip(&v.cached) {
            bar(
                svg,
                scale,
                *cached_from,
                *cached_to,
                y + 3.0,
                ROW - 6.0,
                "#cccccc",
            );
            bar(
                svg,
                scale,
                *seen_from,
                *seen_to,
                y + 2.0,
                ROW - 4.0,
                "#555555",
            );
        }
        svg.close("g");
        y += ROW;
    }
    if sorted.len() > MAX_VERSIONS {
        svg.text(
            20.0,
            y + ROW - 3.0,
            FONT - 1.0,
            &[("fill", MUTED.into())],
            &format!("… and {} more versions", sorted.len() - MAX_VERSIONS),
        );
        y += ROW;
    }
    y + 6.0
}

fn bar(svg: &mut Svg, scale: &TimeScale, from: i64, to: i64, y: f64, h: f64, fill: &str) {
    let (x1, x2) = (scale.x(from), scale.x(to));
    svg.empty(
        "rect",
        &[
            ("x", num(x1)),
            ("y", num(y)),
            // A version seen once still shows.
            ("width", num((x2 - x1).max(1.5))),
            ("height", num(h)),
            ("fill", fill.into()),
        ],
    );
}

/// A key's four rows; returns the y below them.
fn key_rows(svg: &mut Svg, scale: &TimeScale, h: &KeyHistory, last: i64, mut y: f64) -> f64 {
    let role = if h.key.sep { "KSK" } else { "ZSK" };
    svg.open(
        "g",
        &[
            ("class", "key".into()),
            ("data-key-tag", h.key.tag.to_string()),
        ],
    );
    svg.text(
        12.0,
        y + 11.0,
        FONT,
        &[("font-weight", "bold".into())],
        &format!("key {} {role}, {}", h.key.tag, h.key.algorithm),
    );
    y += 14.0;
    const RECORDS: [&str; 4] = ["DNSKEY", "DS at parent", "signs keys", "signs data"];
    for (record, label) in RECORDS.iter().enumerate() {
        svg.text(20.0, y + ROW - 3.0, FONT - 1.0, &[], label);
        svg.empty(
            "line",
            &[
                ("x1", num(PLOT_LEFT)),
                ("y1", num(y + ROW - 1.0)),
                ("x2", num(PLOT_RIGHT)),
                ("y2", num(y + ROW - 1.0)),
                ("stroke", "#dddddd".into()),
            ],
        );
        for (i, row) in h.rows.iter().enumerate() {
            let until = h.rows.get(i + 1).map_or(last, |next| next.t);
            let state = row.states[record];
            let Some(fill) = state_fill(state) else {
                continue;
            };
            let (x1, x2) = (scale.x(row.t), scale.x(until));
            svg.open(
                "rect",
                &[
                    ("x", num(x1)),
                    ("y", num(y + 2.0)),
                    ("width", num((x2 - x1).max(1.5))),
                    ("height", num(ROW - 4.0)),
                    ("fill", fill.into()),
                    ("stroke", "#333333".into()),
                    ("stroke-width", "0.5".into()),
                ],
            );
            svg.with_text(
                "title",
                &[],
                &format!("key {} {label}: {} from {}", h.key.tag, state, clock(row.t)),
            );
            svg.close("rect");
        }
        y += ROW;
    }
    svg.close("g");
    y + 6.0
}

/// The legend; returns the y below it.
fn legend(svg: &mut Svg, mut y: f64) -> f64 {
    svg.open("g", &[("class", "legend".into())]);
    svg.text(12.0, y, FONT, &[("font-weight", "bold".into())], "Legend");
    y += 6.0;
    let swatches: [(&str, &str); 5] = [
        ("#555555", "RRset version served"),
        ("#cccccc", "may still be cached (TTL)"),
        (
            "url(#dl-rumoured)",
            "rumoured: served, not yet in every cache",
        ),
        ("#1f4e79", "omnipresent: in every cache"),
        ("url(#dl-unretentive)", "unretentive: gone, still in caches"),
    ];
    for (i, (fill, text)) in swatches.iter().enumerate() {
        let (col, row) = (i % 2, i / 2);
        let (x, yy) = (12.0 + col as f64 * 310.0, y + row as f64 * 16.0);
        svg.empty(
            "rect",
            &[
                ("x", num(x)),
                ("y", num(yy + 3.0)),
                ("width", "22".into()),
                ("height", "9".into()),
                ("fill", (*fill).into()),
                ("stroke", "#333333".into()),
                ("stroke-width", "0.5".into()),
            ],
        );
        svg.text(x + 28.0, yy + 11.0, FONT - 1.0, &[], text);
    }
    y += 3.0 * 16.0;
    let lines: [(&str, &str, &str); 2] = [
        (RED, BROKEN_DASH, "a validating resolver could fail here"),
        (INK, "2 3", "the exercise's start"),
    ];
    for (i, (stroke, dash, text)) in lines.iter().enumerate() {
        let x = 12.0 + i as f64 * 310.0;
        svg.empty(
            "line",
            &[
                ("x1", num(x)),
                ("y1", num(y + 7.0)),
                ("x2", num(x + 22.0)),
                ("y2", num(y + 7.0)),
                ("stroke", (*stroke).into()),
                ("stroke-width", "2".into()),
                ("stroke-dasharray", (*dash).into()),
            ],
        );
        svg.text(x + 28.0, y + 11.0, FONT - 1.0, &[], text);
    }
    svg.close("g");
    y + 16.0
}
