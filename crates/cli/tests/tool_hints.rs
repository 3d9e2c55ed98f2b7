//! Every command the grader's tool hints and the exercise texts' running
//! text and hints give a trainee, for dnslab, BIND, ldns, Knot and
//! Unbound, is run here, as a trainee of that toolset would run it, so
//! that none can drift from the tools' real syntax. (The exercises' code
//! blocks are their reference solutions, run by `dnslab scenario test`.)
//!
//! The rule the texts follow: a code span is a whole command, run in the
//! trainee's workspace once its `{placeholders}` are filled in; a span of
//! one word only names a tool; a span with `…` is a template with a part
//! for the trainee to choose (counted, not run); a daemon's start line
//! (`unbound -d`, `named -g`) is checked with its checkconf tool instead,
//! the resolver tests (grade_peers.rs) run the daemons themselves; a
//! `dnslab` span that lacks its required arguments names the command.
//!
//! One lab, one trainee per toolset on 127.154.0.0/16 port 10053. Each
//! trainee follows their toolset's hints in the order a trainee meets them
//! (keys, signing, DS, timers, resolver), every command must exit 0, and
//! then each trainee's zone must pass sign-zone and ds-submission: the
//! hints are working recipes, not only valid syntax.

mod common;

use common::lab::Lab;
use dnslab_grader::checks::shared_tool_hints;
use dnslab_lab::{LabPlan, StateDir, scenario};
use dnslab_testkit::printed;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const LAB: &str = "workshop: tool-hints-154\ntlds: [ne]\n\
    trainees:\n  names: [viadnslab, viabind, vialdns, viaknot]\n\
    timers: workshop\nzoo: false\nexercises: [sign-zone, ds-submission, resolver-validation, \
    zsk-rollover]\n\
    addresses:\n  base: 127.154.0.0/16\nport: 10053\n";

/// The trainee who follows each toolset's hints.
fn trainee_of(tool: &str) -> &'static str {
    match tool {
        "BIND" => "viabind",
        "ldns" => "vialdns",
        "Knot" => "viaknot",
        // Unbound's hints write a resolver configuration with dnslab.
        _ => "viadnslab",
    }
}

/// The toolset a command of the exercise texts belongs to, by its program.
fn tool_of_program(program: &str) -> Option<&'static str> {
    match program {
        p if p.starts_with("dnssec-") || p.starts_with("named") => Some("BIND"),
        p if p.starts_with("ldns-") => Some("ldns"),
        "keymgr" | "kzonesign" | "kzonecheck" | "knotc" | "kdig" => Some("Knot"),
        p if p.starts_with("unbound") => Some("Unbound"),
        "dig" | "delv" | "drill" | "dnslab" => Some("dnslab"),
        _ => None,
    }
}

/// What a code span is.
#[derive(Debug, PartialEq, Eq)]
enum Span {
    /// A whole command: run it.
    Command(String),
    /// A daemon's start line: check its configuration with this instead.
    Daemon(String),
    /// A template with a part to choose, or a tool's bare name.
    NotRun,
}

fn classify(span: &str) -> Span {
    let span = span.trim();
    let words: Vec<&str> = span.split_whitespace().collect();
    if words.len() < 2 || span.contains('…') {
        return Span::NotRun;
    }
    match (words[0], words[1]) {
        ("unbound", "-d") => Span::Daemon(format!("unbound-checkconf {}", words[words.len() - 1])),
        ("named", "-g") => Span::Daemon(format!("named-checkconf {}", words[words.len() - 1])),
        _ => Span::Command(span.to_string()),
    }
}

/// The code spans of `text`, a line break inside one read as a space (as
/// Markdown reads it).
fn code_spans(text: &str) -> Vec<String> {
    text.split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// The toolset of a command: that of the first program it runs that
/// belongs to one (`cd keys && ldns-keygen …` is ldns's).
fn tool_of_command(command: &str) -> Option<&'static str> {
    command
        .split("&&")
        .filter_map(|part| part.split_whitespace().next())
        .find_map(tool_of_program)
}

struct Classroom {
    lab: Lab,
    plan: LabPlan,
    state: StateDir,
    path: String,
    /// Every command run, for the final count.
    ran: Vec<String>,
}

impl Classroom {
    fn workspace(&self, trainee: &str) -> PathBuf {
        let t = self.plan.trainee(trainee).expect("a trainee of the lab");
        self.lab.state.join(&t.workspace)
    }

    fn render(&self, text: &str, trainee: &str) -> String {
        let t = self.plan.trainee(trainee).expect("a trainee of the lab");
        scenario::render(text, Some((&self.plan, t, self.state.path())))
    }

    /// Runs `command` in `trainee`'s workspace, with dnslab on the PATH.
    /// It must exit 0; `dnslab grade` and `dnslab timeline` may exit 1
    /// (what they find is the trainee's work, not the command's syntax).
    /// A `dnslab` command that lacks its required arguments only names
    /// the command (`` `dnslab ds scan` scans at once ``): it is counted,
    /// as clap's refusal shows. Returns whether it ran.
    fn run(&mut self, trainee: &str, command: &str, source: &str) -> bool {
        let out = Command::new("sh")
            .args(["-c", command])
            .current_dir(self.workspace(trainee))
            .env("PATH", &self.path)
            .env("DNSLAB_STATE_DIR", &self.lab.state)
            .output()
            .expect("run sh");
        let code = out.status.code();
        let finds = command.starts_with("dnslab grade ") || command.starts_with("dnslab timeline ");
        if command.starts_with("dnslab ")
            && code == Some(2)
            && String::from_utf8_lossy(&out.stderr).contains("required arguments were not provided")
        {
            return false;
        }
        assert!(
            code == Some(0) || (finds && code == Some(1)),
            "{source}: `{command}` failed for {trainee}:\n{}",
            printed(&out)
        );
        self.ran.push(format!("{trainee}: {command}"));
        true
    }

    /// Runs the code spans of `text` (rendered for `trainee`); returns how
    /// many were not run (templates and names).
    fn follow(&mut self, trainee: &str, text: &str, source: &str) -> usize {
        let text = self.render(text, trainee);
        let mut not_run = 0;
        for span in code_spans(&text) {
            let ran = match classify(&span) {
                Span::Command(c) | Span::Daemon(c) => self.run(trainee, &c, source),
                Span::NotRun => false,
            };
            not_run += usize::from(!ran);
        }
        not_run
    }

    /// Grades until `trainee` passes `exercise` (the servers take a
    /// changed file within a second), at most 20 s.
    fn passes(&self, trainee: &str, exercise: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let out = self
                .lab
                .run(&["grade", "--trainee", trainee, "--exercise", exercise]);
            if out.status.success() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{trainee} did not pass {exercise}:\n{}",
                printed(&out)
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

#[test]
fn every_toolset_hint_runs_and_leads_to_a_pass() {
    let tools = [
        "dnssec-keygen",
        "dnssec-signzone",
        "dnssec-dsfromkey",
        "dnssec-settime",
        "named-checkzone",
        "named-checkconf",
        "ldns-keygen",
        "ldns-signzone",
        "ldns-key2ds",
        "ldns-read-zone",
        "keymgr",
        "kzonesign",
        "kzonecheck",
        "unbound-checkconf",
        "dig",
        "delv",
    ];
    if dnslab_testkit::peers(tools).is_none() {
        return;
    }
    let lab = Lab::from_yaml(LAB);
    lab.up();
    let state = StateDir::new(lab.state.clone());
    let plan = state.load_plan().expect("the lab's plan");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_dnslab"))
        .parent()
        .expect("the binary's directory")
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut class = Classroom {
        lab,
        plan,
        state,
        path,
        ran: Vec::new(),
    };

    // Each toolset's hints, in the order a trainee meets them.
    let mut templates = 0;
    for (i, hints) in shared_tool_hints().iter().enumerate() {
        for (tool, hint) in hints.entries() {
            let source = format!("tool hint {i} for {tool}");
            templates += class.follow(trainee_of(tool), hint, &source);
        }
    }
    for tool in ["dnslab", "BIND", "ldns", "Knot"] {
        // The hints are recipes: following them passes.
        let trainee = trainee_of(tool);
        class.passes(trainee, "sign-zone");
        class.passes(trainee, "ds-submission");
    }

    // The other toolsets' commands in the exercise texts, each run by the
    // trainee of its toolset, whose workspace now holds keys and a signed
    // zone.
    let scenarios = dnslab_grader::shipped::scenarios().expect("the shipped scenarios");
    let mut from_texts = 0;
    for s in &scenarios {
        let texts = std::iter::once(s.instructions.clone()).chain(s.hints.iter().cloned());
        for text in texts {
            for span in code_spans(&text) {
                let Some(tool) = tool_of_command(&span) else {
                    continue;
                };
                if let Span::Command(_) | Span::Daemon(_) = classify(&span) {
                    let source = format!("exercise {}", s.id.id());
                    if class.follow(trainee_of(tool), &format!("`{span}`"), &source) == 0 {
                        from_texts += 1;
                    }
                }
            }
        }
    }
    assert!(from_texts >= 5, "only {from_texts} commands in the texts");
    assert!(class.ran.len() >= 40, "{:#?}", class.ran);
    assert!(templates <= 8, "{templates} spans not run");
    eprintln!(
        "ran {} commands ({from_texts} from the exercise texts); {templates} templates or names not run",
        class.ran.len()
    );
}

#[test]
fn spans_are_classified_as_the_rule_says() {
    assert_eq!(
        classify("dnssec-keygen -K keys x.ne"),
        Span::Command("dnssec-keygen -K keys x.ne".into())
    );
    assert_eq!(
        classify("unbound -d -c unbound.conf"),
        Span::Daemon("unbound-checkconf unbound.conf".into())
    );
    assert_eq!(classify("delv"), Span::NotRun);
    assert_eq!(classify("keymgr … set TAG"), Span::NotRun);
    assert_eq!(code_spans("a `b\n   c` d `e`"), ["b c", "e"]);
    assert_eq!(tool_of_command("cd keys && ldns-keygen -k x"), Some("ldns"));
    assert_eq!(tool_of_command("mkdir -p keys"), None);
}
