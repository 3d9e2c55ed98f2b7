//! `dnslab scenario test`: proves a scenario file grades what it claims,
//! and that its instructions work as written.
//!
//! A throw-away embedded lab is brought up (by running `dnslab up
//! --detach`, the same binary, so the test exercises what a workshop
//! runs). The reference solution is the instructions themselves: those
//! of the exercises in `after:`, then the scenario's own, rendered for the
//! lab's trainee as `dnslab exercise show` shows them, each command of
//! their code blocks a step and each `sleep N` a wait
//! ([`dnslab_lab::instruction_steps`]). For the reference and each mutant,
//! the trainee's workspace is reset, the steps run in it with `sh -c`
//! (dnslab on the PATH, the trainee's names in the environment), and the
//! trainee is graded. The reference must score full points; each mutant
//! must fail exactly the checks it names (a failed warning-severity check
//! counts as failed; skipped checks count as not failed).
//!
//! Steps see: `ZONE` (`t1.ne`, no trailing dot), `ORIGIN` (`t1.ne.`),
//! `ZONE_FILE` and `SIGNED_ZONE_FILE` (file names in the workspace, the
//! current directory), `TRAINEE`, `TLD`, `AUTH` and `RESOLVER`
//! (`ip:port`), `DNSLAB_STATE_DIR`, `LAB_FILE`.
//!
//! ## The virtual clock
//! Steps run on a virtual clock: it starts at the real time, a `wait:`
//! step moves it on without waiting, and each `run:` step sees it as
//! `DNSLAB_NOW` (so `dnslab zone sign` and `dnslab key settime` use it)
//! and moves it on by a second. The runner records the trainee zone's
//! timeline itself, on that clock: a snapshot before the first step,
//! after each step and at the end of each wait; the rollover checks read
//! that timeline. A rollover of several TTLs therefore tests in seconds.
//!
//! For `cds-automation` the runner also plays the TLD's scanner: it runs
//! `dnslab ds scan` after each step and at the end of each wait, on the
//! virtual clock (the test lab's own scanner runs only once a day).
//!
//! The lab's servers reload changed files every 100 ms and restart a
//! resolver when its `resolver.conf` changes: after each step the runner
//! waits until the lab serves the trainee's files
//! ([`crate::lab_sync::wait_in_sync`], at most [`SYNC_LIMIT`]), and no
//! longer, before the next snapshot and before grading.

use crate::grade::{GradeOptions, LabContext, grade_trainee};
use crate::outcome::{GradeReport, Severity, Status};
use crate::probe::ProbeOptions;
use crate::timeline::{Recorder, SnapshotTarget, snapshot};
use dnslab_lab::scenario::{Scenario, Step};
use dnslab_lab::{LabPlan, StateDir, Trainee};
use ipnet::Ipv4Net;
use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The longest the runner waits for the lab to take a step's changes.
pub const SYNC_LIMIT: Duration = Duration::from_secs(10);

/// Why a scenario test could not run.
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    #[error("cannot prepare the test lab: {0}")]
    Setup(String),
    #[error("`dnslab {args}` failed: {output}")]
    Dnslab { args: String, output: String },
    #[error(transparent)]
    Grade(#[from] crate::grade::GradeError),
}

/// One run (the reference or a mutant) and what came of it.
#[derive(Debug)]
pub struct RunOutcome {
    /// `reference` or the mutant's name.
    pub name: String,
    /// The checks expected to fail (empty for the reference).
    pub expected: BTreeSet<String>,
    /// The checks that failed (or warned).
    pub failed: BTreeSet<String>,
    /// A step that exited non-zero, with its output.
    pub step_error: Option<String>,
    pub report: Option<GradeReport>,
}

impl RunOutcome {
    /// Whether the run did what the scenario says.
    pub fn ok(&self) -> bool {
        self.step_error.is_none()
            && self.report.as_ref().is_some_and(|r| {
                if self.expected.is_empty() {
                    r.score == r.max_score && r.passed
                } else {
                    self.failed == self.expected
                }
            })
    }

    /// One line for the test's output.
    pub fn summary(&self) -> String {
        let mark = if self.ok() { "ok  " } else { "FAIL" };
        if let Some(e) = &self.step_error {
            return format!("{mark} {}: a step failed: {e}", self.name);
        }
        let Some(r) = &self.report else {
            return format!("{mark} {}: not graded", self.name);
        };
        let list = |s: &BTreeSet<String>| {
            if s.is_empty() {
                "nothing".to_string()
            } else {
                s.iter().cloned().collect::<Vec<_>>().join(", ")
            }
        };
        if self.expected.is_empty() {
            format!(
                "{mark} {}: {}/{} points{}",
                self.name,
                r.score,
                r.max_score,
                if self.failed.is_empty() {
                    String::new()
                } else {
                    format!(", failed {}", list(&self.failed))
                }
            )
        } else {
            format!(
                "{mark} mutant {}: failed {}{}",
                self.name,
                list(&self.failed),
                if self.failed == self.expected {
                    String::new()
                } else {
                    format!(" (expected {})", list(&self.expected))
                }
            )
        }
    }
}

/// A running throw-away lab; `down` when dropped.
pub struct TestLab {
    dnslab: PathBuf,
    dir: tempfile::TempDir,
    pub lab_file: PathBuf,
    pub state: StateDir,
    pub plan: LabPlan,
}

impl Drop for TestLab {
    fn drop(&mut self) {
        let _ = Command::new(&self.dnslab)
            .args(["down", "--purge"])
            .env("DNSLAB_STATE_DIR", self.state.path())
            .output();
    }
}

/// The port of the built-in test lab: unprivileged, as the lab's
/// resolvers work on any port.
pub const TEST_LAB_PORT: u16 = 10053;

/// Picks a 127.X.0.0/16 network (X from 150 to 199) whose root address is
/// free on `port`; returns X.
pub fn free_network(port: u16) -> Result<u8, TestError> {
    let pid = std::process::id();
    for i in 0..50u32 {
        let x = 150 + ((pid + i) % 50) as u8;
        let addr = Ipv4Addr::new(127, x, 0, 1);
        if UdpSocket::bind(SocketAddr::from((addr, port))).is_ok() {
            return Ok(x);
        }
    }
    Err(TestError::Setup(
        "no free 127.X.0.0/16 network found for the test lab".into(),
    ))
}

/// The lab a scenario test runs on.
#[derive(Debug, Clone, Copy)]
pub enum TestLabFile<'a> {
    /// One TLD, one trainee, the zoo, every exercise, port
    /// [`TEST_LAB_PORT`].
    BuiltIn,
    /// A workshop's lab file, moved to the test network
    /// ([`dnslab_lab::moved`]); its first trainee does the exercises.
    Moved(&'a Path),
}

impl TestLabFile<'_> {
    /// The lab file's text for a test lab on 127.`octet`.0.0/16.
    fn text(self, octet: u8) -> Result<String, TestError> {
        let workshop = format!("scenario-test-{octet}");
        match self {
            TestLabFile::BuiltIn => Ok(format!(
                "workshop: {workshop}\ndescription: throw-away lab of dnslab scenario test\n\
                 tlds: [ne]\ntrainees:\n  names: [t1]\nzone: \"{{trainee}}.{{tld}}\"\n\
                 timers: workshop\nzoo: true\n\
                 exercises: [sign-zone, ds-submission, resolver-validation, zsk-rollover, ksk-rollover, algorithm-rollover, cds-automation]\n\
                 cds_scan:\n  enabled: true\n  interval: 1d\n\
                 addresses:\n  base: 127.{octet}.0.0/16\nport: {TEST_LAB_PORT}\n"
            )),
            TestLabFile::Moved(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    TestError::Setup(format!("cannot read {}: {e}", path.display()))
                })?;
                let network = Ipv4Net::new(Ipv4Addr::new(127, octet, 0, 0), 16)
                    .map_err(|e| TestError::Setup(e.to_string()))?;
                dnslab_lab::moved::moved_lab_file(&text, &workshop, network).map_err(|e| {
                    TestError::Setup(format!(
                        "{}: {}",
                        path.display(),
                        dnslab_zone::ErrorChain(&e)
                    ))
                })
            }
        }
    }
}

impl TestLab {
    /// Brings up `file` on 127.`octet`.0.0/16.
    pub fn up(dnslab: &Path, octet: u8, file: TestLabFile) -> Result<TestLab, TestError> {
        let dir = tempfile::tempdir().map_err(|e| TestError::Setup(e.to_string()))?;
        let lab_file = dir.path().join("scenario-test.yaml");
        std::fs::write(&lab_file, file.text(octet)?)
            .map_err(|e| TestError::Setup(e.to_string()))?;
        let state = StateDir::new(dir.path().join("state"));
        let plan = LabPlan::load(&lab_file)
            .map_err(|e| TestError::Setup(dnslab_zone::ErrorChain(&e).to_string()))?;
        let lab = TestLab {
            dnslab: dnslab.to_path_buf(),
            dir,
            lab_file,
            state,
            plan,
        };
        let lab_file = lab.lab_file.to_string_lossy().into_owned();
        lab.dnslab(&["up", &lab_file, "--detach"])?;
        Ok(lab)
    }

    fn dnslab(&self, args: &[&str]) -> Result<String, TestError> {
        let output = Command::new(&self.dnslab)
            .args(args)
            .env("DNSLAB_STATE_DIR", self.state.path())
            .output()
            .map_err(|e| TestError::Setup(format!("cannot run {}: {e}", self.dnslab.display())))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(TestError::Dnslab {
                args: args.join(" "),
                output: format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ),
            })
        }
    }

    fn trainee(&self) -> Result<&Trainee, TestError> {
        self.plan
            .trainees
            .first()
            .ok_or_else(|| TestError::Setup("the test lab has no trainee".into()))
    }

    /// Resets the trainee, runs `steps` and grades `scenario`.
    pub async fn run(
        &self,
        scenario: &Scenario,
        name: &str,
        steps: &[Step],
        expected: BTreeSet<String>,
    ) -> Result<RunOutcome, TestError> {
        let trainee = self.trainee()?.clone();
        self.dnslab(&["reset", &trainee.name])?;
        // The lab must drop the previous run's files before the first
        // snapshot, or the timeline starts with them.
        self.sync(&trainee).await;
        let mut outcome = RunOutcome {
            name: name.to_string(),
            expected,
            failed: BTreeSet::new(),
            step_error: None,
            report: None,
        };
        let timeline = self.dir.path().join(format!("{name}.timeline.jsonl"));
        let _ = std::fs::remove_file(&timeline);
        let mut recorder = Recorder::open(&timeline).map_err(|e| {
            TestError::Setup(format!(
                "cannot record the timeline: {}",
                dnslab_zone::ErrorChain(&e)
            ))
        })?;
        let target = self.snapshot_target(&trainee)?;
        let probe = ProbeOptions {
            timeout: Duration::from_secs(1),
            attempts: 2,
            ..ProbeOptions::default()
        };
        let mut clock = dnslab_zone::rdata::time::now();
        let scans_cds = scenario.id == dnslab_lab::Exercise::CdsAutomation;
        let record = |clock: i64, target: &SnapshotTarget| {
            let target = target.clone();
            let probe = probe.clone();
            async move { snapshot::take(&target, &probe, clock).await }
        };
        let first = record(clock, &target).await;
        self.append(&mut recorder, &first)?;
        for step in steps {
            match step {
                Step::Run(command) => {
                    if let Err(e) = self.run_step(&trainee, command, clock) {
                        outcome.step_error = Some(e);
                        return Ok(outcome);
                    }
                    self.sync(&trainee).await;
                    clock += 1;
                }
                Step::Wait(secs) => clock += i64::from(*secs),
            }
            if scans_cds {
                // The TLD's scanner, on the virtual clock.
                if let Err(e) = self.scan_cds(&trainee, clock) {
                    outcome.step_error = Some(e.to_string());
                    return Ok(outcome);
                }
                self.sync(&trainee).await;
            }
            let s = record(clock, &target).await;
            self.append(&mut recorder, &s)?;
        }
        let lab = LabContext::new(self.plan.clone(), self.state.clone())?;
        let mut opts = GradeOptions::new(clock);
        opts.probe.timeout = Duration::from_secs(2);
        opts.timeline = Some(timeline);
        let report = grade_trainee(&lab, &trainee, scenario, &opts).await;
        outcome.failed = report
            .checks
            .iter()
            // A warning-severity check that fails counts; a bonus check's
            // warning (severity error, status warn) does not.
            .filter(|c| {
                c.status == Status::Fail
                    || (c.status == Status::Warn && c.severity == Severity::Warning)
            })
            .map(|c| c.id.clone())
            .collect();
        outcome.report = Some(report);
        Ok(outcome)
    }

    /// Runs the TLD's CDS/CDNSKEY scan for the trainee at `clock`.
    fn scan_cds(&self, trainee: &Trainee, clock: i64) -> Result<(), TestError> {
        let output = Command::new(&self.dnslab)
            .args(["ds", "scan", "--trainee", &trainee.name])
            .env("DNSLAB_STATE_DIR", self.state.path())
            .env("DNSLAB_NOW", clock.to_string())
            .output()
            .map_err(|e| TestError::Setup(format!("cannot run {}: {e}", self.dnslab.display())))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(TestError::Dnslab {
                args: format!("ds scan --trainee {}", trainee.name),
                output: String::from_utf8_lossy(&output.stderr).into_owned(),
            })
        }
    }

    /// Waits until the lab serves the trainee's files; a lab that lags
    /// beyond [`SYNC_LIMIT`] is graded as it is (and said so in the log).
    async fn sync(&self, trainee: &Trainee) {
        if let Err(lagging) =
            crate::lab_sync::wait_in_sync(&self.plan, &self.state, trainee, SYNC_LIMIT).await
        {
            tracing::warn!(trainee = %trainee.name, ?lagging, "the test lab has not taken the trainee's changes");
        }
    }

    fn snapshot_target(&self, trainee: &Trainee) -> Result<SnapshotTarget, TestError> {
        let tld = self
            .plan
            .tld(&trainee.tld)
            .ok_or_else(|| TestError::Setup(format!("no TLD {} in the test lab", trainee.tld)))?;
        Ok(SnapshotTarget {
            zone: trainee.zone.clone(),
            parents: vec![(format!("tld-{}", tld.label), tld.address)],
            servers: vec![(format!("{}-auth", trainee.name), trainee.auth)],
            probes: crate::timeline::snapshot::probes_from_zone_file(
                &self.state.join(&trainee.zone_file),
                &trainee.zone,
                2,
            ),
        })
    }

    fn append(
        &self,
        recorder: &mut Recorder,
        s: &crate::timeline::Snapshot,
    ) -> Result<(), TestError> {
        recorder.append(s).map_err(|e| {
            TestError::Setup(format!(
                "cannot record the timeline: {}",
                dnslab_zone::ErrorChain(&e)
            ))
        })
    }

    fn run_step(&self, trainee: &Trainee, command: &str, clock: i64) -> Result<(), String> {
        let workspace = self.state.join(&trainee.workspace);
        let file_name = |p: &Path| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let bin_dir = self
            .dnslab
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let path = match std::env::var_os("PATH") {
            Some(p) => {
                let mut dirs = vec![bin_dir];
                dirs.extend(std::env::split_paths(&p));
                std::env::join_paths(dirs).unwrap_or(p)
            }
            None => bin_dir.into_os_string(),
        };
        let zone = trainee.zone.to_string();
        let output = Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(&workspace)
            .env("PATH", path)
            .env("DNSLAB_STATE_DIR", self.state.path())
            .env("DNSLAB_NOW", clock.to_string())
            .env("LAB_FILE", &self.lab_file)
            .env("TRAINEE", &trainee.name)
            .env("TLD", &trainee.tld)
            .env("ORIGIN", &zone)
            .env("ZONE", zone.trim_end_matches('.'))
            .env("ZONE_FILE", file_name(&trainee.zone_file))
            .env("SIGNED_ZONE_FILE", file_name(&trainee.signed_zone_file()))
            .env("AUTH", trainee.auth.to_string())
            .env("RESOLVER", trainee.resolver.to_string())
            .output()
            .map_err(|e| format!("cannot run sh: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "`{command}` exited with {}:\n{}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }

    /// The reference solution of `scenario` for the test lab's trainee:
    /// the commands of the instructions of each exercise in its `after:`
    /// (found in `known`), then of its own, as the trainee reads them in
    /// `dnslab exercise show X --trainee t1`.
    pub fn reference_steps(
        &self,
        scenario: &Scenario,
        known: &[Scenario],
    ) -> Result<Vec<Step>, TestError> {
        let trainee = self.trainee()?;
        let for_trainee = Some((&self.plan, trainee, self.state.path()));
        let mut steps = Vec::new();
        for id in &scenario.after {
            let before = known.iter().find(|s| s.id == *id).ok_or_else(|| {
                TestError::Setup(format!(
                    "{} comes after {}, but there is no scenario file for {}",
                    scenario.id, id, id
                ))
            })?;
            steps.extend(before.reference_steps(for_trainee));
        }
        steps.extend(scenario.reference_steps(for_trainee));
        Ok(steps)
    }

    /// Follows the instructions of `scenario` (the reference, which must
    /// score full points) and runs every mutant. `known` holds the
    /// scenarios that `after:` may name.
    pub async fn test_scenario(
        &self,
        scenario: &Scenario,
        known: &[Scenario],
    ) -> Result<Vec<RunOutcome>, TestError> {
        let reference = self.reference_steps(scenario, known)?;
        let mut runs = vec![
            self.run(scenario, "reference", &reference, BTreeSet::new())
                .await?,
        ];
        for mutant in &scenario.mutants {
            let expected = mutant.fails.iter().cloned().collect();
            runs.push(
                self.run(scenario, &mutant.name, &mutant.steps, expected)
                    .await?,
            );
        }
        Ok(runs)
    }
}
