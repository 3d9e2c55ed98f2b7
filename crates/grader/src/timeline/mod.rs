//! Rollover timelines: snapshots of a trainee zone's keys recorded while
//! the lab runs ([`snapshot`], [`file`]: the recorder is
//! [`dnslab_probe::timeline`]'s, shared with the lab's supervisor, and is
//! re-exported here), evaluated for the moments a
//! validating resolver could have failed ([`evaluate`]), and read as key
//! states and a rollover method ([`states`]). A trainee's timeline holds
//! all their exercises; a rollover exercise is judged from the start
//! `dnslab exercise start` recorded ([`start`]), and `dnslab reset` puts
//! both aside ([`archive`]).

pub mod evaluate;
pub use dnslab_probe::timeline::{file, snapshot};
pub mod start;
pub mod states;

#[cfg(test)]
pub(crate) mod tests;

pub use dnslab_probe::timeline::path;
pub use evaluate::{Evaluation, Violation, evaluate, evaluate_since};
pub use file::{Recorder, Timeline, TimelineError};
pub use snapshot::{ServerView, Snapshot, SnapshotTarget};
pub use start::{ExerciseStarts, archive};

/// `dnslab timeline`'s text: the changes of the view, the key states, the
/// rollover method and the verdict.
pub fn render_text(trainee: &str, timeline: &Timeline, evaluation: &Evaluation) -> String {
    use evaluate::{Kind, clock};
    let mut out = String::new();
    let Some((start, end)) = evaluation.span else {
        return format!(
            "no timeline recorded yet for {trainee} (the lab records one while it runs)\n"
        );
    };
    out.push_str(&format!(
        "Timeline of {} (trainee {trainee}): {} checks from {} to {}\n\n",
        evaluation.zone,
        timeline.points.len(),
        dnslab_zone::rdata::time::format_human(start),
        dnslab_zone::rdata::time::format_human(end)
    ));
    out.push_str("Versions (as first and last seen; caches may hold each for its TTL after):\n");
    let mut versions: Vec<&evaluate::Version> = evaluation.versions.iter().collect();
    versions.sort_by_key(|v| (v.seen.first().map(|s| s.0), v.kind));
    for v in versions {
        let kind = match v.kind {
            Kind::Ds => "DS    ",
            Kind::Dnskey => "DNSKEY",
            Kind::ZoneSigs => "data  ",
        };
        let spans: Vec<String> = v
            .seen
            .iter()
            .map(|(a, b)| format!("{}-{}", clock(*a), clock(*b)))
            .collect();
        out.push_str(&format!("  {kind} {:<19} {}\n", spans.join(", "), v.tags()));
    }
    let times: Vec<i64> = timeline.points.iter().map(|p| p.t).collect();
    let histories = states::histories(evaluation, &times);
    out.push_str(
        "\nKey states (DNSKEY, DS, KRRSIG = signs the DNSKEY RRset, ZRRSIG = signs the data):\n",
    );
    out.push_str(&states::render(&histories));
    let methods = states::method(&histories);
    out.push_str(&format!(
        "\nRollover: {}\n",
        if methods.is_empty() {
            "none seen".to_string()
        } else {
            methods.join("; ")
        }
    ));
    match &evaluation.violation {
        None => out.push_str(&format!(
            "Safe: no validating resolver could have failed ({} instants, {} cache combinations checked).\n",
            evaluation.instants, evaluation.combinations
        )),
        Some(v) => out.push_str(&format!("UNSAFE ({}): {}\n", v.reference, v.story)),
    }
    out
}
