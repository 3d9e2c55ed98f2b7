//! The chain-of-trust picture, drawn the way DNSViz draws one: top down
//! from the lab's trust anchor, each zone a box holding its DNSKEYs, the
//! DS records that point into it above the box, and the edges between:
//!
//! ```text
//!            [anchor DS 20326]            trust anchor
//!                   │ digest
//!  ┌ . (root) ───────────────────────────┐
//!  │ [KSK 20326] [ZSK 4711]              │
//!  │      ╲ signs                        │
//!  │   [./DNSKEY RRset]                  │
//!  └─────────────────────────────────────┘
//!        ┊ signs the DS RRset
//!            [DS 1234]                    DS for ne. at .
//!                   │ digest
//!  ┌ ne. ... ─────────────────────────────┐
//! ```
//!
//! A DS is linked to the key it is the digest of, or left dangling when
//! it matches none; a key that signs the DNSKEY RRset is linked to it. The
//! link where the chain breaks ([`LinkStatus::Broken`]) is red and
//! dashed, in a group `id="broken-link"` that carries the finding's id and
//! its text.

use super::svg::{Svg, num, wrap};
use super::{BROKEN_DASH, GREEN, INK, MUTED, RED};
use crate::chain::{Break, Chain, ChainState, HopView, LinkStatus};
use crate::checks::{self, Needs};
use crate::outcome::{GradeReport, Status};
use crate::rrset::KeyInfo;
use dnslab_zone::Rtype;

const WIDTH: f64 = 640.0;
const MARGIN: f64 = 8.0;
const FONT: f64 = 11.0;
/// Key nodes: size and the columns they sit in.
const NODE_W: f64 = 136.0;
const NODE_H: f64 = 38.0;
const COLUMN: f64 = 152.0;
const COLUMNS: usize = 4;
const FIRST_COLUMN: f64 = 24.0;
const DS_BAND: f64 = 78.0;
const HEADER: f64 = 30.0;
const RRSET_H: f64 = 24.0;
/// A neutral edge: a signature over the DS RRset, or a link not checked.
const GREY: &str = "#888888";

/// The finding the broken link is labelled with: a failed check's id and
/// message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub id: String,
    pub message: String,
}

impl Finding {
    /// The first failed (or warned) chain check of `report`, the one to
    /// name at the broken link.
    pub fn from_report(report: &GradeReport) -> Option<Finding> {
        report
            .checks
            .iter()
            .filter(|c| matches!(c.status, Status::Fail | Status::Warn))
            .find(|c| checks::find(&c.id).is_some_and(|d| d.needs == Needs::Chain))
            .map(|c| Finding {
                id: c.id.clone(),
                message: c.message.clone(),
            })
    }
}

/// Where one zone's parts are drawn.
struct Placed {
    /// Top of the DS band above the zone box.
    band: f64,
    /// Top and height of the zone box.
    top: f64,
    height: f64,
    /// Top of the DNSKEY RRset node.
    rrset: f64,
}

fn key_xy(top: f64, index: usize) -> (f64, f64) {
    let (col, row) = (index % COLUMNS, index / COLUMNS);
    (
        FIRST_COLUMN + col as f64 * COLUMN,
        top + HEADER + row as f64 * (NODE_H + 14.0),
    )
}

/// DS nodes sit in the key columns, above the box.
fn ds_xy(band: f64, index: usize) -> (f64, f64) {
    (
        FIRST_COLUMN + (index % COLUMNS) as f64 * COLUMN,
        band + 22.0 + (index / COLUMNS) as f64 * 36.0,
    )
}

fn rows(n: usize) -> usize {
    n.div_ceil(COLUMNS).max(1)
}

fn layout(hops: &[HopView]) -> (Vec<Placed>, f64) {
    let mut y = 58.0;
    let mut out = Vec::new();
    for hop in hops {
        let band = y;
        let ds_rows = rows(hop.ds_at_parent.len());
        let top = band + DS_BAND + (ds_rows - 1) as f64 * 36.0;
        let rrset = top + HEADER + rows(hop.keys.len()) as f64 * (NODE_H + 14.0) + 8.0;
        let height = rrset + RRSET_H + 12.0 - top;
        out.push(Placed {
            band,
            top,
            height,
            rrset,
        });
        y = top + height + 10.0;
    }
    (out, y)
}

fn role(key: &KeyInfo) -> &'static str {
    if key.sep { "KSK" } else { "ZSK" }
}

fn digest_name(digest_type: u8) -> String {
    match digest_type {
        1 => "SHA-1".into(),
        2 => "SHA-256".into(),
        4 => "SHA-384".into(),
        n => format!("digest {n}"),
    }
}

fn line(svg: &mut Svg, from: (f64, f64), to: (f64, f64), stroke: &str, dash: Option<&str>) {
    let mut attrs = vec![
        ("x1", num(from.0)),
        ("y1", num(from.1)),
        ("x2", num(to.0)),
        ("y2", num(to.1)),
        ("stroke", stroke.to_string()),
        ("stroke-width", "1.6".to_string()),
        ("marker-end", "url(#dl-arrow)".to_string()),
    ];
    if let Some(dash) = dash {
        attrs.push(("stroke-dasharray", dash.to_string()));
    }
    svg.empty("line", &attrs);
}

const DEFS: &str = r##"<defs>
<marker id="dl-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444444"/></marker>
</defs>
"##;

/// The chain of trust `chain` as an SVG document, the broken link (if
/// any) labelled with `finding` (else with the walk's own sentence).
pub fn chain_svg(chain: &Chain, finding: Option<&Finding>) -> String {
    let zone = chain
        .hops
        .last()
        .map_or_else(|| "?".to_string(), |h| h.zone.to_string());
    let title = format!("Chain of trust of {zone}");
    let mut svg = Svg::new(WIDTH);
    svg.defs(DEFS);
    svg.text(12.0, 22.0, 15.0, &[("font-weight", "bold".into())], &title);
    let (status, colour) = match &chain.state {
        ChainState::Secure => ("secure: every link validates".to_string(), GREEN),
        ChainState::Insecure { at } => (
            format!("insecure: no DS for {at}, validators do not check it"),
            MUTED,
        ),
        ChainState::Bogus { at } => (format!("BOGUS: the chain breaks at {at}"), RED),
        ChainState::Unreachable { at } => (format!("UNREACHABLE: {at} could not be asked"), RED),
    };
    svg.text(12.0, 40.0, FONT + 1.0, &[("fill", colour.into())], &status);
    let (placed, mut y) = layout(&chain.hops);
    for (i, (hop, at)) in chain.hops.iter().zip(&placed).enumerate() {
        let parent = i
            .checked_sub(1)
            .and_then(|p| chain.hops.get(p).zip(placed.get(p)));
        zone_box(&mut svg, hop, at);
        let broken = matches!(hop.link, LinkStatus::Broken(_));
        if broken {
            svg.open(
                "g",
                &[
                    ("id", "broken-link".into()),
                    ("class", "broken".into()),
                    (
                        "data-finding",
                        finding.map_or_else(String::new, |f| f.id.clone()),
                    ),
                ],
            );
        }
        ds_band(&mut svg, i, hop, at, parent);
        if broken {
            y = callout(&mut svg, chain, finding, y);
            svg.close("g");
        }
    }
    if !chain.hops.is_empty() && chain.hops.iter().all(|h| h.link == LinkStatus::NotReached) {
        // A chain built without the walk's views: say so rather than
        // draw an empty page.
        svg.text(
            12.0,
            y + 12.0,
            FONT,
            &[],
            "The walk kept no view of the zones.",
        );
        y += 20.0;
    }
    y = legend(&mut svg, y + 8.0);
    svg.finish(&title, y + 8.0)
}

/// The zone's box with its keys and its DNSKEY RRset, and the signature
/// edges from the keys to it.
fn zone_box(svg: &mut Svg, hop: &HopView, at: &Placed) {
    let (stroke, dash) = match hop.link {
        LinkStatus::Secure => (INK, None),
        LinkStatus::Insecure | LinkStatus::NotReached => (GREY, Some("4 3")),
        LinkStatus::Broken(_) => (RED, Some(BROKEN_DASH)),
    };
    svg.open(
        "g",
        &[
            ("class", "zone".into()),
            ("data-zone", hop.zone.to_string()),
        ],
    );
    let mut attrs = vec![
        ("x", num(MARGIN)),
        ("y", num(at.top)),
        ("width", num(WIDTH - 2.0 * MARGIN)),
        ("height", num(at.height)),
        ("rx", "10".into()),
        ("fill", "#fafafa".into()),
        ("stroke", stroke.into()),
        ("stroke-width", "1.5".into()),
    ];
    if let Some(dash) = dash {
        attrs.push(("stroke-dasharray", dash.into()));
    }
    svg.empty("rect", &attrs);
    svg.text(
        18.0,
        at.top + 18.0,
        FONT + 2.0,
        &[("font-weight", "bold".into())],
        &format!("{}   ({})", hop.zone, hop.node),
    );
    let state = match hop.link {
        LinkStatus::Secure => "secure",
        LinkStatus::Insecure => "insecure (no DS)",
        LinkStatus::NotReached => "not reached",
        LinkStatus::Broken(Break::Unreachable) => "unreachable",
        LinkStatus::Broken(Break::NoDnskey) => "no DNSKEY RRset",
        LinkStatus::Broken(_) => "bogus",
    };
    svg.text(
        WIDTH - 18.0,
        at.top + 18.0,
        FONT,
        &[("text-anchor", "end".into()), ("fill", stroke.into())],
        state,
    );
    for (k, key) in hop.keys.iter().enumerate() {
        key_node(svg, key, key_xy(at.top, k));
    }
    // The DNSKEY RRset, and an edge from each key with an RRSIG over it.
    let rrset_x = WIDTH / 2.0 - 90.0;
    svg.empty(
        "rect",
        &[
            ("x", num(rrset_x)),
            ("y", num(at.rrset)),
            ("width", "180".into()),
            ("height", num(RRSET_H)),
            ("rx", "4".into()),
            ("fill", "#ffffff".into()),
            ("stroke", INK.into()),
        ],
    );
    svg.text(
        WIDTH / 2.0,
        at.rrset + 16.0,
        FONT,
        &[("text-anchor", "middle".into())],
        &format!("{} DNSKEY RRset", hop.zone),
    );
    for sig in &hop.dnskey_signers {
        let Some(k) = hop
            .keys
            .iter()
            .position(|k| k.tag == sig.key_tag && k.algorithm == sig.algorithm)
        else {
            continue;
        };
        let (x, y) = key_xy(at.top, k);
        let (stroke, dash) = if sig.is_valid() {
            (GREEN, None)
        } else {
            (RED, Some(BROKEN_DASH))
        };
        svg.open("g", &[("class", "signature".into())]);
        svg.with_text("title", &[], &sig.describe(&hop.zone, Rtype::DNSKEY));
        line(
            svg,
            (x + NODE_W / 2.0, y + NODE_H),
            (WIDTH / 2.0, at.rrset),
            stroke,
            dash,
        );
        svg.close("g");
    }
    svg.close("g");
}

fn key_node(svg: &mut Svg, key: &KeyInfo, (x, y): (f64, f64)) {
    let fill = if key.revoked {
        "#dddddd"
    } else if key.sep {
        "#fff3c4"
    } else {
        "#e3eefa"
    };
    svg.open(
        "g",
        &[
            ("class", "dnskey".into()),
            ("data-key-tag", key.tag.to_string()),
        ],
    );
    let mut attrs = vec![
        ("x", num(x)),
        ("y", num(y)),
        ("width", num(NODE_W)),
        ("height", num(NODE_H)),
        ("rx", "8".into()),
        ("fill", fill.into()),
        ("stroke", INK.into()),
        ("stroke-width", if key.sep { "2" } else { "1" }.into()),
    ];
    if key.revoked {
        attrs.push(("stroke-dasharray", "3 2".into()));
    }
    svg.empty("rect", &attrs);
    let mut first = format!("{} {}", role(key), key.tag);
    if key.revoked {
        first.push_str(" REVOKED");
    }
    svg.text(
        x + 8.0,
        y + 15.0,
        FONT,
        &[("font-weight", "bold".into())],
        &first,
    );
    // `ECDSAP256SHA256 (13)`: the mnemonic and the number fit the node.
    let algorithm: String = key.algorithm.to_string().chars().take(24).collect();
    svg.text(x + 8.0, y + 30.0, FONT - 2.0, &[], &algorithm);
    svg.close("g");
}

/// The DS records above the zone box: their signature edges from the
/// parent's keys, and their digest edges to the keys they match.
fn ds_band(
    svg: &mut Svg,
    i: usize,
    hop: &HopView,
    at: &Placed,
    parent: Option<(&HopView, &Placed)>,
) {
    let caption = match parent {
        None => "trust anchor: the lab root's DS".to_string(),
        Some((p, _)) => format!("DS for {} at {} ({})", hop.zone, p.zone, p.node),
    };
    svg.text(
        WIDTH - 18.0,
        at.band + 14.0,
        FONT - 1.0,
        &[("text-anchor", "end".into()), ("fill", MUTED.into())],
        &caption,
    );
    let broken = match hop.link {
        LinkStatus::Broken(b) => Some(b),
        _ => None,
    };
    if hop.link == LinkStatus::Insecure || hop.ds_at_parent.is_empty() {
        let (from_y, to_y) = (at.band + 4.0, at.top);
        let text = match hop.link {
            LinkStatus::Insecure => "no DS: insecure, validators do not check this zone",
            LinkStatus::NotReached => "not reached",
            _ => "no DS record",
        };
        let (stroke, dash) = if broken.is_some() {
            (RED, BROKEN_DASH)
        } else {
            (GREY, "4 3")
        };
        line(
            svg,
            (WIDTH / 2.0, from_y),
            (WIDTH / 2.0, to_y),
            stroke,
            Some(dash),
        );
        svg.text(
            WIDTH / 2.0 + 8.0,
            at.band + 40.0,
            FONT,
            &[("fill", stroke.into())],
            text,
        );
        return;
    }
    for (d, ds) in hop.ds_at_parent.iter().enumerate() {
        let (x, y) = ds_xy(at.band, d);
        // Who signs the DS RRset (not the trust anchor's).
        if let Some((p, p_at)) = parent {
            for sig in &hop.ds_signers {
                let Some(k) = p
                    .keys
                    .iter()
                    .position(|k| k.tag == sig.key_tag && k.algorithm == sig.algorithm)
                else {
                    continue;
                };
                let (kx, ky) = key_xy(p_at.top, k);
                let (stroke, dash) = if sig.is_valid() {
                    (GREY, "1.5 2.5")
                } else {
                    (RED, BROKEN_DASH)
                };
                svg.open("g", &[("class", "ds-signature".into())]);
                svg.with_text("title", &[], &sig.describe(&hop.zone, Rtype::DS));
                line(
                    svg,
                    (kx + NODE_W / 2.0, ky + NODE_H),
                    (x + NODE_W / 2.0, y),
                    stroke,
                    Some(dash),
                );
                svg.close("g");
            }
            if broken == Some(Break::DsNotSigned)
                && !hop.ds_signers.iter().any(|s| {
                    p.keys
                        .iter()
                        .any(|k| k.tag == s.key_tag && k.algorithm == s.algorithm)
                })
            {
                // Signed by no key of the parent at all.
                line(
                    svg,
                    (x + NODE_W / 2.0, p_at.top + p_at.height),
                    (x + NODE_W / 2.0, y),
                    RED,
                    Some(BROKEN_DASH),
                );
            }
        }
        // The DS node.
        let anchor = i == 0 && parent.is_none();
        let dangling = ds.matches.is_none() && !hop.keys.is_empty();
        svg.open(
            "g",
            &[
                ("class", if anchor { "trust-anchor" } else { "ds" }.into()),
                ("data-key-tag", ds.key_tag.to_string()),
            ],
        );
        let mut attrs = vec![
            ("x", num(x)),
            ("y", num(y)),
            ("width", num(NODE_W)),
            ("height", "30".into()),
            ("rx", "15".into()),
            ("fill", "#eeeeee".into()),
            (
                "stroke",
                if dangling && broken.is_some() {
                    RED
                } else {
                    INK
                }
                .into(),
            ),
            ("stroke-width", if anchor { "2.5" } else { "1" }.into()),
        ];
        if dangling {
            attrs.push(("stroke-dasharray", BROKEN_DASH.into()));
        }
        svg.empty("rect", &attrs);
        svg.text(
            x + NODE_W / 2.0,
            y + 13.0,
            FONT,
            &[
                ("text-anchor", "middle".into()),
                ("font-weight", "bold".into()),
            ],
            &format!("{} {}", if anchor { "anchor DS" } else { "DS" }, ds.key_tag),
        );
        svg.text(
            x + NODE_W / 2.0,
            y + 25.0,
            FONT - 2.0,
            &[("text-anchor", "middle".into())],
            &format!("alg {}, {}", ds.algorithm.0, digest_name(ds.digest_type)),
        );
        svg.close("g");
        // Its digest edge.
        let from = (x + NODE_W / 2.0, y + 30.0);
        match ds.matches {
            Some(k) => {
                let (kx, ky) = key_xy(at.top, k);
                let bad = broken == Some(Break::DnskeyNotSignedByDsKey) && !hop.signs_dnskey(k);
                let (stroke, dash) = match (bad, hop.link) {
                    (true, _) => (RED, Some(BROKEN_DASH)),
                    (false, LinkStatus::Secure) => (GREEN, None),
                    (false, _) => (GREY, Some("4 3")),
                };
                line(svg, from, (kx + NODE_W / 2.0, ky), stroke, dash);
            }
            None if hop.keys.is_empty() && broken.is_none() => {}
            None => {
                // Dangling: it points at no key the zone serves.
                let colour = if broken.is_some() { RED } else { GREY };
                line(svg, from, (from.0, at.top - 2.0), colour, Some(BROKEN_DASH));
                svg.text(
                    from.0 + 6.0,
                    at.top - 6.0,
                    FONT - 1.0,
                    &[("fill", colour.into())],
                    "✗ matches no key",
                );
            }
        }
    }
}

/// The finding at the broken link: its id and text, red; returns the y
/// below it.
fn callout(svg: &mut Svg, chain: &Chain, finding: Option<&Finding>, mut y: f64) -> f64 {
    let walk = chain.failure.as_deref().unwrap_or("the chain breaks here");
    let (head, text) = match finding {
        Some(f) => (format!("✗ {}", f.id), f.message.as_str()),
        None => ("✗ broken link".to_string(), walk),
    };
    let lines = wrap(text, 96);
    let height = 24.0 + 13.0 * lines.len() as f64 + chain.reference.map_or(0.0, |_| 13.0);
    svg.empty(
        "rect",
        &[
            ("x", num(MARGIN)),
            ("y", num(y)),
            ("width", num(WIDTH - 2.0 * MARGIN)),
            ("height", num(height)),
            ("rx", "6".into()),
            ("fill", "#fdecea".into()),
            ("stroke", RED.into()),
            ("stroke-width", "1.5".into()),
            ("stroke-dasharray", BROKEN_DASH.into()),
        ],
    );
    svg.text(
        18.0,
        y + 16.0,
        FONT + 1.0,
        &[("fill", RED.into()), ("font-weight", "bold".into())],
        &head,
    );
    y += 16.0;
    for l in &lines {
        y += 13.0;
        svg.text(18.0, y, FONT - 1.0, &[("fill", INK.into())], l);
    }
    if let Some(reference) = chain.reference {
        y += 13.0;
        svg.text(18.0, y, FONT - 1.0, &[("fill", MUTED.into())], reference);
    }
    y + 18.0
}

/// The legend; returns the y below it.
fn legend(svg: &mut Svg, mut y: f64) -> f64 {
    svg.open("g", &[("class", "legend".into())]);
    svg.text(12.0, y, FONT, &[("font-weight", "bold".into())], "Legend");
    y += 6.0;
    let nodes: [(&str, &str, &str, &str); 4] = [
        ("#fff3c4", "2", "", "KSK (SEP flag)"),
        ("#e3eefa", "1", "", "ZSK"),
        ("#dddddd", "1", "3 2", "revoked key"),
        ("#eeeeee", "1", "", "DS record (trust anchor: thick)"),
    ];
    for (i, (fill, width, dash, text)) in nodes.iter().enumerate() {
        let (x, yy) = (12.0 + (i % 2) as f64 * 310.0, y + (i / 2) as f64 * 18.0);
        let mut attrs = vec![
            ("x", num(x)),
            ("y", num(yy + 2.0)),
            ("width", "24".into()),
            ("height", "12".into()),
            ("rx", "4".into()),
            ("fill", (*fill).into()),
            ("stroke", INK.into()),
            ("stroke-width", (*width).into()),
        ];
        if !dash.is_empty() {
            attrs.push(("stroke-dasharray", (*dash).into()));
        }
        svg.empty("rect", &attrs);
        svg.text(x + 30.0, yy + 12.0, FONT - 1.0, &[], text);
    }
    y += 2.0 * 18.0;
    let lines: [(&str, &str, &str); 4] = [
        (GREEN, "", "validated: DS matches key, key signs"),
        (RED, BROKEN_DASH, "broken link (the finding in the red box)"),
        (GREY, "1.5 2.5", "the parent's key signs the DS RRset"),
        (GREY, "4 3", "not checked (insecure, not reached)"),
    ];
    for (i, (stroke, dash, text)) in lines.iter().enumerate() {
        let (x, yy) = (12.0 + (i % 2) as f64 * 310.0, y + (i / 2) as f64 * 18.0);
        line(
            svg,
            (x, yy + 8.0),
            (x + 24.0, yy + 8.0),
            stroke,
            (!dash.is_empty()).then_some(*dash),
        );
        svg.text(x + 30.0, yy + 12.0, FONT - 1.0, &[], text);
    }
    svg.close("g");
    y + 2.0 * 18.0
}
