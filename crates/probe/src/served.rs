//! The zone file the lab serves for a trainee, and whether it loads.
//!
//! A trainee's authoritative node — a `dnslab-server` in the embedded
//! supervisor, or `dnslab serve --prefer-signed --allow-broken` in its
//! Docker container — serves `<zone>.zone.signed` once that file exists,
//! else `<zone>.zone`. When a new version of the file does not load, the
//! node logs the error and keeps serving the last version that did: right
//! for the lab, but invisible over the wire, where the trainee (and the
//! grader) see only the older zone.
//!
//! So `dnslab status` and the `zone-file-loads` check load the served file
//! here, with the server's own [`load_zone`] (parse, zone rules, what
//! serving needs) and its own choice of file
//! ([`ZoneSource::current_file`]), and report the error with its
//! `file:line:column`. No channel from the server is needed, the answer
//! is the same for both backends (the files are on the host either way),
//! and what "loads" means stays defined once, in the server.

use dnslab_lab::{StateDir, Trainee};
use dnslab_server::server::{ServeError, ZoneSource, load_zone};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

/// The source a lab node serves for `trainee` (the embedded backend's
/// `ZoneSource`, and what the Docker container's `--prefer-signed` means).
pub fn zone_source(state: &StateDir, trainee: &Trainee) -> ZoneSource {
    ZoneSource {
        origin: trainee.zone.clone(),
        file: state.join(&trainee.zone_file),
        prefer_signed: true,
    }
}

/// The file the trainee's node serves now: the signed one if it exists.
pub fn served_file(state: &StateDir, trainee: &Trainee) -> PathBuf {
    zone_source(state, trainee).current_file()
}

/// Why the served file does not load, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadError {
    /// The file at fault (an `$INCLUDE`d file when the error is in one).
    pub file: String,
    /// 1-based; absent for errors about the zone as a whole (no SOA, no
    /// NS at the apex, a record outside the zone).
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(f, "{}:{line}:{column}: {}", self.file, self.message)
            }
            (Some(line), None) => write!(f, "{}:{line}: {}", self.file, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl LoadError {
    fn from_serve(error: ServeError, served: &std::path::Path) -> LoadError {
        let whole = |file: &std::path::Path, message: String| LoadError {
            file: file.display().to_string(),
            line: None,
            column: None,
            message,
        };
        match error {
            // A file that cannot be read has no position (line 0).
            ServeError::Parse(e) => LoadError {
                file: e.file.display().to_string(),
                line: (e.line > 0).then_some(e.line),
                column: (e.line > 0 && e.column > 0).then_some(e.column),
                message: dnslab_zone::ErrorChain(&e.kind).to_string(),
            },
            ServeError::Zone { file, source } => whole(&file, source.to_string()),
            ServeError::Store { file, source } => whole(&file, source.to_string()),
            other => whole(served, dnslab_zone::ErrorChain(&other).to_string()),
        }
    }
}

/// The served file, and whether it loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadState {
    /// It loads; the SOA serial it carries.
    Loads { file: PathBuf, serial: u32 },
    /// It does not: the node serves an older version, or nothing.
    Broken(LoadError),
}

/// Loads `source`'s current file as the server would.
pub fn load_state(source: &ZoneSource) -> LoadState {
    let file = source.current_file();
    match load_zone(source) {
        Ok(zone) => LoadState::Loads {
            file,
            serial: zone.soa().serial,
        },
        Err(e) => LoadState::Broken(LoadError::from_serve(e, &file)),
    }
}

/// Why the file the lab serves for `trainee` does not load, if it does not.
pub fn load_error(state: &StateDir, trainee: &Trainee) -> Option<LoadError> {
    match load_state(&zone_source(state, trainee)) {
        LoadState::Loads { .. } => None,
        LoadState::Broken(e) => Some(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dnslab_zone::Name;

    const ZONE: &str =
        "$TTL 300\n@ SOA ns1 hostmaster 7 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n";

    fn source(dir: &std::path::Path) -> ZoneSource {
        ZoneSource {
            origin: Name::parse_absolute("t1.ne.").unwrap(),
            file: dir.join("t1.ne.zone"),
            prefer_signed: true,
        }
    }

    #[test]
    fn the_signed_file_is_judged_once_it_exists_with_its_position() {
        let dir = tempfile::tempdir().unwrap();
        let src = source(dir.path());
        std::fs::write(&src.file, ZONE).unwrap();
        assert_eq!(
            load_state(&src),
            LoadState::Loads {
                file: src.file.clone(),
                serial: 7
            }
        );
        // A broken signed file: judged, although the unsigned one loads.
        let signed = dir.path().join("t1.ne.zone.signed");
        std::fs::write(&signed, format!("{ZONE}www A 192.0.2.300\n")).unwrap();
        let LoadState::Broken(e) = load_state(&src) else {
            panic!("a broken signed file loads");
        };
        assert_eq!(e.file, signed.display().to_string());
        assert_eq!((e.line, e.column), (Some(5), Some(7)), "{e}");
        assert!(
            e.to_string()
                .starts_with(&format!("{}:5:7: ", signed.display())),
            "{e}"
        );
    }

    #[test]
    fn zone_rules_fail_without_a_position() {
        let dir = tempfile::tempdir().unwrap();
        let src = source(dir.path());
        // Parses, but has no NS at the apex: the server refuses to serve it.
        std::fs::write(
            &src.file,
            "$TTL 300\n@ SOA ns1 hostmaster 7 3600 600 86400 300\n",
        )
        .unwrap();
        let LoadState::Broken(e) = load_state(&src) else {
            panic!("a zone without NS loads");
        };
        assert_eq!((e.line, e.column), (None, None));
        assert!(e.message.contains("NS"), "{e}");
        // A missing file: no position either.
        std::fs::remove_file(&src.file).unwrap();
        let LoadState::Broken(e) = load_state(&src) else {
            panic!("a missing file loads");
        };
        assert_eq!(e.line, None, "{e}");
        assert!(e.to_string().contains("t1.ne.zone"), "{e}");
    }
}
