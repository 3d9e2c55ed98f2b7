//! The commands of an exercise's rendered instructions, as steps that a
//! trainee (or `dnslab scenario test`) runs in order.
//!
//! # Why
//!
//! Instructions that nobody runs drift: a key file named without its
//! trailing dot, a `delv` option it does not have, a port that is not the
//! lab's. So the reference solution of every exercise *is* its
//! instructions: `dnslab scenario test` renders them for its trainee, takes
//! the commands out as this module does, runs them and grades; the result
//! must be full points.
//!
//! # The convention
//!
//! A command is a line of a Markdown code block: a line indented at least
//! four columns more than the text it follows (in a numbered list item,
//! four more than the item's text). Each line is one command, run with
//! `sh -c` in the trainee's workspace; `# comments` are allowed. A line
//! `sleep N` (N seconds) is a wait: a trainee waits N seconds for caches to
//! expire, and the test moves its virtual clock on by N instead. Commands
//! shown in running text (inline code) are examples and alternatives, not
//! steps.

use crate::scenario::Step;

/// A piece of rendered instructions: running text, or a code block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph (or list item) of running text, its lines joined by
    /// spaces.
    Text(String),
    /// The lines of a code block, each a command (or a `# comment`).
    Code(Vec<String>),
}

/// The rendered instructions as paragraphs and code blocks, by the
/// convention above: what `exercise show` prints, as the web shows it.
pub fn blocks(rendered: &str) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    // The indentation of the last line of running text.
    let mut text_indent = 0usize;
    let mut previous_blank = true;
    let mut in_block = false;
    for line in rendered.lines() {
        if line.trim().is_empty() {
            previous_blank = true;
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let is_code = indent >= text_indent + 4 && (previous_blank || in_block);
        let starts_item = list_marker_width(line.trim_start()) > 0;
        if !is_code {
            in_block = false;
            // A list item's text continues at the column after its marker.
            text_indent = indent + list_marker_width(line.trim_start());
            match blocks.last_mut() {
                Some(Block::Text(text)) if !previous_blank && !starts_item => {
                    text.push(' ');
                    text.push_str(line.trim());
                }
                _ => blocks.push(Block::Text(line.trim().to_string())),
            }
        } else {
            match blocks.last_mut() {
                Some(Block::Code(lines)) if in_block => lines.push(line.trim().to_string()),
                _ => blocks.push(Block::Code(vec![line.trim().to_string()])),
            }
            in_block = true;
        }
        previous_blank = false;
    }
    blocks
}

/// The steps of rendered instructions, in order.
pub fn steps_from_instructions(rendered: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    for block in blocks(rendered) {
        let Block::Code(lines) = block else {
            continue;
        };
        for command in lines {
            if command.starts_with('#') {
                continue;
            }
            steps.push(match wait_seconds(&command) {
                Some(secs) => Step::Wait(secs),
                None => Step::Run(command),
            });
        }
    }
    steps
}

/// `1. `, `- `, `* `: how far a list item's text is indented past its
/// marker; 0 for a line that is not a list item.
fn list_marker_width(line: &str) -> usize {
    if line.starts_with("- ") || line.starts_with("* ") {
        return 2;
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && line[digits..].starts_with(". ") {
        return digits + 2;
    }
    0
}

/// `sleep 70` (possibly with a comment) → 70.
fn wait_seconds(command: &str) -> Option<u32> {
    let command = command.split('#').next().unwrap_or("").trim();
    let rest = command.strip_prefix("sleep ")?;
    rest.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> Step {
        Step::Run(s.to_string())
    }

    #[test]
    fn blocks_are_paragraphs_items_and_code() {
        let text = "Your zone\nis **a.ne.**.\n\n    mkdir -p keys\n    ls\n\n1. Publish:\n\n       dnslab x\n2. Wait\n   a while.\n";
        assert_eq!(
            blocks(text),
            [
                Block::Text("Your zone is **a.ne.**.".into()),
                Block::Code(vec!["mkdir -p keys".into(), "ls".into()]),
                Block::Text("1. Publish:".into()),
                Block::Code(vec!["dnslab x".into()]),
                Block::Text("2. Wait a while.".into()),
            ]
        );
    }

    #[test]
    fn code_blocks_at_top_level_and_in_list_items() {
        let text = "\
Your zone is **alice.ne.**. Work in `/w`.

    mkdir -p keys
    dnslab key generate --zone alice.ne --dir keys   # a ZSK

1. Publish the key:

       dnslab zone sign alice.ne.zone -o x
       # not a step
       sleep 70   # the DNSKEY TTL and a little

   Then look (`dig @1.2.3.4 x` is only an example):

       dig @127.53.10.1 -p 10053 alice.ne. DNSKEY

2. Done.
";
        assert_eq!(
            steps_from_instructions(text),
            vec![
                run("mkdir -p keys"),
                run("dnslab key generate --zone alice.ne --dir keys   # a ZSK"),
                run("dnslab zone sign alice.ne.zone -o x"),
                Step::Wait(70),
                run("dig @127.53.10.1 -p 10053 alice.ne. DNSKEY"),
            ]
        );
    }

    #[test]
    fn wrapped_running_text_is_not_code() {
        // A list item's second line is indented to its text, not more.
        let text = "1. A long sentence\n   that wraps.\n\n   More text.\n";
        assert_eq!(steps_from_instructions(text), vec![]);
    }
}
