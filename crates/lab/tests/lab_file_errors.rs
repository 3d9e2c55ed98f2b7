//! Lab-file errors: unknown keys with suggestions, and every validation
//! error, each with file:line:column.

use dnslab_lab::{LabError, LabFile, LabPlan};
use std::path::Path;

const BASE: &str = "\
workshop: demo
tlds: [ne, tg]
trainees:
  names: [alice, bob, carol]
timers: workshop
exercises: [sign-zone]
";

fn plan(text: &str) -> Result<LabPlan, LabError> {
    let path = Path::new("labs/demo.yaml");
    LabPlan::from_spec(LabFile::parse(text, path)?, path)
}

fn error(text: &str) -> (LabError, String) {
    let e = plan(text).expect_err(text);
    let s = e.to_string();
    (e, s)
}

#[test]
fn base_is_valid() {
    let p = plan(BASE).unwrap();
    assert_eq!(p.trainees[2].zone.to_string(), "carol.ne.");
    assert_eq!(p.port, 53);
}

#[test]
fn unknown_top_level_key() {
    let text = BASE.replace("tlds:", "tldz:");
    let (e, s) = error(&text);
    assert_eq!(
        s,
        "labs/demo.yaml:2:1: unknown key \"tldz\", did you mean \"tlds\"?"
    );
    match e {
        LabError::UnknownKey(w) => {
            assert_eq!((w.at.line(), w.at.column()), (Some(2), Some(1)));
            assert_eq!(w.word, "tldz");
            assert_eq!(w.suggestion.as_deref(), Some("tlds"));
            assert!(w.expected.contains(&"workshop".to_string()));
            assert_eq!(w.section, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_nested_keys() {
    let text = BASE.replace("  names:", "  nmes:");
    let (_, s) = error(&text);
    assert_eq!(
        s,
        "labs/demo.yaml:4:3: unknown key \"nmes\" in trainees, did you mean \"names\"?"
    );

    let text = format!("{BASE}cds_scan: {{ enabled: true, intervall: 1m }}\n");
    let (_, s) = error(&text);
    assert_eq!(
        s,
        "labs/demo.yaml:7:28: unknown key \"intervall\" in cds_scan, did you mean \"interval\"?"
    );

    let text = BASE.replace(
        "timers: workshop",
        "timers:\n  profile: classroom\n  dnskey-ttl: 5m",
    );
    let (_, s) = error(&text);
    assert_eq!(
        s,
        "labs/demo.yaml:7:3: unknown key \"dnskey-ttl\" in timers, did you mean \"dnskey_ttl\"?"
    );

    // Nothing close: the valid keys are listed.
    let text = format!("{BASE}colour: blue\n");
    let (_, s) = error(&text);
    assert!(
        s.starts_with("labs/demo.yaml:7:1: unknown key \"colour\" (expected one of: workshop, "),
        "{s}"
    );
}

#[test]
fn bad_values_are_located() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "tlds: [ne, tg]",
            "tlds: [ne, Tg]",
            "labs/demo.yaml:2:12: tlds[1]: \"Tg\" is not a usable DNS label: use lowercase letters",
        ),
        (
            "timers: workshop",
            "timers: workshp",
            "labs/demo.yaml:5:9: timers: unknown timer profile \"workshp\", did you mean \"workshop\"?",
        ),
        (
            "exercises: [sign-zone]",
            "exercises: [sign-zone, zsk-rolover]",
            "labs/demo.yaml:6:24: exercises[1]: unknown exercise \"zsk-rolover\", did you mean \"zsk-rollover\"?",
        ),
        (
            "timers: workshop",
            "timers: { ttl: 5 minutes }",
            "labs/demo.yaml:5:16: timers.ttl: bad duration \"5 minutes\": unknown unit (write seconds, or units: 90s, 5m, 1h, 14d, 2w, 1h30m)",
        ),
        (
            "timers: workshop",
            "algorithm: RSASHA1",
            "labs/demo.yaml:5:12: algorithm: algorithm \"RSASHA1\": lab keys can be ECDSAP256SHA256 (13), ECDSAP384SHA384 (14) or ED25519 (15)",
        ),
        (
            "timers: workshop",
            "addresses: { base: 10.0.0.0/16 }",
            "labs/demo.yaml:5:20: addresses.base: addresses: bad base network \"10.0.0.0/16\": the embedded backend listens on loopback addresses: use 127.x.0.0/16",
        ),
        (
            "timers: workshop",
            "zone: \"{tld}\"",
            "labs/demo.yaml:5:7: zone: bad zone pattern \"{tld}\": it needs {trainee}, or every trainee would get the same zone",
        ),
    ];
    for (from, to, expected) in cases {
        let text = BASE.replace(from, to);
        let (_, s) = error(&text);
        assert_eq!(&s, expected, "{to}");
    }
}

#[test]
fn missing_key_and_bad_yaml() {
    let (_, s) = error("workshop: demo\ntlds: [ne]\n");
    assert!(s.starts_with("labs/demo.yaml:"), "{s}");
    assert!(s.contains("missing field `trainees`"), "{s}");
    let (_, s) = error("workshop: demo\ntlds: [ne\n");
    assert!(s.starts_with("labs/demo.yaml:"), "{s}");
    assert!(s.chars().filter(|&c| c == ':').count() >= 3, "{s}");
}

#[test]
fn duplicate_trainee() {
    let text = BASE.replace("[alice, bob, carol]", "[alice, bob, alice]");
    let (e, s) = error(&text);
    assert!(matches!(e, LabError::DuplicateTrainee { .. }));
    assert_eq!(s, "labs/demo.yaml:4:23: trainee \"alice\" is listed twice");

    // Block style.
    let text = BASE.replace(
        "  names: [alice, bob, carol]",
        "  names:\n    - alice\n    - bob\n    - bob",
    );
    let (_, s) = error(&text);
    assert_eq!(s, "labs/demo.yaml:7:7: trainee \"bob\" is listed twice");
}

#[test]
fn duplicate_and_reserved_tlds() {
    let (e, s) = error(&BASE.replace("[ne, tg]", "[ne, tg, ne]"));
    assert!(matches!(e, LabError::DuplicateTld { .. }));
    assert_eq!(s, "labs/demo.yaml:2:16: TLD \"ne\" is listed twice");
    let (e, s) = error(&BASE.replace("[ne, tg]", "[ne, zoo]"));
    assert!(matches!(e, LabError::ReservedTld { .. }), "{s}");
    assert!(
        s.starts_with("labs/demo.yaml:2:12: TLD \"zoo\" is reserved"),
        "{s}"
    );
    // Without the zoo, zoo is an ordinary TLD.
    plan(&format!(
        "{}zoo: false\n",
        BASE.replace("[ne, tg]", "[ne, zoo]")
    ))
    .unwrap();
    let (e, _) = error(&BASE.replace("[ne, tg]", "[]"));
    assert!(matches!(e, LabError::NoTlds { .. }));
}

#[test]
fn trainee_list_forms() {
    let (e, s) = error(&BASE.replace("  names: [alice, bob, carol]", "  names: [a]\n  count: 3"));
    assert!(matches!(e, LabError::Trainees { .. }), "{s}");
    assert!(
        s.starts_with("labs/demo.yaml:3:1: trainees: give either names or count"),
        "{s}"
    );

    let (e, s) = error(&BASE.replace("  names: [alice, bob, carol]", "  count: 0"));
    assert!(matches!(e, LabError::Trainees { .. }), "{s}");
    assert!(s.starts_with("labs/demo.yaml:4:3: "), "{s}");

    let (_, s) = error(&BASE.replace(
        "  names: [alice, bob, carol]",
        "  count: 3\n  pattern: \"trainee\"",
    ));
    assert_eq!(
        s,
        "labs/demo.yaml:5:12: trainees.pattern: bad trainee name pattern \"trainee\": it needs {n} (or {n:02}) where the trainee's number goes"
    );

    let (e, s) = error(&BASE.replace(
        "  names: [alice, bob, carol]",
        "  count: 3\n  pattern: \"T{n}\"",
    ));
    assert!(matches!(e, LabError::BadLabel { .. }), "{s}");
    assert!(
        s.starts_with("labs/demo.yaml:5:3: trainee name \"T1\""),
        "{s}"
    );

    // count with the default pattern.
    let p = plan(&BASE.replace("  names: [alice, bob, carol]", "  count: 3")).unwrap();
    assert_eq!(p.trainees[2].name, "t03");
}

#[test]
fn more_trainees_than_addresses() {
    let (e, s) = error(&BASE.replace("  names: [alice, bob, carol]", "  count: 300"));
    match e {
        LabError::TooManyTrainees { count, max, .. } => assert_eq!((count, max), (300, 254)),
        other => panic!("{other:?}"),
    }
    assert!(s.starts_with("labs/demo.yaml:4:3: 300 trainees"), "{s}");
    plan(&BASE.replace(
        "  names: [alice, bob, carol]",
        "  count: 254\n  pattern: \"t{n:03}\"",
    ))
    .unwrap();
}

#[test]
fn zones_that_collide_or_hide_lab_names() {
    // A trainee named ns would own ns.ne., the TLD's name server.
    let (e, s) = error(&BASE.replace("[alice, bob, carol]", "[alice, ns]"));
    assert!(matches!(e, LabError::ZoneShadows { .. }), "{s}");
    assert_eq!(
        s,
        "labs/demo.yaml:4:18: the zone ns.tg. of trainee ns would hide ns.tg., which TLD tg needs (choose another trainee name or zone pattern)"
    );
    // nic.<tld> is the TLD's registry name.
    let (e, s) = error(&BASE.replace("[alice, bob, carol]", "[nic, bob]"));
    assert!(matches!(e, LabError::ZoneShadows { .. }), "{s}");
    assert!(s.contains("would hide nic.ne."), "{s}");
}

#[test]
fn timers_and_exercises() {
    let (e, s) = error(&BASE.replace(
        "timers: workshop",
        "timers: { profile: workshop, signature_refresh: 3d }",
    ));
    assert!(matches!(e, LabError::BadTimers { .. }), "{s}");
    assert!(s.starts_with("labs/demo.yaml:5:1: timers: signature_refresh (3d) must be shorter than signature_validity (2d)"), "{s}");

    let p = plan(&BASE.replace(
        "timers: workshop",
        "timers: { profile: standard, ds_ttl: 10m }",
    ))
    .unwrap();
    assert_eq!(p.timers.ds_ttl, 600);
    assert_eq!(p.timers.ttl, 3600);

    let (e, s) = error(&BASE.replace("[sign-zone]", "[sign-zone, ds-submission, sign-zone]"));
    assert!(matches!(e, LabError::DuplicateExercise { .. }), "{s}");
    assert_eq!(
        s,
        "labs/demo.yaml:6:39: exercise \"sign-zone\" is listed twice"
    );

    let (e, s) = error(&BASE.replace("[sign-zone]", "[sign-zone, cds-automation]"));
    assert!(matches!(e, LabError::ExerciseNeeds { .. }), "{s}");
    assert!(
        s.starts_with("labs/demo.yaml:6:24: exercise \"cds-automation\" needs"),
        "{s}"
    );
    plan(&format!(
        "{}cds_scan: {{ enabled: true }}\n",
        BASE.replace("[sign-zone]", "[sign-zone, cds-automation]")
    ))
    .unwrap();
}

#[test]
fn port_and_nodes() {
    let (e, s) = error(&format!("{BASE}port: 0\n"));
    assert!(matches!(e, LabError::BadPort { .. }), "{s}");
    assert!(s.starts_with("labs/demo.yaml:7:1: port 0"), "{s}");

    // Trainees bring their own servers: no trainee nodes, addresses kept.
    let p = plan(&format!(
        "{BASE}nodes: {{ auth: false, resolver: false }}\n"
    ))
    .unwrap();
    assert!(p.nodes.iter().all(|n| n.trainee.is_none()));
    assert_eq!(p.trainees[0].auth.to_string(), "127.53.10.1:53");
    p.check_addresses().unwrap();
}

#[test]
fn address_conflicts_are_found() {
    let mut p = plan(BASE).unwrap();
    p.check_addresses().unwrap();
    let mut extra = p.nodes[1].clone();
    extra.name = "grader".to_string();
    p.nodes.push(extra);
    let e = p.check_addresses().unwrap_err();
    assert_eq!(
        e.to_string(),
        "node tld-ne and node grader would both listen on 127.53.1.1:53"
    );
}

#[test]
fn duplicate_node_names() {
    // A trainee named "reference" would get node "reference-resolver".
    let (e, s) = error(&BASE.replace("[alice, bob, carol]", "[alice, reference]"));
    assert!(matches!(e, LabError::DuplicateNodeName { .. }), "{s}");
    assert_eq!(
        s,
        "labs/demo.yaml:4:18: two nodes would be named \"reference-resolver\" (the reference-resolver and trainee reference's resolver); rename the trainee"
    );
}

#[test]
fn custom_network_and_port() {
    let p = plan(&format!(
        "{BASE}addresses: {{ base: 127.99.0.0/16 }}\nport: 10053\n"
    ))
    .unwrap();
    assert_eq!(p.root_node().address.to_string(), "127.99.0.1:10053");
    assert_eq!(p.trainees[1].resolver.to_string(), "127.99.11.2:10053");
}

const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPfpVw3HP1OHlTw7bEbjXKIpw3kyyzfuZmc2gfJvD/Yq alice@laptop";

#[test]
fn ssh_access_defaults_and_implies_workstations() {
    let p = plan(&format!("{BASE}access: {{ ssh: true }}\n")).unwrap();
    let ssh = p.ssh.as_ref().expect("ssh access");
    assert_eq!(ssh.bind.to_string(), "127.0.0.1");
    assert_eq!((ssh.port_base, ssh.password), (2200, true));
    assert_eq!(ssh.port(&p.trainees[0]), 2201);
    assert_eq!(ssh.port(&p.trainees[2]), 2203);
    assert!(p.runs_workstation, "ssh implies workstations");
    assert!(plan(BASE).unwrap().ssh.is_none());

    let text = format!(
        "{BASE}access:\n  ssh: true\n  bind: 0.0.0.0\n  host: lab.example\n  port_base: 3000\n  keys:\n    bob: [\"{KEY}\"]\n"
    );
    let p = plan(&text).unwrap();
    let ssh = p.ssh.unwrap();
    assert!(ssh.bind.is_unspecified());
    assert_eq!(ssh.host_to_type().as_deref(), Some("lab.example"));
    assert_eq!(ssh.keys["bob"], [KEY.to_string()]);
    assert!(!ssh.keys.contains_key("alice"));
}

#[test]
fn ssh_access_errors_name_the_place() {
    let cases = [
        (
            format!("{BASE}access: {{ ssh: true, bind: 10.0.0.300 }}\n"),
            "labs/demo.yaml:7:28: access.bind: \"10.0.0.300\" is not an IP address",
        ),
        (
            format!("{BASE}access:\n  ssh: true\n  port_base: 65534\n"),
            "labs/demo.yaml:9:3: access: trainees 1 to 3 would be on ports 65535 to 65537: choose a port_base from 1 to 65532",
        ),
        (
            format!("{BASE}access:\n  ssh: true\n  port_base: 0\n"),
            "labs/demo.yaml:9:3: access: trainees 1 to 3 would be on ports 1 to 3",
        ),
        (
            format!("{BASE}access:\n  ssh: true\n  keys:\n    alcie: [\"{KEY}\"]\n"),
            "labs/demo.yaml:10:5: access: keys for \"alcie\", who is not a trainee of this lab, did you mean \"alice\"?",
        ),
        (
            format!(
                "{BASE}access:\n  ssh: true\n  keys:\n    alice: [\"ssh-ed25519 AAAAB3NzaC1yc2E= x\"]\n"
            ),
            "labs/demo.yaml:10:13: access.keys.alice[0]: not an OpenSSH public key line: the key data is not of type ssh-ed25519",
        ),
        (
            format!("{BASE}access:\n  ssh: true\n  keys:\n    alice: [\"ssh-dss AAAA x\"]\n"),
            "not a key type OpenSSH takes",
        ),
        (
            format!(
                "{BASE}access:\n  ssh: true\n  password: false\n  keys:\n    alice: [\"{KEY}\"]\n"
            ),
            "labs/demo.yaml:9:3: access: with password: false only keys log in, and bob, carol have none",
        ),
        (
            format!("{BASE}access:\n  bind: 0.0.0.0\n"),
            "labs/demo.yaml:8:3: access: bind is an SSH setting, but SSH is off: add `ssh: true`",
        ),
        (
            format!("{BASE}nodes: {{ workstation: false }}\naccess: {{ ssh: true }}\n"),
            "labs/demo.yaml:7:10: access: access.ssh logs trainees in to their workstations",
        ),
        (
            format!("{BASE}access: {{ ssh: true, prot_base: 2200 }}\n"),
            "labs/demo.yaml:7:22: unknown key \"prot_base\" in access, did you mean \"port_base\"?",
        ),
        (
            format!("{BASE}access: {{ ssh: true, host: \"a b\" }}\n"),
            "is not a host name or address",
        ),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .map(|(text, expected)| (error(text).1, expected))
        .filter(|(s, expected)| !s.contains(*expected))
        .map(|(s, expected)| format!("{s}\n  expected: {expected}"))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
