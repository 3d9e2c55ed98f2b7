//! A trainee resolver's configuration: `trainees/<name>/resolver.conf`.
//!
//! ## Background
//! In the `resolver-validation` exercise the trainee turns DNSSEC
//! validation on in their resolver and gives it the lab root's key as the
//! trust anchor, the way one configures Unbound's `trust-anchor:` or BIND's
//! `trust-anchors { };`. The file is theirs to edit; it starts with
//! validation off and no anchor.
//!
//! ## Format
//! YAML with two keys (unknown keys are refused, with a suggestion):
//!
//! ```yaml
//! validation: off          # on | off (also true/false, yes/no)
//! trust_anchors:           # DS or DNSKEY records for ".", as in a zone file
//!   - ". DS 20326 13 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"
//! ```
//!
//! Errors carry `file:line:column` like lab-file errors.
//!
//! ## Limitations
//! Anchors must be written with an absolute owner; a TTL is optional
//! (ignored). Validation on with no anchor is accepted here: the resolver
//! then treats every answer as insecure, which is itself a lesson.

use crate::error::LabError;
use crate::locate::Source;
use crate::plan::{LabPlan, Trainee};
use crate::spec::yaml_error;
use dnslab_zone::parser::{ParseOptions, parse_bytes};
use dnslab_zone::{Name, Record, Rtype};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;
use std::path::Path;

/// The file's name in a trainee's workspace.
pub const FILE_NAME: &str = "resolver.conf";

/// What a trainee's resolver does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolverConfig {
    /// Check DNSSEC signatures (RFC 4035 §5).
    pub validation: bool,
    /// DS or DNSKEY records the validation starts from.
    pub trust_anchors: Vec<Record>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolverConfFile {
    validation: Switch,
    trust_anchors: Option<Vec<String>>,
}

/// `on`/`off`, `yes`/`no`, `true`/`false`.
struct Switch(bool);

impl<'de> Deserialize<'de> for Switch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Switch, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Switch;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("on or off")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Switch, E> {
                Ok(Switch(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Switch, E> {
                match v.to_ascii_lowercase().as_str() {
                    "on" | "yes" | "true" => Ok(Switch(true)),
                    "off" | "no" | "false" => Ok(Switch(false)),
                    _ => Err(E::custom(format!(
                        "validation: {v:?} is neither on nor off"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl ResolverConfig {
    /// Reads a `resolver.conf`.
    pub fn read(path: &Path) -> Result<ResolverConfig, LabError> {
        let text = std::fs::read_to_string(path).map_err(|source| LabError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        ResolverConfig::parse(&text, path)
    }

    /// Parses `resolver.conf` text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<ResolverConfig, LabError> {
        let src = Source::new(path, text);
        let file: ResolverConfFile = serde_yaml::from_str(text).map_err(|e| yaml_error(&e, src))?;
        let mut trust_anchors = Vec::new();
        for anchor in file.trust_anchors.unwrap_or_default() {
            let bad = |reason: String| LabError::BadTrustAnchor {
                at: src.value(
                    &["trust_anchors"],
                    anchor.split_whitespace().next().unwrap_or(""),
                    0,
                ),
                anchor: anchor.clone(),
                reason,
            };
            let options = ParseOptions {
                origin: Some(Name::root()),
                default_ttl: Some(0),
            };
            let records = parse_bytes(anchor.as_bytes(), path, &options)
                .map_err(|e| bad(dnslab_zone::ErrorChain(&e.kind).to_string()))?;
            if records.is_empty() {
                return Err(bad("it is empty".to_string()));
            }
            for r in records {
                if r.rtype != Rtype::DS && r.rtype != Rtype::DNSKEY {
                    return Err(bad(format!(
                        "a trust anchor is a DS or DNSKEY record, not {}",
                        r.rtype
                    )));
                }
                trust_anchors.push(r);
            }
        }
        Ok(ResolverConfig {
            validation: file.validation.0,
            trust_anchors,
        })
    }

    /// The file a trainee starts with: validation off, no anchor, and
    /// comments on how to fill it in.
    pub fn initial_text(plan: &LabPlan, trainee: &Trainee) -> String {
        let port = if plan.port == 53 {
            String::new()
        } else {
            format!(" -p {}", plan.port)
        };
        format!(
            "\
# The configuration of trainee {name}'s resolver ({resolver}), workshop {workshop}.
# Changes take effect when dnslab reloads the resolver.
#
# validation: on makes the resolver check DNSSEC signatures, starting from
# the trust anchors below; off answers without checking.
validation: off
# trust_anchors: the lab root's key, as a DS or DNSKEY record with owner \".\".
# Find the root's keys with
#     dig @{root}{port} . DNSKEY +multi
# and write one anchor a line, in quotes, for example:
# trust_anchors:
#   - \". DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\"
trust_anchors: []
",
            name = trainee.name,
            resolver = trainee.resolver,
            workshop = plan.workshop,
            root = plan.root_node().address.ip(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switch_and_anchors() {
        let text = "validation: on\ntrust_anchors:\n  - \". 3600 IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\"\n";
        let c = ResolverConfig::parse(text, Path::new("r.conf")).unwrap();
        assert!(c.validation);
        assert_eq!(c.trust_anchors.len(), 1);
        assert_eq!(c.trust_anchors[0].rtype, Rtype::DS);

        let c =
            ResolverConfig::parse("validation: off\ntrust_anchors: []\n", Path::new("r")).unwrap();
        assert!(!c.validation);

        let e = ResolverConfig::parse("validaton: on\n", Path::new("r.conf")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "r.conf:1:1: unknown key \"validaton\", did you mean \"validation\"?"
        );
        let e = ResolverConfig::parse("validation: maybe\n", Path::new("r.conf")).unwrap_err();
        assert!(e.to_string().starts_with("r.conf:1:13: "), "{e}");
        let e = ResolverConfig::parse(
            "validation: on\ntrust_anchors: [\". A 192.0.2.1\"]\n",
            Path::new("r.conf"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("not A"), "{e}");
    }
}
