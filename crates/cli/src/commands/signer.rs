//! `dnslab signer-config`: what a trainee's own signer needs to sign their
//! zone in their workspace.

use super::lab::{existing_lab, trainee};
use crate::cli::{SignerConfigArgs, SignerFormat};
use std::process::ExitCode;

pub fn signer_config(args: &SignerConfigArgs) -> anyhow::Result<ExitCode> {
    let (state, plan) = existing_lab(&args.state)?;
    let t = trainee(&plan, &args.trainee)?;
    let text = match args.format {
        SignerFormat::Knot => dnslab_lab::peer_signer::knot_conf(
            &t.zone.to_string(),
            &state.path().join(&t.workspace),
            &state.path().join(&t.zone_file),
        )?,
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}
