//! Splits zone-file text into entries (logical lines) of tokens.
//!
//! An entry is one physical line, or several joined by parentheses
//! (RFC 1035 §5.1). Tokens keep their escapes; whoever reads a token as a
//! name or a character string decodes them. Every token knows its line and
//! column, so that errors deeper down can be placed at one boundary.

/// One token of an entry.
#[derive(Debug, Clone, Copy)]
pub struct Token<'a> {
    /// The raw text, escapes intact; for a quoted token, without the quotes.
    pub text: &'a [u8],
    pub quoted: bool,
    pub line: u32,
    pub column: u32,
}

/// Lexical errors, with the position where they were noticed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LexError {
    #[error("unterminated quoted string")]
    UnterminatedQuote,
    #[error("')' without a matching '('")]
    UnbalancedClose,
    #[error("'(' not closed before the end of the file")]
    UnclosedParen,
    #[error("nested '(' (a record can only be grouped once)")]
    NestedParen,
}

/// Reads entries one at a time.
pub struct Lexer<'a> {
    text: &'a [u8],
    at: usize,
    line: u32,
    line_start: usize,
}

/// Where an entry starts and whether its owner field was left blank.
#[derive(Debug, Clone, Copy)]
pub struct EntryStart {
    pub line: u32,
    /// The line began with white space: the owner is the previous one.
    pub blank_owner: bool,
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a [u8]) -> Self {
        Lexer {
            text,
            at: 0,
            line: 1,
            line_start: 0,
        }
    }

    fn column(&self, at: usize) -> u32 {
        (at - self.line_start + 1) as u32
    }

    /// Fills `tokens` with the next non-empty entry. Returns `None` at the
    /// end of the text.
    #[allow(clippy::type_complexity)]
    pub fn next_entry(
        &mut self,
        tokens: &mut Vec<Token<'a>>,
    ) -> Option<Result<EntryStart, (LexError, u32, u32)>> {
        tokens.clear();
        let text = self.text;
        loop {
            if self.at >= text.len() {
                return None;
            }
            let start_line = self.line;
            let blank_owner = matches!(text[self.at], b' ' | b'\t');
            let mut depth = 0u32;
            let mut open_pos = (0, 0);
            loop {
                let Some(&c) = text.get(self.at) else {
                    if depth > 0 {
                        return Some(Err((LexError::UnclosedParen, open_pos.0, open_pos.1)));
                    }
                    break;
                };
                match c {
                    b'\n' => {
                        self.at += 1;
                        self.line += 1;
                        self.line_start = self.at;
                        if depth == 0 {
                            break;
                        }
                    }
                    b' ' | b'\t' | b'\r' => self.at += 1,
                    b';' => {
                        while self.at < text.len() && text[self.at] != b'\n' {
                            self.at += 1;
                        }
                    }
                    b'(' => {
                        if depth > 0 {
                            return Some(Err((
                                LexError::NestedParen,
                                self.line,
                                self.column(self.at),
                            )));
                        }
                        open_pos = (self.line, self.column(self.at));
                        depth += 1;
                        self.at += 1;
                    }
                    b')' => {
                        if depth == 0 {
                            return Some(Err((
                                LexError::UnbalancedClose,
                                self.line,
                                self.column(self.at),
                            )));
                        }
                        depth -= 1;
                        self.at += 1;
                    }
                    b'"' => {
                        let (line, column) = (self.line, self.column(self.at));
                        let begin = self.at + 1;
                        let mut i = begin;
                        loop {
                            match text.get(i) {
                                None | Some(b'\n') => {
                                    return Some(Err((LexError::UnterminatedQuote, line, column)));
                                }
                                // An escaped line break does not continue a string.
                                Some(b'\\') if text.get(i + 1) == Some(&b'\n') => {
                                    return Some(Err((LexError::UnterminatedQuote, line, column)));
                                }
                                Some(b'\\') => i += 2,
                                Some(b'"') => break,
                                Some(_) => i += 1,
                            }
                        }
                        // An escape at the very end may have stepped past the quote.
                        if i > text.len() {
                            return Some(Err((LexError::UnterminatedQuote, line, column)));
                        }
                        tokens.push(Token {
                            text: &text[begin..i],
                            quoted: true,
                            line,
                            column,
                        });
                        self.at = i + 1;
                    }
                    _ => {
                        let begin = self.at;
                        let mut i = begin;
                        while let Some(&b) = text.get(i) {
                            match b {
                                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'(' | b')' | b'"' => break,
                                // Never step over a line break: the line count must stay right.
                                b'\\' if text.get(i + 1) == Some(&b'\n') => i += 1,
                                b'\\' => i = (i + 2).min(text.len()),
                                _ => i += 1,
                            }
                        }
                        tokens.push(Token {
                            text: &text[begin..i],
                            quoted: false,
                            line: self.line,
                            column: self.column(begin),
                        });
                        self.at = i;
                    }
                }
            }
            if !tokens.is_empty() {
                return Some(Ok(EntryStart {
                    line: start_line,
                    blank_owner,
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(text: &str) -> Vec<(bool, Vec<String>)> {
        let mut lexer = Lexer::new(text.as_bytes());
        let mut tokens = Vec::new();
        let mut out = Vec::new();
        while let Some(entry) = lexer.next_entry(&mut tokens) {
            let entry = entry.unwrap();
            out.push((
                entry.blank_owner,
                tokens
                    .iter()
                    .map(|t| String::from_utf8_lossy(t.text).into_owned())
                    .collect(),
            ));
        }
        out
    }

    #[test]
    fn joins_parentheses_and_skips_comments() {
        let got =
            entries("@ IN SOA ns hm ( 1 ; serial\n 2 3\n 4 5 )\n\n; only a comment\n  A 1.2.3.4\n");
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0].1,
            ["@", "IN", "SOA", "ns", "hm", "1", "2", "3", "4", "5"]
        );
        assert!(got[1].0);
    }

    #[test]
    fn quoted_strings_keep_escapes_and_spaces() {
        let got = entries("a TXT \"hello \\\"world\\\"; not a comment\" x\\ y\n");
        assert_eq!(
            got[0].1,
            ["a", "TXT", "hello \\\"world\\\"; not a comment", "x\\ y"]
        );
    }

    #[test]
    fn positions_of_errors() {
        let mut tokens = Vec::new();
        let mut lexer = Lexer::new(b"a A 1.2.3.4\nb TXT \"open\n");
        lexer.next_entry(&mut tokens);
        assert_eq!(
            lexer.next_entry(&mut tokens).unwrap().unwrap_err(),
            (LexError::UnterminatedQuote, 2, 7)
        );
        let mut lexer = Lexer::new(b"a SOA ( 1 2\n");
        assert_eq!(
            lexer.next_entry(&mut tokens).unwrap().unwrap_err(),
            (LexError::UnclosedParen, 1, 7)
        );
        let mut lexer = Lexer::new(b"a A ) 1\n");
        assert_eq!(
            lexer.next_entry(&mut tokens).unwrap().unwrap_err(),
            (LexError::UnbalancedClose, 1, 5)
        );
    }
}
