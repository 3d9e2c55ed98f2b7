//! Building the bogus zoo: each fixture zone of [`dnslab_lab::zoo`],
//! signed with its own keys and then broken as its [`Defect`] says, and the
//! DS records `zoo.` holds for the fixtures.
//!
//! ```text
//!  plan.zoo_fixture_records(f) ──sign_zone (config per defect)──▶ signed records
//!        ──apply the defect (flip, edit, remove)──▶ zones/zoo/<label>.zone.signed
//!  zoo-keys/K<label>.zoo.+… ──DS per defect──▶ zoo. (signed by lab_zones)
//! ```
//!
//! | defect | how the zone is signed | what is changed after | DS in `zoo.` |
//! |---|---|---|---|
//! | none | NSEC | | KSK |
//! | NSEC3 | NSEC3, 0 iterations, no salt | | KSK |
//! | unsigned | not signed | | none |
//! | no DS | NSEC | | none |
//! | expired | validity ended a week ago | | KSK |
//! | not yet valid | validity starts in a week | | KSK |
//! | corrupt signature | NSEC | last octet of RRSIG(www A) flipped | KSK |
//! | data changed | NSEC | www A replaced | KSK |
//! | missing RRSIGs | NSEC | RRSIGs over www's data removed | KSK |
//! | DS matches no key | NSEC | | DS of the KSK with its public key altered |
//! | DNSKEY only by ZSK | the KSK published but not signing | | KSK |
//! | unknown DS algorithm | NSEC | | KSK's DS with algorithm 253 |
//! | NSEC3 iterations | NSEC3, 500 iterations | | KSK |
//! | missing NXDOMAIN proof | NSEC | NSEC and RRSIG(NSEC) removed | KSK |
//! | big DNSKEY | NSEC, stand-by ZSKs published | | KSK |
//!
//! Every build is from the unsigned source and the current time, so the
//! periodic re-signing of the lab keeps each fixture exactly as broken as
//! it should be (an expired fixture stays expired by a week, a valid one
//! stays valid).

use crate::lab_zones::LabZoneError;
use dnslab_lab::zoo::{Defect, Fixture};
use dnslab_lab::{LabPlan, StateDir};
use dnslab_zone::keys::Key;
use dnslab_zone::keys::ds::{DigestType, ds_rdata};
use dnslab_zone::rdata::time;
use dnslab_zone::sign::{Denial, Nsec3Config, SerialPolicy, SignConfig, sign_zone};
use dnslab_zone::writer::{write_file_atomically, write_zone};
use dnslab_zone::{Name, Record, Rtype};
use std::path::PathBuf;

const DAY: i64 = 86400;
/// How far into the past (expired) or the future (not yet valid) the
/// broken signatures end or start: beyond every validator's allowance for
/// clock skew (Unbound's `val-sig-skew-max` is a day: with a signature
/// that became valid only a day from now, Unbound 1.17 still says secure).
const BROKEN_BY: i64 = 7 * DAY;

/// The algorithm number of the `unknown-ds-algorithm` fixture's DS:
/// PRIVATEDNS, reserved for private use, so never implemented by a
/// validator.
pub const UNKNOWN_DS_ALGORITHM: u8 = 253;

/// The address `www` A is changed to in the `data-changed` fixture.
const CHANGED_ADDRESS: [u8; 4] = [203, 0, 113, 250];

/// The served file of a fixture: `<state>/zones/zoo/<label>.zone.signed`.
pub fn fixture_file(state: &StateDir, fixture: &Fixture) -> PathBuf {
    state.join(fixture.served_file())
}

/// The served file of a fixture apex, if `apex` is one of the plan's.
pub fn served_file(state: &StateDir, plan: &LabPlan, apex: &Name) -> Option<PathBuf> {
    plan.zoo_fixtures()
        .iter()
        .find(|f| f.apex().eq_ignore_case(apex))
        .map(|f| fixture_file(state, f))
}

/// How a fixture is signed.
fn sign_config(fixture: &Fixture, plan: &LabPlan, now: i64) -> SignConfig {
    let timers = &plan.timers;
    let mut config = SignConfig {
        denial: Denial::Nsec,
        inception: now - i64::from(timers.signature_inception_offset),
        expiration: now + i64::from(timers.signature_validity),
        serial: SerialPolicy::UnixTime,
        now,
    };
    match fixture.defect {
        Defect::Nsec3 => config.denial = Denial::Nsec3(Nsec3Config::default()),
        Defect::Nsec3Iterations(iterations) => {
            config.denial = Denial::Nsec3(Nsec3Config {
                iterations,
                ..Nsec3Config::default()
            });
        }
        Defect::Expired => {
            config.inception = now - 30 * DAY - BROKEN_BY;
            config.expiration = now - BROKEN_BY;
        }
        Defect::NotYetValid => {
            config.inception = now + BROKEN_BY;
            config.expiration = now + BROKEN_BY + 30 * DAY;
        }
        _ => {}
    }
    config
}

fn is_www(fixture: &Fixture, r: &Record) -> bool {
    fixture
        .apex()
        .prepend(b"www")
        .is_ok_and(|www| r.owner.eq_ignore_case(&www))
}

/// Breaks a signed fixture as its defect says (the defects that are not
/// made by signing differently or by the DS).
fn apply_defect(fixture: &Fixture, records: &mut Vec<Record>) {
    match fixture.defect {
        Defect::CorruptSignature => {
            if let Some(sig) = records.iter_mut().find(|r| {
                r.rtype == Rtype::RRSIG && r.covered_type() == Some(Rtype::A) && is_www(fixture, r)
            }) {
                let mut rdata = sig.rdata.to_vec();
                if let Some(last) = rdata.last_mut() {
                    *last ^= 0xff;
                }
                sig.rdata = rdata.into();
            }
        }
        Defect::DataChanged => {
            for r in records
                .iter_mut()
                .filter(|r| r.rtype == Rtype::A && is_www(fixture, r))
            {
                r.rdata = CHANGED_ADDRESS.to_vec().into();
            }
        }
        Defect::MissingRrsigs => {
            // The data's signatures only: with the NSEC's gone too, a
            // validator would stumble first over the proof that www is no
            // delegation (Unbound then reports NSEC Missing).
            records.retain(|r| {
                !(r.rtype == Rtype::RRSIG
                    && is_www(fixture, r)
                    && r.covered_type() != Some(Rtype::NSEC))
            });
        }
        Defect::MissingNxdomainProof => {
            records.retain(|r| {
                r.rtype != Rtype::NSEC
                    && !(r.rtype == Rtype::RRSIG && r.covered_type() == Some(Rtype::NSEC))
            });
        }
        _ => {}
    }
}

/// Builds one fixture's served file from its source and keys.
pub fn build_fixture(
    state: &StateDir,
    plan: &LabPlan,
    fixture: &Fixture,
) -> Result<PathBuf, LabZoneError> {
    let apex = fixture.apex();
    let records = plan.zoo_fixture_records(fixture)?;
    let mut served = if fixture.is_signed() {
        let mut keys = state.load_fixture_keys(fixture)?;
        let now = time::now();
        if fixture.defect == Defect::DnskeyOnlyZsk {
            // Published, never active: the ZSK alone then signs the
            // DNSKEY RRset (an algorithm without an active SEP key).
            for k in keys.iter_mut().filter(|k| k.is_sep()) {
                k.timing.activate = Some(now + 365 * DAY);
            }
        }
        let config = sign_config(fixture, plan, now);
        sign_zone(&apex, records, &keys, &config)
            .map_err(|e| LabZoneError::Sign {
                zone: apex.clone(),
                source: e,
            })?
            .zone
            .records
    } else {
        records
    };
    apply_defect(fixture, &mut served);
    let path = fixture_file(state, fixture);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| LabZoneError::Write {
            path: dir.to_path_buf(),
            source: e,
        })?;
    }
    write_file_atomically(&path, |w| write_zone(w, &served)).map_err(|e| LabZoneError::Write {
        path: path.clone(),
        source: e,
    })?;
    tracing::debug!(zone = %apex, defect = ?fixture.defect, file = %path.display(), "zoo fixture built");
    Ok(path)
}

/// Builds every fixture of the plan (none without a zoo).
pub fn build_all(state: &StateDir, plan: &LabPlan) -> Result<Vec<PathBuf>, LabZoneError> {
    plan.zoo_fixtures()
        .iter()
        .map(|f| build_fixture(state, plan, f))
        .collect()
}

/// The DS records `zoo.` holds for one fixture, given its keys.
pub fn fixture_ds(fixture: &Fixture, keys: &[Key], ttl: u32) -> Vec<Record> {
    let apex = fixture.apex();
    let ds = |rdata: Vec<u8>| Record::new(apex.clone(), Rtype::DS, ttl, rdata);
    let ksks = keys.iter().filter(|k| k.is_sep());
    match fixture.defect {
        Defect::Unsigned | Defect::NoDs => Vec::new(),
        Defect::DsMatchesNoKey => ksks
            .map(|k| {
                // The DS of a key the zone does not publish: the KSK with
                // one octet of its public key changed (another tag, a
                // digest that matches nothing).
                let mut dnskey = k.dnskey_rdata();
                if let Some(last) = dnskey.last_mut() {
                    *last ^= 0x5a;
                }
                ds(ds_rdata(&apex, &dnskey, DigestType::Sha256))
            })
            .collect(),
        Defect::UnknownDsAlgorithm => ksks
            .map(|k| {
                let mut rdata = ds_rdata(&apex, &k.dnskey_rdata(), DigestType::Sha256);
                rdata[2] = UNKNOWN_DS_ALGORITHM;
                ds(rdata)
            })
            .collect(),
        _ => ksks
            .map(|k| ds(ds_rdata(&apex, &k.dnskey_rdata(), DigestType::Sha256)))
            .collect(),
    }
}

/// Every fixture's DS records, for `zoo.`.
pub fn ds_records(state: &StateDir, plan: &LabPlan) -> Result<Vec<Record>, LabZoneError> {
    let ttl = plan.timers.ds_ttl;
    let mut out = Vec::new();
    for f in plan.zoo_fixtures() {
        out.extend(fixture_ds(f, &state.load_fixture_keys(f)?, ttl));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dnslab_lab::zoo::FIXTURES;
    use dnslab_zone::rdata::view::{Ds, key_tag};

    fn lab() -> (tempfile::TempDir, StateDir, LabPlan) {
        let path =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../labs/minimal.yaml");
        let plan = LabPlan::load(&path).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::new(dir.path().join("lab"));
        state.init(&plan).unwrap();
        (dir, state, plan)
    }

    fn served(state: &StateDir, f: &Fixture) -> Vec<Record> {
        let options = dnslab_zone::parser::ParseOptions {
            origin: Some(f.apex()),
            default_ttl: None,
        };
        dnslab_zone::parser::parse_file(&fixture_file(state, f), &options).unwrap()
    }

    #[test]
    fn every_fixture_builds_as_its_defect_says() {
        let (_dir, state, plan) = lab();
        let built = build_all(&state, &plan).unwrap();
        assert_eq!(built.len(), FIXTURES.len());
        let now = time::now();
        for f in FIXTURES {
            let records = served(&state, f);
            let has = |t: Rtype| records.iter().any(|r| r.rtype == t);
            let sigs = || {
                records
                    .iter()
                    .filter(|r| r.rtype == Rtype::RRSIG)
                    .map(|r| dnslab_zone::rdata::view::Rrsig::parse(&r.rdata).unwrap())
            };
            assert_eq!(has(Rtype::RRSIG), f.is_signed(), "{}", f.label);
            let keys = state.load_fixture_keys(f).unwrap();
            let ds = fixture_ds(f, &keys, 60);
            let dnskeys: Vec<&Record> = records
                .iter()
                .filter(|r| r.rtype == Rtype::DNSKEY)
                .collect();
            let matching = |d: &Record| {
                let d = Ds::parse(&d.rdata).unwrap();
                dnskeys
                    .iter()
                    .any(|k| key_tag(&k.rdata) == d.key_tag && k.rdata[3] == d.algorithm.0)
            };
            match f.defect {
                Defect::Unsigned | Defect::NoDs => assert!(ds.is_empty()),
                Defect::DsMatchesNoKey => {
                    assert_eq!(ds.len(), 1);
                    assert!(!matching(&ds[0]));
                }
                Defect::UnknownDsAlgorithm => assert_eq!(ds[0].rdata[2], 253),
                _ => {
                    assert_eq!(ds.len(), 1, "{}", f.label);
                    assert!(matching(&ds[0]), "{}", f.label);
                }
            }
            match f.defect {
                Defect::Expired => assert!(sigs().all(|s| i64::from(s.expiration) < now)),
                Defect::NotYetValid => assert!(sigs().all(|s| i64::from(s.inception) > now)),
                Defect::Nsec3 => assert!(has(Rtype::NSEC3) && !has(Rtype::NSEC)),
                Defect::Nsec3Iterations(n) => {
                    assert!(has(Rtype::NSEC3));
                    let p = records
                        .iter()
                        .find(|r| r.rtype == Rtype::NSEC3PARAM)
                        .unwrap();
                    assert_eq!(u16::from_be_bytes([p.rdata[2], p.rdata[3]]), n);
                }
                Defect::MissingNxdomainProof => {
                    assert!(!has(Rtype::NSEC) && !has(Rtype::NSEC3));
                }
                Defect::MissingRrsigs => {
                    let at_www: Vec<Option<Rtype>> = records
                        .iter()
                        .filter(|r| r.rtype == Rtype::RRSIG && is_www(f, r))
                        .map(Record::covered_type)
                        .collect();
                    assert_eq!(at_www, [Some(Rtype::NSEC)]);
                }
                Defect::DataChanged => assert!(
                    records
                        .iter()
                        .any(|r| r.rtype == Rtype::A && r.rdata[..] == CHANGED_ADDRESS)
                ),
                Defect::DnskeyOnlyZsk => {
                    let ksk = keys.iter().find(|k| k.is_sep()).unwrap().tag();
                    let over_dnskey: Vec<u16> = sigs()
                        .filter(|s| s.type_covered == Rtype::DNSKEY)
                        .map(|s| s.key_tag)
                        .collect();
                    assert_eq!(over_dnskey.len(), 1);
                    assert_ne!(over_dnskey[0], ksk);
                    assert_eq!(dnskeys.len(), 2, "the KSK is still published");
                }
                Defect::BigDnskey => {
                    let size: usize = dnskeys.iter().map(|r| 12 + r.rdata.len()).sum();
                    assert!(size > 1232, "{size}");
                    let over_dnskey = sigs().filter(|s| s.type_covered == Rtype::DNSKEY).count();
                    assert_eq!(over_dnskey, 1, "stand-by keys sign nothing");
                }
                _ => {}
            }
        }
        // The corrupt signature differs from a fresh one only there.
        let zoo = plan.zone_records(&dnslab_lab::zones::zoo_apex()).unwrap();
        for f in FIXTURES {
            assert!(
                zoo.iter()
                    .any(|r| r.rtype == Rtype::NS && r.owner == f.apex()),
                "delegation of {}",
                f.label
            );
        }
    }
}
