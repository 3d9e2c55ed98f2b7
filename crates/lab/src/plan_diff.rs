//! What differs between the lab that runs and a lab file given to `up`
//! again, and which of it a running lab can take without a restart.
//!
//! `dnslab up FILE` on a running lab used to say "already running" and
//! ignore the file: a trainee added to the file got no zone, and nobody was
//! told. Now `up` compares the plan it is given with the plan the lab runs
//! (`<state>/lab.yaml`): the exercises and the description are read by the
//! commands each time, so they can change live; everything else (trainees,
//! addresses, port, timers, TLDs, which nodes run) is fixed in the running
//! servers and needs the lab to be brought down and up again, which keeps
//! the lab keys, the trainees' workspaces and their timelines.

use crate::plan::LabPlan;
use std::fmt;

/// One difference between the running plan and a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanChange {
    /// Exercises added or removed (applies live).
    Exercises {
        added: Vec<String>,
        removed: Vec<String>,
    },
    /// The description (applies live).
    Description,
    TraineesAdded(Vec<String>),
    TraineesRemoved(Vec<String>),
    /// A trainee kept its name but got another zone, TLD or addresses.
    TraineeMoved(String),
    Port {
        from: u16,
        to: u16,
    },
    Network {
        from: String,
        to: String,
    },
    Tlds,
    Timers,
    Algorithm,
    CdsScan,
    /// `nodes:` (which nodes the lab runs) or the zoo.
    Nodes,
    /// `access:` (SSH to the workstations).
    Access,
}

impl PlanChange {
    /// Whether a running lab takes this change without a restart.
    pub fn applies_live(&self) -> bool {
        matches!(self, PlanChange::Exercises { .. } | PlanChange::Description)
    }
}

impl fmt::Display for PlanChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanChange::Exercises { added, removed } => {
                write!(f, "exercises")?;
                if !added.is_empty() {
                    write!(f, " added: {}", added.join(", "))?;
                }
                if !removed.is_empty() {
                    if !added.is_empty() {
                        write!(f, ";")?;
                    }
                    write!(f, " removed: {}", removed.join(", "))?;
                }
                Ok(())
            }
            PlanChange::Description => write!(f, "the description"),
            PlanChange::TraineesAdded(names) => write!(f, "trainees added: {}", names.join(", ")),
            PlanChange::TraineesRemoved(names) => {
                write!(f, "trainees removed: {}", names.join(", "))
            }
            PlanChange::TraineeMoved(name) => {
                write!(f, "trainee {name} has another zone or other addresses")
            }
            PlanChange::Port { from, to } => write!(f, "the port: {from} → {to}"),
            PlanChange::Network { from, to } => write!(f, "the addresses: {from} → {to}"),
            PlanChange::Tlds => write!(f, "the TLDs"),
            PlanChange::Timers => write!(f, "the timers"),
            PlanChange::Algorithm => write!(f, "the lab keys' algorithm"),
            PlanChange::CdsScan => write!(f, "cds_scan"),
            PlanChange::Nodes => write!(f, "the nodes the lab runs (nodes:, zoo)"),
            PlanChange::Access => write!(f, "access (SSH to the workstations)"),
        }
    }
}

/// What `new` changes with respect to `running`, in a fixed order.
pub fn plan_changes(running: &LabPlan, new: &LabPlan) -> Vec<PlanChange> {
    let mut changes = Vec::new();
    let ids =
        |p: &LabPlan| -> Vec<String> { p.exercises.iter().map(|e| e.id().to_string()).collect() };
    let (old_ex, new_ex) = (ids(running), ids(new));
    let added: Vec<String> = new_ex
        .iter()
        .filter(|e| !old_ex.contains(e))
        .cloned()
        .collect();
    let removed: Vec<String> = old_ex
        .iter()
        .filter(|e| !new_ex.contains(e))
        .cloned()
        .collect();
    if !added.is_empty() || !removed.is_empty() {
        changes.push(PlanChange::Exercises { added, removed });
    }
    if running.description != new.description {
        changes.push(PlanChange::Description);
    }
    let names =
        |p: &LabPlan| -> Vec<String> { p.trainees.iter().map(|t| t.name.clone()).collect() };
    let (old_t, new_t) = (names(running), names(new));
    let added: Vec<String> = new_t
        .iter()
        .filter(|t| !old_t.contains(t))
        .cloned()
        .collect();
    let removed: Vec<String> = old_t
        .iter()
        .filter(|t| !new_t.contains(t))
        .cloned()
        .collect();
    if !added.is_empty() {
        changes.push(PlanChange::TraineesAdded(added));
    }
    if !removed.is_empty() {
        changes.push(PlanChange::TraineesRemoved(removed));
    }
    for t in &running.trainees {
        if let Some(n) = new.trainee(&t.name)
            && (n.zone != t.zone
                || n.tld != t.tld
                || n.auth.ip() != t.auth.ip()
                || n.resolver.ip() != t.resolver.ip())
        {
            changes.push(PlanChange::TraineeMoved(t.name.clone()));
        }
    }
    if running.port != new.port {
        changes.push(PlanChange::Port {
            from: running.port,
            to: new.port,
        });
    }
    if running.network != new.network {
        changes.push(PlanChange::Network {
            from: running.network.to_string(),
            to: new.network.to_string(),
        });
    }
    // Addresses without ports: a new port is one change, named once.
    let tlds = |p: &LabPlan| -> Vec<(String, std::net::IpAddr)> {
        p.tlds
            .iter()
            .map(|t| (t.label.clone(), t.address.ip()))
            .collect()
    };
    if tlds(running) != tlds(new) {
        changes.push(PlanChange::Tlds);
    }
    if running.timers != new.timers {
        changes.push(PlanChange::Timers);
    }
    if running.algorithm != new.algorithm {
        changes.push(PlanChange::Algorithm);
    }
    if running.cds_scan != new.cds_scan {
        changes.push(PlanChange::CdsScan);
    }
    if (
        running.runs_auth,
        running.runs_resolver,
        running.runs_workstation,
        running.zoo,
    ) != (
        new.runs_auth,
        new.runs_resolver,
        new.runs_workstation,
        new.zoo,
    ) {
        changes.push(PlanChange::Nodes);
    }
    if running.ssh != new.ssh {
        changes.push(PlanChange::Access);
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(extra: &str) -> LabPlan {
        let text = format!("workshop: t\ntlds: [ne]\nport: 10053\n{extra}");
        let path = std::path::Path::new("t.yaml");
        LabPlan::from_spec(crate::LabFile::parse(&text, path).unwrap(), path).unwrap()
    }

    #[test]
    fn the_same_file_changes_nothing() {
        let a = plan("trainees:\n  names: [alice, bob]\n");
        assert_eq!(plan_changes(&a, &a.clone()), vec![]);
    }

    #[test]
    fn a_trainee_added_needs_a_restart() {
        let a = plan("trainees:\n  names: [alice, bob]\n");
        let b = plan("trainees:\n  names: [alice, bob, carol]\n");
        let changes = plan_changes(&a, &b);
        assert_eq!(
            changes,
            vec![PlanChange::TraineesAdded(vec!["carol".into()])]
        );
        assert!(!changes[0].applies_live());
        assert_eq!(changes[0].to_string(), "trainees added: carol");
    }

    #[test]
    fn exercises_apply_live() {
        let a = plan("trainees:\n  names: [alice]\nexercises: [sign-zone]\n");
        let b = plan("trainees:\n  names: [alice]\nexercises: [sign-zone, ds-submission]\n");
        let changes = plan_changes(&a, &b);
        assert_eq!(
            changes,
            vec![PlanChange::Exercises {
                added: vec!["ds-submission".into()],
                removed: vec![]
            }]
        );
        assert!(changes.iter().all(PlanChange::applies_live));
    }

    #[test]
    fn port_and_timers_are_named() {
        let a = plan("trainees:\n  names: [alice]\n");
        let text = "workshop: t\ntlds: [ne]\nport: 20053\ntimers: classroom\ntrainees:\n  names: [alice]\n";
        let path = std::path::Path::new("t.yaml");
        let b = LabPlan::from_spec(crate::LabFile::parse(text, path).unwrap(), path).unwrap();
        let changes = plan_changes(&a, &b);
        assert_eq!(
            changes,
            vec![
                PlanChange::Port {
                    from: 10053,
                    to: 20053
                },
                PlanChange::Timers
            ]
        );
    }
}
