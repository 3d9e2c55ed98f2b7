//! The pages, as maud templates compiled into the binary. maud escapes
//! every `(value)` it inserts, so nothing a trainee wrote (zone contents,
//! DS text, names in reports) becomes markup; the one `PreEscaped` is the
//! fixed stylesheet and script below.

use crate::board::Cell;
use dnslab_grader::outcome::{GradeReport, Status};
use dnslab_lab::Trainee;
use dnslab_lab::access::Login;
use dnslab_lab::instruction_steps::{Block, blocks};
use maud::{DOCTYPE, Markup, PreEscaped, html};

const STYLE: &str = r#"
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 0.8rem; line-height: 1.45; color: #111; }
header { display: flex; flex-wrap: wrap; gap: 0.6rem 1.2rem; align-items: baseline; border-bottom: 2px solid #333; margin-bottom: 1rem; }
header h1 { font-size: 1.2rem; margin: 0.3rem 0; }
nav a { margin-right: 0.8rem; }
pre { background: #f3f3f3; padding: 0.6rem; overflow-x: auto; border-left: 3px solid #555; }
code { background: #f3f3f3; padding: 0 0.2rem; }
table { border-collapse: collapse; }
.scroll { overflow-x: auto; }
td, th { border: 1px solid #999; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
.pass { background: #c9f2c9; } .fail { background: #f7c6c6; } .warn { background: #fbeab5; } .skip { background: #e6e6e6; }
.none { color: #777; }
.notice { padding: 0.5rem; border: 2px solid #b00; background: #fde8e8; }
.ok { padding: 0.5rem; border: 2px solid #070; background: #e6f6e6; }
textarea { width: 100%; min-height: 6rem; font-family: monospace; }
form.inline { display: inline; }
button { padding: 0.3rem 0.8rem; }
.sheet { page-break-after: always; border: 1px solid #999; padding: 1rem; margin-bottom: 1rem; }
/* Pictures keep a readable size on a phone: the frame scrolls sideways
   (text ~9 px and up, not the 5 px of a 640-wide drawing squeezed into
   360 px); a tap opens the picture alone, to zoom. */
.picture-frame { overflow-x: auto; }
img.picture { width: 100%; min-width: 34rem; height: auto; border: 1px solid #ccc; }
@media print { nav, form, .noprint { display: none; } .sheet { border: none; } }
"#;

/// The board's script: each server-sent event updates one cell.
const BOARD_SCRIPT: &str = r#"
const events = new EventSource("/board/events");
events.addEventListener("cell", (e) => {
  const c = JSON.parse(e.data);
  const td = document.getElementById("c-" + c.trainee + "-" + c.exercise);
  if (!td) return;
  td.className = c.state;
  const a = td.querySelector("a");
  if (a) a.textContent = c.text;
  const passed = document.querySelectorAll("td.pass[data-exercise='" + c.exercise + "']").length;
  const sum = document.getElementById("passed-" + c.exercise);
  if (sum) sum.textContent = passed;
});
"#;

/// A whole page.
pub fn page(title: &str, nav: Markup, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · dnslab" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header { h1 { (title) } nav { (nav) } }
                main { (body) }
            }
        }
    }
}

/// Inline Markdown of the exercise texts: `code` and **bold**.
fn inline(text: &str) -> Markup {
    html! {
        @for (i, part) in text.split('`').enumerate() {
            @if i % 2 == 1 {
                code { (part) }
            } @else {
                @for (j, piece) in part.split("**").enumerate() {
                    @if j % 2 == 1 { strong { (piece) } } @else { (piece) }
                }
            }
        }
    }
}

/// Rendered instructions (or any exercise text), as paragraphs and code.
pub fn instructions(rendered: &str) -> Markup {
    html! {
        @for block in blocks(rendered) {
            @match block {
                Block::Text(text) => p { (inline(&text)) },
                Block::Code(lines) => pre { code { (lines.join("\n")) } },
            }
        }
    }
}

pub fn login(message: Option<&str>) -> Markup {
    page(
        "dnslab classroom",
        html! {},
        html! {
            @if let Some(m) = message { p.notice { (m) } }
            p { "Log in with the token on your handout." }
            form method="post" action="/login" {
                label { "Token " input type="text" name="token" autocomplete="off" autofocus required size="24"; }
                " "
                button type="submit" { "Log in" }
            }
        },
    )
}

pub fn forbidden(message: &str) -> Markup {
    page(
        "Not allowed",
        html! { a href="/" { "Log in" } },
        html! { p.notice { (message) } },
    )
}

/// A report as the CLI's text report says it, check by check.
pub fn report(r: &GradeReport) -> Markup {
    html! {
        p class=(if r.passed { "ok" } else { "notice" }) data-verdict=(if r.passed { "passed" } else { "not-passed" }) {
            strong { (r.exercise_title) } " (" (r.exercise) "): "
            (r.score) "/" (r.max_score) " points, "
            @if r.passed { "passed" } @else { "not passed yet" }
            " · graded " (r.graded_at)
        }
        div.scroll {
            table {
                thead { tr { th { "" } th { "check" } th { "points" } th { "what was found, and what to do" } } }
                tbody {
                    @for c in &r.checks {
                        tr class=(c.status.as_str()) {
                            td { (status_word(c.status)) }
                            td { code { (c.id) } br; (c.title) }
                            td { (c.points) "/" (c.max_points) }
                            td {
                                (c.message)
                                @if !c.details.is_empty() {
                                    ul { @for d in &c.details { li { (d) } } }
                                }
                                @if !c.hint.is_empty() { p { "Fix: " (inline(&c.hint)) } }
                                @for (tool, hint) in c.tool_hints.entries() {
                                    p { (tool) ": " (inline(hint)) }
                                }
                                @if !c.reference.is_empty() { p.none { (c.reference) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Warn => "WARN",
        Status::Skip => "SKIP",
    }
}

/// A board cell's contents (the link text is what events update).
pub fn cell(trainee: &str, exercise: &str, cell: Option<&Cell>) -> Markup {
    let href = format!("/board/report/{trainee}/{exercise}");
    html! {
        td id=(format!("c-{trainee}-{exercise}")) data-exercise=(exercise)
            class=(cell.map_or("none", Cell::state)) {
            a href=(href) { (cell.map_or_else(|| "–".to_string(), Cell::text)) }
        }
    }
}

pub fn board_script() -> Markup {
    html! { script { (PreEscaped(BOARD_SCRIPT)) } }
}

/// `dnslab status --format json`, as tables: the nodes, then the trainees.
pub fn status(v: &serde_json::Value) -> Markup {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let table = |rows: &[serde_json::Value], columns: &[&str]| {
        html! {
            div.scroll { table {
                tr { @for c in columns { th { (c) } } }
                @for row in rows {
                    tr class=(match row.get("healthy") {
                        Some(serde_json::Value::Bool(true)) => "pass",
                        Some(serde_json::Value::Bool(false)) => "fail",
                        _ => "",
                    }) {
                        @for c in columns { td { (row.get(*c).map(text).unwrap_or_default()) } }
                    }
                }
            } }
        }
    };
    let empty = Vec::new();
    let nodes = v.get("nodes").and_then(|n| n.as_array()).unwrap_or(&empty);
    let trainees = v
        .get("trainees")
        .and_then(|n| n.as_array())
        .unwrap_or(&empty);
    html! {
        p {
            "Lab " (v.get("workshop").map(text).unwrap_or_default())
            " on " (v.get("backend").map(text).unwrap_or_default()) ": "
            @if v.get("running") == Some(&serde_json::Value::Bool(true)) { "running" } @else { strong { "not running" } }
        }
        h2 { "Nodes" }
        (table(nodes, &["name", "role", "address", "host", "container", "healthy", "zone_error"]))
        h2 { "Trainees" }
        (table(trainees, &["name", "zone", "auth", "resolver", "zone_file"]))
    }
}

/// What one trainee's handout sheet says (the web's `/handout` and
/// `dnslab handout --format html`).
pub struct Sheet<'a> {
    pub workshop: &'a str,
    pub trainee: &'a Trainee,
    /// The classroom web: its address and the trainee's login token.
    pub web: Option<(&'a str, &'a str)>,
    /// How the trainee logs in to their workstation by SSH.
    pub ssh: Option<&'a Login>,
    /// The titles of the lab's exercises, in order.
    pub exercises: &'a [String],
}

/// Printable sheets, one a page.
pub fn handout(sheets: &[Sheet<'_>]) -> Markup {
    html! {
        p.noprint { "One sheet per trainee: print this page." }
        @for s in sheets { (handout_sheet(s)) }
    }
}

/// The handout as a page of its own (`dnslab handout --format html`).
pub fn handout_page(workshop: &str, sheets: &[Sheet<'_>]) -> Markup {
    page(&format!("{workshop}: handout"), html! {}, handout(sheets))
}

fn handout_sheet(s: &Sheet<'_>) -> Markup {
    let t = s.trainee;
    html! {
        section.sheet {
            h2 { (s.workshop) ": " (t.name) }
            table {
                @if let Some((url, token)) = s.web {
                    tr { th { "open" } td { code { (url) } } }
                    tr { th { "your token" } td { code { (token) } } }
                }
                @if let Some(l) = s.ssh {
                    tr { th { "log in" } td { code { (l.command) } } }
                    tr { th { "password" } td {
                        @match &l.password {
                            Some(p) => code { (p) },
                            None => "your SSH key",
                        }
                    } }
                    @if let Some(f) = &l.host_key {
                        tr { th { "host key" } td { code { (f) } } }
                    }
                }
                tr { th { "your zone" } td { code { (t.zone) } } }
                tr { th { "your server" } td { code { (t.auth) } } }
                tr { th { "your resolver" } td { code { (t.resolver) } } }
            }
            @if !s.exercises.is_empty() {
                p { "Exercises: " (s.exercises.join(" · ")) }
            }
        }
    }
}
