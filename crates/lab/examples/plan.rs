//! Prints a lab file's plan: nodes, addresses, zones, trainees.
//!
//!     cargo run -p dnslab-lab --example plan -- labs/cctld-pilot.yaml [--zones]

use dnslab_lab::LabPlan;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(file) = args.next() else {
        eprintln!("usage: plan LABFILE [--zones]");
        return ExitCode::from(2);
    };
    let show_zones = args.next().as_deref() == Some("--zones");
    let plan = match LabPlan::load(file.as_ref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "workshop {} ({} TLDs, {} trainees, timers {}, port {})",
        plan.workshop,
        plan.tlds.len(),
        plan.trainees.len(),
        plan.timer_profile,
        plan.port
    );
    for n in &plan.nodes {
        let zones: Vec<String> = n.zones.iter().map(|z| z.to_string()).collect();
        println!(
            "  {:<22} {:<18} {:<22} {}",
            n.name,
            n.role,
            n.address,
            zones.join(" ")
        );
    }
    if show_zones {
        for z in plan.lab_zones() {
            println!("\n== {} ({})", z.source_file.display(), z.apex);
            print!("{}", plan.zone_text(&z.apex).unwrap_or_default());
        }
        if let Some(t) = plan.trainees.first() {
            println!("\n== {}", t.zone_file.display());
            print!("{}", plan.trainee_zone_text(t));
        }
    }
    ExitCode::SUCCESS
}
