//! A lab file moved to a throw-away network: `dnslab scenario test --lab
//! FILE` follows the exercises on the lab an instructor will run (its
//! TLDs, zone names, timers, port, exercises), without meeting that lab
//! if it is up.
//!
//! What changes, and why:
//! - `workshop:` gets the given name, so the test lab's state never
//!   mixes with the real one's;
//! - `addresses.base:` becomes the given network, so its servers bind
//!   addresses of their own;
//! - `cds_scan:` is on, once a day: the test plays the TLD's scanner on
//!   its virtual clock, and the lab's own scanner, on the real clock,
//!   would otherwise act between the test's steps.
//!
//! Everything else, comments aside, is the file as written. A lab file
//! that names other files by relative path is not supported by the move
//! (lab files name none today).

use ipnet::Ipv4Net;
use serde_yaml::{Mapping, Value};

/// Why a lab file could not be moved.
#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    #[error("the lab file is not YAML")]
    Yaml(#[source] serde_yaml::Error),
    #[error("the lab file is not a mapping of keys to values")]
    NotAMapping,
}

/// `text`, a lab file, with `workshop:`, `addresses.base:` and `cds_scan:`
/// replaced as the module says.
pub fn moved_lab_file(text: &str, workshop: &str, network: Ipv4Net) -> Result<String, MoveError> {
    let mut doc: Value = serde_yaml::from_str(text).map_err(MoveError::Yaml)?;
    let map = doc.as_mapping_mut().ok_or(MoveError::NotAMapping)?;
    map.insert("workshop".into(), workshop.into());
    let mut addresses = Mapping::new();
    addresses.insert("base".into(), network.to_string().into());
    map.insert("addresses".into(), Value::Mapping(addresses));
    let mut scan = Mapping::new();
    scan.insert("enabled".into(), true.into());
    scan.insert("interval".into(), "1d".into());
    map.insert("cds_scan".into(), Value::Mapping(scan));
    serde_yaml::to_string(&doc).map_err(MoveError::Yaml)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LabFile, LabPlan};

    #[test]
    fn the_moved_minimal_lab_keeps_its_settings_on_another_network() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../labs/minimal.yaml");
        let text = std::fs::read_to_string(path).unwrap();
        let network: Ipv4Net = "127.199.0.0/16".parse().unwrap();
        let moved = moved_lab_file(&text, "moved-test", network).unwrap();
        let plan_of = |text: &str, file: &str| {
            LabPlan::from_spec(LabFile::parse(text, file.as_ref()).unwrap(), file.as_ref()).unwrap()
        };
        let original = plan_of(&text, path);
        let plan = plan_of(&moved, "moved.yaml");
        assert_eq!(plan.workshop, "moved-test");
        assert_eq!(plan.network, network);
        assert_eq!(plan.port, original.port);
        assert_eq!(plan.exercises, original.exercises);
        assert!(plan.cds_scan.enabled);
        let zones = |p: &LabPlan| {
            p.trainees
                .iter()
                .map(|t| t.zone.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(zones(&plan), zones(&original));
        assert_ne!(plan.trainees[0].auth, original.trainees[0].auth);
    }

    #[test]
    fn a_list_is_not_a_lab_file() {
        let e = moved_lab_file("- a\n- b\n", "x", "127.199.0.0/16".parse().unwrap());
        assert!(matches!(e, Err(MoveError::NotAMapping)), "{e:?}");
    }
}
