//! A configuration for Knot DNS's offline signer, for a trainee who signs
//! with Knot: `dnslab signer-config --format knot`.
//!
//! BIND's and ldns's signers take keys and files on the command line;
//! Knot's `kzonesign` and `keymgr` take nothing but a zone name and read
//! the rest from a Knot configuration: the zone's file, the key database
//! and a policy. This writes the smallest one that does what the
//! exercises ask: keys made and timed by hand with `keymgr` (a manual
//! policy, as dnslab's rollover exercises are done step by step), the key
//! database in `knot/` of the workspace. Knot reads relative paths from
//! its own directories, not the shell's, so every path is absolute.

use std::fmt::Write as _;
use std::path::Path;

/// Why a configuration could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignerConfigError {
    /// Knot's configuration quotes strings with `"` and no escapes.
    #[error("{0:?} cannot be written into a Knot configuration (it holds a quote or a line break)")]
    Unquotable(String),
}

/// The key database's directory, relative to the workspace.
pub const KNOT_DIR: &str = "knot";

/// `knot.conf` for signing `zone` (absolute, `alice.ne.`) from
/// `zone_file`, with the key database under `workspace`/[`KNOT_DIR`].
pub fn knot_conf(
    zone: &str,
    workspace: &Path,
    zone_file: &Path,
) -> Result<String, SignerConfigError> {
    let quoted = |text: &str| {
        if text.contains(['"', '\n', '\r']) {
            Err(SignerConfigError::Unquotable(text.to_string()))
        } else {
            Ok(format!("\"{text}\""))
        }
    };
    let dir = workspace.join(KNOT_DIR);
    let dir = dir.to_string_lossy();
    let name = zone.strip_suffix('.').unwrap_or(zone);
    let file_name = zone_file.file_name().map_or_else(
        || format!("{name}.zone"),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut c = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        c,
        "# Knot DNS's offline signer for {zone} (made by `dnslab signer-config --format knot`).\n\
         # In {ws}, after `mkdir -p {KNOT_DIR}`:\n\
         #   keymgr -c knot.conf {name} generate algorithm=13 ksk=yes   # a KSK\n\
         #   keymgr -c knot.conf {name} generate algorithm=13           # a ZSK\n\
         #   keymgr -c knot.conf {name} list                            # the keys and their timers\n\
         #   keymgr -c knot.conf {name} ds                              # the KSK's DS records\n\
         #   kzonesign -c knot.conf -o {KNOT_DIR}/out {name}              # signs into {KNOT_DIR}/out/{file_name}\n\
         # then move {KNOT_DIR}/out/{file_name} to the signed file your server serves.\n\
         server:\n    rundir: {dir_q}\n\
         database:\n    storage: {dir_q}\n    kasp-db: {keys_q}\n\
         policy:\n  - id: \"manual\"\n    manual: on\n\
         \x20   # NSEC3 as RFC 9276 says (no salt, no extra iterations): uncomment.\n\
         \x20   # nsec3: on\n    # nsec3-iterations: 0\n    # nsec3-salt-length: 0\n\
         zone:\n  - domain: {zone_q}\n    file: {file_q}\n    dnssec-signing: on\n    dnssec-policy: \"manual\"",
        ws = workspace.display(),
        dir_q = quoted(&dir)?,
        keys_q = quoted(&format!("{dir}/keys"))?,
        zone_q = quoted(zone)?,
        file_q = quoted(&zone_file.to_string_lossy())?,
    );
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_absolute_and_quoted() {
        let conf = knot_conf(
            "alice.ne.",
            Path::new("/s/trainees/alice"),
            Path::new("/s/trainees/alice/alice.ne.zone"),
        )
        .unwrap();
        assert!(
            conf.contains("    file: \"/s/trainees/alice/alice.ne.zone\"\n"),
            "{conf}"
        );
        assert!(
            conf.contains("    kasp-db: \"/s/trainees/alice/knot/keys\"\n"),
            "{conf}"
        );
        assert!(conf.contains("  - domain: \"alice.ne.\"\n"), "{conf}");
        assert!(conf.contains("knot/out/alice.ne.zone"), "{conf}");
    }

    #[test]
    fn a_quote_in_a_path_is_refused() {
        let e = knot_conf("a.ne.", Path::new("/x\"y"), Path::new("/x\"y/a.ne.zone"));
        assert!(matches!(e, Err(SignerConfigError::Unquotable(_))), "{e:?}");
    }
}
