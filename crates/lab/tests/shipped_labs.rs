//! Every shipped lab file loads and plans; the address plan holds.

use dnslab_lab::{Exercise, LabPlan, Role};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;

fn labs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../labs")
}

fn shipped() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(labs_dir())
        .expect("labs/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_lab_loads_and_plans() {
    let files = shipped();
    assert!(files.len() >= 2, "labs/*.yaml: {files:?}");
    for file in files {
        let plan = LabPlan::load(&file).unwrap_or_else(|e| panic!("{e}"));
        plan.check_addresses().unwrap();
        // Every zone's generated text reads back.
        plan.root_zone_records().unwrap();
        for tld in &plan.tlds {
            plan.tld_zone_records(tld).unwrap();
        }
        if plan.zoo {
            plan.zoo_zone_records().unwrap();
        }
        for t in &plan.trainees {
            let records = plan.trainee_zone_records(t).unwrap();
            assert!(records.iter().all(|r| r.owner.is_subdomain_of(&t.zone)));
        }
    }
}

#[test]
fn minimal_lab() {
    let plan = LabPlan::load(&labs_dir().join("minimal.yaml")).unwrap();
    assert_eq!(plan.workshop, "minimal");
    assert_eq!(plan.tlds.len(), 1);
    let names: Vec<_> = plan.trainees.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["alice", "bob"]);
    assert_eq!(plan.trainees[0].zone.to_string(), "alice.ne.");
    assert_eq!(plan.timers, dnslab_lab::Timers::WORKSHOP);
    let node_names: Vec<_> = plan.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        node_names,
        [
            "root",
            "tld-ne",
            "zoo",
            "reference-resolver",
            "alice-auth",
            "alice-resolver",
            "bob-auth",
            "bob-resolver"
        ]
    );
}

#[test]
fn pilot_lab_addresses_and_round_robin() {
    let plan = LabPlan::load(&labs_dir().join("cctld-pilot.yaml")).unwrap();
    let tlds: Vec<_> = plan.tlds.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(
        tlds,
        ["ne", "tg", "bj", "cg", "km", "mg", "ao", "bi", "zw", "gm"]
    );
    assert_eq!(plan.trainees.len(), 20);
    assert!(plan.cds_scan.enabled);
    assert_eq!(plan.cds_scan.interval, 60);
    assert_eq!(
        plan.exercises,
        [
            Exercise::SignZone,
            Exercise::DsSubmission,
            Exercise::ResolverValidation
        ]
    );
    // Round-robin: trainee n is under TLD (n-1) mod 10.
    for (i, t) in plan.trainees.iter().enumerate() {
        assert_eq!(t.name, format!("t{:02}", i + 1));
        assert_eq!(t.tld, tlds[i % 10]);
        assert_eq!(
            t.zone.to_string(),
            format!("t{:02}.{}.", i + 1, tlds[i % 10])
        );
    }
    for tld in &plan.tlds {
        assert_eq!(tld.trainees.len(), 2);
    }
    // The documented scheme.
    let addr = |s: &str| s.parse::<SocketAddr>().unwrap();
    assert_eq!(plan.node("root").unwrap().address, addr("127.53.0.1:53"));
    assert_eq!(plan.node("tld-ne").unwrap().address, addr("127.53.1.1:53"));
    assert_eq!(plan.node("tld-gm").unwrap().address, addr("127.53.1.10:53"));
    assert_eq!(plan.node("zoo").unwrap().address, addr("127.53.2.1:53"));
    assert_eq!(plan.reference_resolver().address, addr("127.53.3.1:53"));
    assert_eq!(
        plan.node("t01-auth").unwrap().address,
        addr("127.53.10.1:53")
    );
    assert_eq!(
        plan.node("t20-resolver").unwrap().address,
        addr("127.53.11.20:53")
    );
    assert_eq!(plan.trainee("t07").unwrap().auth, addr("127.53.10.7:53"));
    // No two nodes share an address, all inside the base network.
    let mut seen = HashSet::new();
    for n in &plan.nodes {
        assert!(seen.insert(n.address), "{} reuses {}", n.name, n.address);
        assert!(
            plan.network.contains(
                &n.address
                    .ip()
                    .to_string()
                    .parse::<std::net::Ipv4Addr>()
                    .unwrap()
            )
        );
    }
    assert_eq!(plan.nodes.len(), 1 + 10 + 1 + 1 + 40);
    assert_eq!(
        plan.nodes.iter().filter(|n| n.role == Role::Auth).count(),
        20
    );
    // Lab zones: root first, then TLDs, then the zoo.
    let zones: Vec<String> = plan
        .lab_zones()
        .iter()
        .map(|z| z.apex.to_string())
        .collect();
    assert_eq!(zones.first().map(String::as_str), Some("."));
    assert_eq!(zones.last().map(String::as_str), Some("zoo."));
    assert_eq!(zones.len(), 12);
}

#[test]
fn zone_contents() {
    use dnslab_zone::Rtype;
    let plan = LabPlan::load(&labs_dir().join("cctld-pilot.yaml")).unwrap();
    let root = plan.root_zone_records().unwrap();
    let has = |records: &[dnslab_zone::Record], owner: &str, rtype: Rtype, data: &str| {
        records
            .iter()
            .any(|r| r.owner.to_string() == owner && r.rtype == rtype && r.rdata_text() == data)
    };
    assert!(has(&root, ".", Rtype::NS, "root-ns."));
    assert!(has(&root, "root-ns.", Rtype::A, "127.53.0.1"));
    assert!(has(&root, "ne.", Rtype::NS, "ns.ne."));
    assert!(has(&root, "ns.ne.", Rtype::A, "127.53.1.1"));
    assert!(has(&root, "zoo.", Rtype::NS, "ns.zoo."));
    assert!(
        !root.iter().any(|r| r.rtype == Rtype::DS),
        "DS records come at signing"
    );
    assert!(root.iter().all(|r| r.ttl == 60));

    let ne = plan.tld_zone_records(plan.tld("ne").unwrap()).unwrap();
    assert!(has(&ne, "t01.ne.", Rtype::NS, "ns.t01.ne."));
    assert!(has(&ne, "ns.t01.ne.", Rtype::A, "127.53.10.1"));
    assert!(has(&ne, "t11.ne.", Rtype::NS, "ns.t11.ne."));
    assert!(!ne.iter().any(|r| r.owner.to_string() == "t02.tg."));
    assert!(!ne.iter().any(|r| r.rtype == Rtype::DS));

    let t01 = plan
        .trainee_zone_records(plan.trainee("t01").unwrap())
        .unwrap();
    assert!(has(&t01, "t01.ne.", Rtype::NS, "ns.t01.ne."));
    assert!(has(&t01, "ns.t01.ne.", Rtype::A, "127.53.10.1"));
    assert!(has(&t01, "www.t01.ne.", Rtype::A, "198.51.100.1"));
    let soa = t01.iter().find(|r| r.rtype == Rtype::SOA).unwrap();
    assert!(
        soa.rdata_text().ends_with(" 30"),
        "negative TTL: {}",
        soa.rdata_text()
    );
    // Any zone by apex.
    let apex = plan.trainee("t02").unwrap().zone.clone();
    assert_eq!(
        plan.zone_records(&apex).unwrap().len(),
        plan.trainee_zone_records(plan.trainee("t02").unwrap())
            .unwrap()
            .len()
    );
}

#[test]
fn rebase_moves_every_node_to_the_same_place_in_the_new_network() {
    let mut plan = LabPlan::load(&labs_dir().join("cctld-pilot.yaml")).unwrap();
    let before = plan.clone();
    plan.rebase("10.201.0.0/16".parse().unwrap(), 53);
    assert_eq!(plan.network.to_string(), "10.201.0.0/16");
    for (old, new) in before.nodes.iter().zip(&plan.nodes) {
        let (SocketAddr::V4(o), SocketAddr::V4(n)) = (old.address, new.address) else {
            panic!("IPv4 plan");
        };
        assert_eq!(o.ip().octets()[2..], n.ip().octets()[2..], "{}", old.name);
        assert_eq!(n.ip().octets()[..2], [10, 201]);
        assert_eq!(n.port(), 53);
    }
    let t = &plan.trainees[0];
    assert_eq!(
        plan.node(&format!("{}-auth", t.name)).map(|n| n.address),
        Some(t.auth)
    );
    assert_eq!(plan.tlds[0].address, plan.node("tld-ne").unwrap().address);
    // The zones built from the rebased plan carry the new addresses.
    let root = plan.root_zone_records().unwrap();
    assert!(root.iter().any(|r| r.to_string().contains("10.201.1.1")));
}
