//! Signing the lab's own zones (root, TLDs, zoo) and the trainees' DS
//! submissions.
//!
//! The unsigned sources come from the plan; DS records come from the lab
//! keys (TLDs and zoo in the root), from the zoo fixtures' keys, per
//! fixture ([`crate::zoo`], in `zoo.`) and from `<state>/ds/<trainee>.ds` (the
//! trainees' zones in their TLD), which `dnslab ds submit` writes. Signing
//! writes `<state>/zones/<source>.signed` atomically; the running servers
//! notice the new file and reload it, so a DS submission takes effect at
//! once.

use dnslab_lab::{LabPlan, Role, StateDir, Trainee};
use dnslab_zone::parser::{ParseOptions, parse_file};
use dnslab_zone::rdata::time;
use dnslab_zone::sign::{Denial, Nsec3Config, SerialPolicy, SignConfig, sign_zone};
use dnslab_zone::writer::{write_file_atomically, write_records, write_zone};
use dnslab_zone::{Name, Record, Rtype};
use std::path::{Path, PathBuf};

/// Why a lab zone could not be signed or a DS set not stored.
#[derive(Debug, thiserror::Error)]
pub enum LabZoneError {
    #[error(transparent)]
    Lab(#[from] dnslab_lab::LabError),
    #[error(transparent)]
    State(#[from] dnslab_lab::StateError),
    #[error("cannot sign {zone}")]
    Sign {
        zone: Name,
        source: dnslab_zone::sign::SignError,
    },
    #[error(transparent)]
    Parse(#[from] dnslab_zone::parser::ZoneFileError),
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no zone {0} in this lab")]
    UnknownZone(Name),
}

/// The lab root's KSKs as DNSKEY records: the lab's trust anchor
/// (`dnslab trust-anchor --format dnskey`, the reference resolver's
/// `trust-anchor.dnskey`).
pub fn root_anchor(
    state: &StateDir,
    plan: &LabPlan,
) -> Result<Vec<Record>, dnslab_lab::StateError> {
    let root = Name::root();
    Ok(state
        .load_keys(&root)?
        .iter()
        .filter(|k| k.is_sep())
        .map(|k| {
            Record::new(
                root.clone(),
                Rtype::DNSKEY,
                plan.timers.dnskey_ttl,
                k.dnskey_rdata(),
            )
        })
        .collect())
}

/// A DS submission that is not one for the trainee's zone. The messages
/// name the command-line option (`--ds`, the key file), as `dnslab ds
/// submit` shows them; the web's form drops the option's name.
#[derive(Debug, thiserror::Error)]
pub enum DsInputError {
    #[error(transparent)]
    Parse(#[from] dnslab_zone::parser::ZoneFileError),
    #[error(
        "--ds {text:?} holds no record; give a DS record such as '{zone} IN DS 12345 13 2 <hex digest>'"
    )]
    Empty { text: String, zone: Name },
    #[error("--ds {text:?} is for {owner}, but {trainee}'s zone is {zone}")]
    OtherZone {
        text: String,
        owner: Name,
        trainee: String,
        zone: Name,
    },
    #[error(
        "--ds {text:?} is a {rtype} record; give a DS record such as '{zone} IN DS 12345 13 2 <hex digest>' (or the KSK's DNSKEY record)"
    )]
    NotDs {
        text: String,
        rtype: Rtype,
        zone: Name,
    },
    #[error("{} is a key for {owner}, but {trainee}'s zone is {zone}", .file.display())]
    KeyOfOtherZone {
        file: PathBuf,
        owner: Name,
        trainee: String,
        zone: Name,
    },
}

/// The DS records a registrar's form would take from `text`: DS records,
/// or DNSKEY records whose DS (SHA-256, TTL `ds_ttl`) is meant; each for
/// `trainee`'s zone.
pub fn ds_from_text(
    trainee: &Trainee,
    ds_ttl: u32,
    text: &str,
) -> Result<Vec<Record>, DsInputError> {
    use dnslab_zone::keys::ds::{DigestType, ds_rdata};
    let options = ParseOptions {
        origin: Some(trainee.zone.clone()),
        default_ttl: Some(3600),
    };
    let records = dnslab_zone::parser::parse_bytes(text.as_bytes(), "--ds".as_ref(), &options)?;
    if records.is_empty() {
        return Err(DsInputError::Empty {
            text: text.to_string(),
            zone: trainee.zone.clone(),
        });
    }
    let mut ds = Vec::with_capacity(records.len());
    for r in records {
        if !r.owner.eq_ignore_case(&trainee.zone) {
            return Err(DsInputError::OtherZone {
                text: text.to_string(),
                owner: r.owner,
                trainee: trainee.name.clone(),
                zone: trainee.zone.clone(),
            });
        }
        match r.rtype {
            Rtype::DS => ds.push(r),
            Rtype::DNSKEY => ds.push(Record::new(
                trainee.zone.clone(),
                Rtype::DS,
                ds_ttl,
                ds_rdata(&trainee.zone, &r.rdata, DigestType::Sha256),
            )),
            rtype => {
                return Err(DsInputError::NotDs {
                    text: text.to_string(),
                    rtype,
                    zone: trainee.zone.clone(),
                });
            }
        }
    }
    Ok(ds)
}

/// The DS (SHA-256, TTL `ds_ttl`) of `key`, read from `file`, which must
/// be a key of `trainee`'s zone. A key without the SEP flag is accepted
/// (the caller may warn): parents hold what they are given.
pub fn ds_of_key(
    trainee: &Trainee,
    ds_ttl: u32,
    key: &dnslab_zone::keys::Key,
    file: &std::path::Path,
) -> Result<Record, DsInputError> {
    use dnslab_zone::keys::ds::{DigestType, ds_rdata};
    if !key.owner.eq_ignore_case(&trainee.zone) {
        return Err(DsInputError::KeyOfOtherZone {
            file: file.to_path_buf(),
            owner: key.owner.clone(),
            trainee: trainee.name.clone(),
            zone: trainee.zone.clone(),
        });
    }
    Ok(Record::new(
        trainee.zone.clone(),
        Rtype::DS,
        ds_ttl,
        ds_rdata(&trainee.zone, &key.dnskey_rdata(), DigestType::Sha256),
    ))
}

/// Puts `records` as `trainee`'s DS set in the TLD and re-signs it;
/// returns the signed TLD file.
pub fn submit_ds(
    state: &StateDir,
    plan: &LabPlan,
    trainee: &Trainee,
    records: &[Record],
) -> Result<PathBuf, LabZoneError> {
    store_ds(state, trainee, records)?;
    sign_lab_zone(state, plan, &parent_of(trainee))
}

/// When the lab runs, waits (10 s at most) until `trainee`'s TLD serves
/// exactly `records` as the zone's DS set, so that whatever comes next (a
/// query, a grade) sees it: `Some(true)` once it does, `Some(false)` when
/// it did not in time, `None` when the lab does not run.
pub fn wait_until_ds_served(
    state: &StateDir,
    plan: &LabPlan,
    trainee: &Trainee,
    records: &[Record],
) -> Option<bool> {
    state.supervisor().running()?;
    let tld = plan.tld(&trainee.tld)?;
    let mut want: Vec<Vec<u8>> = records.iter().map(|r| r.rdata.to_vec()).collect();
    want.sort();
    want.dedup();
    Some(served_within_10s(
        || crate::probe::served_ds(tld.address, &trainee.zone, PROBE_TIMEOUT),
        &want,
    ))
}

/// One look's wait for an answer while polling a lab node.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(300);

/// Whether `look` answers `want` within 10 s, looking every 50 ms.
fn served_within_10s(look: impl Fn() -> Option<Vec<Vec<u8>>>, want: &[Vec<u8>]) -> bool {
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if look().as_deref() == Some(want) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// When the lab runs, waits (10 s at most) until `trainee`'s server
/// answers with `apex_soa` (the SOA and its RRSIGs, as
/// [`crate::probe::served_apex_soa`] gives them) for the zone: a file just
/// put in place is served once it does. `None` when the lab does not run.
pub fn wait_until_zone_served(
    state: &StateDir,
    trainee: &Trainee,
    apex_soa: &[Vec<u8>],
) -> Option<bool> {
    state.supervisor().running()?;
    let mut want = apex_soa.to_vec();
    want.sort();
    Some(served_within_10s(
        || crate::probe::served_apex_soa(trainee.auth, &trainee.zone, PROBE_TIMEOUT),
        &want,
    ))
}

/// Where a trainee's submitted DS records are kept.
pub fn ds_file(state: &StateDir, trainee: &Trainee) -> PathBuf {
    state.join("ds").join(format!("{}.ds", trainee.name))
}

/// The trainee's DS records as submitted (empty when none).
pub fn submitted_ds(state: &StateDir, trainee: &Trainee) -> Result<Vec<Record>, LabZoneError> {
    let file = ds_file(state, trainee);
    if !file.exists() {
        return Ok(Vec::new());
    }
    let options = ParseOptions {
        origin: Some(trainee.zone.clone()),
        default_ttl: Some(3600),
    };
    Ok(parse_file(&file, &options)?
        .into_iter()
        .filter(|r| r.rtype == Rtype::DS)
        .collect())
}

/// Stores (or, with an empty set, withdraws) a trainee's DS records.
pub fn store_ds(
    state: &StateDir,
    trainee: &Trainee,
    records: &[Record],
) -> Result<(), LabZoneError> {
    let file = ds_file(state, trainee);
    if records.is_empty() {
        return match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(LabZoneError::Write {
                path: file,
                source: e,
            }),
            _ => Ok(()),
        };
    }
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| LabZoneError::Write {
            path: dir.to_path_buf(),
            source: e,
        })?;
    }
    write_file_atomically(&file, |w| write_records(w, records)).map_err(|e| LabZoneError::Write {
        path: file.clone(),
        source: e,
    })
}

/// The signed file of a lab zone.
pub fn signed_file(state: &StateDir, plan: &LabPlan, apex: &Name) -> Result<PathBuf, LabZoneError> {
    let zone = plan
        .lab_zones()
        .into_iter()
        .find(|z| z.apex == *apex)
        .ok_or_else(|| LabZoneError::UnknownZone(apex.clone()))?;
    let mut path = state.join(&zone.source_file).into_os_string();
    path.push(".signed");
    Ok(path.into())
}

/// The unsigned content of a lab zone, DS records included.
fn zone_content(
    state: &StateDir,
    plan: &LabPlan,
    apex: &Name,
) -> Result<Vec<Record>, LabZoneError> {
    let zones = plan.lab_zones();
    let zone = zones
        .iter()
        .find(|z| z.apex == *apex)
        .ok_or_else(|| LabZoneError::UnknownZone(apex.clone()))?;
    let mut records = plan.zone_records(apex)?;
    let ds_ttl = plan.timers.ds_ttl;
    match zone.role {
        Role::Root => {
            for child in zones.iter().filter(|z| z.role != Role::Root) {
                records.extend(state.ds_records(&child.apex, ds_ttl)?);
            }
        }
        Role::Tld => {
            for trainee in plan
                .trainees
                .iter()
                .filter(|t| t.zone.parent().as_ref() == Some(apex))
            {
                records.extend(
                    submitted_ds(state, trainee)?
                        .into_iter()
                        .map(|r| Record { ttl: ds_ttl, ..r }),
                );
            }
        }
        Role::Zoo => records.extend(crate::zoo::ds_records(state, plan)?),
        _ => {}
    }
    Ok(records)
}

/// An exclusive lock on `<file>.lock`, held until dropped (the lock goes
/// with the file descriptor, also when the process dies).
fn lock_for(file: &Path) -> Result<std::fs::File, LabZoneError> {
    let mut name = file.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    let error = |source| LabZoneError::Write {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(error)?;
    }
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(error)?;
    lock.lock().map_err(error)?;
    Ok(lock)
}

/// Signs one lab zone with the lab keys and writes the signed file.
/// The root and the zoo use NSEC; TLDs NSEC3 with opt-out, as most ccTLDs.
pub fn sign_lab_zone(
    state: &StateDir,
    plan: &LabPlan,
    apex: &Name,
) -> Result<PathBuf, LabZoneError> {
    let role = plan
        .lab_zones()
        .into_iter()
        .find(|z| z.apex == *apex)
        .map(|z| z.role);
    let path = signed_file(state, plan, apex)?;
    // One signer at a time per zone, across processes (web, CLI, CDS
    // scanner): two DS submissions to one TLD must not both read the DS
    // sets, then write, the later one without the other's DS.
    let _lock = lock_for(&path)?;
    let records = zone_content(state, plan, apex)?;
    let keys = state.load_keys(apex)?;
    let now = time::now();
    let timers = &plan.timers;
    let config = SignConfig {
        denial: if role == Some(Role::Tld) {
            Denial::Nsec3(Nsec3Config {
                opt_out: true,
                ..Nsec3Config::default()
            })
        } else {
            Denial::Nsec
        },
        inception: now - i64::from(timers.signature_inception_offset),
        expiration: now + i64::from(timers.signature_validity),
        // Seconds since the epoch, so each re-signing has a larger serial.
        serial: SerialPolicy::UnixTime,
        now,
    };
    let signed = sign_zone(apex, records, &keys, &config).map_err(|e| LabZoneError::Sign {
        zone: apex.clone(),
        source: e,
    })?;
    write_file_atomically(&path, |w| write_zone(w, &signed.zone.records)).map_err(|e| {
        LabZoneError::Write {
            path: path.clone(),
            source: e,
        }
    })?;
    tracing::info!(zone = %apex, file = %path.display(), signatures = signed.signatures, "lab zone signed");
    Ok(path)
}

/// Builds the zoo's fixtures ([`crate::zoo`]), then signs every lab zone,
/// children first so that nothing waits on a parent.
pub fn sign_all(state: &StateDir, plan: &LabPlan) -> Result<Vec<PathBuf>, LabZoneError> {
    let mut paths = crate::zoo::build_all(state, plan)?;
    let mut zones = plan.lab_zones();
    zones.reverse();
    for z in &zones {
        paths.push(sign_lab_zone(state, plan, &z.apex)?);
    }
    Ok(paths)
}

/// The TLD a trainee's zone is delegated from.
pub fn parent_of(trainee: &Trainee) -> Name {
    trainee.zone.parent().unwrap_or_else(Name::root)
}

#[cfg(test)]
mod error_tests {
    //! The backends' errors keep their causes as sources: a node's socket
    //! error reads "node root: cannot listen on …: <hint>: <OS error>",
    //! each part once.
    use crate::resolver::ResolverError;
    use crate::supervisor::BackendError;
    use dnslab_server::server::ServeError;
    use dnslab_zone::{ErrorChain, repeated_cause};
    use std::net::UdpSocket;

    fn addr_in_use() -> (UdpSocket, std::net::SocketAddr, std::io::Error) {
        let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let error = UdpSocket::bind(addr).unwrap_err();
        (taken, addr, error)
    }

    #[test]
    fn a_node_that_cannot_listen_says_each_part_once() {
        let (_taken, addr, source) = addr_in_use();
        let os_error = source.to_string();
        let e = BackendError::Serve {
            node: "root".into(),
            source: ServeError::Bind {
                addr,
                proto: "UDP",
                source,
                hint: "",
            },
        };
        assert_eq!(repeated_cause(&e), None);
        assert_eq!(
            ErrorChain(&e).to_string(),
            format!("node root: cannot listen on {addr} (UDP): {os_error}")
        );
    }

    #[test]
    fn resolver_and_file_errors_say_each_cause_once() {
        let (_taken, addr, source) = addr_in_use();
        let os_error = source.to_string();
        let e = ResolverError::Bind { addr, source };
        assert_eq!(repeated_cause(&e), None);
        assert_eq!(
            ErrorChain(&e).to_string(),
            format!("resolver on {addr}: cannot listen: {os_error}")
        );

        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let denied_text = denied.to_string();
        let e = super::LabZoneError::Write {
            path: "/x/root.zone".into(),
            source: denied,
        };
        assert_eq!(repeated_cause(&e), None);
        assert_eq!(
            ErrorChain(&e).to_string(),
            format!("cannot write /x/root.zone: {denied_text}")
        );

        let e = super::LabZoneError::Sign {
            zone: dnslab_zone::Name::root(),
            source: dnslab_zone::sign::SignError::Crypto {
                tag: 7,
                source: dnslab_zone::keys::CryptoError::SigningFailed,
            },
        };
        assert_eq!(repeated_cause(&e), None);
        assert_eq!(
            ErrorChain(&e).to_string(),
            "cannot sign .: key 7 cannot sign: signing failed"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dnslab_zone::Rtype;
    use dnslab_zone::parser::{ParseOptions, parse_bytes, parse_file};

    /// DS submissions to one TLD at the same time, from as many threads:
    /// the TLD's signed zone ends up with every one of them (the signer
    /// lock; without it a later writer drops an earlier one's DS).
    #[test]
    fn simultaneous_ds_submissions_to_one_tld_all_land() {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = (1..=8).map(|i| format!("t{i}")).collect();
        let file = dir.path().join("lab.yaml");
        std::fs::write(
            &file,
            format!(
                "workshop: ds-race\ntlds: [ne]\ntrainees:\n  names: [{}]\nzoo: false\n",
                names.join(", ")
            ),
        )
        .unwrap();
        let plan = LabPlan::load(&file).unwrap();
        let state = StateDir::new(dir.path().join("lab"));
        state.init(&plan).unwrap();
        std::thread::scope(|s| {
            for (i, t) in plan.trainees.iter().enumerate() {
                let (state, plan) = (&state, &plan);
                s.spawn(move || {
                    let text = format!(
                        "{} 3600 IN DS {} 13 2 {}\n",
                        t.zone,
                        1000 + i,
                        "ab".repeat(32)
                    );
                    let ds =
                        parse_bytes(text.as_bytes(), Path::new("ds"), &ParseOptions::default())
                            .unwrap();
                    submit_ds(state, plan, t, &ds).unwrap();
                });
            }
        });
        let tld = Name::parse_absolute("ne.").unwrap();
        let signed = parse_file(
            &signed_file(&state, &plan, &tld).unwrap(),
            &ParseOptions {
                origin: Some(tld),
                default_ttl: None,
            },
        )
        .unwrap();
        for t in &plan.trainees {
            assert!(
                signed
                    .iter()
                    .any(|r| r.owner == t.zone && r.rtype == Rtype::DS),
                "no DS for {} in the TLD's signed zone",
                t.zone
            );
        }
    }
}
