//! `grade`, `exercise list|show|start`, `scenario check|test`.

use super::lab::{existing_lab, trainee};
use crate::cli::{
    ExerciseListArgs, ExerciseShowArgs, ExerciseStartArgs, GradeArgs, ReportFormatArg,
    ScenarioFilesArgs, ScenarioTestArgs, TimelineArgs, TimelineFormatArg,
};
use anyhow::Context;
use dnslab_grader::grade::{GradeOptions, LabContext, grade_many};
use dnslab_grader::report::{Format, render};
use dnslab_grader::scenario_test::{TEST_LAB_PORT, TestLab, TestLabFile, free_network};
use dnslab_lab::LabPlan;
use dnslab_lab::scenario::{Scenario, load_dir};
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

/// The scenarios from `dir`, or the built-in ones; all validated.
fn scenarios(dir: Option<&Path>) -> anyhow::Result<Vec<Scenario>> {
    match dir {
        None => Ok(dnslab_grader::shipped::scenarios()?),
        Some(dir) => {
            let list = load_dir(dir)?;
            let known = dnslab_grader::checks::known_ids();
            for s in &list {
                s.validate(&known)?;
            }
            Ok(list)
        }
    }
}

fn find<'s>(list: &'s [Scenario], id: &str) -> anyhow::Result<&'s Scenario> {
    list.iter().find(|s| s.id.id() == id).ok_or_else(|| {
        let ids: Vec<&str> = list.iter().map(|s| s.id.id()).collect();
        anyhow::anyhow!("no exercise {id:?}; exercises: {}", ids.join(", "))
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

pub fn grade(args: &GradeArgs) -> anyhow::Result<ExitCode> {
    let (state, plan) = existing_lab(&args.state)?;
    let trainees = if args.trainee.is_empty() {
        plan.trainees.clone()
    } else {
        args.trainee
            .iter()
            .map(|name| trainee(&plan, name).cloned())
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    let all = scenarios(args.scenarios.as_deref())?;
    let ids: Vec<String> = if args.exercise.is_empty() {
        plan.exercises.iter().map(|e| e.id().to_string()).collect()
    } else {
        args.exercise.clone()
    };
    let mut chosen = Vec::new();
    for id in &ids {
        match find(&all, id) {
            Ok(s) => chosen.push(Arc::new(s.clone())),
            // The lab may list exercises without a scenario yet.
            Err(e) if args.exercise.is_empty() => tracing::warn!("{e}"),
            Err(e) => return Err(e),
        }
    }
    if chosen.is_empty() {
        anyhow::bail!("nothing to grade: no exercise of the lab has a scenario file");
    }
    if args.format == ReportFormatArg::Svg {
        svg_preconditions(args, &trainees, &chosen)?;
    }
    let now = dnslab_zone::rdata::time::now();
    let now = match &args.time {
        Some(t) => super::parse_time("--time", t, now)?,
        None => now,
    };
    // A stopped lab would fail every trainee for the lab's absence: no
    // grades then, exit 2 (the one rule for "down" is LabStatus::down).
    if let Some(down) = dnslab_backends::status::grading_blocked(&state, &plan) {
        return Err(down.into());
    }
    let mut opts = GradeOptions::new(now);
    opts.resolver = args.resolver;
    let log = dnslab_grader::attempts::path(&state);
    let lab = Arc::new(LabContext::new(plan, state)?);
    let reports = runtime()?.block_on(grade_many(lab, trainees, chosen, opts));
    // The class record (the instructor's board reads it); a grade is
    // still a grade when it cannot be kept.
    if let Err(e) = dnslab_grader::attempts::append(&log, &reports) {
        eprintln!("dnslab: warning: {}", dnslab_zone::ErrorChain(&e));
    }
    let exit = if reports.iter().all(|r| r.passed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    let format = match args.format {
        ReportFormatArg::Text => Format::Text,
        ReportFormatArg::Json => Format::Json,
        ReportFormatArg::Junit => Format::Junit,
        ReportFormatArg::Csv => Format::Csv,
        ReportFormatArg::Svg => {
            write_chain_pictures(&reports, args.output.as_deref())?;
            return Ok(exit);
        }
    };
    let color = args.color || (args.output.is_none() && std::io::stdout().is_terminal());
    let text = render(&reports, format, color && format == Format::Text);
    match &args.output {
        Some(path) => {
            dnslab_zone::writer::write_file_atomically(path, |w| w.write_all(text.as_bytes()))
                .with_context(|| format!("cannot write {}", path.display()))?
        }
        None => print!("{text}"),
    }
    Ok(exit)
}

/// `grade --format svg` draws the chain walk of an exercise with chain
/// checks, one picture per trainee: refuses before grading when there is
/// nothing to draw or nowhere to put several pictures.
fn svg_preconditions(
    args: &GradeArgs,
    trainees: &[dnslab_lab::Trainee],
    chosen: &[Arc<Scenario>],
) -> anyhow::Result<()> {
    use dnslab_grader::checks::{self, Needs};
    let walks_chain = chosen.iter().any(|s| {
        s.checks
            .iter()
            .any(|c| checks::find(&c.id).is_some_and(|d| d.needs == Needs::Chain))
    });
    if !walks_chain {
        let ids: Vec<&str> = chosen.iter().map(|s| s.id.id()).collect();
        anyhow::bail!(
            "--format svg draws the chain of trust, which no check of {} walks: grade an exercise with chain checks (e.g. --exercise ds-submission)",
            ids.join(", ")
        );
    }
    if trainees.len() > 1 && !args.output.as_deref().is_some_and(Path::is_dir) {
        anyhow::bail!(
            "--format svg with {} trainees writes one picture each: give an existing directory with -o DIR (they become DIR/<trainee>.svg), or one --trainee",
            trainees.len()
        );
    }
    Ok(())
}

/// One chain picture per trainee (from the first report that walked the
/// chain, labelled with that report's first failed chain check): to
/// stdout, to `output`, or as `output/<trainee>.svg` when it is a
/// directory.
fn write_chain_pictures(
    reports: &[dnslab_grader::outcome::GradeReport],
    output: Option<&Path>,
) -> anyhow::Result<()> {
    use dnslab_grader::picture::{Finding, chain_svg};
    let mut drawn: Vec<&str> = Vec::new();
    for report in reports {
        let Some(chain) = &report.chain else {
            continue;
        };
        if drawn.contains(&report.trainee.as_str()) {
            continue;
        }
        drawn.push(&report.trainee);
        let svg = chain_svg(chain, Finding::from_report(report).as_ref());
        match output {
            Some(dir) if dir.is_dir() => {
                let path = dir.join(format!("{}.svg", report.trainee));
                write_file(&path, &svg)?;
            }
            Some(path) => write_file(path, &svg)?,
            None => print!("{svg}"),
        }
    }
    if drawn.is_empty() {
        anyhow::bail!("no chain of trust was walked, so there is no picture to draw");
    }
    Ok(())
}

fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    dnslab_zone::writer::write_file_atomically(path, |w| w.write_all(text.as_bytes()))
        .with_context(|| format!("cannot write {}", path.display()))
}

pub fn exercise_list(args: &ExerciseListArgs) -> anyhow::Result<ExitCode> {
    for s in scenarios(args.scenarios.as_deref())? {
        let points: u32 = s.checks.iter().map(|c| c.points).sum();
        println!(
            "{:<22} {:<13} {:>4} points  {}",
            s.id.id(),
            s.level.as_str(),
            points,
            s.title
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn exercise_show(args: &ExerciseShowArgs) -> anyhow::Result<ExitCode> {
    let all = scenarios(args.scenarios.as_deref())?;
    let s = find(&all, &args.id)?;
    let (text, hints) = match &args.trainee {
        Some(name) => {
            let (state, plan) = existing_lab(&args.state)?;
            let t = trainee(&plan, name)?.clone();
            let for_trainee = Some((&plan, &t, state.path()));
            (
                s.render_instructions(for_trainee),
                s.render_hints(for_trainee),
            )
        }
        None => (s.render_instructions(None), s.render_hints(None)),
    };
    println!("# {} ({}, {})\n", s.title, s.id.id(), s.level.as_str());
    print!("{text}");
    if !hints.is_empty() {
        println!("\n## Hints\n");
        for h in &hints {
            println!("- {h}");
        }
    }
    println!("\n## How it is graded\n");
    for c in &s.checks {
        let title = dnslab_grader::checks::find(&c.id).map_or("", |d| d.title);
        println!("- `{}` ({} points): {title}", c.id, c.points);
    }
    Ok(ExitCode::SUCCESS)
}

/// `dnslab exercise start`: records when the trainee starts the exercise
/// (`dnslab_grader::timeline::start`), so that a rollover exercise is
/// judged on the timeline from now on. Again: the exercise starts over.
pub fn exercise_start(args: &ExerciseStartArgs) -> anyhow::Result<ExitCode> {
    use dnslab_grader::checks::Needs;
    use dnslab_grader::timeline::{ExerciseStarts, start};
    use dnslab_zone::rdata::time;
    let all = scenarios(args.scenarios.as_deref())?;
    let s = find(&all, &args.id)?;
    let (state, plan) = existing_lab(&args.state)?;
    let t = trainee(&plan, &args.trainee)?;
    let now = time::now();
    let path = start::path(&state, &t.name);
    let previous = ExerciseStarts::record(&path, s.id.id(), now)?;
    let uses_timeline = s
        .checks
        .iter()
        .any(|c| dnslab_grader::checks::find(&c.id).is_some_and(|d| d.needs == Needs::Timeline));
    println!(
        "{}: exercise {} started at {}",
        t.name,
        s.id.id(),
        time::format_human(now)
    );
    if let Some(before) = previous {
        println!(
            "  (it had been started at {}: it starts over now)",
            time::format_human(before)
        );
    }
    if uses_timeline {
        println!(
            "  It is judged on your zone's timeline from now on: what caches held before still"
        );
        println!("  counts as cached, but earlier exercises are not its failures.");
        println!(
            "  `dnslab timeline --trainee {}` shows the timeline; `dnslab grade --exercise {} --trainee {}` grades it.",
            t.name,
            s.id.id(),
            t.name
        );
    } else {
        println!(
            "  It is graded on your zone as it is when graded, so the start changes nothing in its grade."
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn scenario_check(args: &ScenarioFilesArgs) -> anyhow::Result<ExitCode> {
    let known = dnslab_grader::checks::known_ids();
    for file in &args.files {
        let s = Scenario::load(file)?;
        s.validate(&known)?;
        println!(
            "{}: ok ({}, {} checks, {} mutants)",
            file.display(),
            s.id.id(),
            s.checks.len(),
            s.mutants.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn scenario_test(args: &ScenarioTestArgs) -> anyhow::Result<ExitCode> {
    let known = dnslab_grader::checks::known_ids();
    let mut list = Vec::new();
    for file in &args.files {
        let s = Scenario::load(file)?;
        s.validate(&known)?;
        list.push(s);
    }
    let (lab_file, port) = match &args.lab {
        Some(path) => {
            let plan = LabPlan::load(path)?;
            let missing: Vec<&str> = list
                .iter()
                .map(|s| s.id.id())
                .filter(|id| !plan.exercises.iter().any(|e| e.id() == *id))
                .collect();
            if !missing.is_empty() {
                eprintln!(
                    "{} does not list the exercise(s) {}: add them to its `exercises:` to test them on it",
                    path.display(),
                    missing.join(", ")
                );
                return Ok(ExitCode::from(2));
            }
            (TestLabFile::Moved(path), plan.port)
        }
        None => (TestLabFile::BuiltIn, TEST_LAB_PORT),
    };
    let octet = match args.network_octet {
        Some(o) => o,
        None => free_network(port)?,
    };
    // What `after:` may name: the files given, else the shipped ones.
    let mut known_scenarios = list.clone();
    for shipped in dnslab_grader::shipped::scenarios()? {
        if !known_scenarios.iter().any(|s| s.id == shipped.id) {
            known_scenarios.push(shipped);
        }
    }
    let dnslab = std::env::current_exe().context("cannot find the dnslab binary")?;
    let lab = TestLab::up(&dnslab, octet, lab_file)?;
    let doer = lab.plan.trainees.first().map_or_else(String::new, |t| {
        format!("trainee {}, zone {}, ", t.name, t.zone)
    });
    println!(
        "test lab up on 127.{octet}.0.0/16 port {port} ({doer}state {})",
        lab.state.path().display()
    );
    let rt = runtime()?;
    let mut failures = 0;
    for s in &list {
        println!("{} ({})", s.file.display(), s.id.id());
        let runs = rt.block_on(lab.test_scenario(s, &known_scenarios))?;
        for run in &runs {
            println!("  {}", run.summary());
            if (!run.ok() || args.reports)
                && let Some(report) = &run.report
            {
                let text = render(std::slice::from_ref(report), Format::Text, false);
                for line in text.lines() {
                    println!("      {line}");
                }
            }
            if !run.ok() {
                failures += 1;
            }
        }
    }
    drop(lab);
    if failures == 0 {
        println!("all scenario runs behave as their files say");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{failures} run(s) differ from what their scenario file says");
        Ok(ExitCode::from(1))
    }
}

pub fn timeline(args: &TimelineArgs) -> anyhow::Result<ExitCode> {
    use dnslab_grader::timeline::{self, Timeline, evaluate};
    let (state, plan) = existing_lab(&args.state)?;
    let t = trainee(&plan, &args.trainee)?;
    let path = timeline::path(&state, &t.name);
    let recorded = Timeline::read(&path)?;
    let evaluation = evaluate(&recorded, &t.zone);
    let out = |text: &str| -> anyhow::Result<()> {
        match &args.output {
            Some(path) => write_file(path, text),
            None => {
                print!("{text}");
                Ok(())
            }
        }
    };
    match args.format {
        TimelineFormatArg::Text => out(&timeline::render_text(&t.name, &recorded, &evaluation))?,
        TimelineFormatArg::Svg => out(&dnslab_grader::picture::trainee_timeline_svg(&state, t)?)?,
        TimelineFormatArg::Json => {
            let times: Vec<i64> = recorded.points.iter().map(|p| p.t).collect();
            let histories = timeline::states::histories(&evaluation, &times);
            let value = serde_json::json!({
                "trainee": t.name,
                "zone": t.zone.to_string(),
                "file": path.display().to_string(),
                "checks": recorded.points.len(),
                "start": evaluation.span.map(|s| s.0),
                "end": evaluation.span.map(|s| s.1),
                "versions": evaluation.versions.iter().map(|v| serde_json::json!({
                    "kind": format!("{:?}", v.kind).to_lowercase(),
                    "content": v.tags(),
                    "ttl": v.ttl,
                    "seen": v.seen,
                })).collect::<Vec<_>>(),
                "keys": histories.iter().map(|h| serde_json::json!({
                    "tag": h.key.tag,
                    "algorithm": h.key.algorithm.0,
                    "ksk": h.key.sep,
                    "states": h.rows.iter().map(|r| serde_json::json!({
                        "t": r.t,
                        "dnskey": r.states[0].as_str(),
                        "ds": r.states[1].as_str(),
                        "krrsig": r.states[2].as_str(),
                        "zrrsig": r.states[3].as_str(),
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "methods": timeline::states::method(&histories),
                "safe": evaluation.is_safe(),
                "violation": evaluation.violation.as_ref().map(|v| serde_json::json!({
                    "at": v.at, "story": v.story, "reference": v.reference,
                })),
            });
            out(&format!("{}\n", serde_json::to_string_pretty(&value)?))?;
        }
    }
    Ok(if evaluation.is_safe() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
