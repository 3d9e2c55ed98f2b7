//! `dnslab access list` and `dnslab handout`: how trainees reach the lab.
//! Both read the credentials in `<state>/access/` (0600): they are the
//! instructor's commands, and their output holds every trainee's password.

use crate::cli::{AccessListArgs, FormatArg, HandoutArgs, HandoutFormatArg};
use dnslab_lab::LabPlan;
use dnslab_lab::access::{self, Login};
use std::fmt::Write as _;
use std::process::ExitCode;

pub fn list(args: &AccessListArgs) -> anyhow::Result<ExitCode> {
    let (state, plan) = super::lab::existing_lab(&args.state)?;
    let logins = access::logins(&state, &plan)?;
    // The workstations, and their passwords, come with the Docker backend;
    // the list says where they will be.
    note_unless_on_docker(&state, &plan);
    match args.format {
        FormatArg::Json => println!("{}", serde_json::to_string_pretty(&logins)?),
        FormatArg::Text => print!("{}", table(&plan, &logins)),
    }
    Ok(ExitCode::SUCCESS)
}

/// Says, when the lab is not up on Docker, that SSH logins wait for it;
/// returns whether it is.
fn note_unless_on_docker(state: &dnslab_lab::StateDir, plan: &LabPlan) -> bool {
    let on_docker = dnslab_backends::docker::record::load(state).is_some();
    if !on_docker && plan.ssh.is_some() {
        eprintln!(
            "note: lab {} is not up on Docker: SSH logins work once `dnslab up LABFILE --backend docker` has made the workstations; on the embedded backend trainees use the classroom web (`dnslab web`, `dnslab up --web`)",
            plan.workshop
        );
    }
    on_docker
}

fn password_text(plan: &LabPlan, l: &Login) -> String {
    match (&l.password, plan.ssh.as_ref().is_some_and(|s| s.password)) {
        (Some(p), _) => p.clone(),
        (None, false) => format!("(keys only: {})", l.keys),
        (None, true) => "(made by `dnslab up --backend docker`)".to_string(),
    }
}

fn table(plan: &LabPlan, logins: &[Login]) -> String {
    let rows: Vec<[String; 4]> = logins
        .iter()
        .map(|l| {
            [
                l.trainee.clone(),
                l.command.clone(),
                password_text(plan, l),
                l.host_key
                    .clone()
                    .unwrap_or_else(|| "(not made yet)".to_string()),
            ]
        })
        .collect();
    let header = ["trainee", "ssh", "password", "host key"].map(str::to_string);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let line = format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The exercise titles of the lab, in its order.
fn exercise_titles(plan: &LabPlan) -> anyhow::Result<Vec<String>> {
    let scenarios = dnslab_grader::shipped::scenarios()?;
    Ok(plan
        .exercises
        .iter()
        .map(|e| {
            scenarios.iter().find(|s| s.id == *e).map_or_else(
                || e.id().to_string(),
                |s| format!("{} ({})", s.title, e.id()),
            )
        })
        .collect())
}

pub fn handout(args: &HandoutArgs) -> anyhow::Result<ExitCode> {
    let (state, plan) = super::lab::existing_lab(&args.state)?;
    // Without SSH access (or before the workstations exist) the sheets
    // still say where everything is.
    let logins = match access::logins(&state, &plan) {
        Ok(l) if note_unless_on_docker(&state, &plan) => l,
        Ok(_) | Err(access::AccessError::Off { .. }) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let titles = exercise_titles(&plan)?;
    let text = match args.format {
        HandoutFormatArg::Text => text_sheets(&plan, &logins, &titles),
        HandoutFormatArg::Html => html_sheets(&plan, &logins, &titles),
    };
    match &args.output {
        Some(path) => {
            dnslab_zone::writer::write_file_atomically_with_mode(path, Some(0o600), |w| {
                w.write_all(text.as_bytes())
            })
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// One sheet per trainee, separated by form feeds (a new page on a
/// printer and in `pr`).
fn text_sheets(plan: &LabPlan, logins: &[Login], titles: &[String]) -> String {
    let mut sheets = Vec::new();
    for t in &plan.trainees {
        let mut s = String::new();
        let title = format!("{}: {}", plan.workshop, t.name);
        let _ = writeln!(s, "{title}\n{}\n", "=".repeat(title.chars().count()));
        if let Some(l) = logins.iter().find(|l| l.trainee == t.name) {
            let _ = writeln!(s, "Log in to your workstation:  {}", l.command);
            let _ = writeln!(s, "Password:                    {}", password_text(plan, l));
            if let Some(f) = &l.host_key {
                let _ = writeln!(s, "Host key (ssh shows it once): {f}");
            }
            s.push('\n');
        }
        let _ = writeln!(s, "Your zone:      {}", t.zone);
        let _ = writeln!(s, "Your server:    {}", t.auth);
        let _ = writeln!(s, "Your resolver:  {}", t.resolver);
        if !titles.is_empty() {
            let _ = writeln!(s, "\nExercises:");
            for (i, x) in titles.iter().enumerate() {
                let _ = writeln!(s, "  {}. {x}", i + 1);
            }
        }
        sheets.push(s);
    }
    sheets.join("\x0c\n")
}

/// The web's printable handout page, without the web's login lines.
fn html_sheets(plan: &LabPlan, logins: &[Login], titles: &[String]) -> String {
    use dnslab_web::pages;
    let sheets: Vec<pages::Sheet<'_>> = plan
        .trainees
        .iter()
        .map(|t| pages::Sheet {
            workshop: &plan.workshop,
            trainee: t,
            web: None,
            ssh: logins.iter().find(|l| l.trainee == t.name),
            exercises: titles,
        })
        .collect();
    pages::handout_page(&plan.workshop, &sheets).into_string()
}
