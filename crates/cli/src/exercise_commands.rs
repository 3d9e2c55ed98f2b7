//! Every `dnslab` command an exercise shows a trainee must be one that
//! `dnslab` accepts as written: a test parses them all with the real
//! command line ([`crate::cli::Cli`]).
//!
//! The code-block commands of the instructions are also *run*, by `dnslab
//! scenario test` (they are each exercise's reference solution); this test
//! adds the commands in running text and in the hints, which are examples
//! and alternatives, and catches a wrong option or subcommand without a
//! lab. A command quoted only by name (`` `dnslab zone verify` says … ``)
//! may leave out its required arguments; anything else clap refuses fails.
//! The README's command lines are held to the same rule, read as syntax
//! summaries: `[optional parts]` left out, `a|b` as its first choice.

#[cfg(test)]
mod tests {
    use crate::cli::Cli;
    use clap::Parser;
    use clap::error::ErrorKind;

    /// The `dnslab …` commands in `text`: each line of an indented code
    /// block and each inline code span, cut at the first shell operator.
    fn dnslab_commands(text: &str) -> Vec<String> {
        let mut found = Vec::new();
        let mut candidates: Vec<&str> = text.lines().map(str::trim).collect();
        for (i, part) in text.split('`').enumerate() {
            if i % 2 == 1 {
                candidates.push(part);
            }
        }
        for c in candidates {
            let Some(rest) = c.strip_prefix("dnslab ") else {
                continue;
            };
            let end = rest.find(['|', '>', ';', '#', '&']).unwrap_or(rest.len());
            found.push(format!("dnslab {}", rest[..end].trim()));
        }
        found
    }

    /// Splits a command line as the shell would for these simple
    /// commands: whitespace, with single or double quotes grouping, and a
    /// command substitution `$(cat x)` as part of its word.
    fn words(command: &str) -> Vec<String> {
        let mut command = command.to_string();
        let mut from = 0;
        while let Some(open) = command[from..].find("$(").map(|i| from + i) {
            let Some(close) = command[open..].find(')').map(|i| open + i) else {
                break;
            };
            let inner = command[open..close].replace(' ', "_");
            command.replace_range(open..close, &inner);
            from = close;
        }
        let mut out = Vec::new();
        let mut word = String::new();
        let mut quote: Option<char> = None;
        let mut in_word = false;
        for ch in command.chars() {
            match (quote, ch) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), c) => word.push(c),
                (None, '\'' | '"') => {
                    quote = Some(ch);
                    in_word = true;
                }
                (None, c) if c.is_whitespace() => {
                    if in_word {
                        out.push(std::mem::take(&mut word));
                        in_word = false;
                    }
                }
                (None, c) => {
                    word.push(c);
                    in_word = true;
                }
            }
        }
        if in_word {
            out.push(word);
        }
        out
    }

    #[test]
    fn the_helpers_find_and_split_commands() {
        let text = "Run `dnslab zone check` or:\n\n    dnslab key ds keys/$(cat k).key > ds.txt\n";
        assert_eq!(
            dnslab_commands(text),
            ["dnslab key ds keys/$(cat k).key", "dnslab zone check"]
        );
        assert_eq!(words("a 'b c' \"d\"e"), ["a", "b c", "de"]);
        assert_eq!(words("k/$(cat x).key -A"), ["k/$(cat_x).key", "-A"]);
    }

    #[test]
    fn every_dnslab_command_of_every_exercise_parses() {
        let scenarios = dnslab_grader::shipped::scenarios().expect("the shipped scenarios");
        let mut checked = 0;
        let mut refused = Vec::new();
        for s in &scenarios {
            let mut texts = vec![s.render_instructions(None)];
            texts.extend(s.render_hints(None));
            for text in &texts {
                for command in dnslab_commands(text) {
                    checked += 1;
                    match Cli::try_parse_from(words(&command)) {
                        Ok(_) => {}
                        Err(e)
                            if matches!(
                                e.kind(),
                                ErrorKind::MissingRequiredArgument
                                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                            ) => {}
                        Err(e) => refused.push(format!("{}: `{command}`: {}", s.id, e.kind())),
                    }
                }
            }
        }
        assert!(checked > 40, "only {checked} commands found");
        assert!(refused.is_empty(), "{}", refused.join("\n"));
    }

    /// The `dnslab …` commands in a tool hint ("dnslab key settime KEY
    /// -P now, then dnslab zone sign …; dnslab timeline …").
    fn hint_commands(hint: &str) -> Vec<String> {
        hint.split([';', '(', ')', '`'])
            .flat_map(|part| part.split(", then "))
            .filter_map(|part| part.find("dnslab ").map(|i| part[i..].trim().to_string()))
            .filter_map(|c| {
                c.split(['|', '>', '#'])
                    .next()
                    .map(|c| c.trim().to_string())
            })
            .collect()
    }

    #[test]
    fn every_dnslab_command_of_the_checks_fixes_parses() {
        let mut checked = 0;
        let mut refused = Vec::new();
        for hints in dnslab_grader::checks::shared_tool_hints() {
            for (tool, hint) in hints.entries() {
                for command in hint_commands(hint) {
                    checked += 1;
                    if let Err(e) = Cli::try_parse_from(words(&command))
                        && !matches!(
                            e.kind(),
                            ErrorKind::MissingRequiredArgument
                                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                        )
                    {
                        refused.push(format!("{tool} hint `{command}`: {}", e.kind()));
                    }
                }
            }
        }
        assert!(checked >= 8, "only {checked} commands found");
        assert!(refused.is_empty(), "{}", refused.join("\n"));
    }

    /// The README's `dnslab` lines of its `sh` blocks, as the shortest
    /// command each summarizes: continuation lines joined, comments and
    /// `[optional parts]` left out, `a|b|c` as `a`.
    fn readme_commands(readme: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut in_sh = false;
        let mut pending = String::new();
        for line in readme.lines() {
            if line.starts_with("```") {
                in_sh = line == "```sh";
                continue;
            }
            if !in_sh {
                continue;
            }
            let line = line.split(" #").next().unwrap_or("").trim_end();
            pending.push_str(line.trim_end_matches('\\'));
            if line.ends_with('\\') {
                pending.push(' ');
                continue;
            }
            let full = std::mem::take(&mut pending);
            if !full.starts_with("dnslab ") {
                continue;
            }
            let mut shortest = String::new();
            let mut depth = 0usize;
            for ch in full.chars() {
                match ch {
                    '[' => depth += 1,
                    ']' => depth = depth.saturating_sub(1),
                    c if depth == 0 => shortest.push(c),
                    _ => {}
                }
            }
            let words: Vec<&str> = shortest
                .split_whitespace()
                .map(|w| w.split('|').next().unwrap_or(w))
                .collect();
            out.push(words.join(" "));
        }
        out
    }

    #[test]
    fn every_dnslab_command_of_the_readme_parses() {
        let readme = include_str!("../../../README.md");
        let commands = readme_commands(readme);
        assert!(
            commands.len() > 30,
            "only {} commands: {commands:?}",
            commands.len()
        );
        assert!(
            commands.contains(&"dnslab image build".to_string()),
            "{commands:?}"
        );
        let refused: Vec<String> = commands
            .iter()
            .filter_map(|command| match Cli::try_parse_from(words(command)) {
                Ok(_) => None,
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::MissingRequiredArgument
                            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                    ) =>
                {
                    None
                }
                Err(e) => Some(format!("`{command}`: {}", e.kind())),
            })
            .collect();
        assert!(refused.is_empty(), "{}", refused.join("\n"));
    }

    #[test]
    fn a_wrong_command_is_caught() {
        // The hint that once told trainees this (issue 12).
        let e = Cli::try_parse_from(words("dnslab ds submit --trainee t1 ds.txt")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnknownArgument);
    }
}
