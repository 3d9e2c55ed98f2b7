//! Grading one trainee's exercise: gather what the exercise's checks
//! need, run each check, and turn verdicts into a [`GradeReport`] with the
//! scenario's points and severities.

use crate::chain::{self, Chain, Hop};
use crate::checks::{self, CheckId, Needs};
use crate::outcome::{CheckResult, GradeReport, Severity, Status};
use crate::probe::ProbeOptions;
use crate::resolver_checks::{self, ResolverFacts, ResolverTarget};
use crate::verdict::{Params, Verdict};
use crate::zone_facts::{self, ZoneFacts, ZoneTarget};
use crate::{chain_checks, zone_checks};
use dnslab_lab::scenario::{CheckSeverity, DenialParam, Scenario};
use dnslab_lab::{LabPlan, Role, StateDir, Trainee};
use dnslab_zone::rdata::time;
use dnslab_zone::{Name, Record, Rtype};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

/// Why grading could not run at all (as opposed to a failed check).
#[derive(Debug, thiserror::Error)]
pub enum GradeError {
    #[error("cannot read the lab's trust anchor")]
    Anchor(#[from] dnslab_lab::StateError),
    #[error("the lab has no trust anchor: the root has no KSK in {0}")]
    NoAnchor(std::path::PathBuf),
    #[error("trainee {0:?} is not in the lab")]
    UnknownTrainee(String),
}

/// The running lab as the grader sees it.
#[derive(Debug, Clone)]
pub struct LabContext {
    pub plan: LabPlan,
    pub state: StateDir,
    /// DS records of the lab root's KSKs: the trust anchor.
    pub anchor: Vec<Record>,
}

impl LabContext {
    pub fn new(plan: LabPlan, state: StateDir) -> Result<LabContext, GradeError> {
        let anchor = state.ds_records(&Name::root(), 86400)?;
        if anchor.is_empty() {
            return Err(GradeError::NoAnchor(state.keys_dir()));
        }
        Ok(LabContext {
            plan,
            state,
            anchor,
        })
    }

    fn node_name(&self, role: Role, trainee: Option<&str>, fallback: &str) -> String {
        self.plan
            .nodes
            .iter()
            .find(|n| n.role == role && n.trainee.as_deref() == trainee)
            .map_or_else(|| fallback.to_string(), |n| n.name.clone())
    }
}

/// How to grade.
#[derive(Debug, Clone)]
pub struct GradeOptions {
    pub probe: ProbeOptions,
    /// The check time, seconds since the epoch.
    pub now: i64,
    /// Grade this resolver instead of the trainee's lab resolver.
    pub resolver: Option<SocketAddr>,
    /// Read the timeline from this file instead of the lab's recording
    /// (`scenario test` records its own, on its virtual clock).
    pub timeline: Option<std::path::PathBuf>,
}

impl GradeOptions {
    pub fn new(now: i64) -> GradeOptions {
        GradeOptions {
            probe: ProbeOptions::default(),
            now,
            resolver: None,
            timeline: None,
        }
    }
}

/// The parameters a scenario gives its checks.
pub fn params_of(scenario: &Scenario) -> Params {
    Params {
        algorithms: scenario.parameters.algorithms.clone(),
        denial: match scenario.parameters.denial {
            DenialParam::Any => None,
            DenialParam::Nsec => Some(Rtype::NSEC),
            DenialParam::Nsec3 => Some(Rtype::NSEC3),
        },
        signature_margin: scenario.parameters.signature_margin,
        digest_types: scenario.parameters.digest_types.clone(),
    }
}

/// A client address outside the lab network, for the open-resolver check.
fn outside_address(plan: &LabPlan) -> Option<IpAddr> {
    [
        Ipv4Addr::new(127, 255, 255, 254),
        Ipv4Addr::new(127, 0, 0, 2),
    ]
    .into_iter()
    .find(|a| !plan.network.contains(a))
    .map(IpAddr::V4)
}

/// Grades `trainee` on `scenario`.
pub async fn grade_trainee(
    lab: &LabContext,
    trainee: &Trainee,
    scenario: &Scenario,
    opts: &GradeOptions,
) -> GradeReport {
    let started = Instant::now();
    let graded_at = time::format_rfc3339(opts.now);
    let needs: Vec<Needs> = scenario
        .checks
        .iter()
        .filter_map(|c| checks::find(&c.id).map(|d| d.needs))
        .collect();
    let params = params_of(scenario);
    let auth_node = lab.node_name(
        Role::Auth,
        Some(&trainee.name),
        &format!("{}-auth", trainee.name),
    );
    let zone_target = ZoneTarget {
        zone: trainee.zone.clone(),
        servers: vec![(auth_node.clone(), trainee.auth)],
        zone_file: Some(lab.state.join(&trainee.zone_file)),
        served: lab
            .plan
            .runs_auth
            .then(|| crate::served::zone_source(&lab.state, trainee)),
    };
    let want_zone = needs
        .iter()
        .any(|n| matches!(n, Needs::Zone | Needs::Chain));
    let want_chain = needs.contains(&Needs::Chain);
    let want_resolver = needs.contains(&Needs::Resolver);
    let timeline = needs.contains(&Needs::Timeline).then(|| {
        let path = opts
            .timeline
            .clone()
            .unwrap_or_else(|| crate::timeline::path(&lab.state, &trainee.name));
        crate::rollover_checks::gather_for(
            &lab.state,
            &trainee.name,
            scenario.id.id(),
            path,
            &trainee.zone,
        )
    });

    let zone_facts = async {
        if want_zone {
            Some(zone_facts::gather(&zone_target, &opts.probe, opts.now).await)
        } else {
            None
        }
    };
    let chain = async {
        if !want_chain {
            return None;
        }
        let tld = lab.plan.tld(&trainee.tld)?;
        let hops = [
            Hop {
                zone: Name::root(),
                server: lab.plan.root_node().address,
                node: lab.node_name(Role::Root, None, "root"),
            },
            Hop {
                zone: tld.apex.clone(),
                server: tld.address,
                node: format!("tld-{}", tld.label),
            },
            Hop {
                zone: trainee.zone.clone(),
                server: trainee.auth,
                node: auth_node.clone(),
            },
        ];
        Some(chain::walk(&lab.anchor, &hops, &opts.probe, opts.now).await)
    };
    let resolver = async {
        if !want_resolver {
            return None;
        }
        let resolver = opts.resolver.unwrap_or(trainee.resolver);
        // A resolver reached through a published port (Docker backend) sees
        // every query come from the lab's gateway: no outside client exists.
        let mapped = dnslab_lab::reach::route(resolver, None).0 != resolver;
        let target = ResolverTarget {
            resolver,
            inside: lab.plan.grader_address(),
            outside: (!mapped).then(|| outside_address(&lab.plan)).flatten(),
            secure_names: std::iter::once((Name::root(), Rtype::SOA))
                .chain(lab.plan.tlds.first().map(|t| (t.apex.clone(), Rtype::SOA)))
                .collect(),
            fixtures: lab.plan.zoo_fixtures().to_vec(),
        };
        Some(resolver_checks::gather(&target, &opts.probe).await)
    };
    let (zone_facts, chain, resolver) = tokio::join!(zone_facts, chain, resolver);

    let results = scenario
        .checks
        .iter()
        .map(|spec| {
            let facts = Facts {
                zone: zone_facts.as_ref(),
                chain: chain.as_ref(),
                resolver: resolver.as_ref(),
                timeline: timeline.as_ref(),
            };
            let mut verdict = match spec.id.parse::<CheckId>() {
                Ok(id) => run_check(id, facts, &params),
                // Scenarios are validated against the catalogue when they
                // are loaded; one that was not must not pass quietly.
                Err(unknown) => {
                    tracing::error!(%unknown, "a scenario check the grader does not know");
                    Verdict::fail(
                        unknown.to_string(),
                        "The exercise file lists a check this dnslab does not have: `dnslab scenario check FILE` names the closest one.",
                    )
                }
            };
            let for_trainee = Some((&lab.plan, trainee, lab.state.path()));
            verdict.tool_hints = std::mem::take(&mut verdict.tool_hints)
                .rendered(|hint| dnslab_lab::scenario::render(hint, for_trainee));
            let severity = match spec.severity {
                CheckSeverity::Error => Severity::Error,
                CheckSeverity::Warning => Severity::Warning,
            };
            to_result(&spec.id, spec.points, severity, verdict)
        })
        .collect();
    let mut report = GradeReport::new(
        trainee.name.clone(),
        trainee.zone.to_string(),
        scenario.id.id().to_string(),
        scenario.title.clone(),
        graded_at,
        started.elapsed().as_millis() as u64,
        results,
    );
    report.chain = chain;
    report
}

/// Everything gathered for one trainee and exercise.
struct Facts<'a> {
    zone: Option<&'a ZoneFacts>,
    chain: Option<&'a Chain>,
    resolver: Option<&'a ResolverFacts>,
    timeline: Option<&'a crate::rollover_checks::TimelineFacts>,
}

fn run_check(id: CheckId, facts: Facts<'_>, params: &Params) -> Verdict {
    let Facts {
        zone,
        chain,
        resolver,
        timeline,
    } = facts;
    let not_gathered = || Verdict::skip("the facts this check needs were not gathered");
    match id {
        CheckId::Zone(check) => {
            zone.map_or_else(not_gathered, |z| zone_checks::run(check, z, params))
        }
        CheckId::Chain(check) => match (chain, zone) {
            (Some(c), Some(z)) => chain_checks::run(check, c, z, params),
            (None, _) => {
                Verdict::skip("the trainee's TLD is not in the lab, so there is no chain to walk")
            }
            (Some(_), None) => not_gathered(),
        },
        CheckId::Resolver(check) => {
            resolver.map_or_else(not_gathered, |r| resolver_checks::run(check, r))
        }
        CheckId::Timeline(check) => timeline.map_or_else(not_gathered, |t| {
            crate::rollover_checks::run(check, t, params)
        }),
    }
}

fn to_result(id: &str, points: u32, severity: Severity, v: Verdict) -> CheckResult {
    let def = checks::find(id);
    let status = match v.passed {
        Some(true) => Status::Pass,
        None => Status::Skip,
        Some(false) if v.advisory || severity == Severity::Warning => Status::Warn,
        Some(false) => Status::Fail,
    };
    CheckResult {
        id: id.to_string(),
        title: def.map_or_else(String::new, |d| d.title.to_string()),
        status,
        severity,
        points: if status == Status::Pass { points } else { 0 },
        max_points: points,
        message: v.message,
        hint: v.hint,
        tool_hints: if status == Status::Pass {
            Default::default()
        } else {
            v.tool_hints
        },
        reference: v
            .reference
            .unwrap_or_else(|| def.map_or_else(String::new, |d| d.reference.to_string())),
        details: v.details,
    }
}

/// Grades several trainees at once (each trainee's queries run
/// concurrently with the others').
pub async fn grade_many(
    lab: Arc<LabContext>,
    trainees: Vec<Trainee>,
    scenarios: Vec<Arc<Scenario>>,
    opts: GradeOptions,
) -> Vec<GradeReport> {
    let mut tasks = Vec::new();
    for trainee in trainees {
        for scenario in &scenarios {
            let (lab, scenario, opts, trainee) =
                (lab.clone(), scenario.clone(), opts.clone(), trainee.clone());
            tasks.push(tokio::spawn(async move {
                grade_trainee(&lab, &trainee, &scenario, &opts).await
            }));
        }
    }
    let mut reports = Vec::new();
    for task in tasks {
        if let Ok(report) = task.await {
            reports.push(report);
        }
    }
    reports
}
