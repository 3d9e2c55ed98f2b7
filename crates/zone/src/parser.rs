//! Zone-file reader (RFC 1035 §5, RFC 3597 §5, BIND's TTL units).
//!
//! Errors deep inside (a bad name, bad record data) carry no position; the
//! reader adds `file:line:column` here, once, from the token they concern.

use crate::lexer::{LexError, Lexer, Token};
use crate::name::{Name, NameError};
use crate::rdata::{self, RdataErrorKind};
use crate::record::Record;
use crate::rtype::{Class, Rtype};
use std::fmt;
use std::path::{Path, PathBuf};

/// What went wrong, without where.
#[derive(Debug, thiserror::Error)]
pub enum ZoneFileErrorKind {
    /// The file cannot be read; why is the `source()`.
    #[error("cannot read the file")]
    Io(#[source] std::io::Error),
    #[error(transparent)]
    Lex(#[from] LexError),
    #[error(transparent)]
    Name(#[from] NameError),
    #[error(transparent)]
    Rdata(#[from] RdataErrorKind),
    #[error("expected a record type, found {0:?}")]
    UnknownType(String),
    #[error("missing record type (expected owner, TTL, class, type, data)")]
    MissingType,
    #[error("no TTL for this record: add a TTL or a $TTL line before it")]
    NoTtl,
    #[error("no owner name: the first record must name its owner")]
    NoOwner,
    #[error("expected a TTL, found {0:?}")]
    BadTtl(String),
    #[error("unknown directive {0:?} (dnslab reads $ORIGIN, $TTL and $INCLUDE)")]
    UnknownDirective(String),
    #[error("{directive} needs {what}")]
    DirectiveArgument {
        directive: &'static str,
        what: &'static str,
    },
    #[error("unexpected {0:?} after the directive's argument")]
    ExtraArgument(String),
    #[error("$INCLUDE of {0:?} would include itself again")]
    IncludeLoop(PathBuf),
    #[error("class {found} differs from the zone's class {expected}")]
    ClassMismatch { found: Class, expected: Class },
}

/// A zone-file error and where it is: `file:line:column: message`.
#[derive(Debug)]
pub struct ZoneFileError {
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
    pub kind: ZoneFileErrorKind,
}

impl fmt::Display for ZoneFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.kind
        )
    }
}

/// The message already holds the kind's own text, so the cause is the
/// kind's cause (the I/O error of an unreadable file), not the kind.
impl std::error::Error for ZoneFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.kind)
    }
}

/// Where reading starts: the origin and the TTL in force.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    pub origin: Option<Name>,
    pub default_ttl: Option<u32>,
}

/// Reads a zone file and the files it includes.
pub fn parse_file(path: &Path, options: &ParseOptions) -> Result<Vec<Record>, ZoneFileError> {
    let mut records = Vec::new();
    let mut state = State {
        origin: options.origin.clone(),
        ttl: options.default_ttl,
        last_ttl: None,
        last_owner: None,
        class: None,
    };
    let mut stack = Vec::new();
    read_file(path, &mut state, &mut stack, &mut records, None)?;
    Ok(records)
}

/// Reads zone-file text; `label` names it in errors.
pub fn parse_bytes(
    text: &[u8],
    label: &Path,
    options: &ParseOptions,
) -> Result<Vec<Record>, ZoneFileError> {
    let mut records = Vec::new();
    let mut state = State {
        origin: options.origin.clone(),
        ttl: options.default_ttl,
        last_ttl: None,
        last_owner: None,
        class: None,
    };
    let mut stack = vec![label.to_path_buf()];
    read_text(text, label, &mut state, &mut stack, &mut records)?;
    Ok(records)
}

struct State {
    origin: Option<Name>,
    /// `$TTL`.
    ttl: Option<u32>,
    /// The last explicit TTL (RFC 1035 §5.1 default when there is no $TTL).
    last_ttl: Option<u32>,
    last_owner: Option<Name>,
    class: Option<Class>,
}

fn read_file(
    path: &Path,
    state: &mut State,
    stack: &mut Vec<PathBuf>,
    records: &mut Vec<Record>,
    from: Option<(&Path, u32, u32)>,
) -> Result<(), ZoneFileError> {
    let at = |kind| match from {
        Some((file, line, column)) => ZoneFileError {
            file: file.to_path_buf(),
            line,
            column,
            kind,
        },
        None => ZoneFileError {
            file: path.to_path_buf(),
            line: 0,
            column: 0,
            kind,
        },
    };
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if stack.contains(&canonical) {
        return Err(at(ZoneFileErrorKind::IncludeLoop(path.to_path_buf())));
    }
    let text = std::fs::read(path).map_err(|e| at(ZoneFileErrorKind::Io(e)))?;
    stack.push(canonical);
    let result = read_text(&text, path, state, stack, records);
    stack.pop();
    result
}

fn read_text(
    text: &[u8],
    path: &Path,
    state: &mut State,
    stack: &mut Vec<PathBuf>,
    records: &mut Vec<Record>,
) -> Result<(), ZoneFileError> {
    let mut lexer = Lexer::new(text);
    let mut tokens: Vec<Token<'_>> = Vec::with_capacity(16);
    let err_at = |line: u32, column: u32, kind: ZoneFileErrorKind| ZoneFileError {
        file: path.to_path_buf(),
        line,
        column,
        kind,
    };
    while let Some(entry) = lexer.next_entry(&mut tokens) {
        let entry = entry.map_err(|(e, line, column)| err_at(line, column, e.into()))?;
        let first = tokens[0];
        let pos = |t: &Token<'_>| (t.line, t.column);
        let err_tok = |t: &Token<'_>, kind| {
            let (line, column) = pos(t);
            err_at(line, column, kind)
        };
        if !entry.blank_owner && !first.quoted && first.text.first() == Some(&b'$') {
            let directive = first.text;
            let arg = tokens.get(1);
            // $INCLUDE takes a file and an optional origin; the others one argument.
            let max_args = if directive.eq_ignore_ascii_case(b"$INCLUDE") {
                3
            } else {
                2
            };
            let known = [&b"$ORIGIN"[..], b"$TTL", b"$INCLUDE"]
                .iter()
                .any(|d| directive.eq_ignore_ascii_case(d));
            if let Some(extra) = tokens.get(max_args).filter(|_| known) {
                return Err(err_tok(
                    extra,
                    ZoneFileErrorKind::ExtraArgument(String::from_utf8_lossy(extra.text).into()),
                ));
            }
            if directive.eq_ignore_ascii_case(b"$ORIGIN") {
                let arg = arg.ok_or_else(|| {
                    err_tok(
                        &first,
                        ZoneFileErrorKind::DirectiveArgument {
                            directive: "$ORIGIN",
                            what: "a domain name",
                        },
                    )
                })?;
                state.origin = Some(
                    Name::parse(arg.text, state.origin.as_ref())
                        .map_err(|e| err_tok(arg, e.into()))?,
                );
            } else if directive.eq_ignore_ascii_case(b"$TTL") {
                let arg = arg.ok_or_else(|| {
                    err_tok(
                        &first,
                        ZoneFileErrorKind::DirectiveArgument {
                            directive: "$TTL",
                            what: "a TTL",
                        },
                    )
                })?;
                let ttl = rdata::parse_ttl(arg.text).ok_or_else(|| {
                    err_tok(
                        arg,
                        ZoneFileErrorKind::BadTtl(String::from_utf8_lossy(arg.text).into()),
                    )
                })?;
                state.ttl = Some(ttl);
            } else if directive.eq_ignore_ascii_case(b"$INCLUDE") {
                let arg = arg.ok_or_else(|| {
                    err_tok(
                        &first,
                        ZoneFileErrorKind::DirectiveArgument {
                            directive: "$INCLUDE",
                            what: "a file name",
                        },
                    )
                })?;
                let file = PathBuf::from(String::from_utf8_lossy(arg.text).into_owned());
                let file = if file.is_relative() {
                    path.parent().unwrap_or(Path::new(".")).join(file)
                } else {
                    file
                };
                // An origin given with $INCLUDE applies to the included file only.
                let saved_origin = state.origin.clone();
                if let Some(o) = tokens.get(2) {
                    state.origin = Some(
                        Name::parse(o.text, state.origin.as_ref())
                            .map_err(|e| err_tok(o, e.into()))?,
                    );
                }
                let (line, column) = pos(arg);
                read_file(&file, state, stack, records, Some((path, line, column)))?;
                state.origin = saved_origin;
            } else {
                return Err(err_tok(
                    &first,
                    ZoneFileErrorKind::UnknownDirective(String::from_utf8_lossy(directive).into()),
                ));
            }
            continue;
        }

        let mut i = 0;
        let owner = if entry.blank_owner {
            state
                .last_owner
                .clone()
                .ok_or_else(|| err_tok(&first, ZoneFileErrorKind::NoOwner))?
        } else {
            i = 1;
            Name::parse(first.text, state.origin.as_ref()).map_err(|e| err_tok(&first, e.into()))?
        };

        let mut ttl = None;
        let mut class: Option<(Class, Token<'_>)> = None;
        let rtype = loop {
            let Some(t) = tokens.get(i) else {
                let last = tokens.last().unwrap_or(&first);
                return Err(err_at(
                    last.line,
                    last.column + last.text.len() as u32,
                    ZoneFileErrorKind::MissingType,
                ));
            };
            i += 1;
            if ttl.is_none() && t.text.first().is_some_and(u8::is_ascii_digit) {
                ttl = Some(rdata::parse_ttl(t.text).ok_or_else(|| {
                    err_tok(
                        t,
                        ZoneFileErrorKind::BadTtl(String::from_utf8_lossy(t.text).into()),
                    )
                })?);
                continue;
            }
            if class.is_none()
                && let Some(c) = Class::from_text(t.text)
            {
                class = Some((c, *t));
                continue;
            }
            break Rtype::from_text(t.text).ok_or_else(|| {
                err_tok(
                    t,
                    ZoneFileErrorKind::UnknownType(String::from_utf8_lossy(t.text).into()),
                )
            })?;
        };
        let type_token = tokens[i - 1];

        let class_token = class.map(|(_, t)| t).unwrap_or(type_token);
        let class = class.map(|(c, _)| c).or(state.class).unwrap_or(Class::IN);
        match state.class {
            Some(expected) if expected != class => {
                return Err(err_tok(
                    &class_token,
                    ZoneFileErrorKind::ClassMismatch {
                        found: class,
                        expected,
                    },
                ));
            }
            _ => state.class = Some(class),
        }

        let data_tokens = &tokens[i..];
        let rdata = rdata::parse(rtype, data_tokens, state.origin.as_ref()).map_err(|e| {
            let t = data_tokens
                .get(e.token)
                .or(data_tokens.last())
                .unwrap_or(&type_token);
            let column = if e.token >= data_tokens.len() {
                t.column + t.text.len() as u32 + u32::from(t.quoted) * 2
            } else {
                t.column
            };
            err_at(t.line, column, e.kind.into())
        })?;

        let ttl = match ttl {
            Some(t) => {
                state.last_ttl = Some(t);
                t
            }
            None => match state.ttl.or(state.last_ttl) {
                Some(t) => t,
                // BIND's rule for a first SOA without any TTL: its MINIMUM.
                None if rtype == Rtype::SOA => {
                    let min = rdata::view::Soa::parse(&rdata)
                        .map(|s| s.minimum)
                        .unwrap_or(0);
                    state.last_ttl = Some(min);
                    min
                }
                None => return Err(err_tok(&type_token, ZoneFileErrorKind::NoTtl)),
            },
        };

        state.last_owner = Some(owner.clone());
        records.push(Record {
            owner,
            rtype,
            class,
            ttl,
            rdata: rdata.into_boxed_slice(),
        });
    }
    Ok(())
}
