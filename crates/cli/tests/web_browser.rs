//! The classroom in a real browser: headless Chromium (Debian's chromium
//! and chromedriver) over WebDriver. A trainee logs in, uploads the zone
//! they signed on their own laptop, grades sign-zone, pastes their KSK's
//! DNSKEY into the registrar's form and grades ds-submission; the
//! instructor's board, open in another window all along, turns that cell
//! green without a reload. Screenshots of the board, the report and its chain-of-trust picture are
//! kept in target/test-artifacts/, with the chain picture. Lab on 127.124.0.0/16, port 10053.

mod common;

use common::lab::{Lab, ok};
use dnslab_testkit::printed;
use dnslab_testkit::webdriver;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LAB: &str = "workshop: browser-124\ntlds: [ne]\ntrainees:\n  names: [alice, bob]\n\
    timers: workshop\nzoo: false\nexercises: [sign-zone, ds-submission]\n\
    addresses:\n  base: 127.124.0.0/16\nport: 10053\n";

/// The page's text once it says `needle` (the page a click led to may
/// still be loading), or whatever it says after 20 s.
fn page_says(session: &webdriver::Session<'_>, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = session.body_text();
        if text.contains(needle) || Instant::now() > deadline {
            return text;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_trainee_passes_in_the_browser_and_the_board_turns_green() {
    let Some(driver) = webdriver::start() else {
        return;
    };
    let lab = Lab::from_yaml(LAB);
    lab.up();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut web = Command::new(env!("CARGO_BIN_EXE_dnslab"))
        .args(["web", "--listen", &listen])
        .env("DNSLAB_STATE_DIR", &lab.state)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start dnslab web");
    let mut line = String::new();
    BufReader::new(web.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("classroom web on"), "{line}");
    let base = format!("http://{listen}");
    let text = ok(lab.run(&["web", "tokens"]), "dnslab web tokens");
    let token = |who: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(who).map(|t| t.trim().to_string()))
            .unwrap()
    };

    // alice's laptop: her zone file from the portal, signed with dnslab.
    let laptop = tempfile::tempdir().unwrap();
    let zone_text = std::fs::read(lab.state.join("trainees/alice/alice.ne.zone")).unwrap();
    std::fs::write(laptop.path().join("alice.ne.zone"), zone_text).unwrap();
    for args in [
        &[
            "key", "generate", "--zone", "alice.ne", "--ksk", "--dir", "keys",
        ][..],
        &["key", "generate", "--zone", "alice.ne", "--dir", "keys"],
        &[
            "zone",
            "sign",
            "alice.ne.zone",
            "--origin",
            "alice.ne",
            "--keys",
            "keys",
            "-o",
            "alice.ne.zone.signed",
        ],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_dnslab"))
            .args(args)
            .current_dir(laptop.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", printed(&out));
    }
    let dnskey = std::fs::read_dir(laptop.path().join("keys"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "key"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .flat_map(|t| t.lines().map(str::to_string).collect::<Vec<_>>())
        .find(|l| !l.starts_with(';') && l.contains("DNSKEY 257 "))
        .unwrap();

    // The instructor's board, open from the start.
    let board = driver.session();
    board.go(&base);
    board.type_into(&board.find("input[name=token]"), &token("instructor"));
    board.click(&board.find("button[type=submit]"));
    board.find("table#board");
    assert!(board.url().ends_with("/board"), "{}", board.url());
    let cell = board.find("#c-alice-ds-submission");
    assert_eq!(board.attribute(&cell, "class"), "none");

    // alice logs in, uploads, grades sign-zone.
    let alice = driver.session();
    alice.go(&base);
    alice.type_into(&alice.find("input[name=token]"), &token("alice"));
    alice.click(&alice.find("button[type=submit]"));
    assert!(alice.url().ends_with("/t/alice"), "{}", alice.url());
    let signed = laptop.path().join("alice.ne.zone.signed");
    alice.type_into(&alice.find("input[type=file]"), &signed.to_string_lossy());
    alice.click(&alice.find("form[enctype='multipart/form-data'] button"));
    let said = page_says(&alice, "loaded");
    assert!(said.contains("loaded"), "{said}");
    alice.go(&format!("{base}/t/alice/exercise/sign-zone"));
    alice.click(&alice.find("main form button"));
    let report = page_says(&alice, "passed");
    assert!(
        report.contains("passed") && !report.contains("not passed yet"),
        "{report}"
    );

    // The registrar's form, then ds-submission.
    alice.go(&format!("{base}/t/alice"));
    alice.type_into(&alice.find("textarea[name=ds]"), &dnskey);
    alice.click(&alice.find("form[action='/t/alice/ds'] button"));
    let said = page_says(&alice, "DS record(s) now in ne.");
    assert!(said.contains("DS record(s) now in ne."), "{said}");
    alice.go(&format!("{base}/t/alice/exercise/ds-submission"));
    alice.click(&alice.find("main form button"));
    let report = page_says(&alice, "passed");
    assert!(
        report.contains("passed") && !report.contains("not passed yet"),
        "{report}"
    );
    alice.screenshot(&webdriver::artifacts_dir().join("web-report-ds-submission.png"));
    // The chain picture, as the report page shows it.
    alice.find("img[src='/t/alice/chain/ds-submission']");
    // On a phone's width the page fits and the picture keeps a readable
    // size: its frame scrolls sideways instead of shrinking its text.
    alice.set_window_size(360, 780);
    alice.go(&format!("{base}/t/alice/report/ds-submission"));
    let sizes = alice.execute(
        "const i = document.querySelector(\"img[src='/t/alice/chain/ds-submission']\"); \
         return [i.getBoundingClientRect().width, \
                 document.documentElement.scrollWidth, \
                 document.documentElement.clientWidth, \
                 i.parentElement.parentElement.scrollWidth > i.parentElement.parentElement.clientWidth];",
    );
    let shown = sizes[0].as_f64().unwrap_or_default();
    // The drawing is 640 wide with 11-unit text: 9 px and up on screen.
    assert!(
        shown * 11.0 / 640.0 >= 9.0,
        "picture shrunk to {shown} px: {sizes}"
    );
    assert!(
        sizes[1].as_f64() <= sizes[2].as_f64(),
        "the page itself scrolls sideways on a phone: {sizes}"
    );
    assert_eq!(sizes[3], serde_json::Value::Bool(true), "{sizes}");
    alice.screenshot(&webdriver::artifacts_dir().join("web-report-phone.png"));
    alice.set_window_size(1200, 900);
    alice.go(&format!("{base}/t/alice/chain/ds-submission"));
    alice.find("svg");
    alice.screenshot(&webdriver::artifacts_dir().join("web-chain.png"));

    // The board's cell turned green by itself.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let class = board.attribute(&board.find("#c-alice-ds-submission"), "class");
        if class == "pass" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the board's cell is still {class:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let passed = board.text(&board.find("#passed-ds-submission"));
    assert_eq!(passed, "1");
    board.screenshot(&webdriver::artifacts_dir().join("web-board.png"));
    let _ = web.kill();
    let _ = web.wait();
}
