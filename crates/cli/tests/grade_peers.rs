//! `dnslab grade` end to end, against work done with the peer tools:
//! zones signed by BIND, ldns and Knot (NSEC and NSEC3) pass `sign-zone`;
//! a DS submitted and withdrawn is graded over the chain of trust; a
//! trainee's own Unbound is graded on `resolver-validation` (with
//! validation, without it, and with a wrong trust anchor); and the JUnit
//! and CSV reports and the unknown-trainee error are what docs/grading.md
//! says.
//!
//! The labs use port 10053 (no privileges) on networks of their own:
//! 127.137.0.0/16 for the tests without Unbound (they take turns, see
//! [`net_137`]) and 127.138.0.0/16 for the Unbound test. Every query goes
//! to loopback.

mod common;

use common::lab::{Lab, Unbound, ok, resolver_config, wait_for};
use common::{Flags, build_query, parse_response};
use dnslab_testkit::{peers, printed, run};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The tests on 127.137.0.0/16 run one after the other: tests of one file
/// run in parallel threads, and two labs cannot share a network.
fn net_137() -> MutexGuard<'static, ()> {
    static NET: Mutex<()> = Mutex::new(());
    NET.lock().unwrap_or_else(|e| e.into_inner())
}

/// A lab on `127.<octet>.0.0/16`, port 10053, one TLD `ne`, workshop timers.
fn lab(octet: u8, trainees: &[&str], zoo: bool) -> Lab {
    let lab = Lab::from_yaml(&format!(
        "workshop: test-{octet}\ntlds: [ne]\ntrainees:\n  names: [{}]\ntimers: workshop\n\
         zoo: {zoo}\naddresses:\n  base: 127.{octet}.0.0/16\nport: 10053\n",
        trainees.join(", ")
    ));
    lab.up();
    lab
}

fn workspace(lab: &Lab, trainee: &str) -> PathBuf {
    lab.state.join("trainees").join(trainee)
}

/// `dnslab grade --exercise E --trainee T [extra] --format F`.
fn grade(lab: &Lab, exercise: &str, trainee: &str, extra: &[&str], format: &str) -> Output {
    let mut args = vec![
        "grade",
        "--exercise",
        exercise,
        "--trainee",
        trainee,
        "--format",
        format,
    ];
    args.extend_from_slice(extra);
    lab.run(&args)
}

/// The one report of a JSON grading run, and the exit code.
fn grade_json(
    lab: &Lab,
    exercise: &str,
    trainee: &str,
    extra: &[&str],
) -> (Option<i32>, serde_json::Value) {
    let out = grade(lab, exercise, trainee, extra, "json");
    let text = String::from_utf8_lossy(&out.stdout);
    let json: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("grade JSON: {e}\n{}", printed(&out)));
    let reports = json.as_array().expect("a JSON array of reports");
    assert_eq!(reports.len(), 1, "{json}");
    (out.status.code(), reports[0].clone())
}

/// Grades until `done` says yes or `limit` has passed; returns the last
/// exit code and report.
fn grade_until(
    lab: &Lab,
    exercise: &str,
    trainee: &str,
    extra: &[&str],
    limit: Duration,
    done: impl Fn(Option<i32>, &serde_json::Value) -> bool,
) -> (Option<i32>, serde_json::Value) {
    let deadline = Instant::now() + limit;
    loop {
        let (code, report) = grade_json(lab, exercise, trainee, extra);
        if done(code, &report) || Instant::now() >= deadline {
            return (code, report);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The text report, for assertion messages.
fn text_report(lab: &Lab, exercise: &str, trainee: &str, extra: &[&str]) -> String {
    printed(&grade(lab, exercise, trainee, extra, "text"))
}

fn check<'r>(report: &'r serde_json::Value, id: &str) -> &'r serde_json::Value {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {report}"))
}

fn status<'r>(report: &'r serde_json::Value, id: &str) -> &'r str {
    check(report, id)["status"].as_str().expect("status")
}

fn full_marks(code: Option<i32>, report: &serde_json::Value) -> bool {
    code == Some(0) && report["passed"] == true && report["score"] == report["max_score"]
}

/// Writes `signed` over `<workspace>/<zone>.zone.signed` by renaming it
/// (the caller wrote it in the same directory), so the server never
/// reads half a file.
fn publish(signed: &Path, workspace: &Path, zone: &str) {
    let target = workspace.join(format!("{zone}zone.signed"));
    assert_eq!(signed.parent(), target.parent(), "same directory");
    std::fs::rename(signed, &target).unwrap();
}

/// How a trainee's zone is signed in test 1.
#[derive(Clone, Copy, Debug)]
enum Signer {
    Bind,
    Ldns,
    Knot,
}

impl Signer {
    fn tools(self) -> &'static [&'static str] {
        match self {
            Signer::Bind => &["dnssec-keygen", "dnssec-signzone"],
            Signer::Ldns => &["ldns-keygen", "ldns-signzone"],
            Signer::Knot => &["kzonesign"],
        }
    }

    /// Whether the tools are there (a skip reason is printed if not).
    fn available(self) -> Option<Vec<PathBuf>> {
        let tools = self.tools();
        let found: Vec<PathBuf> = match tools.len() {
            1 => peers([tools[0]]).map(|[a]| vec![a])?,
            _ => peers([tools[0], tools[1]]).map(|[a, b]| vec![a, b])?,
        };
        Some(found)
    }

    /// Signs `<workspace>/<zone>.zone` with keys the tool makes itself and
    /// writes the result to a temporary file beside it; returns that file.
    fn sign(self, tools: &[PathBuf], workspace: &Path, zone: &str, nsec3: bool) -> PathBuf {
        let zone_file = workspace.join(format!("{zone}zone"));
        let z = zone_file.to_str().unwrap();
        let tmp = workspace.join(format!(".{zone}zone.signed.tmp"));
        let t = tmp.to_str().unwrap();
        let keys = workspace.join("keys");
        std::fs::create_dir_all(&keys).unwrap();
        let k = keys.to_str().unwrap();
        match self {
            Signer::Bind => {
                let (keygen, signzone) = (&tools[0], &tools[1]);
                for ksk in [true, false] {
                    let mut args = vec!["-q", "-a", "ECDSAP256SHA256", "-K", k];
                    if ksk {
                        args.extend(["-f", "KSK"]);
                    }
                    args.push(zone);
                    ok(run(keygen, &args), "dnssec-keygen");
                }
                // -d: the dsset- file goes beside the keys, not into the cwd.
                let mut args = vec!["-S", "-K", k, "-d", k, "-o", zone, "-f", t];
                if nsec3 {
                    args.extend(["-3", "-", "-H", "0"]);
                }
                args.push(z);
                ok(run(signzone, &args), "dnssec-signzone");
            }
            Signer::Ldns => {
                let (keygen, signzone) = (&tools[0], &tools[1]);
                let mut bases = Vec::new();
                for ksk in [true, false] {
                    let mut args = vec!["-a", "ECDSAP256SHA256"];
                    if ksk {
                        args.push("-k");
                    }
                    args.push(zone);
                    let out = Command::new(keygen)
                        .current_dir(&keys)
                        .args(&args)
                        .output()
                        .expect("run ldns-keygen");
                    let base = ok(out, "ldns-keygen").trim().to_string();
                    bases.push(keys.join(base).to_str().unwrap().to_string());
                }
                let mut args = vec!["-o", zone, "-f", t];
                if nsec3 {
                    // NSEC3, 0 extra iterations, no salt (RFC 9276).
                    args.extend(["-n", "-t", "0"]);
                }
                args.push(z);
                args.extend(bases.iter().map(String::as_str));
                ok(run(signzone, &args), "ldns-signzone");
            }
            Signer::Knot => {
                dnslab_testkit::knot::kzonesign_with_new_keys(&zone_file, zone, nsec3, &tmp)
                    .unwrap_or_else(|e| panic!("kzonesign: {e}"));
            }
        }
        tmp
    }
}

#[test]
fn zones_signed_by_peers_pass_sign_zone() {
    let _net = net_137();
    // One trainee per tool and denial of existence.
    let plan = [
        ("bind", Signer::Bind, false),
        ("bind3", Signer::Bind, true),
        ("ldns", Signer::Ldns, false),
        ("ldns3", Signer::Ldns, true),
        ("knot", Signer::Knot, false),
        ("knot3", Signer::Knot, true),
    ];
    let names: Vec<&str> = plan.iter().map(|p| p.0).collect();
    let lab = lab(137, &names, false);

    let mut signed = Vec::new();
    for (trainee, signer, nsec3) in plan {
        // `available` has reported a missing tool (or failed the test).
        let Some(tools) = signer.available() else {
            continue;
        };
        let zone = format!("{trainee}.ne.");
        let ws = workspace(&lab, trainee);
        let tmp = signer.sign(&tools, &ws, &zone, nsec3);
        let text = std::fs::read_to_string(&tmp).unwrap();
        assert_eq!(
            text.contains("NSEC3PARAM"),
            nsec3,
            "{trainee}: {signer:?} with nsec3={nsec3} wrote:\n{text}"
        );
        publish(&tmp, &ws, &zone);
        signed.push((trainee, signer, nsec3));
    }

    let mut failures = Vec::new();
    for &(trainee, signer, nsec3) in &signed {
        let (code, report) = grade_until(
            &lab,
            "sign-zone",
            trainee,
            &[],
            Duration::from_secs(10),
            full_marks,
        );
        if !full_marks(code, &report) {
            failures.push(format!(
                "{trainee} ({signer:?}, {}): exit {code:?}, {}/{} passed={}\n{}",
                if nsec3 { "NSEC3" } else { "NSEC" },
                report["score"],
                report["max_score"],
                report["passed"],
                text_report(&lab, "sign-zone", trainee, &[])
            ));
            continue;
        }
        if nsec3 {
            // The proofs graded were NSEC3 proofs.
            let nx = check(&report, "denial-nxdomain")["message"]
                .as_str()
                .unwrap();
            assert!(nx.contains("NSEC3"), "{trainee}: {nx}");
        }
        eprintln!(
            "{trainee}: signed by {signer:?} ({}): {}/{}",
            if nsec3 { "NSEC3" } else { "NSEC" },
            report["score"],
            report["max_score"]
        );
    }
    assert!(
        failures.is_empty(),
        "{} zone(s) signed by peers do not pass sign-zone:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn ds_submission_graded_over_the_chain() {
    let _net = net_137();
    let lab = lab(137, &["t1"], false);
    let zone = "t1.ne.";
    let ws = workspace(&lab, "t1");
    let ksk_file = common::lab::sign_trainee_zone(&lab, &ws, zone);
    ok(
        lab.run(&[
            "ds",
            "submit",
            "--trainee",
            "t1",
            "--key",
            ksk_file.to_str().unwrap(),
        ]),
        "ds submit",
    );

    let (code, report) = grade_until(
        &lab,
        "ds-submission",
        "t1",
        &[],
        Duration::from_secs(10),
        full_marks,
    );
    assert!(
        full_marks(code, &report),
        "ds-submission after ds submit: exit {code:?}, {}/{}\n{}",
        report["score"],
        report["max_score"],
        text_report(&lab, "ds-submission", "t1", &[])
    );

    ok(
        lab.run(&["ds", "withdraw", "--trainee", "t1"]),
        "ds withdraw",
    );
    let (code, report) = grade_until(
        &lab,
        "ds-submission",
        "t1",
        &[],
        Duration::from_secs(10),
        |code, _| code == Some(1),
    );
    let text = text_report(&lab, "ds-submission", "t1", &[]);
    assert_eq!(code, Some(1), "exit status after ds withdraw:\n{text}");
    assert_eq!(report["passed"], false, "{text}");
    for id in ["chain-secure", "ds-published"] {
        assert_eq!(status(&report, id), "fail", "{id} after withdraw:\n{text}");
    }
    let message = check(&report, "ds-published")["message"].as_str().unwrap();
    assert!(
        message.contains("t1.ne") && message.contains("DS"),
        "ds-published message: {message}\n{text}"
    );
    assert!(
        text.contains("t1.ne") && text.contains("DS"),
        "the text report does not explain:\n{text}"
    );
}

#[test]
fn grade_formats_are_well_formed() {
    let _net = net_137();
    // t1 signed (passes sign-zone), t2 left unsigned (fails it).
    let lab = lab(137, &["t1", "t2"], false);
    let ws = workspace(&lab, "t1");
    common::lab::sign_trainee_zone(&lab, &ws, "t1.ne.");
    let (code, report) = grade_until(
        &lab,
        "sign-zone",
        "t1",
        &[],
        Duration::from_secs(10),
        full_marks,
    );
    assert!(
        full_marks(code, &report),
        "t1 signed by dnslab: exit {code:?}\n{}",
        text_report(&lab, "sign-zone", "t1", &[])
    );

    let all = ["--trainee", "t1", "--trainee", "t2"];
    let json_out = lab.run(&[
        "grade",
        "--exercise",
        "sign-zone",
        all[0],
        all[1],
        all[2],
        all[3],
        "--format",
        "json",
    ]);
    assert_eq!(json_out.status.code(), Some(1), "{}", printed(&json_out));
    let json: serde_json::Value = serde_json::from_slice(&json_out.stdout).unwrap();
    let reports = json.as_array().unwrap();
    assert_eq!(reports.len(), 2, "{json}");
    let checks: usize = reports
        .iter()
        .map(|r| r["checks"].as_array().unwrap().len())
        .sum();
    let failed: usize = reports
        .iter()
        .flat_map(|r| r["checks"].as_array().unwrap())
        .filter(|c| c["status"] == "fail")
        .count();
    assert!(failed > 0, "t2 is unsigned, yet nothing fails: {json}");

    // JUnit, written to a file.
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("report.xml");
    let out = lab.run(&[
        "grade",
        "--exercise",
        "sign-zone",
        all[0],
        all[1],
        all[2],
        all[3],
        "--format",
        "junit",
        "-o",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", printed(&out));
    assert!(
        out.stdout.is_empty(),
        "-o writes nothing to stdout: {}",
        printed(&out)
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(xml.contains("<testsuites"), "{xml}");
    assert!(xml.trim_end().ends_with("</testsuites>"), "{xml}");
    assert_eq!(xml.matches("<testsuite ").count(), 2, "{xml}");
    assert_eq!(xml.matches("</testsuite>").count(), 2, "{xml}");
    for suite in ["t1/sign-zone", "t2/sign-zone"] {
        assert!(xml.contains(&format!("name=\"{suite}\"")), "{xml}");
    }
    assert_eq!(xml.matches("<testcase ").count(), checks, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), failed, "{xml}");
    assert!(
        xml.contains(&format!("failures=\"{failed}\"")),
        "failures={failed}:\n{xml}"
    );

    // CSV on stdout.
    let out = lab.run(&[
        "grade",
        "--exercise",
        "sign-zone",
        all[0],
        all[1],
        all[2],
        all[3],
        "--format",
        "csv",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", printed(&out));
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(
        csv.starts_with(
            "trainee,zone,exercise,check,status,severity,points,max_points,message,hint,reference\r\n"
        ),
        "{csv}"
    );
    assert!(csv.ends_with("\r\n"), "{csv:?}");
    let records = csv_records(&csv);
    assert_eq!(records.len(), checks + 1, "{csv}");
    for r in &records {
        assert_eq!(r.len(), 11, "{r:?}\n{csv}");
    }
    let fails = records.iter().filter(|r| r[4] == "fail").count();
    assert_eq!(fails, failed, "{csv}");

    // An unknown trainee: exit 2, and the trainees there are.
    let out = lab.run(&["grade", "--exercise", "sign-zone", "--trainee", "nobody"]);
    let text = printed(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("nobody"), "{text}");
    assert!(
        text.contains("trainees: t1, t2"),
        "the error lists the trainees:\n{text}"
    );
}

/// Records of RFC 4180 CSV text (quoted fields, doubled quotes, CRLF).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "CSV does not end with CRLF"
    );
    records
}

// ---------------------------------------------------------------------------
// A trainee's own Unbound.

const UNBOUND_ADDR: &str = "127.138.200.1:5300";

/// Unbound as a trainee would run it for the lab: the configuration
/// `dnslab resolver-config` prints, in the foreground, with its
/// `module-config` and trust anchor replaced by `module_config` and
/// `anchor_file` for the variants; killed on drop. It answers the lab
/// network and 127.0.0.1 only, so the grader's query from outside the lab
/// (127.255.255.254) is refused.
fn start_trainee_unbound(
    unbound: &Path,
    dir: &Path,
    lab: &Lab,
    module_config: &str,
    anchor_file: &Path,
) -> Unbound {
    let addr: SocketAddr = UNBOUND_ADDR.parse().unwrap();
    let generated = resolver_config(lab, "unbound", UNBOUND_ADDR, &[]);
    let (server, rest) = generated
        .split_once("remote-control:")
        .expect("a server: clause, then remote-control:");
    let server: String = server
        .lines()
        .filter(|l| !l.contains("trust-anchor:") && !l.contains("module-config:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let conf = dir.join("unbound.conf");
    std::fs::write(
        &conf,
        format!(
            "{server}    verbosity: 1\n    trust-anchor-file: \"{a}\"\n    \
             module-config: \"{module_config}\"\n    val-log-level: 2\n\
             remote-control:{rest}",
            a = anchor_file.display(),
        ),
    )
    .unwrap();
    let log = dir.join(format!("unbound-{}.log", module_config.replace(' ', "-")));
    let log_file = std::fs::File::create(&log).unwrap();
    let child = Command::new(unbound)
        .args(["-d", "-c", conf.to_str().unwrap()])
        .stdout(Stdio::from(log_file.try_clone().unwrap()))
        .stderr(Stdio::from(log_file))
        .spawn()
        .expect("start unbound");
    let mut u = Unbound { child, addr, log };
    // Up once it answers a query from the lab network (any answer: with a
    // wrong anchor it is SERVFAIL).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(Some(exit)) = u.child.try_wait() {
            panic!(
                "unbound exited ({exit}):\n{}",
                std::fs::read_to_string(&u.log).unwrap_or_default()
            );
        }
        if ask_from_lab(addr, "ne.", 6).is_ok() {
            return u;
        }
        assert!(
            Instant::now() < deadline,
            "unbound does not answer on {addr}:\n{}",
            std::fs::read_to_string(&u.log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A recursive query from inside the lab network (Unbound refuses others).
fn ask_from_lab(addr: SocketAddr, qname: &str, qtype: u16) -> Result<common::Response, String> {
    ask_from([127, 138, 4, 9].into(), addr, qname, qtype)
}

/// A recursive query to `addr` from the client address `client`.
fn ask_from(
    client: std::net::Ipv4Addr,
    addr: SocketAddr,
    qname: &str,
    qtype: u16,
) -> Result<common::Response, String> {
    let socket = UdpSocket::bind((client, 0)).map_err(|e| e.to_string())?;
    socket
        .set_read_timeout(Some(Duration::from_secs(2)))
        .map_err(|e| e.to_string())?;
    let flags = Flags {
        do_bit: true,
        cd: false,
        edns_payload: Some(1232),
        tcp: false,
    };
    let mut wire = build_query(0x5eed, qname, qtype, flags);
    wire[2] |= 0x01; // RD
    socket.send_to(&wire, addr).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 65535];
    let (n, _) = socket.recv_from(&mut buf).map_err(|e| e.to_string())?;
    parse_response(&buf[..n])
}

#[test]
fn unbound_graded_on_resolver_validation() {
    let Some([unbound]) = peers(["unbound"]) else {
        return;
    };
    let lab = lab(138, &["t1"], true);
    let dir = tempfile::tempdir().unwrap();
    let anchor = dir.path().join("lab-anchor.ds");
    std::fs::write(
        &anchor,
        ok(lab.run(&["trust-anchor", "--format", "ds"]), "trust-anchor"),
    )
    .unwrap();
    let extra = ["--resolver", UNBOUND_ADDR];
    let log_of = |u: &Unbound| std::fs::read_to_string(&u.log).unwrap_or_default();

    // Validating, with the lab's anchor: passes.
    let ub = start_trainee_unbound(&unbound, dir.path(), &lab, "validator iterator", &anchor);
    wait_for("a secure answer from Unbound", || {
        ask_from_lab(ub.addr, "nic.ne.", 1).is_ok_and(|r| r.ad)
    });
    let report = graded_full_marks(&lab, &extra, "validating Unbound", || log_of(&ub));
    eprintln!("validating Unbound: {}", summary(&report));
    drop(ub);

    // Validation off: no AD, bogus data passed on.
    let ub = start_trainee_unbound(&unbound, dir.path(), &lab, "iterator", &anchor);
    let (code, report) = grade_json(&lab, "resolver-validation", "t1", &extra);
    let text = || text_report(&lab, "resolver-validation", "t1", &extra);
    assert_eq!(code, Some(1), "Unbound without validator:\n{}", text());
    for id in ["resolver-ad-secure", "resolver-servfail-bogus"] {
        assert_eq!(
            status(&report, id),
            "fail",
            "{id}, Unbound without validator:\n{}\n\nUnbound's log:\n{}",
            text(),
            log_of(&ub)
        );
    }
    eprintln!("Unbound without validator: {}", summary(&report));
    drop(ub);

    // Validating, but with the DS of a key that is not the lab root's.
    let wrong = dir.path().join("wrong");
    let base = ok(
        lab.run(&[
            "key",
            "generate",
            "--zone",
            ".",
            "--ksk",
            "--dir",
            wrong.to_str().unwrap(),
        ]),
        "key generate",
    );
    let key = wrong.join(format!("{}.key", base.trim()));
    let wrong_anchor = dir.path().join("wrong-anchor.ds");
    std::fs::write(
        &wrong_anchor,
        ok(lab.run(&["key", "ds", key.to_str().unwrap()]), "key ds"),
    )
    .unwrap();
    let ub = start_trainee_unbound(
        &unbound,
        dir.path(),
        &lab,
        "validator iterator",
        &wrong_anchor,
    );
    let (code, report) = grade_json(&lab, "resolver-validation", "t1", &extra);
    assert_eq!(code, Some(1), "Unbound with a wrong anchor:\n{}", text());
    assert_eq!(
        status(&report, "resolver-ad-secure"),
        "fail",
        "Unbound with a wrong anchor:\n{}\n\nUnbound's log:\n{}",
        text(),
        log_of(&ub)
    );
    eprintln!("Unbound with a wrong anchor: {}", summary(&report));
}

/// BIND's named as a trainee's resolver, configured by `dnslab
/// resolver-config --format bind` (its `port` option carries the queries to
/// the lab's port), scores full points on resolver-validation.
#[test]
fn named_configured_by_resolver_config_scores_full_points() {
    let Some([named]) = peers(["named"]) else {
        return;
    };
    let lab = lab(151, &["t1"], true);
    let dir = tempfile::tempdir().unwrap();
    // named listens only on the addresses of interfaces: 127.0.0.1, on a
    // port free now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let listen = &format!("127.0.0.1:{port}");
    let conf = dir.path().join("named.conf");
    let generated = resolver_config(
        &lab,
        "bind",
        listen,
        &["--directory", dir.path().to_str().unwrap()],
    );
    std::fs::write(&conf, &generated).unwrap();
    let log = dir.path().join("named.log");
    let log_file = std::fs::File::create(&log).unwrap();
    let child = Command::new(&named)
        .args(["-g", "-c", conf.to_str().unwrap()])
        .stdout(Stdio::from(log_file.try_clone().unwrap()))
        .stderr(Stdio::from(log_file))
        .spawn()
        .expect("start named");
    let named = Unbound {
        child,
        addr: listen.parse().unwrap(),
        log,
    };
    let log_of = || std::fs::read_to_string(&named.log).unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ask_from([127, 151, 4, 9].into(), named.addr, "nic.ne.", 1).is_ok_and(|r| r.ad) {
        assert!(
            Instant::now() < deadline,
            "named gives no validated answer for nic.ne.:\n{generated}\n{}",
            log_of()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    graded_full_marks(&lab, &["--resolver", listen], "named", log_of);
}

/// Grades t1's resolver on resolver-validation (with `extra`, such as
/// `--resolver`) until it has full points, for a while (a cold cache may
/// make a first question time out); fails with the text report and the
/// resolver's log (`log`) if it never does. The last JSON report.
fn graded_full_marks(
    lab: &Lab,
    extra: &[&str],
    who: &str,
    log: impl Fn() -> String,
) -> serde_json::Value {
    let (code, report) = grade_until(
        lab,
        "resolver-validation",
        "t1",
        extra,
        Duration::from_secs(20),
        full_marks,
    );
    assert!(
        full_marks(code, &report),
        "{who}: exit {code:?}, {}\n{}\n\n{who}'s log:\n{}",
        summary(&report),
        text_report(lab, "resolver-validation", "t1", extra),
        log()
    );
    report
}

/// `score/max_score`, and the checks that did not pass.
fn summary(report: &serde_json::Value) -> String {
    let not_passed: Vec<String> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] != "pass")
        .map(|c| {
            format!(
                "{} {}",
                c["id"].as_str().unwrap_or("?"),
                c["status"].as_str().unwrap_or("?")
            )
        })
        .collect();
    format!(
        "{}/{}, not passed: [{}]",
        report["score"],
        report["max_score"],
        not_passed.join(", ")
    )
}
