//! Load on the classroom web: N trainees at once, each polling their pages
//! and pressing "Grade me" round after round with no pause (a closed loop:
//! harder than a class), while the instructor's board is open (its event
//! stream, and the board page fetched every second). Prints p50/p99 of
//! each kind of request, the board's lag behind a grade, and, in the same
//! run, the unloaded figures beside them: the same grade from `dnslab
//! grade` (the CLI), and one trainee alone on the web.
//!
//! Run by `benches/web.sh`, which brings up the lab with `--web`:
//!
//!   web_load WEB_ADDR DNSLAB_BIN ROUNDS
//!
//! with DNSLAB_STATE_DIR naming the lab. Only loopback is used.

use dnslab_testkit::classroom::Session;
use dnslab_testkit::http::{self, Events};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Fail = Box<dyn std::error::Error + Send + Sync>;

/// Latencies by kind of request, in milliseconds.
#[derive(Default)]
struct Samples(HashMap<&'static str, Vec<f64>>);

impl Samples {
    fn add(&mut self, kind: &'static str, since: Instant) {
        self.0
            .entry(kind)
            .or_default()
            .push(since.elapsed().as_secs_f64() * 1e3);
    }

    fn merge(&mut self, other: Samples) {
        for (k, v) in other.0 {
            self.0.entry(k).or_default().extend(v);
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn row(kind: &str, values: &[f64]) {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    println!(
        "| {kind} | {} | {:.1} | {:.1} | {:.1} |",
        v.len(),
        percentile(&v, 50.0),
        percentile(&v, 99.0),
        v.last().copied().unwrap_or(f64::NAN)
    );
}

fn tokens(dnslab: &Path) -> Result<Vec<(String, String)>, Fail> {
    let out = Command::new(dnslab).args(["web", "tokens"]).output()?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned().into());
    }
    Ok(String::from_utf8(out.stdout)?
        .lines()
        .filter_map(|l| {
            let (name, token) = l.split_once(' ')?;
            Some((name.to_string(), token.trim().to_string()))
        })
        .collect())
}

/// Login, zone signed on the laptop and uploaded, KSK submitted: the state
/// the measured rounds grade (both exercises pass).
fn prepare(web: SocketAddr, dnslab: &Path, name: &str, token: &str) -> Result<Session, Fail> {
    let me = Session::login(web, name, token)?;
    let zone = me.zone_file()?;
    let laptop = tempfile::tempdir()?;
    let signed = me.sign_on_laptop(dnslab, laptop.path(), &zone)?;
    let up = me.upload(&signed.bytes)?;
    if !up.body.contains("serves it now") {
        return Err(format!("{name}: upload not served: {}", up.body).into());
    }
    let ds = me.submit_ds(&signed.ksk_dnskey)?;
    if ds.status != 200 {
        return Err(format!("{name}: DS refused: {}", ds.body).into());
    }
    Ok(me)
}

const EXERCISES: [&str; 2] = ["sign-zone", "ds-submission"];

/// One round of a trainee: the pages a trainee looks at, a grade, its
/// report and picture.
fn round(
    me: &Session,
    i: usize,
    samples: &mut Samples,
    pressed: &dyn Fn(&str),
) -> Result<(), Fail> {
    let exercise = EXERCISES[i % EXERCISES.len()];
    let t = Instant::now();
    me.page("")?;
    samples.add("trainee page", t);
    let t = Instant::now();
    me.page(&format!("/exercise/{exercise}"))?;
    samples.add("trainee page", t);
    let t = Instant::now();
    pressed(exercise);
    me.grade(exercise)?;
    let report = me.report(exercise)?;
    samples.add("grade (Grade me + report)", t);
    if !report.contains("data-verdict=\"passed\"") {
        return Err(format!("{}: {exercise} did not pass under load", me.name).into());
    }
    // The chain picture is drawn for the grades that follow the chain.
    if exercise == "ds-submission" {
        let t = Instant::now();
        me.page(&format!("/chain/{exercise}"))?;
        samples.add("chain picture (SVG)", t);
    }
    let t = Instant::now();
    me.page("/history")?;
    samples.add("trainee page", t);
    Ok(())
}

fn cli_grade(dnslab: &Path, name: &str) -> Result<f64, Fail> {
    let t = Instant::now();
    let out = Command::new(dnslab)
        .args(["grade", "--trainee", name, "--exercise", "sign-zone"])
        .output()?;
    if !out.status.success() {
        return Err(format!("dnslab grade: {}", String::from_utf8_lossy(&out.stdout)).into());
    }
    Ok(t.elapsed().as_secs_f64() * 1e3)
}

fn main() -> Result<(), Fail> {
    let args: Vec<String> = std::env::args().collect();
    let [_, web, dnslab, rounds] = args.as_slice() else {
        return Err("usage: web_load WEB_ADDR DNSLAB_BIN ROUNDS".into());
    };
    let web: SocketAddr = web.parse()?;
    let dnslab = PathBuf::from(dnslab);
    let rounds: usize = rounds.parse()?;
    let all = tokens(&dnslab)?;
    let instructor = all
        .iter()
        .find(|(n, _)| n == "instructor")
        .map(|(_, t)| t.clone())
        .ok_or("no instructor token")?;
    let class: Vec<(String, String)> = all.into_iter().filter(|(n, _)| n != "instructor").collect();
    println!("{} trainees, {rounds} rounds each", class.len());

    let t = Instant::now();
    let sessions: Vec<Session> = std::thread::scope(|s| {
        let handles: Vec<_> = class
            .iter()
            .map(|(n, tok)| s.spawn(|| prepare(web, &dnslab, n, tok)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| Fail::from("a trainee panicked"))?)
            .collect::<Result<Vec<_>, Fail>>()
    })?;
    println!(
        "prepared in {:.1} s (login, download, sign, upload, DS: every trainee at once)",
        t.elapsed().as_secs_f64()
    );

    // Unloaded, in this run: the CLI's grade and one trainee alone.
    let mut alone = Samples::default();
    let mut cli = Vec::new();
    for i in 0..10 {
        cli.push(cli_grade(&dnslab, &sessions[0].name)?);
        round(&sessions[0], i, &mut alone, &|_| {})?;
    }

    // The board: its event stream, and the page every second.
    let graded_at: Arc<Mutex<HashMap<(String, String), Instant>>> = Arc::default();
    let lags: Arc<Mutex<Vec<f64>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut events = Events::open(web, "/board/events", &instructor)?;
    let listener = {
        let (graded_at, lags, stop) = (graded_at.clone(), lags.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let Some(event) = events.next_event() else {
                    break;
                };
                let Ok(cell) = serde_json::from_str::<serde_json::Value>(&event.data) else {
                    continue;
                };
                let key = (
                    cell["trainee"].as_str().unwrap_or_default().to_string(),
                    cell["exercise"].as_str().unwrap_or_default().to_string(),
                );
                if let Some(at) = graded_at.lock().map(|mut m| m.remove(&key)).ok().flatten()
                    && let Ok(mut l) = lags.lock()
                {
                    l.push(at.elapsed().as_secs_f64() * 1e3);
                }
            }
        })
    };
    let board_pages = {
        let stop = stop.clone();
        let instructor = instructor.clone();
        std::thread::spawn(move || {
            let mut samples = Samples::default();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                if http::try_request(web, "GET", "/board", Some(&instructor), None)
                    .is_ok_and(|r| r.status == 200)
                {
                    samples.add("board page (instructor)", t);
                }
                std::thread::sleep(Duration::from_secs(1));
            }
            samples
        })
    };

    let t = Instant::now();
    let loaded: Vec<Samples> = std::thread::scope(|s| {
        let handles: Vec<_> = sessions
            .iter()
            .map(|me| {
                let graded_at = graded_at.clone();
                s.spawn(move || -> Result<Samples, Fail> {
                    let mut samples = Samples::default();
                    let pressed = |exercise: &str| {
                        if let Ok(mut m) = graded_at.lock() {
                            m.insert((me.name.clone(), exercise.to_string()), Instant::now());
                        }
                    };
                    for i in 0..rounds {
                        round(me, i, &mut samples, &pressed)?;
                    }
                    Ok(samples)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| Fail::from("a trainee panicked"))?)
            .collect::<Result<Vec<_>, Fail>>()
    })?;
    let wall = t.elapsed().as_secs_f64();
    // The last events arrive within the board's poll.
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::Relaxed);
    let mut total = Samples::default();
    for s in loaded {
        total.merge(s);
    }
    total.merge(
        board_pages
            .join()
            .map_err(|_| "the board thread panicked")?,
    );
    drop(listener);
    let requests: usize = total.0.values().map(Vec::len).sum();
    println!(
        "loaded phase: {:.1} s, {requests} requests ({:.0}/s)\n",
        wall,
        requests as f64 / wall
    );
    println!("| request | n | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|");
    let mut kinds: Vec<_> = total.0.keys().copied().collect();
    kinds.sort();
    for kind in kinds {
        row(
            &format!("{kind}, {} trainees", sessions.len()),
            &total.0[kind],
        );
    }
    if let Ok(l) = lags.lock() {
        row("board cell, from Grade me pressed to the event", &l);
    }
    for (kind, v) in &alone.0 {
        row(&format!("{kind}, one trainee alone"), v);
    }
    row("`dnslab grade` sign-zone (CLI process), alone", &cli);
    Ok(())
}
