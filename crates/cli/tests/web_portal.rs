//! The classroom web over HTTP, against a real lab and `dnslab web`: who
//! may use which route, a trainee's DS through the registrar's form and a
//! grade through "Grade me", the board's live events, uploads, and
//! hostile input. The lab is on 127.121.0.0/16, port 10053; the web on a
//! free loopback port. Every request goes to loopback.

mod common;

use common::lab::{Lab, ok};
use dnslab_testkit::http::{self, form};
use dnslab_testkit::printed;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const LAB: &str = "workshop: web-121\ntlds: [ne]\ntrainees:\n  names: [alice, bob]\n\
    timers: workshop\nzoo: false\nexercises: [sign-zone, ds-submission]\n\
    addresses:\n  base: 127.121.0.0/16\nport: 10053\n";

fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<(&str, &[u8])>,
) -> http::Reply {
    http::request(addr, method, path, cookie, body)
}

/// The CSRF token in a page's forms.
fn csrf_of(page: &str) -> String {
    http::csrf_in(page).expect("a form with a CSRF token")
}

struct Web {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Web {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_web(lab: &Lab) -> Web {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dnslab"))
        .args(["web", "--listen", &addr.to_string()])
        .env("DNSLAB_STATE_DIR", &lab.state)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start dnslab web");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    assert!(
        line.contains("classroom web on"),
        "dnslab web said {line:?}"
    );
    Web { child, addr }
}

fn tokens(lab: &Lab) -> (String, String, String) {
    let text = ok(lab.run(&["web", "tokens"]), "dnslab web tokens");
    let token = |who: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(who).map(|t| t.trim().to_string()))
            .unwrap_or_else(|| panic!("no token for {who}: {text}"))
    };
    (token("instructor"), token("alice"), token("bob"))
}

fn sign_zone(lab: &Lab, trainee: &str) -> std::path::PathBuf {
    let ws = lab.state.join("trainees").join(trainee);
    let zone = format!("{trainee}.ne");
    for args in [
        vec!["key", "generate", "--zone", &zone, "--ksk", "--dir", "keys"],
        vec!["key", "generate", "--zone", &zone, "--dir", "keys"],
        vec![
            "zone",
            "sign",
            &format!("{zone}.zone"),
            "--origin",
            &zone,
            "--keys",
            "keys",
            "-o",
            &format!("{zone}.zone.signed"),
        ],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_dnslab"))
            .args(&args)
            .current_dir(&ws)
            .env("DNSLAB_STATE_DIR", &lab.state)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", printed(&out));
    }
    ws
}

/// The KSK's DNSKEY record, as a trainee pastes it.
fn ksk_dnskey(ws: &Path) -> String {
    std::fs::read_dir(ws.join("keys"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "key"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .flat_map(|t| t.lines().map(str::to_string).collect::<Vec<_>>())
        .find(|l| !l.starts_with(';') && l.contains("DNSKEY 257 "))
        .expect("a KSK")
}

#[test]
fn who_may_use_which_route() {
    let lab = Lab::from_yaml(LAB);
    lab.up();
    let web = start_web(&lab);
    let (instructor, alice, bob) = tokens(&lab);
    let a = web.addr;

    // Login: a good token sets an HttpOnly, SameSite cookie.
    let login = form(
        a,
        "/login",
        None,
        &[("token", &alice.to_lowercase().replace('-', " "))],
    );
    assert_eq!(login.status, 303, "{login:?}");
    let cookie = login.header("set-cookie").unwrap_or_default();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert_eq!(login.header("location"), Some("/t/alice"));
    assert_eq!(
        form(a, "/login", None, &[("token", "AAAA-BBBB-CCCC-DDDD")]).status,
        403
    );

    let gets_of_alice = [
        "/t/alice",
        "/t/alice/exercise/sign-zone",
        "/t/alice/report/sign-zone",
        "/t/alice/history",
        "/t/alice/zone-file",
    ];
    let instructors = [
        "/board",
        "/board/report/alice/sign-zone",
        "/board/export.csv",
        "/board/export.xml",
        "/board/health",
        "/handout",
    ];
    for path in gets_of_alice {
        assert_eq!(
            http(a, "GET", path, None, None).status,
            403,
            "{path} without a token"
        );
        assert_eq!(
            http(a, "GET", path, Some(&bob), None).status,
            403,
            "{path} as bob"
        );
        assert_eq!(
            http(a, "GET", path, Some(&alice), None).status,
            200,
            "{path} as alice"
        );
        assert_eq!(
            http(a, "GET", path, Some(&instructor), None).status,
            200,
            "{path} as the instructor"
        );
    }
    for path in instructors {
        assert_eq!(
            http(a, "GET", path, None, None).status,
            403,
            "{path} without a token"
        );
        assert_eq!(
            http(a, "GET", path, Some(&alice), None).status,
            403,
            "{path} as alice"
        );
        assert_eq!(
            http(a, "GET", path, Some(&instructor), None).status,
            200,
            "{path} as the instructor"
        );
    }
    // The event stream: its headers arrive at once.
    {
        let mut s = TcpStream::connect(a).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        write!(s, "GET /board/events HTTP/1.1\r\nHost: x\r\nCookie: dnslab_token={alice}\r\nConnection: close\r\n\r\n").unwrap();
        let mut first = String::new();
        BufReader::new(&mut s).read_line(&mut first).unwrap();
        assert!(first.contains(" 403 "), "{first}");
    }

    // Forms: another trainee's, or without the session's CSRF token, 403.
    let alice_page = http(a, "GET", "/t/alice", Some(&alice), None).body;
    let alice_csrf = csrf_of(&alice_page);
    let bob_csrf = csrf_of(&http(a, "GET", "/t/bob", Some(&bob), None).body);
    let posts = [
        "/t/alice/grade/sign-zone",
        "/t/alice/ds",
        "/t/alice/ds/withdraw",
        "/board/reset/alice",
    ];
    for path in posts {
        assert_eq!(
            form(a, path, None, &[("csrf", &alice_csrf)]).status,
            403,
            "{path} without a token"
        );
        assert_eq!(
            form(a, path, Some(&bob), &[("csrf", &bob_csrf)]).status,
            403,
            "{path} as bob"
        );
        assert_eq!(
            form(a, path, Some(&alice), &[("csrf", &bob_csrf)]).status,
            403,
            "{path} with bob's CSRF token"
        );
        assert_eq!(
            form(a, path, Some(&alice), &[]).status,
            403,
            "{path} without a CSRF token"
        );
    }
    assert_eq!(
        form(
            a,
            "/board/reset/alice",
            Some(&alice),
            &[("csrf", &alice_csrf)]
        )
        .status,
        403,
        "reset is the instructor's"
    );
    // With the right session and token they act.
    let withdraw = form(
        a,
        "/t/alice/ds/withdraw",
        Some(&alice),
        &[("csrf", &alice_csrf)],
    );
    assert_eq!(withdraw.status, 200, "{}", withdraw.body);
    let i_csrf = csrf_of(&http(a, "GET", "/board", Some(&instructor), None).body);
    assert_eq!(
        form(
            a,
            "/board/reset/bob",
            Some(&instructor),
            &[("csrf", &i_csrf)]
        )
        .status,
        303
    );
    // A trainee's token shows nothing of the others on the handout or
    // the board, which they cannot open; the handout has every token.
    let handout = http(a, "GET", "/handout", Some(&instructor), None).body;
    assert!(handout.contains(&alice) && handout.contains(&bob));
    assert!(!alice_page.contains(&bob) && !alice_page.contains(&instructor));
    // Paths that are no trainee's.
    for path in [
        "/t/..%2Fbob",
        "/t/alice/../bob",
        "/t/carol",
        "/t/alice/exercise/..%2F..%2Fetc",
    ] {
        let r = http(a, "GET", path, Some(&alice), None);
        assert!(matches!(r.status, 403 | 404), "{path}: {}", r.status);
    }
}

#[test]
fn a_trainee_submits_grades_and_the_board_sees_it_live() {
    let lab = Lab::from_yaml(&LAB.replace("121", "122"));
    lab.up();
    let web = start_web(&lab);
    let (instructor, alice, bob) = tokens(&lab);
    let a = web.addr;
    let ws = sign_zone(&lab, "alice");

    // The board's event stream, open before the grade.
    let mut events = TcpStream::connect(a).unwrap();
    events
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        events,
        "GET /board/events HTTP/1.1\r\nHost: x\r\nCookie: dnslab_token={instructor}\r\n\r\n"
    )
    .unwrap();
    let mut events = BufReader::new(events);
    let mut first = String::new();
    events.read_line(&mut first).unwrap();
    assert!(first.contains(" 200 "), "{first}");

    // The registrar's form: the KSK's DNSKEY pasted; HTML in it would be
    // text, not markup.
    let page = http(a, "GET", "/t/alice", Some(&alice), None).body;
    let csrf = csrf_of(&page);
    let bad = form(
        a,
        "/t/alice/ds",
        Some(&alice),
        &[("csrf", &csrf), ("ds", "<script>alert(1)</script>")],
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(!bad.body.contains("<script>alert"), "{}", bad.body);
    assert!(
        bad.body.contains("&lt;script&gt;") || bad.body.contains("not"),
        "{}",
        bad.body
    );
    let dnskey = ksk_dnskey(&ws);
    let submitted = form(
        a,
        "/t/alice/ds",
        Some(&alice),
        &[("csrf", &csrf), ("ds", &dnskey)],
    );
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    assert!(
        submitted.body.contains("1 DS record(s) now in ne."),
        "{}",
        submitted.body
    );
    // The same DS as the CLI computes.
    let cli_ds = ok(
        lab.run(&["ds", "show", "--trainee", "alice"]),
        "dnslab ds show",
    );
    let tag = cli_ds.split_whitespace().nth(4).unwrap().to_string();
    assert!(
        submitted.body.contains(&tag),
        "{cli_ds}\n{}",
        submitted.body
    );

    // Grade me: the report says passed.
    let graded = form(
        a,
        "/t/alice/grade/ds-submission",
        Some(&alice),
        &[("csrf", &csrf)],
    );
    assert_eq!(graded.status, 303, "{}", graded.body);
    assert_eq!(
        graded.header("location"),
        Some("/t/alice/report/ds-submission")
    );
    let report = http(
        a,
        "GET",
        "/t/alice/report/ds-submission",
        Some(&alice),
        None,
    )
    .body;
    assert!(report.contains("data-verdict=\"passed\""), "{report}");
    assert!(report.contains("chain-secure"), "{report}");
    // The chain picture of that grade, alice's only.
    assert!(report.contains("/t/alice/chain/ds-submission"), "{report}");
    let picture = http(a, "GET", "/t/alice/chain/ds-submission", Some(&alice), None);
    assert_eq!(picture.status, 200);
    assert_eq!(picture.header("content-type"), Some("image/svg+xml"));
    assert!(
        picture.body.contains("<svg") && picture.body.contains("alice.ne."),
        "{}",
        picture.body
    );
    assert_eq!(
        http(a, "GET", "/t/alice/chain/ds-submission", Some(&bob), None).status,
        403
    );

    // The board got the cell as an event, without a reload.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = String::new();
    while Instant::now() < deadline {
        let mut line = String::new();
        if events.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        seen.push_str(&line);
        if line.starts_with("data:") && line.contains("\"alice\"") && line.contains("ds-submission")
        {
            assert!(line.contains("\"pass\""), "{line}");
            break;
        }
    }
    assert!(seen.contains("event: cell"), "{seen}");
    let board = http(a, "GET", "/board", Some(&instructor), None).body;
    assert!(board.contains("id=\"c-alice-ds-submission\""), "{board}");
    // The CSV export has the attempt; so does the CLI's log.
    let csv = http(a, "GET", "/board/export.csv", Some(&instructor), None).body;
    assert!(
        csv.contains("alice") && csv.contains("ds-submission"),
        "{csv}"
    );
    let log = std::fs::read_to_string(lab.state.join("grades/attempts.jsonl")).unwrap();
    assert!(log.contains("\"ds-submission\""), "{log}");
}

#[test]
fn uploads_are_checked_and_hostile_input_breaks_nothing() {
    let lab = Lab::from_yaml(&LAB.replace("121", "123"));
    lab.up();
    let web = start_web(&lab);
    let (_, alice, _) = tokens(&lab);
    let a = web.addr;
    let ws = sign_zone(&lab, "alice");
    let signed = ws.join("alice.ne.zone.signed");
    let good = std::fs::read(&signed).unwrap();
    let csrf = csrf_of(&http(a, "GET", "/t/alice", Some(&alice), None).body);
    let upload = |bytes: &[u8]| {
        http::try_upload(
            a,
            &format!("/t/alice/zone?csrf={csrf}"),
            Some(&alice),
            "zone",
            bytes,
        )
        .unwrap()
    };

    // $INCLUDE of a system file: refused, nothing of it shown.
    let r = upload(b"$ORIGIN alice.ne.\n$INCLUDE /etc/passwd\n");
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("$INCLUDE is not allowed"), "{}", r.body);
    assert!(!r.body.contains("root:"), "{}", r.body);
    assert_eq!(std::fs::read(&signed).unwrap(), good);

    // A file that does not load: file:line:column, the old file stays.
    let mut broken = good.clone();
    broken.extend_from_slice(b"broken.alice.ne. 300 IN A 192.0.2.300\n");
    let r = upload(&broken);
    assert_eq!(r.status, 422, "{}", r.body);
    let line = broken.iter().filter(|b| **b == b'\n').count();
    assert!(
        r.body.contains(&format!("alice.ne.zone.signed:{line}:")),
        "{}",
        r.body
    );
    assert_eq!(std::fs::read(&signed).unwrap(), good);

    // A good one is served, and no temporary file is left.
    let r = upload(&good);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("loaded"), "{}", r.body);
    assert!(
        !std::fs::read_dir(&ws)
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| dnslab_web::upload::is_upload_leftover(&e.path())),
        "an upload left a temporary file"
    );

    // Oversized bodies are refused before they are read whole.
    let big = vec![b'a'; 200 * 1024];
    let r = http(
        a,
        "POST",
        "/t/alice/ds",
        Some(&alice),
        Some(("application/x-www-form-urlencoded", &big)),
    );
    assert_eq!(r.status, 413, "{}", r.body);
    let huge = vec![b';'; 5 * 1024 * 1024];
    assert_eq!(upload(&huge).status, 413);

    // And the lab serves on.
    let status = lab.status();
    assert!(
        status["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["healthy"] == true),
        "{status}"
    );
    assert_eq!(http(a, "GET", "/t/alice", Some(&alice), None).status, 200);
}
