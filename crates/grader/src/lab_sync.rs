//! Waiting until a running lab has taken a trainee's changes: the
//! trainee's server serves what their zone file says, and their resolver
//! runs from their `resolver.conf`.
//!
//! # Background
//!
//! The embedded lab looks for changed files every 100 ms: a trainee's
//! server reloads its zone file, and the supervisor restarts a trainee's
//! resolver when `resolver.conf` changes. Something that changes a file and
//! then looks at the lab over the wire (`dnslab scenario test`, a test)
//! must wait for that, and should wait no longer than it must. A fixed
//! sleep is both: too short on a loaded machine, too long on an idle one.
//!
//! # How
//!
//! - **Zone**: the file the server serves (the server's own rule, through
//!   [`crate::served::zone_source`]) is read; if it does not load, the
//!   server keeps its last good zone and there is nothing to wait for. Otherwise the
//!   zone is transferred (AXFR, allowed from loopback) until the records
//!   served are the records in the file.
//! - **Resolver**: the supervisor writes the `resolver.conf` each trainee
//!   resolver started from ([`StateDir::applied_resolver_conf`]); once it
//!   matches the file, the resolver must answer a recursive query.
//!
//! Both are polled every 50 ms, within a bound.

use crate::probe::{ProbeOptions, axfr, query};
use dnslab_lab::{LabPlan, StateDir, Trainee};
use dnslab_server::server::load_zone;
use dnslab_zone::parser::{ParseOptions, parse_file};
use dnslab_zone::{Name, Record, Rtype};
use std::time::{Duration, Instant};

/// How often the lab is asked again.
const POLL: Duration = Duration::from_millis(50);

/// What is not in sync yet, when the bound has passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lagging {
    /// The server does not serve the zone file (yet).
    Zone,
    /// The resolver has not restarted from `resolver.conf`, or does not
    /// answer.
    Resolver,
}

/// Waits until the lab serves the trainee's zone file and runs their
/// resolver from their `resolver.conf`, or `limit` has passed; `Err` says
/// what still lags then.
pub async fn wait_in_sync(
    plan: &LabPlan,
    state: &StateDir,
    trainee: &Trainee,
    limit: Duration,
) -> Result<(), Lagging> {
    let deadline = Instant::now() + limit;
    let probe = ProbeOptions {
        timeout: Duration::from_millis(500),
        attempts: 1,
        ..ProbeOptions::default()
    };
    loop {
        let lagging = if !zone_served(state, trainee, &probe).await {
            Some(Lagging::Zone)
        } else if plan.runs_resolver && !resolver_applied(state, trainee, &probe).await {
            Some(Lagging::Resolver)
        } else {
            None
        };
        match lagging {
            None => return Ok(()),
            Some(l) if Instant::now() >= deadline => return Err(l),
            Some(_) => tokio::time::sleep(POLL).await,
        }
    }
}

/// Whether the trainee's server serves the records of the file it serves
/// (or the file does not load, so the server cannot change).
async fn zone_served(state: &StateDir, trainee: &Trainee, probe: &ProbeOptions) -> bool {
    let source = crate::served::zone_source(state, trainee);
    if load_zone(&source).is_err() {
        return true;
    }
    let options = ParseOptions {
        origin: Some(trainee.zone.clone()),
        default_ttl: None,
    };
    let Ok(in_file) = parse_file(&source.current_file(), &options) else {
        return true;
    };
    match axfr(trainee.auth, &trainee.zone, probe, in_file.len() + 16).await {
        Ok(served) => same_records(&served, &in_file),
        Err(_) => false,
    }
}

/// The same RRsets, whatever the order, case of owner names and TTLs.
fn same_records(a: &[Record], b: &[Record]) -> bool {
    let key = |records: &[Record]| {
        let mut keys: Vec<(Vec<u8>, Rtype, Box<[u8]>)> = records
            .iter()
            .map(|r| {
                (
                    r.owner.to_lowercase().as_wire().to_vec(),
                    r.rtype,
                    r.rdata.clone(),
                )
            })
            .collect();
        keys.sort();
        keys.dedup();
        keys
    };
    key(a) == key(b)
}

/// Whether the trainee's resolver runs from the `resolver.conf` there is now
/// and answers.
async fn resolver_applied(state: &StateDir, trainee: &Trainee, probe: &ProbeOptions) -> bool {
    let conf = std::fs::read(state.join(trainee.resolver_conf())).ok();
    let applied = std::fs::read(state.applied_resolver_conf(&trainee.name)).ok();
    if conf != applied {
        return false;
    }
    let recursive = ProbeOptions {
        recursion_desired: true,
        ..probe.clone()
    };
    query(trainee.resolver, &Name::root(), Rtype::SOA, &recursive)
        .await
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(text: &str) -> Record {
        let options = ParseOptions {
            origin: Some(Name::parse_absolute("example.").unwrap()),
            default_ttl: Some(60),
        };
        dnslab_zone::parser::parse_bytes(text.as_bytes(), "t".as_ref(), &options)
            .unwrap()
            .remove(0)
    }

    #[test]
    fn order_case_and_ttl_do_not_matter_data_does() {
        let a = [record("www 60 A 192.0.2.1"), record("@ 60 TXT x")];
        let b = [record("@ 300 TXT x"), record("WWW 60 A 192.0.2.1")];
        assert!(same_records(&a, &b));
        let c = [record("@ 60 TXT x"), record("www 60 A 192.0.2.99")];
        assert!(!same_records(&a, &c));
        assert!(!same_records(&a, &a[..1]));
    }
}
