//! `dnslab up|status|down|reset|trust-anchor|root-hints|ds …|zoo`: the lab.

use super::web::Classroom;
use crate::cli::{
    AnchorFormat, BackendArg, DownArgs, DsSubmitArgs, DsTraineeArgs, FormatArg, ResetArgs,
    StateArgs, StatusArgs, TrustAnchorArgs, UpArgs, ZooArgs,
};
use anyhow::{Context, bail};
use dnslab_backends::docker;
use dnslab_backends::lab_zones::{self, parent_of, submitted_ds};
use dnslab_backends::supervisor::{self, ready_file, running_pid};
use dnslab_backends::{embedded, nodes, status::LabStatus};
use dnslab_lab::{LabPlan, StateDir, StateError, Supervisor, Trainee};
use dnslab_zone::keys::Key;
use dnslab_zone::{Name, Record};
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn locate(args: &StateArgs, workshop: Option<&str>) -> anyhow::Result<StateDir> {
    Ok(StateDir::locate(args.state_dir.as_deref(), workshop)?)
}

/// The state directory and the plan of the lab it holds.
pub(crate) fn existing_lab(args: &StateArgs) -> anyhow::Result<(StateDir, LabPlan)> {
    let state = locate(args, None)?;
    let mut plan = state.load_plan().with_context(|| {
        format!(
            "no lab in {}: start one with `dnslab up LABFILE`",
            state.path().display()
        )
    })?;
    // A Docker lab: its nodes are on its bridge network, reached through
    // their published ports.
    if let Some(record) = docker::record::load(&state) {
        record.apply(&mut plan);
    }
    Ok((state, plan))
}

pub(crate) fn trainee<'p>(plan: &'p LabPlan, name: &str) -> anyhow::Result<&'p Trainee> {
    plan.trainee(name).ok_or_else(|| {
        let names: Vec<&str> = plan.trainees.iter().map(|t| t.name.as_str()).collect();
        anyhow::anyhow!(
            "no trainee {name:?} in lab {}; trainees: {}",
            plan.workshop,
            names.join(", ")
        )
    })
}

/// The runtime of the lab commands (embedded supervisor, Docker calls).
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("dnslab-lab")
        .build()
        .context("cannot start the runtime")
}

/// `up` of a lab that runs: the same lab file is nothing to do; exercises
/// and description are taken live; any other change is refused (exit 2)
/// with what differs and what to run, since the running servers were
/// planned from the old file.
fn up_while_running(
    args: &UpArgs,
    plan: &LabPlan,
    state: &StateDir,
    pid: u32,
) -> anyhow::Result<ExitCode> {
    use dnslab_lab::plan_diff::plan_changes;
    let running = state.recorded_plan()?;
    let changes = plan_changes(&running, plan);
    if changes.is_empty() {
        println!(
            "lab {} is already running (pid {pid}); see `dnslab status`",
            plan.workshop
        );
        return Ok(ExitCode::SUCCESS);
    }
    let (live, fixed): (Vec<_>, Vec<_>) = changes.iter().partition(|c| c.applies_live());
    if fixed.is_empty() {
        state.record_lab_file(plan)?;
        for change in &live {
            println!("lab {}: {change} (applied)", plan.workshop);
        }
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "dnslab: error: lab {} is running (pid {pid}) from another version of {}:",
        plan.workshop,
        args.labfile.display()
    );
    for change in &changes {
        eprintln!("  - {change}");
    }
    eprintln!(
        "A running lab cannot take {}. Run `dnslab down`, then `dnslab up {}` again: \
         the lab keys, the trainees' workspaces and their timelines are kept.",
        fixed
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join("; "),
        args.labfile.display()
    );
    Ok(ExitCode::from(2))
}

pub fn up(args: &UpArgs) -> anyhow::Result<ExitCode> {
    if args.backend == BackendArg::Docker {
        return up_docker(args);
    }
    let plan = LabPlan::load(&args.labfile)?;
    let state = locate(&args.state, Some(&plan.workshop))?;
    if docker::record::load(&state).is_some() && !args.supervise {
        bail!(
            "lab {} last ran on Docker; take it down first (`dnslab down --state-dir {}`) or use --backend docker",
            plan.workshop,
            state.path().display()
        );
    }
    if plan.runs_workstation && !args.supervise {
        eprintln!(
            "note: trainee workstations (nodes.workstation) run on the Docker backend only; use --backend docker"
        );
    }
    if args.supervise {
        // The detached child: the parent prepared the state already.
        let web = classroom(args, &state, &plan)?;
        runtime()?.block_on(beside_web(web, async {
            Ok(embedded::run(plan, state, super::shutdown_signal()).await?)
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    // Before anything reads or writes there: the directory is (made) this
    // workshop's state directory, or `up` refuses.
    state.claim(&plan.workshop)?;
    if let Some(pid) = running_pid(&state) {
        return up_while_running(args, &plan, &state, pid);
    }
    let started = Instant::now();
    embedded::prepare(&plan, &state)?;
    // The classroom web's logins, made with the lab (`dnslab web tokens`).
    dnslab_web::Tokens::load_or_create(&state, &plan)?;
    if args.detach {
        return detach(args, &plan, &state, started);
    }
    let (workshop, nodes, path) = (
        plan.workshop.clone(),
        nodes::run_count(&plan, &state),
        state.path().to_path_buf(),
    );
    let ready_state = state.clone();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if supervisor::is_ready(&ready_state, std::process::id()) {
                println!(
                    "lab {workshop} is up: {nodes} nodes answering in {:.2} s; state in {}; Ctrl-C stops it",
                    started.elapsed().as_secs_f64(),
                    path.display()
                );
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let web = classroom(args, &state, &plan)?;
    runtime()?.block_on(beside_web(web, async {
        Ok(embedded::run(plan, state, super::shutdown_signal()).await?)
    }))?;
    println!("lab stopped");
    Ok(ExitCode::SUCCESS)
}

/// `up --backend docker`: bring-up (idempotent: it also heals), then the
/// host supervisor, detached or in the foreground.
fn up_docker(args: &UpArgs) -> anyhow::Result<ExitCode> {
    let mut plan = LabPlan::load(&args.labfile)?;
    let state = locate(&args.state, Some(&plan.workshop))?;
    let rt = runtime()?;
    if args.supervise {
        let record = docker::record::load(&state).with_context(|| {
            format!(
                "no Docker record in {}: `dnslab up --backend docker` writes it",
                state.path().display()
            )
        })?;
        record.apply(&mut plan);
        let web = classroom(args, &state, &plan)?;
        rt.block_on(beside_web(web, async {
            Ok(docker::lab::supervise(plan, state, record, super::shutdown_signal()).await?)
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let started = Instant::now();
    let bars = super::docker::Bars::new();
    let report = rt.block_on(docker::lab::bring_up(&mut plan, &state, &bars))?;
    // A supervisor from an earlier `up` holds the old port map: replaced,
    // once the lab is up (a failed `up` leaves it supervising).
    if let Some(supervisor) = state.supervisor().running()
        && !supervisor::stop(supervisor, Duration::from_secs(10))
    {
        bail!(
            "the running lab supervisor (pid {}) did not stop",
            supervisor.pid
        );
    }
    println!(
        "lab {} is up on Docker: {} containers answering in {:.2} s{}; network {} ({}); state in {}",
        plan.workshop,
        report.nodes,
        started.elapsed().as_secs_f64(),
        if report.image_built {
            " (node image built)"
        } else {
            ""
        },
        report.record.network,
        report.record.subnet,
        state.path().display()
    );
    dnslab_web::Tokens::load_or_create(&state, &plan)?;
    if let (Some(ssh), Some(first), Some(last)) =
        (&plan.ssh, plan.trainees.first(), plan.trainees.last())
    {
        println!(
            "trainees log in by SSH on {}, ports {}–{}: their logins in `dnslab access list`, printable in `dnslab handout`",
            ssh.bind,
            ssh.port(first),
            ssh.port(last)
        );
    }
    if args.detach {
        return detach(args, &plan, &state, started);
    }
    println!("Ctrl-C stops the lab and removes its containers");
    let record = report.record;
    let workshop = plan.workshop.clone();
    let web = classroom(args, &state, &plan)?;
    let supervised = state.clone();
    rt.block_on(beside_web(web, async {
        Ok(docker::lab::supervise(plan, supervised, record, super::shutdown_signal()).await?)
    }))?;
    let down = rt.block_on(docker::lab::tear_down(Some(&workshop)))?;
    docker::record::remove(&state);
    println!(
        "lab stopped: {} containers and {} network removed",
        down.containers,
        down.networks.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Starts the supervisor in the background (this binary, `up
/// --supervise`) and waits until it is ready.
fn detach(
    args: &UpArgs,
    plan: &LabPlan,
    state: &StateDir,
    started: Instant,
) -> anyhow::Result<ExitCode> {
    let exe = std::env::current_exe().context("cannot find the dnslab executable")?;
    let mut command = std::process::Command::new(exe);
    command
        .arg("up")
        .arg(&args.labfile)
        .arg("--state-dir")
        .arg(state.path())
        .arg("--supervise")
        .arg("--backend")
        .arg(match args.backend {
            BackendArg::Embedded => "embedded",
            BackendArg::Docker => "docker",
        });
    if let Some(listen) = args.web {
        // A taken port is said here, not in the supervisor's log.
        std::net::TcpListener::bind(listen)
            .with_context(|| format!("the classroom web cannot listen on {listen}"))?;
        command.arg("--web").arg(listen.to_string());
        if let Some(url) = &args.public_url {
            command.arg("--public-url").arg(url);
        }
    }
    let pid = supervisor::start_detached(command, state)?;
    if let Some(listen) = args.web {
        println!(
            "classroom web on {}: logins in `dnslab web tokens` (or the printable /handout)",
            args.public_url
                .clone()
                .unwrap_or_else(|| format!("http://{listen}"))
        );
    }
    if args.backend == BackendArg::Docker {
        println!("supervisor pid {pid}");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "lab {} is up: {} nodes answering in {:.2} s (supervisor pid {pid}); state in {}",
        plan.workshop,
        nodes::run_count(plan, state),
        started.elapsed().as_secs_f64(),
        state.path().display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The classroom web `up --web` serves beside the lab, if asked for.
fn classroom(args: &UpArgs, state: &StateDir, plan: &LabPlan) -> anyhow::Result<Option<Classroom>> {
    args.web
        .map(|listen| Classroom::new(state.clone(), plan.clone(), listen, args.public_url.clone()))
        .transpose()
}

/// Runs `lab` to its end with the classroom web (if any) served beside it:
/// the web's socket is bound first, so that a taken port stops `up` before
/// the lab starts; the web stops with the lab.
async fn beside_web(
    web: Option<Classroom>,
    lab: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    let Some(web) = web else {
        return lab.await;
    };
    let listener = web.bind().await?;
    println!(
        "classroom web on {}: logins in `dnslab web tokens` (or the printable /handout)",
        web.public_url
    );
    let served = tokio::spawn(async move {
        if let Err(e) = web.serve(listener).await {
            tracing::error!("{e:#}");
        }
    });
    let result = lab.await;
    served.abort();
    result
}

/// The lab's status now ([`dnslab_backends::status::collect`]).
pub fn current_status(state: &StateDir, plan: &LabPlan) -> LabStatus {
    dnslab_backends::status::collect(state, plan)
}

pub fn status(args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let (state, plan) = existing_lab(&args.state)?;
    let status = current_status(&state, &plan);
    match args.format {
        FormatArg::Json => println!("{}", serde_json::to_string_pretty(&status)?),
        FormatArg::Text => {
            let running = match status.pid {
                Some(pid) => format!("running (pid {pid})"),
                None => "stopped".to_string(),
            };
            println!(
                "lab {} ({} backend): {running}; state in {}",
                status.workshop, status.backend, status.state_dir
            );
            let docker = status.backend == "docker";
            println!(
                "{:<22} {:<19} {:<10} {:<22} {}{:<8} zones",
                "node",
                "role",
                "trainee",
                "address",
                if docker {
                    format!("{:<17} ", "host")
                } else {
                    String::new()
                },
                "health"
            );
            for n in &status.nodes {
                // A node whose zone file does not load serves an older version.
                let health = match (n.healthy, &n.zone_error) {
                    (false, _) => "DOWN",
                    (true, Some(_)) => "STALE",
                    (true, None) => "ok",
                };
                // On Docker: where this host reaches the node.
                let host = if docker {
                    format!("{:<17} ", n.host.as_deref().unwrap_or("-"))
                } else {
                    String::new()
                };
                println!(
                    "{:<22} {:<19} {:<10} {:<22} {host}{:<8} {}{}",
                    n.name,
                    n.role,
                    n.trainee.as_deref().unwrap_or("-"),
                    n.address,
                    health,
                    n.zones.join(" "),
                    n.note
                        .as_deref()
                        .map(|x| format!("  ({x})"))
                        .unwrap_or_default()
                );
                if let Some(e) = &n.zone_error {
                    println!(
                        "{:<22} the zone file does not load: {e}; the node serves the last version that loaded",
                        ""
                    );
                }
            }
            println!();
            for t in &status.trainees {
                println!(
                    "{:<10} zone {:<16} auth {:<18} resolver {:<18} serves {}",
                    t.name, t.zone, t.auth, t.resolver, t.zone_file
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn down(args: &DownArgs) -> anyhow::Result<ExitCode> {
    let state = locate(&args.state, args.workshop.as_deref())?;
    // A purge that would be refused is refused before anything stops, so
    // that a mistyped --state-dir changes nothing (dnslab_lab::ownership).
    if args.purge && state.path().exists() {
        let marked = state.marked_workshop()?;
        if let Some(asked) = args.workshop.as_ref().filter(|&w| *w != marked) {
            return Err(StateError::OtherWorkshop {
                path: state.path().to_path_buf(),
                marked,
                asked: asked.clone(),
            }
            .into());
        }
    }
    let record = docker::record::load(&state);
    match state.supervisor() {
        Supervisor::Running(supervisor) => {
            if !supervisor::stop(&supervisor, Duration::from_secs(10)) {
                bail!("the lab supervisor (pid {}) did not stop", supervisor.pid);
            }
            println!("lab stopped (pid {})", supervisor.pid);
        }
        Supervisor::Stale { pid } => println!(
            "the lab was not running: its pid file names pid {pid}, which is not a lab \
             supervisor (any more); that process was left alone"
        ),
        Supervisor::Absent => println!("the lab was not running"),
    }
    // dnslab's own files go only from a directory `up` marked as a state
    // directory.
    let marked = state.marked_workshop().is_ok();
    if marked {
        for stale in [state.pid_file(), ready_file(&state)] {
            let _ = std::fs::remove_file(stale);
        }
    }
    // Docker objects go by their labels, so this works also when the
    // state directory is gone (`--workshop`).
    let docker_workshop = args
        .workshop
        .clone()
        .or_else(|| record.as_ref().map(|r| r.workshop.clone()));
    if let Some(workshop) = docker_workshop {
        let down = runtime()?.block_on(docker::lab::tear_down(Some(&workshop)))?;
        if marked {
            docker::record::remove(&state);
        }
        println!(
            "Docker lab {workshop}: removed {} containers, {} networks, {} volumes",
            down.containers,
            down.networks.len(),
            down.volumes.len()
        );
    }
    if !args.purge {
        println!(
            "trainee workspaces and lab keys are kept in {}; `down --purge` removes them",
            state.path().display()
        );
    } else if !state.path().exists() {
        println!(
            "{} does not exist: nothing to remove",
            state.path().display()
        );
    } else {
        let report = state.purge()?;
        if report.directory_removed {
            println!(
                "removed {} (lab keys and trainee workspaces)",
                state.path().display()
            );
        } else {
            println!(
                "removed the lab keys, trainee workspaces and the rest of dnslab's files from {}",
                state.path().display()
            );
            eprintln!(
                "dnslab: note: kept what dnslab did not make in {}: {}",
                state.path().display(),
                report.kept.join(", ")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn reset(args: &ResetArgs) -> anyhow::Result<ExitCode> {
    let (state, plan) = existing_lab(&args.state)?;
    let t = trainee(&plan, &args.trainee)?;
    for line in reset_trainee(&state, &plan, t)? {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Puts `t` back at the start (`dnslab reset`); returns what was done.
pub(crate) fn reset_trainee(
    state: &StateDir,
    plan: &LabPlan,
    t: &Trainee,
) -> anyhow::Result<Vec<String>> {
    let mut said = Vec::new();
    let attic = state.reset_trainee(plan, &t.name)?;
    // On Docker the trainee's containers mount the workspace directory,
    // which reset replaced: they are made again.
    if let Some(record) = docker::record::load(state) {
        let n =
            runtime()?.block_on(docker::lab::recreate_trainee(plan, state, &record, &t.name))?;
        said.push(format!(
            "{}: {n} containers re-created on the new workspace",
            t.name
        ));
    }
    // Back to the start means the parent has no DS any more either.
    if !submitted_ds(state, t)?.is_empty() {
        put_ds(state, plan, t, &[])?;
    }
    // The timeline and exercise starts go with the old workspace: the
    // lab records a new timeline and no exercise is started.
    let archived = dnslab_grader::timeline::archive(state, &t.name, attic.as_deref())?;
    said.push(match attic {
        Some(old) => format!(
            "{}: workspace reset; the old one is in {}",
            t.name,
            old.display()
        ),
        None => format!("{}: workspace reset", t.name),
    });
    for file in archived {
        said.push(format!("{}: put aside {}", t.name, file.display()));
    }
    Ok(said)
}

pub fn trust_anchor(args: &TrustAnchorArgs) -> anyhow::Result<ExitCode> {
    let (state, plan) = existing_lab(&args.state)?;
    let ds = state.ds_records(&Name::root(), plan.timers.ds_ttl)?;
    match args.format {
        AnchorFormat::Ds => ds.iter().for_each(|r| println!("{r}")),
        AnchorFormat::Dnskey => lab_zones::root_anchor(&state, &plan)?
            .iter()
            .for_each(|r| println!("{r}")),
        AnchorFormat::Unbound => {
            println!(
                "# unbound.conf, server: section — the lab {} root trust anchor",
                plan.workshop
            );
            for r in &ds {
                println!("trust-anchor: \". DS {}\"", r.rdata_text());
            }
        }
        AnchorFormat::Bind => {
            println!("# named.conf — the lab {} root trust anchor", plan.workshop);
            println!("trust-anchors {{");
            for r in &ds {
                println!(
                    "    . static-ds {};",
                    dnslab_lab::peer_resolver::bind_ds_fields(&r.rdata_text())
                );
            }
            println!("}};");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `dnslab resolver-config`: a whole Unbound or BIND configuration that
/// validates through the lab, on any lab port.
pub fn resolver_config(args: &crate::cli::ResolverConfigArgs) -> anyhow::Result<ExitCode> {
    use dnslab_lab::peer_resolver;
    let (state, plan) = existing_lab(&args.state)?;
    let anchors = state.ds_records(&Name::root(), plan.timers.ds_ttl)?;
    let text = match args.format {
        crate::cli::PeerResolverFormat::Unbound => {
            peer_resolver::unbound_conf(&plan, &anchors, args.listen)
        }
        crate::cli::PeerResolverFormat::Bind => {
            peer_resolver::named_conf(&plan, &anchors, args.listen, &args.directory)
        }
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

pub fn root_hints(args: &StateArgs) -> anyhow::Result<ExitCode> {
    let (_, plan) = existing_lab(args)?;
    println!(
        "; root hints for the lab {} (a hints file for Unbound's root-hints or BIND's hint zone)",
        plan.workshop
    );
    if plan.port != 53 {
        println!(
            "; NOTE: this lab listens on port {}; hints files carry no port, so point resolvers at",
            plan.port
        );
        println!(
            ";       {} with stub zones: `dnslab resolver-config` writes them",
            plan.root_node().address
        );
    }
    print!("{}", dnslab_backends::resolver::root_hints_text(&plan)?);
    Ok(ExitCode::SUCCESS)
}

/// The DS records a registrar's form would take from `text`
/// ([`lab_zones::ds_from_text`]).
pub(crate) fn ds_from_text(t: &Trainee, ds_ttl: u32, text: &str) -> anyhow::Result<Vec<Record>> {
    Ok(lab_zones::ds_from_text(t, ds_ttl, text)?)
}

/// Puts `records` as `t`'s DS set in the TLD and re-signs it
/// ([`lab_zones::submit_ds`]); returns the signed TLD file.
pub(crate) fn put_ds(
    state: &StateDir,
    plan: &LabPlan,
    t: &Trainee,
    records: &[Record],
) -> anyhow::Result<std::path::PathBuf> {
    Ok(lab_zones::submit_ds(state, plan, t, records)?)
}

pub fn ds_submit(args: &DsSubmitArgs) -> anyhow::Result<ExitCode> {
    let (state, plan) = existing_lab(&args.state)?;
    let t = trainee(&plan, &args.trainee)?;
    let mut records = Vec::new();
    if let Some(keyfile) = &args.key {
        let key = Key::read(keyfile)?;
        let ds = lab_zones::ds_of_key(t, plan.timers.ds_ttl, &key, keyfile)?;
        if !key.is_sep() {
            eprintln!(
                "dnslab: warning: key {} has no SEP flag (a ZSK); the DS of the KSK is what parents hold",
                key.tag()
            );
        }
        records.push(ds);
    }
    for text in &args.ds {
        records.extend(ds_from_text(t, plan.timers.ds_ttl, text)?);
    }
    let signed = put_ds(&state, &plan, t, &records)?;
    println!(
        "{}: {} DS record(s) now in {} ({}):",
        t.name,
        records.len(),
        parent_of(t),
        signed.display()
    );
    for r in &records {
        println!("  {r}");
    }
    report_served(&plan, t, wait_until_served(&state, &plan, t, &records));
    Ok(ExitCode::SUCCESS)
}

pub fn ds_withdraw(args: &DsTraineeArgs) -> anyhow::Result<ExitCode> {
    let (state, plan) = existing_lab(&args.state)?;
    let t = trainee(&plan, &args.trainee)?;
    put_ds(&state, &plan, t, &[])?;
    println!(
        "{}: no DS for {} in {} any more; the zone is insecure",
        t.name,
        t.zone,
        parent_of(t)
    );
    report_served(&plan, t, wait_until_served(&state, &plan, t, &[]));
    Ok(ExitCode::SUCCESS)
}

/// What `ds submit` and `ds withdraw` print after waiting.
fn report_served(plan: &LabPlan, t: &Trainee, served: Option<bool>) {
    let apex = plan
        .tld(&t.tld)
        .map_or_else(|| t.tld.clone(), |tld| tld.apex.to_string());
    match served {
        Some(true) => println!("{apex} serves it now"),
        Some(false) => eprintln!(
            "dnslab: warning: {apex} does not serve the new DS set yet; check `dnslab status`"
        ),
        None => {}
    }
}

/// When the lab runs, waits until `t`'s TLD serves exactly `records`
/// ([`lab_zones::wait_until_ds_served`]).
pub(crate) fn wait_until_served(
    state: &StateDir,
    plan: &LabPlan,
    t: &Trainee,
    records: &[Record],
) -> Option<bool> {
    lab_zones::wait_until_ds_served(state, plan, t, records)
}

pub fn ds_show(args: &DsTraineeArgs) -> anyhow::Result<ExitCode> {
    let (state, plan) = existing_lab(&args.state)?;
    let t = trainee(&plan, &args.trainee)?;
    let records = submitted_ds(&state, t)?;
    if records.is_empty() {
        println!("; no DS for {} in {}", t.zone, parent_of(t));
    }
    for r in &records {
        println!(
            "{}",
            Record {
                ttl: plan.timers.ds_ttl,
                ..r.clone()
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn ds_scan(args: &crate::cli::DsScanArgs) -> anyhow::Result<ExitCode> {
    use dnslab_backends::cds::{CdsDecision, scan_trainee};
    let (state, plan) = existing_lab(&args.state)?;
    let trainees: Vec<&Trainee> = if args.trainee.is_empty() {
        plan.trainees.iter().collect()
    } else {
        args.trainee
            .iter()
            .map(|n| trainee(&plan, n))
            .collect::<anyhow::Result<_>>()?
    };
    for t in trainees {
        let decision = scan_trainee(&state, &plan, t)?;
        // A changed DS set is in the TLD's zone file; wait until the TLD
        // serves it, as `ds submit` does.
        let served = match &decision {
            CdsDecision::Accept(ds) => Some(ds.clone()),
            CdsDecision::Delete => Some(Vec::new()),
            _ => None,
        };
        let text = match decision {
            CdsDecision::NoCds => "no CDS/CDNSKEY published: nothing to do".to_string(),
            CdsDecision::Unchanged => "CDS matches the DS set: nothing to do".to_string(),
            CdsDecision::Accept(ds) => {
                format!("DS set replaced from CDS/CDNSKEY ({} record(s))", ds.len())
            }
            CdsDecision::Delete => "delete request honoured: DS removed (RFC 8078)".to_string(),
            CdsDecision::Refuse(reason) => format!("refused: {reason}"),
        };
        println!("{} ({}): {text}", t.name, t.zone);
        if let Some(ds) = served {
            report_served(&plan, t, wait_until_served(&state, &plan, t, &ds));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `dnslab zoo`: the catalogue of the bogus zoo. Static: the same for every
/// lab with a zoo, so it needs no lab state.
pub fn zoo(args: &ZooArgs) -> anyhow::Result<ExitCode> {
    use dnslab_lab::zoo::{FIXTURES, ede};
    match args.format {
        FormatArg::Json => {
            let list: Vec<serde_json::Value> = FIXTURES
                .iter()
                .map(|f| {
                    serde_json::json!({
                        "name": f.label,
                        "zone": f.apex().to_string(),
                        "qname": f.qname().to_string(),
                        "qtype": f.qtype.to_string(),
                        "expect": f.expect.as_str(),
                        "rcode": f.rcode(),
                        "ede": f.ede,
                        "summary": f.summary,
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&list)?);
        }
        FormatArg::Text => {
            println!(
                "{:<21} {:<32} {:<5} {:<9} {:<9} {:<8} summary",
                "fixture", "query", "type", "expect", "rcode", "EDE"
            );
            for f in FIXTURES {
                let codes: Vec<String> = f.ede.iter().map(u16::to_string).collect();
                println!(
                    "{:<21} {:<32} {:<5} {:<9} {:<9} {:<8} {}",
                    f.label,
                    f.qname().to_string(),
                    f.qtype.to_string(),
                    f.expect.as_str(),
                    f.rcode(),
                    if codes.is_empty() {
                        "-".to_string()
                    } else {
                        codes.join(",")
                    },
                    f.summary
                );
            }
            let mut used: Vec<u16> = FIXTURES
                .iter()
                .flat_map(|f| f.ede.iter().copied())
                .collect();
            used.sort_unstable();
            used.dedup();
            println!();
            println!(
                "Query with a validating resolver that has the lab's trust anchor (`dnslab trust-anchor`)."
            );
            println!(
                "secure: the answer with AD; insecure: the answer without AD; bogus: SERVFAIL."
            );
            println!("EDE (RFC 8914) a resolver may attach:");
            for code in used {
                println!("  {code:>2} {}", ede::name(code));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
