//! A class of twenty run from the web alone, as on the embedded backend
//! where trainees have no shell on the lab machine: the lab comes up with
//! `dnslab up --web`; the instructor takes the logins from the printable
//! handout; every trainee, at once, logs in, downloads their zone, signs
//! it on their own laptop (a directory of their own, no lab state), uploads
//! it, pastes their KSK into the registrar's form, grades both exercises
//! and sees their chain picture; the board's event stream fills with forty
//! passes. The lab is on 127.125.0.0/16, port 10053; the web on a free
//! loopback port. Every request goes to loopback.

mod common;

use common::lab::{Lab, ok};
use dnslab_testkit::classroom::Session;
use dnslab_testkit::http::{self, Events, get};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

const TRAINEES: usize = 20;
const EXERCISES: [&str; 2] = ["sign-zone", "ds-submission"];

fn names() -> Vec<String> {
    (1..=TRAINEES).map(|i| format!("t{i:02}")).collect()
}

/// One trainee's session, from login to the chain picture; returns their
/// zone.
fn trainee_session(web: SocketAddr, name: &str, token: &str) -> String {
    let me = Session::login(web, name, token).unwrap_or_else(|e| panic!("{e}"));
    let zone = me.zone_file().unwrap();
    let home = me.page("").unwrap().body;
    assert!(
        home.contains(&zone.zone),
        "{name}'s page names {}",
        zone.zone
    );

    // Signed on the laptop with dnslab's toolbox, uploaded, graded.
    let laptop = tempfile::tempdir().unwrap();
    let dnslab = Path::new(env!("CARGO_BIN_EXE_dnslab"));
    let signed = me.sign_on_laptop(dnslab, laptop.path(), &zone).unwrap();
    let up = me.upload(&signed.bytes).unwrap();
    assert_eq!(up.status, 200, "{name} upload: {}", up.body);
    assert!(
        up.body.contains("loaded") && up.body.contains("your server serves it now"),
        "{}",
        up.body
    );
    grade_passes(&me, "sign-zone");

    // The KSK's DNSKEY into the registrar's form.
    let ds = me.submit_ds(&signed.ksk_dnskey).unwrap();
    assert_eq!(ds.status, 200, "{name} DS: {}", ds.body);
    grade_passes(&me, "ds-submission");

    // The chain of trust, as a picture, with the zone in it.
    let picture = me.page("/chain/ds-submission").unwrap();
    assert_eq!(picture.header("content-type"), Some("image/svg+xml"));
    assert!(
        picture.body.contains(&format!("{}.", zone.zone)),
        "{}",
        picture.body
    );
    // Their history has both attempts, passed.
    let history = me.page("/history").unwrap().body;
    assert_eq!(
        history.matches("<tr class=\"pass\">").count(),
        2,
        "{name} history: {history}"
    );
    zone.zone
}

fn grade_passes(me: &Session, exercise: &str) {
    me.grade(exercise).unwrap_or_else(|e| panic!("{e}"));
    let report = me.report(exercise).unwrap();
    assert!(
        report.contains("data-verdict=\"passed\""),
        "{} did not pass {exercise}:\n{report}",
        me.name
    );
}

#[test]
fn a_class_of_twenty_runs_from_the_web_alone() {
    let list = names().join(", ");
    let lab = Lab::from_yaml(&format!(
        "workshop: web-class-125\ntlds: [ne, tg]\ntrainees:\n  names: [{list}]\n\
         timers: workshop\nzoo: false\nexercises: [sign-zone, ds-submission]\n\
         addresses:\n  base: 127.125.0.0/16\nport: 10053\n"
    ));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let web: SocketAddr = ([127, 0, 0, 1], port).into();
    let up = ok(
        lab.run(&[
            "up",
            lab.file.to_str().unwrap(),
            "--detach",
            "--web",
            &web.to_string(),
        ]),
        "dnslab up --detach --web",
    );
    assert!(
        up.contains(&format!("classroom web on http://{web}")),
        "{up}"
    );

    // The instructor's own login; the trainees' come from the handout.
    let tokens = ok(lab.run(&["web", "tokens"]), "dnslab web tokens");
    let token_of = |who: &str| {
        tokens
            .lines()
            .find_map(|l| {
                let (n, t) = l.split_once(' ')?;
                (n == who).then(|| t.trim().to_string())
            })
            .unwrap_or_else(|| panic!("no token for {who}: {tokens}"))
    };
    let instructor = token_of("instructor");
    let handout = get(web, "/handout", Some(&instructor));
    assert_eq!(handout.status, 200);
    let class: Vec<(String, String)> = names()
        .into_iter()
        .map(|n| {
            let token = token_of(&n);
            assert!(
                handout.body.contains(&token),
                "{n}'s token not on the handout"
            );
            (n, token)
        })
        .collect();

    let mut events = Events::open(web, "/board/events", &instructor).unwrap();
    assert!(
        events.status_line.contains(" 200 "),
        "{}",
        events.status_line
    );

    // Everyone at once.
    let zones: Vec<String> = std::thread::scope(|s| {
        let sessions: Vec<_> = class
            .iter()
            .map(|(name, token)| s.spawn(move || trainee_session(web, name, token)))
            .collect();
        sessions
            .into_iter()
            .map(|h| h.join().expect("a trainee's session"))
            .collect()
    });
    assert_eq!(zones.iter().collect::<BTreeSet<_>>().len(), TRAINEES);

    // The board saw every cell turn green, live.
    let mut green: BTreeSet<(String, String)> = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while green.len() < TRAINEES * EXERCISES.len() && Instant::now() < deadline {
        let Some(event) = events.next_event() else {
            break;
        };
        if event.name != "cell" {
            continue;
        }
        let cell: serde_json::Value = serde_json::from_str(&event.data).unwrap();
        if cell["state"] == "pass" {
            green.insert((
                cell["trainee"].as_str().unwrap().to_string(),
                cell["exercise"].as_str().unwrap().to_string(),
            ));
        }
    }
    assert_eq!(
        green.len(),
        TRAINEES * EXERCISES.len(),
        "the board's events turned only these cells green: {green:?}"
    );
    // The board page and the CSV export agree.
    let board = get(web, "/board", Some(&instructor)).body;
    for (name, _) in &class {
        for exercise in EXERCISES {
            assert!(
                board.contains(&format!("id=\"c-{name}-{exercise}\"")),
                "no cell {name}/{exercise} on the board"
            );
        }
    }
    let csv = get(web, "/board/export.csv", Some(&instructor)).body;
    // One row per trainee, exercise and check: every one of them there,
    // none failed.
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.splitn(6, ',').collect())
        .collect();
    for (name, _) in &class {
        for exercise in EXERCISES {
            let mine: Vec<_> = rows
                .iter()
                .filter(|r| r.len() == 6 && r[0] == name && r[2] == exercise)
                .collect();
            assert!(
                !mine.is_empty(),
                "no CSV rows for {name}/{exercise}:\n{csv}"
            );
            assert!(
                mine.iter().all(|r| r[4] != "fail"),
                "{name}/{exercise} failed a check in the CSV: {mine:?}"
            );
        }
    }

    // The web stops with the lab.
    ok(lab.run(&["down"]), "dnslab down");
    let stopped = Instant::now() + Duration::from_secs(10);
    while http::try_request(web, "GET", "/", None, None).is_ok() && Instant::now() < stopped {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        http::try_request(web, "GET", "/", None, None).is_err(),
        "the web still answers after `dnslab down`"
    );
}
