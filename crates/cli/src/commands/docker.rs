//! `dnslab image …` and the Docker backend's progress display.

use crate::cli::{
    ExecArgs, FormatArg, ImageBuildArgs, ImageKindArg, ImageLsArgs, ImageRmArgs, ShellArgs,
};
use dnslab_backends::docker::image::{self, ImageKind};
use dnslab_backends::docker::{self, Progress};
use indicatif::{ProgressBar, ProgressStyle};
use std::process::ExitCode;
use std::sync::Mutex;

fn kind(arg: ImageKindArg) -> ImageKind {
    match arg {
        ImageKindArg::Node => ImageKind::Node,
        ImageKindArg::Trainee => ImageKind::Trainee,
    }
}

pub fn image_build(args: &ImageBuildArgs) -> anyhow::Result<ExitCode> {
    let kind = kind(args.kind);
    let built = super::lab::runtime()?.block_on(async {
        let engine = docker::connect().await?;
        match (kind, &args.rootfs) {
            (ImageKind::Node, None) => image::ensure_node_image(&engine, args.force).await,
            (ImageKind::Trainee, Some(rootfs)) => {
                image::build_trainee_image(&engine, rootfs, args.force).await
            }
            (ImageKind::Node, Some(_)) => Err(docker::DockerError::Setup(
                "the node image is built from this dnslab alone: drop --rootfs".to_string(),
            )),
            (ImageKind::Trainee, None) => Err(docker::DockerError::Setup(
                "the trainee image needs a Debian root filesystem: give --rootfs DIR (made with debootstrap), or build docker/trainee.Dockerfile where a registry is reachable".to_string(),
            )),
        }
    })?;
    if built {
        println!("built {}", kind.reference());
    } else {
        println!("{} is up to date", kind.reference());
    }
    Ok(ExitCode::SUCCESS)
}

pub fn image_ls(args: &ImageLsArgs) -> anyhow::Result<ExitCode> {
    let images = super::lab::runtime()?.block_on(async {
        let engine = docker::connect().await?;
        image::list(&engine).await
    })?;
    match args.format {
        FormatArg::Json => println!("{}", serde_json::to_string_pretty(&images)?),
        FormatArg::Text => {
            if images.is_empty() {
                println!("no dnslab images; `dnslab image build node` makes the node image");
            }
            for i in &images {
                let id = i.id.trim_start_matches("sha256:");
                println!(
                    "{:<8} {:<28} {:<12} {:>7.1} MB",
                    i.kind,
                    i.tags.first().map_or("<untagged>", String::as_str),
                    id.get(..12).unwrap_or(id),
                    i.size as f64 / 1e6
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn image_rm(args: &ImageRmArgs) -> anyhow::Result<ExitCode> {
    let removed = super::lab::runtime()?.block_on(async {
        let engine = docker::connect().await?;
        image::remove(&engine, args.kind.map(kind)).await
    })?;
    if removed.is_empty() {
        println!("no dnslab image to remove");
    }
    for r in removed {
        println!("removed {r}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Progress bars on a terminal (indicatif draws nothing when stderr is
/// not one).
pub(crate) struct Bars {
    bar: Mutex<Option<ProgressBar>>,
}

impl Bars {
    pub(crate) fn new() -> Bars {
        Bars {
            bar: Mutex::new(None),
        }
    }
}

impl Progress for Bars {
    fn start(&self, step: &str, total: u64) {
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} {msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(step.to_string());
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    fn done(&self, item: &str) {
        if let Ok(slot) = self.bar.lock()
            && let Some(bar) = slot.as_ref()
        {
            bar.set_message(item.to_string());
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some(bar) = slot.take()
        {
            bar.finish_and_clear();
        }
    }
}

/// The exit status of a command that ended with `code`.
fn exit_status(code: i64) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(if code == 0 { 0 } else { 1 }))
}

fn workstation_of(
    state: &crate::cli::StateArgs,
    trainee: &str,
) -> anyhow::Result<(String, String)> {
    let (_, plan) = super::lab::existing_lab(state)?;
    let t = super::lab::trainee(&plan, trainee)?;
    Ok((plan.workshop.clone(), t.name.clone()))
}

pub fn shell(args: &ShellArgs) -> anyhow::Result<ExitCode> {
    let (workshop, trainee) = workstation_of(&args.state, &args.trainee)?;
    let code = super::lab::runtime()?.block_on(async {
        let engine = docker::connect().await?;
        let container = docker::exec::workstation(&engine, &workshop, &trainee).await?;
        docker::exec::shell(
            &engine,
            &container,
            vec!["/bin/bash".to_string(), "-l".to_string()],
        )
        .await
    })?;
    Ok(exit_status(code))
}

pub fn exec(args: &ExecArgs) -> anyhow::Result<ExitCode> {
    let (workshop, trainee) = workstation_of(&args.state, &args.trainee)?;
    let code = super::lab::runtime()?.block_on(async {
        let engine = docker::connect().await?;
        let container = docker::exec::workstation(&engine, &workshop, &trainee).await?;
        docker::exec::run(&engine, &container, args.command.clone()).await
    })?;
    Ok(exit_status(code))
}
