//! Finding a key or a value in YAML text, for errors found after parsing.
//!
//! serde_yaml 0.9 keeps no positions in parsed data, so a duplicate
//! trainee or a zone collision is located by scanning the text: the key
//! path is followed section by section (a section ends at the next line
//! indented no deeper than its key), then the value is searched for as a
//! whole word inside it. This is right for the block and flow styles lab
//! files use; anything stranger falls back to the key's position, then to
//! the file alone. Comments (`#` to the end of a line, outside quotes) are
//! skipped.

use crate::error::Location;
use std::path::Path;

/// A lab file's text and name.
#[derive(Clone, Copy)]
pub(crate) struct Source<'a> {
    pub file: &'a Path,
    pub text: &'a str,
}

impl<'a> Source<'a> {
    pub fn new(file: &'a Path, text: &'a str) -> Source<'a> {
        Source { file, text }
    }

    /// The location of a byte offset.
    pub fn at_offset(&self, offset: Option<usize>) -> Location {
        let position = offset.map(|o| {
            let before = &self.text[..o];
            let line = before.matches('\n').count() + 1;
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let column = before[line_start..].chars().count() + 1;
            (line as u32, column as u32)
        });
        Location::new(self.file, position)
    }

    /// The file, no position.
    pub fn file_only(&self) -> Location {
        Location::new(self.file, None)
    }

    /// Where the key at `path` (e.g. `["trainees", "count"]`) is written.
    pub fn key(&self, path: &[&str]) -> Location {
        self.at_offset(self.find_key(path).map(|(start, _)| start))
    }

    /// Where the `nth` (from 0) occurrence of `value` is written under the
    /// key `path`; else the key; else the file.
    pub fn value(&self, path: &[&str], value: &str, nth: usize) -> Location {
        let Some((key_start, section_end)) = self.find_key(path) else {
            return self.file_only();
        };
        let section = &self.text[key_start..section_end];
        let found = words(section, value).nth(nth).map(|o| key_start + o);
        self.at_offset(Some(found.unwrap_or(key_start)))
    }

    /// The offset of the key and the end of its section.
    fn find_key(&self, path: &[&str]) -> Option<(usize, usize)> {
        let (mut start, mut end) = (0, self.text.len());
        let mut top = true;
        let mut found = None;
        for key in path {
            let section = &self.text[start..end];
            let offset = key_offsets(section, key).find(|&o| !top || column_of(section, o) == 0)?;
            let key_at = start + offset;
            end = section_end(self.text, key_at, end);
            // Search deeper keys after this one's name.
            found = Some((key_at, end));
            start = key_at + key.len();
            top = false;
        }
        found
    }
}

/// Characters that may stand right before a key or value word.
fn opens(c: char) -> bool {
    c.is_whitespace() || matches!(c, '{' | '[' | ',' | '-' | ':' | '"' | '\'')
}

/// Characters that may stand right after a value word.
fn closes(c: char) -> bool {
    c.is_whitespace() || matches!(c, '}' | ']' | ',' | '"' | '\'' | '#')
}

/// The byte column of an offset in its line.
fn column_of(text: &str, offset: usize) -> usize {
    offset - text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// Whether `offset` is inside a comment on its line (a `#` before it,
/// outside quotes).
fn in_comment(text: &str, offset: usize) -> bool {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let mut quote = None;
    let mut previous = ' ';
    for c in text[line_start..offset].chars() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => return true,
            _ => {}
        }
        previous = c;
    }
    false
}

/// Offsets of `key:` (bare or quoted) outside comments.
fn key_offsets<'t>(text: &'t str, key: &'t str) -> impl Iterator<Item = usize> + 't {
    words(text, key).filter(move |&o| {
        let after = text[o + key.len()..].trim_start_matches(['"', '\'']);
        after.starts_with(':')
    })
}

/// Offsets of `word` standing alone (not part of a longer word), outside
/// comments.
fn words<'t>(text: &'t str, word: &'t str) -> impl Iterator<Item = usize> + 't {
    text.match_indices(word).map(|(o, _)| o).filter(move |&o| {
        let before_ok = text[..o].chars().next_back().is_none_or(opens);
        let after = &text[o + word.len()..];
        let after_ok = after.chars().next().is_none_or(|c| closes(c) || c == ':');
        !word.is_empty() && before_ok && after_ok && !in_comment(text, o)
    })
}

/// Where the section of the key at `key_at` ends: the start of the next
/// non-blank, non-comment line indented less than the key, or as much as
/// the key but not a `- ` list item (YAML lets a key's list start at the
/// key's own indentation).
fn section_end(text: &str, key_at: usize, limit: usize) -> usize {
    let indent = column_of(text, key_at);
    let mut pos = text[key_at..limit]
        .find('\n')
        .map_or(limit, |i| key_at + i + 1);
    while pos < limit {
        let line_end = text[pos..limit].find('\n').map_or(limit, |i| pos + i + 1);
        let line = &text[pos..line_end];
        let trimmed = line.trim_start_matches(' ');
        let depth = line.len() - trimmed.len();
        let blank = trimmed.trim().is_empty() || trimmed.starts_with('#');
        if !blank && (depth < indent || depth == indent && !trimmed.starts_with("- ")) {
            return pos;
        }
        pos = line_end;
    }
    limit
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
workshop: demo   # tlds: not here
tlds: [ne, tg, ne]
trainees:
  names:
    - alice
    - bob
    - alice
  # count: 3
zone: \"{trainee}.{tld}\"
timers: { ttl: 5m, profile: workshop }
";

    fn at(path: &[&str], value: Option<&str>, nth: usize) -> Option<(u32, u32)> {
        let s = Source::new(Path::new("x.yaml"), TEXT);
        match value {
            Some(v) => s.value(path, v, nth).position,
            None => s.key(path).position,
        }
    }

    #[test]
    fn keys() {
        assert_eq!(at(&["tlds"], None, 0), Some((2, 1)));
        assert_eq!(at(&["trainees", "names"], None, 0), Some((4, 3)));
        assert_eq!(at(&["timers", "profile"], None, 0), Some((10, 20)));
        assert_eq!(at(&["trainees", "count"], None, 0), None);
    }

    #[test]
    fn values() {
        assert_eq!(at(&["tlds"], Some("ne"), 1), Some((2, 16)));
        assert_eq!(at(&["trainees", "names"], Some("alice"), 1), Some((7, 7)));
        assert_eq!(at(&["trainees"], Some("bob"), 0), Some((6, 7)));
        // Not found: the key.
        assert_eq!(at(&["tlds"], Some("zw"), 0), Some((2, 1)));
    }
}
