//! Pictures of a trainee's work, as SVG documents: the chain of trust
//! from the lab's trust anchor to the trainee's zone, drawn the way DNSViz
//! draws one ([`chain_svg`]), and a rollover timeline in the manner of
//! RFC 7583's figures ([`timeline_svg`]).
//!
//! Both are pure functions from what the grader already gathered (the
//! [`Chain`](crate::chain::Chain) walk with its
//! [`HopView`](crate::chain::HopView)s; the timeline's
//! [`Evaluation`](crate::timeline::Evaluation) and key
//! [`histories`](crate::timeline::states::histories)) to a `String`: no
//! query is made and no rule is judged again here. The documents are
//! written for the CLI (`dnslab grade --format svg`, `dnslab timeline
//! --format svg`) and the classroom web alike:
//!
//! - no JavaScript, no external resources, no fixed size (a `viewBox`,
//!   width 100%), so a page or a phone scales them to its width;
//! - every text from data is escaped ([`svg::escape`]): zone names, node
//!   names and messages come from trainees' zones;
//! - what is broken is red *and* dashed, what is fine green and solid, and
//!   the timeline's states differ in pattern as well as colour, so that a
//!   print in grey still tells them apart; each picture has a legend.

pub mod chain;
pub mod svg;
pub mod timeline;

#[cfg(test)]
mod tests;

pub use chain::{Finding, chain_svg};
pub use timeline::timeline_svg;

/// Broken: red, and dashed (`BROKEN_DASH`) wherever it is a line.
pub(crate) const RED: &str = "#c62828";
pub(crate) const BROKEN_DASH: &str = "6 3";
/// Validated: green and solid.
pub(crate) const GREEN: &str = "#1b7a3a";
/// Text and neutral lines.
pub(crate) const INK: &str = "#222222";
pub(crate) const MUTED: &str = "#666666";

/// The rollover timeline picture of `trainee`, from the lab's recording
/// (`dnslab timeline --format svg` and the classroom web).
pub fn trainee_timeline_svg(
    state: &dnslab_lab::StateDir,
    trainee: &dnslab_lab::Trainee,
) -> Result<String, crate::timeline::TimelineError> {
    use crate::timeline::{self, Timeline, evaluate};
    let recorded = Timeline::read(&timeline::path(state, &trainee.name))?;
    let evaluation = evaluate(&recorded, &trainee.zone);
    let times: Vec<i64> = recorded.points.iter().map(|p| p.t).collect();
    let histories = timeline::states::histories(&evaluation, &times);
    Ok(timeline_svg(&evaluation, &histories))
}
