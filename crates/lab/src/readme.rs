//! The README in each trainee's workspace.

use crate::plan::{LabPlan, Trainee};
use crate::timers::format_duration;
use std::fmt::Write as _;

/// `trainees/<name>/README.md`: the trainee's zone, addresses and first
/// steps, and the workshop's exercises.
pub(crate) fn trainee_readme(plan: &LabPlan, t: &Trainee) -> String {
    let p = if plan.port == 53 {
        String::new()
    } else {
        format!(" -p {}", plan.port)
    };
    let zone = &t.zone;
    let zone_file = t
        .zone_file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let auth = t.auth.ip();
    let resolver = t.resolver.ip();
    let tld_server = plan
        .tld(&t.tld)
        .map(|x| x.address.ip().to_string())
        .unwrap_or_default();
    let root = plan.root_node().address.ip();
    let reference = plan.reference_resolver().address.ip();
    let mut out = String::new();
    let _ = writeln!(out, "# Workshop {}: trainee {}\n", plan.workshop, t.name);
    if let Some(d) = &plan.description {
        let _ = writeln!(out, "{d}\n");
    }
    let _ = writeln!(
        out,
        "\
This directory is your workspace. It holds your zone file and your
resolver's configuration; your own keys go here too (in `keys/`, say).
dnslab rewrites this README at every start; keep notes in another file.

## Your lab

| what | where |
|---|---|
| your zone | `{zone}` (under the lab TLD `{tld}.`) |
| your zone file | `{zone_file}` |
| your authoritative server | {auth}, port {port} |
| your resolver | {resolver}, port {port} (configured by `resolver.conf`) |
| the server of `{tld}.` | {tld_server}, port {port} |
| the lab root `.` | {root}, port {port} |
| a validating reference resolver | {reference}, port {port} |

The lab is a private DNS tree: its root is not the Internet's root, and its
root key is the only trust anchor that works here. TTLs are short
({ttl} for records, {ds_ttl} for DS) so that changes show quickly.

## First steps

1. Look at your zone as the world sees it:

       dig @{auth}{p} {zone} SOA
       dig @{tld_server}{p} {zone} NS      # the delegation from {tld}.

2. Ask your resolver, which finds your zone from the root down:

       dig @{resolver}{p} www.{zone} A

3. See what a signed zone looks like: the root and `{tld}.` are signed.

       dig @{root}{p} . DNSKEY +dnssec +multi
       dig @{reference}{p} {tld}. SOA +dnssec      # the ad flag: validated

4. Your zone starts unsigned and your TLD has no DS record for it yet.
   The exercises below take it from there.
",
        tld = t.tld,
        port = plan.port,
        ttl = format_duration(plan.timers.ttl),
        ds_ttl = format_duration(plan.timers.ds_ttl),
    );
    if !plan.exercises.is_empty() {
        let _ = writeln!(out, "## Exercises\n");
        for (i, e) in plan.exercises.iter().enumerate() {
            let _ = writeln!(out, "{}. `{}`: {}", i + 1, e.id(), e.summary());
        }
        let _ = writeln!(out);
    }
    if !plan.runs_auth {
        let _ = writeln!(
            out,
            "Note: this lab does not run an authoritative server for you: run your own\n(BIND, NSD, Knot) on {auth} port {}, serving `{zone_file}`.\n",
            plan.port
        );
    }
    if !plan.runs_resolver {
        let _ = writeln!(
            out,
            "Note: this lab does not run a resolver for you: run your own (Unbound,\nBIND) on {resolver} port {}, with {root} as the root server.\n",
            plan.port
        );
    }
    out
}
