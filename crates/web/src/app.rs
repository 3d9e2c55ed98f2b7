//! The routes, and who may use each.
//!
//! | route | who |
//! |---|---|
//! | `GET /`, `POST /login`, `POST /logout` | anyone |
//! | `GET /t/{t}`, `…/exercise/{x}`, `…/report/{x}`, `…/history`, `…/zone-file`, `…/chain/{x}`, `…/timeline.svg` | trainee `t`, instructor |
//! | `POST /t/{t}/grade/{x}`, `…/ds`, `…/ds/withdraw`, `…/zone` | trainee `t`, instructor (with the form's CSRF token) |
//! | `GET /board`, `…/events`, `…/report/{t}/{x}`, `…/export.csv`, `…/export.xml`, `…/health`, `GET /handout` | instructor |
//! | `POST /board/reset/{t}` | instructor (CSRF) |
//!
//! Anything else a session asks for is 403; no session at all is 403 with
//! a link to the login page. Bodies are limited to [`FORM_LIMIT`], an
//! uploaded zone to [`ZONE_LIMIT`].

// The guards below return the answer to send as their error: a Response,
// large, but made at most once per request and returned at once.
#![allow(clippy::result_large_err)]

use crate::auth::{Csrf, Session, login_cookie, logout_cookie};
use crate::board::Board;
use crate::ops::LabOps;
use crate::pages;
use crate::tokens::{Principal, Tokens};
use crate::upload;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use dnslab_grader::grade::{GradeOptions, LabContext, grade_trainee};
use dnslab_grader::report::{Format, render};
use dnslab_lab::scenario::Scenario;
use dnslab_lab::{LabPlan, StateDir, Trainee};
use maud::{Markup, html};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// The largest form body.
pub const FORM_LIMIT: usize = 64 * 1024;
/// The largest uploaded zone file.
pub const ZONE_LIMIT: usize = 4 * 1024 * 1024;

/// Everything the routes share.
pub struct App {
    pub plan: LabPlan,
    pub state: StateDir,
    pub tokens: Tokens,
    pub csrf: Csrf,
    /// The lab's exercises that have a scenario, in the lab's order.
    pub exercises: Vec<Arc<Scenario>>,
    pub lab: Arc<LabContext>,
    pub ops: Box<dyn LabOps>,
    pub board: Board,
    /// The address trainees type, for the handout (`http://10.0.0.5:8080`).
    pub public_url: String,
    /// Trainees being graded now: one grade at a time each.
    grading: Mutex<HashSet<String>>,
    /// The chain picture of each trainee's latest portal grade, by
    /// (trainee, exercise): the walk is not kept in the attempts log.
    chains: Mutex<HashMap<(String, String), String>>,
}

impl App {
    pub fn new(
        lab: LabContext,
        tokens: Tokens,
        exercises: Vec<Arc<Scenario>>,
        ops: Box<dyn LabOps>,
        public_url: String,
    ) -> Result<App, ring::error::Unspecified> {
        let board = Board::new(dnslab_grader::attempts::path(&lab.state));
        Ok(App {
            plan: lab.plan.clone(),
            state: lab.state.clone(),
            tokens,
            csrf: Csrf::new()?,
            exercises,
            lab: Arc::new(lab),
            ops,
            board,
            public_url,
            grading: Mutex::new(HashSet::new()),
            chains: Mutex::new(HashMap::new()),
        })
    }

    fn trainee(&self, name: &str) -> Option<&Trainee> {
        self.plan.trainee(name)
    }

    fn exercise(&self, id: &str) -> Option<&Arc<Scenario>> {
        self.exercises.iter().find(|s| s.id.id() == id)
    }
}

/// The router of the classroom web.
pub fn router(app: Arc<App>) -> Router {
    let forms = Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/t/{trainee}/grade/{exercise}", post(grade))
        .route("/t/{trainee}/ds", post(ds_submit))
        .route("/t/{trainee}/ds/withdraw", post(ds_withdraw))
        .route("/board/reset/{trainee}", post(reset))
        .layer(DefaultBodyLimit::max(FORM_LIMIT));
    let uploads = Router::new()
        .route("/t/{trainee}/zone", post(zone_upload))
        .layer(DefaultBodyLimit::max(ZONE_LIMIT));
    Router::new()
        .route("/", get(home))
        .route("/t/{trainee}", get(trainee_home))
        .route("/t/{trainee}/exercise/{exercise}", get(exercise_page))
        .route("/t/{trainee}/report/{exercise}", get(trainee_report))
        .route("/t/{trainee}/history", get(history))
        .route("/t/{trainee}/zone-file", get(zone_file))
        .route("/t/{trainee}/chain/{exercise}", get(chain_picture))
        .route("/t/{trainee}/timeline.svg", get(timeline_picture))
        .route("/board", get(board))
        .route("/board/events", get(board_events))
        .route("/board/report/{trainee}/{exercise}", get(board_report))
        .route("/board/export.csv", get(export_csv))
        .route("/board/export.xml", get(export_junit))
        .route("/board/health", get(health))
        .route("/handout", get(handout))
        .merge(forms)
        .merge(uploads)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
        .with_state(app)
}

// ---------------------------------------------------------------------
// Answers.

fn html_page(status: StatusCode, markup: Markup) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        markup.into_string(),
    )
        .into_response()
}

fn ok_page(markup: Markup) -> Response {
    html_page(StatusCode::OK, markup)
}

fn forbidden(message: &str) -> Response {
    html_page(StatusCode::FORBIDDEN, pages::forbidden(message))
}

fn see_other(location: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, location.to_string())],
    )
        .into_response()
}

async fn not_found() -> Response {
    html_page(
        StatusCode::NOT_FOUND,
        pages::page(
            "Not found",
            html! { a href="/" { "Home" } },
            html! { p { "No such page." } },
        ),
    )
}

/// The session, or the 403 to answer with.
fn session(app: &App, headers: &HeaderMap) -> Result<Session, Response> {
    Session::from_headers(headers, &app.tokens).ok_or_else(|| forbidden("Log in first."))
}

/// The session if it may act for `trainee` (who exists), else the answer.
fn for_trainee<'a>(
    app: &'a App,
    headers: &HeaderMap,
    trainee: &str,
) -> Result<(Session, &'a Trainee), Response> {
    let s = session(app, headers)?;
    if !s.may_act_for(trainee) {
        return Err(forbidden("These are another trainee's pages."));
    }
    let t = app
        .trainee(trainee)
        .ok_or_else(|| forbidden("No such trainee."))?;
    Ok((s, t))
}

fn instructor(app: &App, headers: &HeaderMap) -> Result<Session, Response> {
    let s = session(app, headers)?;
    if s.is_instructor() {
        Ok(s)
    } else {
        Err(forbidden("This page is the instructor's."))
    }
}

/// A form's CSRF field checked, or the 403.
fn csrf_ok(app: &App, s: &Session, form: &HashMap<String, String>) -> Result<(), Response> {
    match form.get("csrf") {
        Some(given) if app.csrf.check(s, given) => Ok(()),
        _ => Err(forbidden(
            "This form has expired or came from another page; reload the page and try again.",
        )),
    }
}

fn nav(app: &App, s: &Session) -> Markup {
    html! {
        @match &s.who {
            Principal::Instructor => {
                a href="/board" { "Board" }
                a href="/board/health" { "Lab health" }
                a href="/handout" { "Handout" }
            }
            Principal::Trainee(name) => {
                a href=(format!("/t/{name}")) { "My lab" }
                a href=(format!("/t/{name}/history")) { "My attempts" }
            }
        }
        form.inline method="post" action="/logout" {
            input type="hidden" name="csrf" value=(app.csrf.token(s));
            button type="submit" { "Log out" }
        }
    }
}

// ---------------------------------------------------------------------
// Login.

async fn home(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    match Session::from_headers(&headers, &app.tokens) {
        Some(s) => match s.who {
            Principal::Instructor => see_other("/board"),
            Principal::Trainee(name) => see_other(&format!("/t/{name}")),
        },
        None => ok_page(pages::login(None)),
    }
}

async fn login(State(app): State<Arc<App>>, Form(form): Form<HashMap<String, String>>) -> Response {
    let typed = form.get("token").map(String::as_str).unwrap_or("");
    let Some(who) = app.tokens.who(typed) else {
        return html_page(
            StatusCode::FORBIDDEN,
            pages::login(Some("That token is not one of this lab's.")),
        );
    };
    let Some(token) = app.tokens.token_of(&who) else {
        return forbidden("No token.");
    };
    let location = match &who {
        Principal::Instructor => "/board".to_string(),
        Principal::Trainee(name) => format!("/t/{name}"),
    };
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, login_cookie(token)),
            (header::LOCATION, location),
        ],
    )
        .into_response()
}

async fn logout(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let s = match session(&app, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(r) = csrf_ok(&app, &s, &form) {
        return r;
    }
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, logout_cookie()),
            (header::LOCATION, "/".to_string()),
        ],
    )
        .into_response()
}

// ---------------------------------------------------------------------
// A trainee's pages.

async fn trainee_home(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(trainee): Path<String>,
) -> Response {
    let (s, t) = match for_trainee(&app, &headers, &trainee) {
        Ok(x) => x,
        Err(r) => return r,
    };
    ok_page(trainee_page(&app, &s, t, None))
}

/// The trainee's overview, with a message from the last form, if any.
fn trainee_page(app: &App, s: &Session, t: &Trainee, message: Option<(bool, String)>) -> Markup {
    let csrf = app.csrf.token(s);
    let signed = app.state.join(t.signed_zone_file());
    let name = &t.name;
    pages::page(
        &format!("{} · {}", t.name, t.zone),
        nav(app, s),
        html! {
            @if let Some((ok, m)) = &message {
                p class=(if *ok { "ok" } else { "notice" }) { (m) }
            }
            h2 { "Your lab" }
            div.scroll { table {
                tr { th { "zone" } td { code { (t.zone) } } }
                tr { th { "your authoritative server" } td { code { (t.auth) } } }
                tr { th { "your validating resolver" } td { code { (t.resolver) } } }
                tr { th { "port" } td { (app.plan.port) } }
                tr { th { "your zone file" } td { a href=(format!("/t/{name}/zone-file")) { (t.zone_file.display()) } } }
                tr { th { "served" } td {
                    @if signed.exists() { "your signed file, " code { (t.signed_zone_file().display()) } }
                    @else { "the unsigned file (no signed file yet)" }
                } }
            } }
            h2 { "Exercises" }
            div.scroll { table {
                tr { th { "exercise" } th { "your last grade" } th { "" } }
                @for x in &app.exercises {
                    @let id = x.id.id();
                    @let cell = app.board.cell(name, id);
                    tr {
                        td { a href=(format!("/t/{name}/exercise/{id}")) { (x.title) } }
                        td class=(cell.as_ref().map_or("none", |c| c.state())) {
                            @match &cell {
                                Some(c) => a href=(format!("/t/{name}/report/{id}")) { (c.text()) },
                                None => "not graded yet",
                            }
                        }
                        td {
                            form.inline method="post" action=(format!("/t/{name}/grade/{id}")) {
                                input type="hidden" name="csrf" value=(csrf);
                                button type="submit" { "Grade me" }
                            }
                        }
                    }
                }
            } }
            h2 { "Submit your DS to " (t.tld) "." }
            p { "As a registrar's form: paste your KSK's DS record(s), or its DNSKEY record(s) (the DS is made with SHA-256)." }
            form method="post" action=(format!("/t/{name}/ds")) {
                input type="hidden" name="csrf" value=(csrf);
                textarea name="ds" placeholder=(format!("{} IN DS 12345 13 2 …", t.zone)) {}
                button type="submit" { "Submit DS" }
            }
            form method="post" action=(format!("/t/{name}/ds/withdraw")) {
                input type="hidden" name="csrf" value=(csrf);
                button type="submit" { "Withdraw every DS" }
            }
            h2 { "Upload your signed zone" }
            p { "No shell on the lab machine? Download your zone file above, sign it on your laptop (dnslab, BIND, ldns or Knot), and upload the signed file: it is checked before your server serves it, and your server keeps the last good zone if it does not load." }
            form method="post" action=(format!("/t/{name}/zone?csrf={csrf}")) enctype="multipart/form-data" {
                input type="file" name="zone" required;
                " "
                button type="submit" { "Upload" }
            }
        },
    )
}

async fn exercise_page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((trainee, exercise)): Path<(String, String)>,
) -> Response {
    let (s, t) = match for_trainee(&app, &headers, &trainee) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(x) = app.exercise(&exercise) else {
        return not_found().await;
    };
    let for_trainee = Some((&app.plan, t, app.state.path()));
    let text = x.render_instructions(for_trainee);
    let hints = x.render_hints(for_trainee);
    let csrf = app.csrf.token(&s);
    ok_page(pages::page(
        &format!("{} ({})", x.title, x.id.id()),
        nav(&app, &s),
        html! {
            (pages::instructions(&text))
            @if !hints.is_empty() {
                h2 { "Hints" }
                ul { @for h in &hints { li { (pages::instructions(h)) } } }
            }
            h2 { "How it is graded" }
            ul {
                @for c in &x.checks {
                    li { code { (c.id) } " (" (c.points) " points): "
                        (dnslab_grader::checks::find(&c.id).map_or("", |d| d.title)) }
                }
            }
            form method="post" action=(format!("/t/{}/grade/{}", t.name, x.id.id())) {
                input type="hidden" name="csrf" value=(csrf);
                button type="submit" { "Grade me" }
            }
        },
    ))
}

async fn grade(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((trainee, exercise)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (s, t) = match for_trainee(&app, &headers, &trainee) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = csrf_ok(&app, &s, &form) {
        return r;
    }
    let Some(x) = app.exercise(&exercise).cloned() else {
        return not_found().await;
    };
    let ops = Arc::clone(&app);
    let down = tokio::task::spawn_blocking(move || ops.ops.down())
        .await
        .unwrap_or_else(|e| Some(format!("cannot ask the lab: {e}")));
    if let Some(down) = down {
        return html_page(
            StatusCode::SERVICE_UNAVAILABLE,
            pages::page("Cannot grade", nav(&app, &s), html! { p.notice { (down) } }),
        );
    }
    {
        let Ok(mut busy) = app.grading.lock() else {
            return forbidden("The server is in a bad state; tell the instructor.");
        };
        if !busy.insert(t.name.clone()) {
            return html_page(
                StatusCode::CONFLICT,
                pages::page(
                    "Already grading",
                    nav(&app, &s),
                    html! { p.notice { "Your previous grade is still running; its report appears in a few seconds." } },
                ),
            );
        }
    }
    let report = grade_trainee(
        &app.lab,
        t,
        &x,
        &GradeOptions::new(dnslab_zone::rdata::time::now()),
    )
    .await;
    if let Ok(mut busy) = app.grading.lock() {
        busy.remove(&t.name);
    }
    if let (Some(chain), Ok(mut chains)) = (&report.chain, app.chains.lock()) {
        let finding = dnslab_grader::picture::Finding::from_report(&report);
        chains.insert(
            (t.name.clone(), x.id.id().to_string()),
            dnslab_grader::picture::chain_svg(chain, finding.as_ref()),
        );
    }
    let log = dnslab_grader::attempts::path(&app.state);
    if let Err(e) = dnslab_grader::attempts::append(&log, std::slice::from_ref(&report)) {
        tracing::warn!(error = %dnslab_zone::ErrorChain(&e), "grade not kept");
    }
    app.board.refresh();
    see_other(&format!("/t/{}/report/{}", t.name, x.id.id()))
}

fn latest_report(
    app: &App,
    trainee: &str,
    exercise: &str,
) -> Option<dnslab_grader::outcome::GradeReport> {
    app.board
        .history(trainee)
        .into_iter()
        .find(|r| r.exercise == exercise)
}

async fn trainee_report(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((trainee, exercise)): Path<(String, String)>,
) -> Response {
    let (s, t) = match for_trainee(&app, &headers, &trainee) {
        Ok(x) => x,
        Err(r) => return r,
    };
    report_page(&app, &s, t, &exercise)
}

fn report_page(app: &App, s: &Session, t: &Trainee, exercise: &str) -> Response {
    let Some(x) = app.exercise(exercise) else {
        return html_page(StatusCode::NOT_FOUND, pages::forbidden("No such exercise."));
    };
    let body = match latest_report(app, &t.name, exercise) {
        Some(r) => pages::report(&r),
        None => html! { p { "Not graded yet." } },
    };
    let has_chain = app
        .chains
        .lock()
        .is_ok_and(|c| c.contains_key(&(t.name.clone(), exercise.to_string())));
    let uses_timeline = x.checks.iter().any(|c| {
        dnslab_grader::checks::find(&c.id)
            .is_some_and(|d| d.needs == dnslab_grader::checks::Needs::Timeline)
    });
    ok_page(pages::page(
        &format!("{}: {}", t.name, x.title),
        nav(app, s),
        html! {
            (body)
            @if has_chain {
                h2 { "Your chain of trust" }
                (picture(&format!("/t/{}/chain/{}", t.name, exercise), "the chain of trust from the lab root to your zone"))
            }
            @if uses_timeline {
                h2 { "Your rollover timeline" }
                (picture(&format!("/t/{}/timeline.svg", t.name), "your keys' states over time"))
            }
            form method="post" action=(format!("/t/{}/grade/{}", t.name, exercise)) {
                input type="hidden" name="csrf" value=(app.csrf.token(s));
                button type="submit" { "Grade again" }
            }
            p { a href=(format!("/t/{}/exercise/{}", t.name, exercise)) { "The exercise" } }
        },
    ))
}

async fn history(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(trainee): Path<String>,
) -> Response {
    let (s, t) = match for_trainee(&app, &headers, &trainee) {
        Ok(x) => x,
        Err(r) => return r,
    };
    // The grade just given is in the log, maybe not yet on the board.
    app.board.refresh();
    let attempts = app.board.history(&t.name);
    ok_page(pages::page(
        &format!("{}: attempts", t.name),
        nav(&app, &s),
        html! {
            @if attempts.is_empty() { p { "No attempts yet." } }
            div.scroll { table {
                tr { th { "when" } th { "exercise" } th { "points" } th { "" } }
                @for r in &attempts {
                    tr class=(if r.passed { "pass" } else { "fail" }) {
                        td { (r.graded_at) }
                        td { (r.exercise_title) }
                        td { (r.score) "/" (r.max_score) }
                        td { @if r.passed { "passed" } @else {
                            (r.checks.iter().filter(|c| c.status == dnslab_grader::outcome::Status::Fail).map(|c| c.id.as_str()).collect::<Vec<_>>().join(", "))
                        } }
                    }
                }
            } }
        },
    ))
}

async fn zone_file(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(trainee): Path<String>,
) -> Response {
    let (_, t) = match for_trainee(&app, &headers, &trainee) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match std::fs::read(app.state.join(&t.zone_file)) {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    "text/plain; charset=utf-8".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"{}\"",
                        t.zone_file
                            .file_name()
                            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
                    ),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => not_found().await,
    }
}

async fn ds_submit(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(trainee): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (s, t) = match for_trainee(&app, &headers, &trainee) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = csrf_ok(&app, &s, &form) {
        return r;
    }
    let text = form.get("ds").cloned().unwrap_or_default();
    let (name, worker) = (t.name.clone(), Arc::clone(&app));
    let outcome = tokio::task::spawn_blocking(move || worker.ops.submit_ds(&name, &text))
        .await
        .unwrap_or_else(|e| Err(format!("the submission stopped: {e}")));
    let (status, message) = match outcome {
        Ok(records) => (
            StatusCode::OK,
            (
                true,
                format!(
                    "{} DS record(s) now in {}.: {}",
                    records.len(),
                    t.tld,
                    records.join("; ")
                ),
            ),
        ),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, (false, e)),
    };
    html_page(status, trainee_page(&app, &s, t, Some(message)))
}

async fn ds_withdraw(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(trainee): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (s, t) = match for_trainee(&app, &headers, &trainee) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = csrf_ok(&app, &s, &form) {
        return r;
    }
    let (name, worker) = (t.name.clone(), Arc::clone(&app));
    let outcome = tokio::task::spawn_blocking(move || worker.ops.withdraw_ds(&name))
        .await
        .unwrap_or_else(|e| Err(format!("the withdrawal stopped: {e}")));
    let (status, message) = match outcome {
        Ok(()) => (
            StatusCode::OK,
            (
                true,
                format!(
                    "No DS for {} in {}. any more: the zone is insecure.",
                    t.zone, t.tld
                ),
            ),
        ),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, (false, e)),
    };
    html_page(status, trainee_page(&app, &s, t, Some(message)))
}

async fn zone_upload(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(trainee): Path<String>,
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let (s, t) = match for_trainee(&app, &headers, &trainee) {
        Ok(x) => x,
        Err(r) => return r,
    };
    // A multipart form's fields come after the file: the CSRF token
    // travels in the query so that it is checked before the upload is read.
    if let Err(r) = csrf_ok(&app, &s, &query) {
        return r;
    }
    let outcome = match multipart {
        Ok(m) => upload::receive(m, &app.state, t).await,
        Err(e) => Err((e.status(), e.body_text())),
    };
    let (status, message) = match outcome {
        Ok(installed) => {
            // Answer once the server serves it, so that "Grade me" right
            // after sees the upload and not the zone before it.
            let worker = Arc::clone(&app);
            let name = t.name.clone();
            let apex_soa = installed.apex_soa;
            let served =
                tokio::task::spawn_blocking(move || worker.ops.wait_zone_served(&name, &apex_soa))
                    .await
                    .unwrap_or(Some(false));
            let note = match served {
                Some(true) => format!("{}; your server serves it now", installed.message),
                Some(false) => format!(
                    "{}, but your server does not serve it yet; ask the instructor to look at the lab",
                    installed.message
                ),
                None => format!(
                    "{}; the lab is not running, your server will serve it when it does",
                    installed.message
                ),
            };
            (StatusCode::OK, (served != Some(false), note))
        }
        Err((status, e)) => (status, (false, e)),
    };
    html_page(status, trainee_page(&app, &s, t, Some(message)))
}

// ---------------------------------------------------------------------
// The instructor's pages.

async fn board(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let s = match instructor(&app, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    app.board.refresh();
    let reports = app.board.latest_reports();
    let csrf = app.csrf.token(&s);
    // The checks that fail most, over every trainee's latest attempts.
    let mut failing: HashMap<&str, usize> = HashMap::new();
    for r in &reports {
        for c in &r.checks {
            if c.status == dnslab_grader::outcome::Status::Fail {
                *failing.entry(c.id.as_str()).or_default() += 1;
            }
        }
    }
    let mut failing: Vec<(&str, usize)> = failing.into_iter().collect();
    failing.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    ok_page(pages::page(
        &format!("{}: the class", app.plan.workshop),
        nav(&app, &s),
        html! {
            p.noprint { "Updates by itself as trainees grade. "
                a href="/board/export.csv" { "CSV" } " · " a href="/board/export.xml" { "JUnit" } }
            div.scroll { table id="board" {
                thead { tr {
                    th { "trainee" }
                    @for x in &app.exercises { th { (x.id.id()) } }
                    th.noprint { "" }
                } }
                tbody {
                    @for t in &app.plan.trainees {
                        tr {
                            th { a href=(format!("/t/{}", t.name)) { (t.name) } }
                            @for x in &app.exercises {
                                (pages::cell(&t.name, x.id.id(), app.board.cell(&t.name, x.id.id()).as_ref()))
                            }
                            td.noprint {
                                form.inline method="post" action=(format!("/board/reset/{}", t.name))
                                    onsubmit=(format!("return confirm('Reset {}? Their workspace goes to the attic.')", t.name)) {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button type="submit" { "reset" }
                                }
                            }
                        }
                    }
                }
                tfoot { tr {
                    th { "passed" }
                    @for x in &app.exercises {
                        @let id = x.id.id();
                        td id=(format!("passed-{id}")) {
                            (app.plan.trainees.iter().filter(|t| app.board.cell(&t.name, id).is_some_and(|c| c.passed)).count())
                        }
                    }
                    td.noprint {}
                } }
            } }
            h2 { "Most failed checks" }
            @if failing.is_empty() { p { "None yet." } }
            ol { @for (id, n) in failing.iter().take(8) { li { code { (id) } ": " (n) " trainee(s)" } } }
            (pages::board_script())
        },
    ))
}

async fn board_events(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let Err(r) = instructor(&app, &headers) {
        return r;
    }
    let rx = app.board.subscribe();
    let board = Arc::clone(&app);
    let pending: std::collections::VecDeque<crate::board::Cell> = Default::default();
    let stream = futures_util::stream::unfold((rx, pending), move |(mut rx, mut pending)| {
        let board = Arc::clone(&board);
        async move {
            loop {
                if let Some(cell) = pending.pop_front() {
                    let data = serde_json::json!({
                        "trainee": cell.trainee,
                        "exercise": cell.exercise,
                        "state": cell.state(),
                        "text": cell.text(),
                    });
                    let event = Event::default().event("cell").data(data.to_string());
                    return Some((Ok::<Event, std::convert::Infallible>(event), (rx, pending)));
                }
                match rx.recv().await {
                    Ok(cell) => pending.push_back(cell),
                    // A slow page missed some: it gets every cell again,
                    // so that no cell stays stale until a reload.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        pending.extend(board.board.cells());
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        }
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

async fn board_report(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((trainee, exercise)): Path<(String, String)>,
) -> Response {
    let s = match instructor(&app, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(t) = app.trainee(&trainee) else {
        return not_found().await;
    };
    report_page(&app, &s, t, &exercise)
}

fn export(app: &App, headers: &HeaderMap, format: Format, mime: &str, name: &str) -> Response {
    if let Err(r) = instructor(app, headers) {
        return r;
    }
    let text = render(&app.board.latest_reports(), format, false);
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-{name}\"", app.plan.workshop),
            ),
        ],
        text,
    )
        .into_response()
}

async fn export_csv(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    export(
        &app,
        &headers,
        Format::Csv,
        "text/csv; charset=utf-8",
        "grades.csv",
    )
}

async fn export_junit(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    export(
        &app,
        &headers,
        Format::Junit,
        "application/xml",
        "grades.xml",
    )
}

async fn reset(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(trainee): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let s = match instructor(&app, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(r) = csrf_ok(&app, &s, &form) {
        return r;
    }
    if app.trainee(&trainee).is_none() {
        return not_found().await;
    }
    let worker = Arc::clone(&app);
    let outcome = tokio::task::spawn_blocking(move || worker.ops.reset(&trainee))
        .await
        .unwrap_or_else(|e| Err(format!("the reset stopped: {e}")));
    match outcome {
        Ok(()) => see_other("/board"),
        Err(e) => html_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            pages::page("Reset failed", nav(&app, &s), html! { p.notice { (e) } }),
        ),
    }
}

async fn health(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let s = match instructor(&app, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let worker = Arc::clone(&app);
    let status = tokio::task::spawn_blocking(move || worker.ops.status())
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
    let body = match status {
        Ok(v) => pages::status(&v),
        Err(e) => html! { p.notice { (e) } },
    };
    ok_page(pages::page("Lab health", nav(&app, &s), body))
}

async fn handout(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let s = match instructor(&app, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    // The SSH lines too when the lab has SSH access (none otherwise).
    let logins = dnslab_lab::access::logins(&app.state, &app.plan).unwrap_or_default();
    let titles: Vec<String> = app.exercises.iter().map(|x| x.title.clone()).collect();
    let sheets: Vec<pages::Sheet<'_>> = app
        .plan
        .trainees
        .iter()
        .map(|t| pages::Sheet {
            workshop: &app.plan.workshop,
            trainee: t,
            web: Some((
                app.public_url.as_str(),
                app.tokens.trainees.get(&t.name).map_or("", String::as_str),
            )),
            ssh: logins.iter().find(|l| l.trainee == t.name),
            exercises: &titles,
        })
        .collect();
    ok_page(pages::page(
        &format!("{}: handout", app.plan.workshop),
        nav(&app, &s),
        pages::handout(&sheets),
    ))
}

fn svg(text: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response()
}

/// A picture on a page: in a frame that scrolls sideways on a phone, a
/// tap away from the picture alone (to zoom).
fn picture(src: &str, alt: &str) -> Markup {
    html! {
        div.picture-frame {
            a href=(src) title="open the picture alone" {
                img.picture src=(src) alt=(alt);
            }
        }
    }
}

async fn chain_picture(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((trainee, exercise)): Path<(String, String)>,
) -> Response {
    let (_, t) = match for_trainee(&app, &headers, &trainee) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let picture = app
        .chains
        .lock()
        .ok()
        .and_then(|c| c.get(&(t.name.clone(), exercise)).cloned());
    match picture {
        Some(p) => svg(p),
        None => not_found().await,
    }
}

async fn timeline_picture(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(trainee): Path<String>,
) -> Response {
    let (_, t) = match for_trainee(&app, &headers, &trainee) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match dnslab_grader::picture::trainee_timeline_svg(&app.state, t) {
        Ok(p) => svg(p),
        Err(_) => not_found().await,
    }
}
