//! A tiny SVG writer: elements with escaped attributes and text, numbers
//! with one decimal, and the document frame (a `viewBox` and no fixed
//! size, so a page or a phone scales the picture to its width).
//!
//! Every string that reaches the document goes through [`escape`]: zone
//! names, node names and finding texts come from trainees' zones and
//! files.

use std::fmt::Write as _;

/// `text` with the five XML special characters replaced by entities, so
/// that it is safe both as element content and as an attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0 at all; a
            // name with `\000` in it must not make the document unreadable.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate or length as the document writes it.
pub fn num(x: f64) -> String {
    if x.is_finite() {
        let rounded = (x * 10.0).round() / 10.0;
        if rounded == rounded.trunc() {
            format!("{}", rounded as i64)
        } else {
            format!("{rounded:.1}")
        }
    } else {
        "0".to_string()
    }
}

/// An attribute: name (a constant of this crate) and value (escaped when
/// written).
pub type Attr = (&'static str, String);

/// The text attributes most labels use.
pub fn text_attrs(x: f64, y: f64, size: f64) -> Vec<Attr> {
    vec![
        ("x", num(x)),
        ("y", num(y)),
        ("font-size", num(size)),
        ("font-family", "DejaVu Sans, Verdana, sans-serif".into()),
    ]
}

/// An SVG document being written.
#[derive(Debug)]
pub struct Svg {
    width: f64,
    body: String,
}

impl Svg {
    pub fn new(width: f64) -> Svg {
        Svg {
            width,
            body: String::new(),
        }
    }

    fn tag(&mut self, name: &str, attrs: &[Attr]) {
        self.body.push('<');
        self.body.push_str(name);
        for (key, value) in attrs {
            // Writing to a String cannot fail.
            let _ = write!(self.body, " {key}=\"{}\"", escape(value));
        }
    }

    /// `<name attrs/>`.
    pub fn empty(&mut self, name: &str, attrs: &[Attr]) {
        self.tag(name, attrs);
        self.body.push_str("/>\n");
    }

    /// `<name attrs>` (close it with [`Svg::close`]).
    pub fn open(&mut self, name: &str, attrs: &[Attr]) {
        self.tag(name, attrs);
        self.body.push_str(">\n");
    }

    pub fn close(&mut self, name: &str) {
        let _ = writeln!(self.body, "</{name}>");
    }

    /// `<name attrs>text</name>`, the text escaped.
    pub fn with_text(&mut self, name: &str, attrs: &[Attr], text: &str) {
        self.tag(name, attrs);
        let _ = writeln!(self.body, ">{}</{name}>", escape(text));
    }

    /// A `<text>` element.
    pub fn text(&mut self, x: f64, y: f64, size: f64, extra: &[Attr], text: &str) {
        let mut attrs = text_attrs(x, y, size);
        attrs.extend(extra.iter().cloned());
        self.with_text("text", &attrs, text);
    }

    /// Definitions written verbatim: only this crate's constants.
    pub fn defs(&mut self, defs: &'static str) {
        self.body.push_str(defs);
    }

    /// The document: `title` (escaped) for screen readers and browsers,
    /// the picture `height` high.
    pub fn finish(self, title: &str, height: f64) -> String {
        let mut out = String::with_capacity(self.body.len() + 300);
        let _ = writeln!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" width=\"100%\" role=\"img\" preserveAspectRatio=\"xMinYMin meet\">",
            num(self.width),
            num(height)
        );
        let _ = writeln!(out, "<title>{}</title>", escape(title));
        let _ = writeln!(
            out,
            "<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>",
            num(self.width),
            num(height)
        );
        out.push_str(&self.body);
        out.push_str("</svg>\n");
        out
    }
}

/// Splits `text` into lines of at most `width` characters at spaces (a
/// longer word gets a line of its own).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five_and_control_characters() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>\u{0}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;\u{fffd}"
        );
    }

    #[test]
    fn numbers_have_at_most_one_decimal() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(num(f64::NAN), "0");
    }

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(wrap("aa bb cc dd", 5), vec!["aa bb", "cc dd"]);
        assert_eq!(wrap("averylongword x", 4), vec!["averylongword", "x"]);
    }
}
