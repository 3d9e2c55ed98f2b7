//! `dnslab web`: the classroom web beside a running lab, and `dnslab web
//! tokens`. The lab's actions the web offers (DS form, reset, status) are
//! the CLI's own ([`CliLab`]), so both validate and act alike.

use super::lab::{
    current_status, ds_from_text, existing_lab, put_ds, reset_trainee, runtime, trainee,
    wait_until_served,
};
use crate::cli::{WebArgs, WebCommand};
use anyhow::Context;
use dnslab_grader::grade::LabContext;
use dnslab_lab::{LabPlan, StateDir};
use dnslab_web::{App, LabOps, Tokens};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

/// The lab's actions, as the CLI's commands do them.
pub struct CliLab {
    state: StateDir,
    plan: LabPlan,
}

fn chain(e: anyhow::Error) -> String {
    format!("{e:#}")
}

impl LabOps for CliLab {
    fn submit_ds(&self, trainee_name: &str, text: &str) -> Result<Vec<String>, String> {
        let t = trainee(&self.plan, trainee_name).map_err(chain)?;
        let records = ds_from_text(t, self.plan.timers.ds_ttl, text)
            .map_err(|e| chain(e).replacen("--ds ", "", 1))?;
        put_ds(&self.state, &self.plan, t, &records).map_err(chain)?;
        if wait_until_served(&self.state, &self.plan, t, &records) == Some(false) {
            return Err(format!(
                "the DS is stored, but {}. does not serve it yet; ask the instructor to look at the lab",
                t.tld
            ));
        }
        Ok(records.iter().map(ToString::to_string).collect())
    }

    fn withdraw_ds(&self, trainee_name: &str) -> Result<(), String> {
        let t = trainee(&self.plan, trainee_name).map_err(chain)?;
        put_ds(&self.state, &self.plan, t, &[]).map_err(chain)?;
        wait_until_served(&self.state, &self.plan, t, &[]);
        Ok(())
    }

    fn wait_zone_served(&self, trainee_name: &str, apex_soa: &[Vec<u8>]) -> Option<bool> {
        let t = self.plan.trainee(trainee_name)?;
        dnslab_backends::lab_zones::wait_until_zone_served(&self.state, t, apex_soa)
    }

    fn reset(&self, trainee_name: &str) -> Result<(), String> {
        let t = trainee(&self.plan, trainee_name).map_err(chain)?;
        reset_trainee(&self.state, &self.plan, t)
            .map(|_| ())
            .map_err(chain)
    }

    fn status(&self) -> Result<serde_json::Value, String> {
        serde_json::to_value(current_status(&self.state, &self.plan)).map_err(|e| e.to_string())
    }

    fn down(&self) -> Option<String> {
        dnslab_backends::status::grading_blocked(&self.state, &self.plan)
            .map(|d| format!("{:#}", anyhow::Error::from(d)))
    }
}

pub fn web(args: &WebArgs) -> anyhow::Result<ExitCode> {
    let (state, plan) = existing_lab(&args.state)?;
    let tokens = Tokens::load_or_create(&state, &plan)?;
    if let Some(WebCommand::Tokens) = args.command {
        println!("instructor {}", tokens.instructor);
        for (name, token) in &tokens.trainees {
            println!("{name:<10} {token}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let classroom = Classroom::new(state, plan, args.listen, args.public_url.clone())?;
    runtime()?.block_on(async move {
        let listener = classroom.bind().await?;
        println!(
            "classroom web on {}: the instructor's token is in `dnslab web tokens`; Ctrl-C stops it",
            classroom.public_url
        );
        tokio::select! {
            served = classroom.serve(listener) => served?,
            _ = tokio::signal::ctrl_c() => {}
        }
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The classroom web of one lab, ready to serve: `dnslab web`, and `dnslab
/// up --web` beside the lab it brings up (foreground or in the detached
/// supervisor).
pub struct Classroom {
    app: Arc<App>,
    listen: SocketAddr,
    /// The address trainees type (the handout's).
    pub public_url: String,
}

impl Classroom {
    /// The web of the lab in `state` as `plan` runs it (a Docker lab's plan
    /// already rebased onto its published ports); login tokens are made
    /// here on first use and kept.
    pub fn new(
        state: StateDir,
        plan: LabPlan,
        listen: SocketAddr,
        public_url: Option<String>,
    ) -> anyhow::Result<Classroom> {
        let tokens = Tokens::load_or_create(&state, &plan)?;
        let scenarios = dnslab_grader::shipped::scenarios()?;
        let exercises = plan
            .exercises
            .iter()
            .filter_map(|e| scenarios.iter().find(|s| s.id == *e).cloned())
            .map(Arc::new)
            .collect();
        let public_url = public_url.unwrap_or_else(|| format!("http://{listen}"));
        let lab = LabContext::new(plan.clone(), state.clone())?;
        let ops = Box::new(CliLab { state, plan });
        let app = Arc::new(
            App::new(lab, tokens, exercises, ops, public_url.clone())
                .map_err(|_| anyhow::anyhow!("the system random generator failed"))?,
        );
        Ok(Classroom {
            app,
            listen,
            public_url,
        })
    }

    /// Binds the listening socket (first, so that a taken port stops `up`
    /// before the lab starts), warning when it is not loopback.
    pub async fn bind(&self) -> anyhow::Result<tokio::net::TcpListener> {
        if !self.listen.ip().is_loopback() {
            eprintln!(
                "dnslab: the classroom web listens on {}: anyone on that network can reach its login page",
                self.listen
            );
        }
        tokio::net::TcpListener::bind(self.listen)
            .await
            .with_context(|| format!("the classroom web cannot listen on {}", self.listen))
    }

    /// Serves until the future is dropped.
    pub async fn serve(&self, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
        dnslab_web::serve(listener, Arc::clone(&self.app))
            .await
            .context("the classroom web stopped")
    }
}
