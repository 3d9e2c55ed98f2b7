//! The scenario files shipped with dnslab, built into the binary so that
//! an instructor's installed `dnslab` has them without the source tree.

use dnslab_lab::LabError;
use dnslab_lab::scenario::Scenario;
use std::path::Path;

/// `(path in the repository, text)` of each shipped scenario.
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "scenarios/sign-zone.yaml",
        include_str!("../../../scenarios/sign-zone.yaml"),
    ),
    (
        "scenarios/ds-submission.yaml",
        include_str!("../../../scenarios/ds-submission.yaml"),
    ),
    (
        "scenarios/resolver-validation.yaml",
        include_str!("../../../scenarios/resolver-validation.yaml"),
    ),
    (
        "scenarios/zsk-rollover.yaml",
        include_str!("../../../scenarios/zsk-rollover.yaml"),
    ),
    (
        "scenarios/ksk-rollover.yaml",
        include_str!("../../../scenarios/ksk-rollover.yaml"),
    ),
    (
        "scenarios/algorithm-rollover.yaml",
        include_str!("../../../scenarios/algorithm-rollover.yaml"),
    ),
    (
        "scenarios/cds-automation.yaml",
        include_str!("../../../scenarios/cds-automation.yaml"),
    ),
];

/// The shipped scenarios, parsed and validated against the catalogue.
pub fn scenarios() -> Result<Vec<Scenario>, LabError> {
    let known = crate::checks::known_ids();
    SHIPPED
        .iter()
        .map(|(path, text)| {
            let s = Scenario::parse(text, Path::new(path))?;
            s.validate(&known)?;
            Ok(s)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn shipped_scenarios_are_valid() {
        let scenarios = super::scenarios().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(scenarios.len(), super::SHIPPED.len());
    }
}
