//! `dnslab grade --format svg` and `dnslab timeline --format svg` on a
//! real lab (127.147.0.0/16, port 10053): a trainee whose parent holds
//! the DS of a key the zone does not serve gets a chain picture with the
//! broken link in red, labelled with the failed check.

mod common;

use common::lab::{Lab, ok, sign_trainee_zone, wait_for};
use dnslab_testkit::printed;

const LAB: &str = "workshop: grade-pictures\ntlds: [ne]\ntrainees:\n  names: [t01]\n\
                   zone: \"{trainee}.{tld}\"\ntimers: workshop\nzoo: false\nnodes:\n  resolver: false\n\
                   exercises: [sign-zone, ds-submission]\naddresses:\n  base: 127.147.0.0/16\nport: 10053\n";

fn broken_link_of(svg: &str) -> Option<(String, String)> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"));
    let group = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("broken-link"))?;
    let text: Vec<&str> = group.descendants().filter_map(|n| n.text()).collect();
    Some((
        group
            .attribute("data-finding")
            .unwrap_or_default()
            .to_string(),
        text.join(" "),
    ))
}

#[test]
fn a_ds_of_a_key_not_in_the_zone_is_drawn_as_the_broken_link() {
    let lab = Lab::from_yaml(LAB);
    lab.up();
    let workspace = lab.state.join("trainees/t01");
    sign_trainee_zone(&lab, &workspace, "t01.ne.");
    // A KSK the zone never publishes: its DS matches nothing.
    let stray_dir = lab.state.join("stray-keys");
    let stray = ok(
        lab.run(&[
            "key",
            "generate",
            "--zone",
            "t01.ne.",
            "--ksk",
            "--dir",
            stray_dir.to_str().unwrap(),
        ]),
        "key generate",
    );
    let stray_tag = stray
        .trim()
        .rsplit('+')
        .next()
        .and_then(|t| t.parse::<u16>().ok())
        .unwrap_or_else(|| panic!("a key tag in {stray:?}"));
    let stray_key = stray_dir.join(format!("{}.key", stray.trim()));
    ok(
        lab.run(&[
            "ds",
            "submit",
            "--trainee",
            "t01",
            "--key",
            stray_key.to_str().unwrap(),
        ]),
        "ds submit",
    );

    let grade = || {
        lab.run(&[
            "grade",
            "--exercise",
            "ds-submission",
            "--trainee",
            "t01",
            "--format",
            "svg",
        ])
    };
    // The TLD re-signs and reloads with the DS: until then the chain is
    // merely insecure.
    wait_for("the red link in the picture", || {
        let out = grade();
        broken_link_of(&String::from_utf8_lossy(&out.stdout)).is_some()
    });
    let out = grade();
    assert_eq!(out.status.code(), Some(1), "{}", printed(&out));
    let svg = String::from_utf8_lossy(&out.stdout);
    let (finding, text) = broken_link_of(&svg).expect("a broken link");
    assert!(!finding.is_empty(), "no finding id on the link:\n{svg}");
    assert!(text.contains(&finding), "{text}");
    assert!(text.contains("matches no key"), "{text}");
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let tag = stray_tag.to_string();
    assert!(
        doc.descendants().any(
            |n| n.attribute("class") == Some("ds") && n.attribute("data-key-tag") == Some(&tag)
        ),
        "the stray DS {tag} is not drawn"
    );

    // -o FILE writes the same picture.
    let file = lab.state.join("t01-chain.svg");
    let out = lab.run(&[
        "grade",
        "--exercise",
        "ds-submission",
        "--trainee",
        "t01",
        "--format",
        "svg",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", printed(&out));
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(broken_link_of(&written).is_some());

    // An exercise without chain checks has no chain to draw: exit 2.
    let out = lab.run(&[
        "grade",
        "--exercise",
        "sign-zone",
        "--trainee",
        "t01",
        "--format",
        "svg",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));

    // The timeline as a picture.
    let out = lab.run(&["timeline", "--trainee", "t01", "--format", "svg"]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        printed(&out)
    );
    let svg = String::from_utf8_lossy(&out.stdout);
    let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"));
    assert!(doc.root_element().has_tag_name("svg"));
    assert!(svg.contains("Rollover timeline of t01.ne."), "{svg}");
}
