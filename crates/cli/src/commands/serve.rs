//! `dnslab serve`: the authoritative server for pre-signed zones.

use crate::cli::ServeArgs;
use anyhow::Context;
use dnslab_server::server::{self, ServerConfig, Shared, ZoneSource};
use std::process::ExitCode;
use std::time::Duration;

fn zone_source(text: &str) -> anyhow::Result<ZoneSource> {
    let (origin, file) = text.split_once('=').ok_or_else(|| {
        anyhow::anyhow!(
            "invalid --zone {text:?}: give ORIGIN=FILE, e.g. --zone example.=example.zone.signed"
        )
    })?;
    Ok(ZoneSource::new(super::parse_zone_name(origin)?, file))
}

fn run_config(args: &ServeArgs) -> anyhow::Result<ServerConfig> {
    let zones = args
        .zones
        .iter()
        .map(|z| {
            zone_source(z).map(|mut source| {
                source.prefer_signed = args.prefer_signed;
                source
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let axfr_allow = args
        .axfr_allow
        .iter()
        .map(|c| {
            c.parse().with_context(|| {
                format!("invalid --axfr-allow {c:?}: give a network such as 127.0.0.0/8")
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    if threads == 0 {
        anyhow::bail!("--threads must be at least 1");
    }
    if !(args.watch_interval > 0.0 && args.watch_interval.is_finite()) {
        anyhow::bail!("--watch-interval must be a positive number of seconds");
    }
    Ok(ServerConfig {
        zones,
        listen: args.listen.clone(),
        axfr_allow,
        threads,
        watch_interval: Duration::from_secs_f64(args.watch_interval),
        udp_via_hickory: args.udp_via_hickory,
    })
}

pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let config = run_config(args)?;
    let shared = if args.allow_broken {
        let (shared, errors) = Shared::load_lenient(&config);
        for error in errors {
            tracing::warn!(error = %dnslab_zone::ErrorChain(&error), "zone not loaded; it is REFUSED until its file is fixed");
        }
        shared
    } else {
        Shared::load(&config)?
    };
    for zone in shared.zones.load().zones() {
        tracing::info!(zone = %zone.apex(), serial = zone.soa().serial, records = zone.zone.records.len(), "zone loaded");
    }
    // TCP and the file watcher run on a small runtime; UDP has its own threads.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.threads.clamp(1, 2))
        .enable_all()
        .thread_name("dnslab-serve")
        .build()
        .context("cannot start the runtime")?;
    runtime.block_on(server::run(config, shared, super::shutdown_signal()))?;
    Ok(ExitCode::SUCCESS)
}

/// `dnslab resolve`: one validating resolver, as a lab resolver node runs.
pub fn resolve(args: &crate::cli::ResolveArgs) -> anyhow::Result<ExitCode> {
    let allow = args
        .allow
        .iter()
        .map(|c| {
            c.parse().with_context(|| {
                format!("invalid --allow {c:?}: give a network such as 10.0.0.0/8")
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let config = dnslab_backends::resolver::ResolverConfig {
        listen: args.listen,
        root_hints: args.root_hints.clone(),
        trust_anchors: args.trust_anchors.clone(),
        allow,
        lab_port: args.lab_port,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("dnslab-resolve")
        .build()
        .context("cannot start the runtime")?;
    runtime.block_on(dnslab_backends::resolver::run(
        config,
        super::shutdown_signal(),
    ))?;
    Ok(ExitCode::SUCCESS)
}
