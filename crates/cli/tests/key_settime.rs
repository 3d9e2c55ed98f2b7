//! `dnslab key settime` against BIND's dnssec-settime: times written by
//! one are read back the same by the other, and impossible orders are
//! refused without touching the files.

use dnslab_testkit::{peer, printed};
use std::path::Path;
use std::process::Command;

fn dnslab(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dnslab"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run dnslab")
}

/// `Publish: 20261128024257 (…)` lines of `dnslab key settime`, or
/// `Publish: 1764297777` of `dnssec-settime -up all`, as (name, epoch).
fn times(text: &str, bind: bool) -> Vec<(String, Option<i64>)> {
    text.lines()
        .filter_map(|l| l.split_once(": "))
        .filter(|(name, _)| !name.starts_with("DS "))
        .map(|(name, value)| {
            let v = value.split_whitespace().next().unwrap_or("");
            let t = if v == "UNSET" {
                None
            } else if bind {
                v.parse().ok()
            } else {
                dnslab_zone::rdata::time::parse_timestamp(v.as_bytes())
            };
            (name.to_string(), t)
        })
        .collect()
}

#[test]
fn settime_agrees_with_dnssec_settime_both_ways() {
    let Some(settime) = peer("dnssec-settime") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dnslab(dir.path(), &["key", "generate", "--zone", "ex", "--ksk"]);
    let base = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let key = format!("{base}.key");

    // dnslab writes, BIND reads.
    let ours = dnslab(
        dir.path(),
        &[
            "key",
            "settime",
            &key,
            "-P",
            "now",
            "-A",
            "+1h",
            "-I",
            "+1d",
            "-D",
            "+2d",
            "--sync-publish",
            "+2h",
        ],
    );
    assert!(ours.status.success(), "{}", printed(&ours));
    let bind = Command::new(&settime)
        .args(["-up", "all", &key])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(bind.status.success(), "{}", printed(&bind));
    let ours_t = times(&String::from_utf8_lossy(&ours.stdout), false);
    let bind_t = times(&String::from_utf8_lossy(&bind.stdout), true);
    for (name, t) in &ours_t {
        let theirs = bind_t.iter().find(|(n, _)| n == name).map(|(_, t)| *t);
        assert_eq!(theirs, Some(*t), "{name}: dnslab {t:?}, BIND {theirs:?}");
    }
    assert!(ours_t.iter().any(|(n, t)| n == "Inactive" && t.is_some()));

    // BIND writes (clears Delete, moves Activate), dnslab reads.
    let bind_set = Command::new(&settime)
        .args(["-A", "+3h", "-D", "none", &key])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(bind_set.status.success(), "{}", printed(&bind_set));
    let bind = Command::new(&settime)
        .args(["-up", "all", &key])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let read = dnslab(dir.path(), &["key", "settime", &key]);
    assert!(read.status.success(), "{}", printed(&read));
    let ours_t = times(&String::from_utf8_lossy(&read.stdout), false);
    let bind_t = times(&String::from_utf8_lossy(&bind.stdout), true);
    for (name, t) in &bind_t {
        if let Some((_, ours)) = ours_t.iter().find(|(n, _)| n == name) {
            assert_eq!(ours, t, "{name}");
        }
    }
    assert!(ours_t.iter().any(|(n, t)| n == "Delete" && t.is_none()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(format!("{base}.private")))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn settime_refuses_impossible_orders_and_leaves_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dnslab(dir.path(), &["key", "generate", "--zone", "ex"]);
    let base = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let key = format!("{base}.key");
    let before = std::fs::read(dir.path().join(&key)).unwrap();
    let bad = dnslab(
        dir.path(),
        &["key", "settime", &key, "-A", "+2d", "-I", "+1d"],
    );
    assert_eq!(bad.status.code(), Some(2), "{}", printed(&bad));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("inactive"),
        "{}",
        printed(&bad)
    );
    let garbage = dnslab(dir.path(), &["key", "settime", &key, "-P", "soon"]);
    assert_eq!(garbage.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&garbage.stderr).contains("\"soon\""),
        "{}",
        printed(&garbage)
    );
    assert_eq!(std::fs::read(dir.path().join(&key)).unwrap(), before);
}
