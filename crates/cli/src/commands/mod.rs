//! One module per command group; each turns parsed arguments into calls
//! to the library crates and decides the exit status.

mod access;
mod demo;
mod docker;
mod grade;
mod key;
mod lab;
mod serve;
mod signer;
mod web;
mod zone;

use crate::cli::{
    AccessCommand, Command, DsCommand, ExerciseCommand, ImageCommand, KeyCommand, ScenarioCommand,
    ZoneCommand,
};
use std::process::ExitCode;

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Key(KeyCommand::Generate(args)) => key::generate(&args),
        Command::Key(KeyCommand::Ds(args)) => key::ds(&args),
        Command::Key(KeyCommand::Settime(args)) => key::settime(&args),
        Command::Zone(ZoneCommand::Check(args)) => zone::check(&args),
        Command::Zone(ZoneCommand::Sign(args)) => zone::sign(&args),
        Command::Zone(ZoneCommand::Verify(args)) => zone::verify(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Up(args) => lab::up(&args),
        Command::Status(args) => lab::status(&args),
        Command::Down(args) => lab::down(&args),
        Command::Reset(args) => lab::reset(&args),
        Command::TrustAnchor(args) => lab::trust_anchor(&args),
        Command::RootHints(args) => lab::root_hints(&args),
        Command::ResolverConfig(args) => lab::resolver_config(&args),
        Command::SignerConfig(args) => signer::signer_config(&args),
        Command::Web(args) => web::web(&args),
        Command::Ds(DsCommand::Submit(args)) => lab::ds_submit(&args),
        Command::Ds(DsCommand::Withdraw(args)) => lab::ds_withdraw(&args),
        Command::Ds(DsCommand::Show(args)) => lab::ds_show(&args),
        Command::Ds(DsCommand::Scan(args)) => lab::ds_scan(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Zoo(args) => lab::zoo(&args),
        Command::Grade(args) => grade::grade(&args),
        Command::Exercise(ExerciseCommand::List(args)) => grade::exercise_list(&args),
        Command::Exercise(ExerciseCommand::Show(args)) => grade::exercise_show(&args),
        Command::Exercise(ExerciseCommand::Start(args)) => grade::exercise_start(&args),
        Command::Scenario(ScenarioCommand::Check(args)) => grade::scenario_check(&args),
        Command::Scenario(ScenarioCommand::Test(args)) => grade::scenario_test(&args),
        Command::Timeline(args) => grade::timeline(&args),
        Command::Resolve(args) => serve::resolve(&args),
        Command::Image(ImageCommand::Build(args)) => docker::image_build(&args),
        Command::Image(ImageCommand::Ls(args)) => docker::image_ls(&args),
        Command::Image(ImageCommand::Rm(args)) => docker::image_rm(&args),
        Command::Shell(args) => docker::shell(&args),
        Command::Exec(args) => docker::exec(&args),
        Command::Access(AccessCommand::List(args)) => access::list(&args),
        Command::Handout(args) => access::handout(&args),
    }
}

/// Reads a domain name given on the command line.
pub(crate) fn parse_zone_name(text: &str) -> anyhow::Result<dnslab_zone::Name> {
    dnslab_zone::Name::parse_absolute(text)
        .map_err(|e| anyhow::anyhow!("invalid zone name {text:?}: {e}"))
}

/// Reads a time argument relative to now.
pub(crate) fn parse_time(option: &str, text: &str, now: i64) -> anyhow::Result<i64> {
    dnslab_zone::rdata::time::parse_time_arg(text, now).ok_or_else(|| {
        anyhow::anyhow!("invalid {option} {text:?}: use now, now+14d, -1h, YYYYMMDDHHMMSS or seconds since the epoch")
    })
}

/// Resolves on Ctrl-C or SIGTERM: how `serve` and `up` are told to stop.
pub(crate) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
