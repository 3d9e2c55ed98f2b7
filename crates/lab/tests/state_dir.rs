//! The state directory: layout, permissions, idempotence, reset.

use dnslab_lab::{LabPlan, ResolverConfig, StateDir};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn minimal() -> LabPlan {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../labs/minimal.yaml");
    LabPlan::load(&path).unwrap()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn init_creates_the_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let state = StateDir::new(tmp.path().join("lab"));
    let plan = minimal();
    let report = state.init(&plan).unwrap();
    assert_eq!(report.generated_keys.len(), 3); // ., ne., zoo.
    assert_eq!(report.new_workspaces, ["alice", "bob"]);

    let root = state.path();
    assert_eq!(
        std::fs::read_to_string(root.join("lab.yaml")).unwrap(),
        plan.lab_text
    );
    for f in ["zones/root.zone", "zones/ne.zone", "zones/zoo.zone"] {
        assert!(root.join(f).is_file(), "{f}");
    }
    for t in &plan.trainees {
        let dir = state.trainee_dir(t);
        assert!(dir.join(format!("{}.ne.zone", t.name)).is_file());
        assert!(dir.join("README.md").is_file());
        let conf = ResolverConfig::read(&dir.join("resolver.conf")).unwrap();
        assert!(!conf.validation);
        assert!(conf.trust_anchors.is_empty());
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        assert!(readme.contains(&t.zone.to_string()), "{readme}");
        assert!(readme.contains(&t.auth.ip().to_string()));
        assert!(readme.contains("-p 10053"));
    }

    // Keys: a KSK and a ZSK per lab zone, loadable, with DS for the KSK.
    for zone in plan.lab_zones() {
        let keys = state.load_keys(&zone.apex).unwrap();
        assert_eq!(keys.len(), 2, "{}", zone.apex);
        assert_eq!(keys.iter().filter(|k| k.is_sep()).count(), 1);
        assert!(keys.iter().all(|k| k.private.is_some()));
        let ds = state.ds_records(&zone.apex, plan.timers.ds_ttl).unwrap();
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].ttl, 60);
    }
}

#[cfg(unix)]
#[test]
fn key_permissions() {
    let tmp = tempfile::tempdir().unwrap();
    let state = StateDir::new(tmp.path().join("lab"));
    state.init(&minimal()).unwrap();
    assert_eq!(mode(&state.keys_dir()), 0o700);
    let mut privates = 0;
    for f in files_under(&state.keys_dir()) {
        if f.extension().is_some_and(|e| e == "private") {
            assert_eq!(mode(&f), 0o600, "{}", f.display());
            privates += 1;
        }
    }
    assert_eq!(privates, 6);
    // Trainees keep their own keys in their workspaces: not for other
    // local users.
    let plan = minimal();
    for t in &plan.trainees {
        assert_eq!(mode(&state.trainee_dir(t)), 0o700, "{}", t.name);
    }
    // One made wide open by an older dnslab is tightened at the next init.
    let first = state.trainee_dir(&plan.trainees[0]);
    std::fs::set_permissions(&first, std::fs::Permissions::from_mode(0o755)).unwrap();
    state.init(&plan).unwrap();
    assert_eq!(mode(&first), 0o700);
}

#[test]
fn trainee_workspaces_hold_no_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let state = StateDir::new(tmp.path().join("lab"));
    let plan = minimal();
    state.init(&plan).unwrap();
    for t in &plan.trainees {
        for f in files_under(&state.trainee_dir(t)) {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            assert!(!name.starts_with('K'), "{}", f.display());
            let text = std::fs::read_to_string(&f).unwrap();
            assert!(!text.contains("PrivateKey"), "{}", f.display());
        }
    }
}

#[test]
fn init_twice_keeps_trainee_work_and_lab_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let state = StateDir::new(tmp.path().join("lab"));
    let plan = minimal();
    state.init(&plan).unwrap();
    let alice = plan.trainee("alice").unwrap();
    let zone_file = state.join(&alice.zone_file);
    let conf = state.join(alice.resolver_conf());
    let edited = format!(
        "{}extra IN A 192.0.2.99\n",
        std::fs::read_to_string(&zone_file).unwrap()
    );
    std::fs::write(&zone_file, &edited).unwrap();
    std::fs::write(&conf, "validation: on\ntrust_anchors: []\n").unwrap();
    std::fs::create_dir(state.trainee_dir(alice).join("keys")).unwrap();
    std::fs::write(state.trainee_dir(alice).join("keys/notes.txt"), "mine").unwrap();
    let tags_before: Vec<u16> = state
        .load_keys(&dnslab_zone::Name::root())
        .unwrap()
        .iter()
        .map(|k| k.tag())
        .collect();

    let report = state.init(&plan).unwrap();
    assert!(report.generated_keys.is_empty());
    assert_eq!(report.kept_workspaces, ["alice", "bob"]);
    assert_eq!(std::fs::read_to_string(&zone_file).unwrap(), edited);
    assert!(ResolverConfig::read(&conf).unwrap().validation);
    assert!(state.trainee_dir(alice).join("keys/notes.txt").is_file());
    let tags_after: Vec<u16> = state
        .load_keys(&dnslab_zone::Name::root())
        .unwrap()
        .iter()
        .map(|k| k.tag())
        .collect();
    assert_eq!(tags_before, tags_after);
}

#[test]
fn reset_trainee_restores_the_start() {
    let tmp = tempfile::tempdir().unwrap();
    let state = StateDir::new(tmp.path().join("lab"));
    let plan = minimal();
    state.init(&plan).unwrap();
    let bob = plan.trainee("bob").unwrap();
    let zone_file = state.join(&bob.zone_file);
    let original = std::fs::read_to_string(&zone_file).unwrap();
    std::fs::write(&zone_file, "broken").unwrap();
    std::fs::write(state.trainee_dir(bob).join("Kbob.ne.+013+12345.key"), "x").unwrap();

    let started = std::time::Instant::now();
    let attic = state
        .reset_trainee(&plan, "bob")
        .unwrap()
        .expect("moved aside");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(std::fs::read_to_string(&zone_file).unwrap(), original);
    assert!(
        !state
            .trainee_dir(bob)
            .join("Kbob.ne.+013+12345.key")
            .exists()
    );
    assert_eq!(
        std::fs::read_to_string(attic.join(format!("{}.ne.zone", bob.name))).unwrap(),
        "broken"
    );
    // alice is untouched; an unknown trainee is an error.
    assert!(
        state
            .join(&plan.trainee("alice").unwrap().zone_file)
            .is_file()
    );
    assert!(state.reset_trainee(&plan, "mallory").is_err());
    // Twice in the same second: a second attic entry.
    let again = state.reset_trainee(&plan, "bob").unwrap().unwrap();
    assert_ne!(again, attic);
}

#[test]
fn load_plan_from_the_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let state = StateDir::new(tmp.path().join("lab"));
    let plan = minimal();
    state.init(&plan).unwrap();
    let again = state.load_plan().unwrap();
    assert_eq!(again.nodes, plan.nodes);
    assert_eq!(again.trainees, plan.trainees);
}
