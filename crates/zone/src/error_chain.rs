//! An error and its causes as one line of text.
//!
//! dnslab's errors follow one rule (docs/architecture.md, "Errors"): a
//! variant's message says what failed in its own words, and the lower-level
//! error behind it is its `source()`, never repeated in the message; a
//! wrapper that adds nothing is `#[error(transparent)]`. So `{error}` alone
//! can stop short of the reason ("cannot read x.key" without "No such file
//! or directory"). Wherever an error becomes text that a person reads — a
//! log line, a report, a string kept for later — write it with
//! [`ErrorChain`], which joins the message and every cause with `": "`, as
//! the CLI does with anyhow's `{:#}`:
//!
//! ```
//! use dnslab_zone::ErrorChain;
//! let error = dnslab_zone::parser::parse_file(
//!     std::path::Path::new("/nonexistent/x.zone"),
//!     &Default::default(),
//! )
//! .unwrap_err();
//! let text = ErrorChain(&error).to_string();
//! assert!(text.starts_with("/nonexistent/x.zone:0:0: cannot read the file: "), "{text}");
//! assert_eq!(text.matches("(os error").count(), 1, "{text}");
//! ```
//!
//! Some libraries' errors break the rule (bollard's and hyper's put their
//! cause in their message and return it as source too), so a cause whose
//! text the message above it already ends with (`…: cause`) is left out.
//! [`repeated_cause`] finds such a repetition without forgiving it: tests
//! use it on dnslab's own errors.

use std::error::Error;
use std::fmt;

/// `Display`s an error as `message: cause: root cause`.
#[derive(Clone, Copy)]
pub struct ErrorChain<'a>(pub &'a (dyn Error + 'static));

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut above = self.0.to_string();
        f.write_str(&above)?;
        let mut cause = self.0.source();
        while let Some(error) = cause {
            let text = error.to_string();
            if !ends_with_cause(&above, &text) {
                write!(f, ": {text}")?;
            }
            above = text;
            cause = error.source();
        }
        Ok(())
    }
}

/// Whether `message` already says `cause`: it ends with `: cause`, or is it.
fn ends_with_cause(message: &str, cause: &str) -> bool {
    message == cause
        || message
            .strip_suffix(cause)
            .is_some_and(|head| head.ends_with(": "))
}

/// The first error in `error`'s chain whose message contains the text of
/// its own `source()`, as `(message, cause)`; `None` when every cause is
/// said once. For tests of the rule above.
pub fn repeated_cause(error: &(dyn Error + 'static)) -> Option<(String, String)> {
    let mut current = error;
    while let Some(source) = current.source() {
        let (message, cause) = (current.to_string(), source.to_string());
        if !cause.is_empty() && message.contains(&cause) {
            return Some((message, cause));
        }
        current = source;
    }
    None
}

impl fmt::Debug for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        #[error("cannot read {path}")]
        Read {
            path: String,
            source: std::io::Error,
        },
        #[error(transparent)]
        Inner(#[from] Middle),
    }

    #[derive(Debug, thiserror::Error)]
    #[error("node t1")]
    struct Middle {
        source: std::io::Error,
    }

    fn io() -> std::io::Error {
        std::io::Error::from(std::io::ErrorKind::NotFound)
    }

    #[test]
    fn joins_every_cause_once() {
        let e = Outer::Read {
            path: "x".into(),
            source: io(),
        };
        assert_eq!(
            ErrorChain(&e).to_string(),
            format!("cannot read x: {}", io())
        );
    }

    #[test]
    fn a_transparent_wrapper_adds_nothing() {
        let e = Outer::from(Middle { source: io() });
        assert_eq!(ErrorChain(&e).to_string(), format!("node t1: {}", io()));
    }

    /// As bollard does: its message says its source.
    #[derive(Debug, thiserror::Error)]
    #[error("client error: {source}")]
    struct Repeating {
        source: std::io::Error,
    }

    #[test]
    fn a_cause_the_message_already_ends_with_is_left_out() {
        let e = Outer::from(Middle { source: io() });
        assert_eq!(repeated_cause(&e), None);
        let e = Repeating { source: io() };
        assert_eq!(
            repeated_cause(&e),
            Some((format!("client error: {}", io()), io().to_string()))
        );
        assert_eq!(
            ErrorChain(&e).to_string(),
            format!("client error: {}", io())
        );
    }

    #[test]
    fn only_a_whole_trailing_cause_is_left_out() {
        // "…found" ends with "found" but not with ": found".
        #[derive(Debug, thiserror::Error)]
        #[error("nothing found")]
        struct Outer {
            source: Inner,
        }
        #[derive(Debug, thiserror::Error)]
        #[error("found")]
        struct Inner;
        let e = Outer { source: Inner };
        assert_eq!(ErrorChain(&e).to_string(), "nothing found: found");
    }

    /// dnslab-zone's own errors follow the rule: the message says what
    /// failed, the chain adds the OS error once.
    #[test]
    fn zone_errors_say_each_cause_once() {
        let e = crate::parser::parse_file(
            std::path::Path::new("/nonexistent/x.zone"),
            &Default::default(),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "/nonexistent/x.zone:0:0: cannot read the file"
        );
        assert_eq!(repeated_cause(&e), None);
        let text = ErrorChain(&e).to_string();
        assert!(
            text.ends_with(": No such file or directory (os error 2)"),
            "{text}"
        );

        let e = crate::keys::load_key_dir(
            std::path::Path::new("/nonexistent/keys"),
            &crate::Name::root(),
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "/nonexistent/keys: cannot read");
        assert_eq!(repeated_cause(&e), None);
        let text = ErrorChain(&e).to_string();
        assert!(
            text.ends_with(": No such file or directory (os error 2)"),
            "{text}"
        );

        let e = crate::sign::SignError::Crypto {
            tag: 12345,
            source: crate::keys::CryptoError::SigningFailed,
        };
        assert_eq!(repeated_cause(&e), None);
        assert_eq!(
            ErrorChain(&e).to_string(),
            "key 12345 cannot sign: signing failed"
        );
    }

    #[test]
    fn an_error_without_source_is_its_message() {
        let e = io();
        assert_eq!(ErrorChain(&e).to_string(), e.to_string());
    }
}
