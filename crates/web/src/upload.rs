//! A trainee's signed zone, uploaded through the portal (for trainees
//! without a shell on the lab machine: the embedded backend).
//!
//! The upload is written beside the served file, loaded with the
//! server's own loader ([`dnslab_server::server::load_zone`]: parse, zone
//! rules, what serving needs), and only then renamed over
//! `<zone>.zone.signed`, so the trainee's server never sees a file that
//! does not load: it keeps the last good zone, and the trainee gets
//! `file:line:column`. `$INCLUDE` is refused before anything is written:
//! an uploaded file must not make the lab read its other files.

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::StatusCode;
use dnslab_lab::{StateDir, Trainee};
use dnslab_server::server::{ZoneSource, load_zone};
use dnslab_zone::Rtype;
use std::path::Path;

/// The form field that carries the file.
pub const FIELD: &str = "zone";

/// Reads the upload and installs it; the message to show either way,
/// with the status of a refusal (413 for a file over the limit).
pub async fn receive(
    mut form: Multipart,
    state: &StateDir,
    t: &Trainee,
) -> Result<Installed, (StatusCode, String)> {
    let refused = |e: MultipartError| (e.status(), e.body_text());
    loop {
        match form.next_field().await.map_err(refused)? {
            Some(field) if field.name() == Some(FIELD) => {
                let bytes = field.bytes().await.map_err(refused)?;
                return install(&bytes, state, t)
                    .map_err(|m| (StatusCode::UNPROCESSABLE_ENTITY, m));
            }
            Some(_) => continue,
            None => {
                return Err((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "the form holds no zone file".into(),
                ));
            }
        }
    }
}

/// Whether a line of the file is an `$INCLUDE` directive (any case,
/// any leading blanks: refused rather than read as a record).
fn includes(bytes: &[u8]) -> Option<usize> {
    bytes
        .split(|b| *b == b'\n')
        .position(|line| {
            let line = line.trim_ascii_start();
            line.len() >= 8 && line[..8].eq_ignore_ascii_case(b"$INCLUDE")
        })
        .map(|i| i + 1)
}

/// An upload put in place for the trainee's server.
#[derive(Debug)]
pub struct Installed {
    /// What to tell the trainee.
    pub message: String,
    /// The zone's apex SOA and the RRSIGs over it (rdata): seen over the
    /// wire, they say the server serves this version.
    pub apex_soa: Vec<Vec<u8>>,
}

/// Checks `bytes` as `t`'s signed zone and serves it if it loads.
pub fn install(bytes: &[u8], state: &StateDir, t: &Trainee) -> Result<Installed, String> {
    let served = state.join(t.signed_zone_file());
    let shown = t.signed_zone_file().display().to_string();
    if bytes.is_empty() {
        return Err("the uploaded file is empty".into());
    }
    if let Some(line) = includes(bytes) {
        return Err(format!(
            "{shown}:{line}:1: $INCLUDE is not allowed in an uploaded zone; put the records in the file itself"
        ));
    }
    let dir = served
        .parent()
        .ok_or_else(|| "the workspace has no directory".to_string())?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".dnslab-upload-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot store the upload: {e}"))?;
    std::io::Write::write_all(&mut tmp, bytes)
        .map_err(|e| format!("cannot store the upload: {e}"))?;
    let source = ZoneSource {
        origin: t.zone.clone(),
        file: tmp.path().to_path_buf(),
        prefer_signed: false,
    };
    let zone = load_zone(&source).map_err(|e| {
        // Name the file as the trainee knows it, not the temporary one.
        dnslab_zone::ErrorChain(&e)
            .to_string()
            .replace(&tmp.path().display().to_string(), &shown)
    })?;
    let names = zone.zone.owners().len();
    let apex_soa = zone
        .zone
        .records
        .iter()
        .filter(|r| r.owner.eq_ignore_case(&t.zone))
        .filter(|r| r.rtype == Rtype::SOA || r.covered_type() == Some(Rtype::SOA))
        .map(|r| r.rdata.to_vec())
        .collect();
    tmp.persist(&served)
        .map_err(|e| format!("cannot serve the upload: {}", e.error))?;
    Ok(Installed {
        message: format!("{shown}: loaded ({names} names)"),
        apex_soa,
    })
}

/// For tests: whether `path` was left behind by an upload.
pub fn is_upload_leftover(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(".dnslab-upload-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_lines_are_found_in_any_case_and_indentation() {
        assert_eq!(includes(b"$ORIGIN a.\n  $include /etc/passwd\n"), Some(2));
        assert_eq!(includes(b"$INCLUDE x"), Some(1));
        assert_eq!(
            includes(b"www A 192.0.2.1\n; $INCLUDE in a comment is text\n"),
            None
        );
    }
}
