//! Configurations for a trainee's own resolver (Unbound or BIND) that
//! recurses through the lab: `dnslab resolver-config`.
//!
//! # Background
//!
//! A resolver finds a zone's servers from NS records and glue, which name
//! addresses but never ports. A lab on port 53 needs nothing more than its
//! root server and trust anchor. A lab run without privileges listens on
//! another port (`labs/minimal.yaml`: 10053), and a referral to
//! `127.53.1.1` then leads nowhere. Each resolver has its own way round:
//!
//! - **Unbound** takes a port per server in a stub zone
//!   (`stub-addr: 127.53.1.1@10053`), so the configuration has one stub
//!   zone for every zone cut of the lab, each pointing at the server that
//!   serves it. On port 53 the root's stub alone is enough (the same as
//!   root hints).
//! - **BIND** has no port in `server-addresses`, but its `port` option sets
//!   the port it both listens on and sends to (BIND's own system tests run
//!   on a private port this way); `listen-on port` then picks where it
//!   answers. The lab root is a static stub for `.`.
//!
//! Both restrict recursion to the lab's clients (RFC 5358) and validate with
//! the lab root's trust anchor.

use crate::plan::LabPlan;
use dnslab_zone::Record;
use std::fmt::Write as _;
use std::net::SocketAddr;

/// A zone of the lab and the server that serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneCut {
    /// The zone's apex, absolute, e.g. `ne.`.
    pub apex: String,
    pub server: SocketAddr,
}

/// Every zone the lab serves, root first, each with its server. The
/// trainees' zones are included whether or not the lab runs their server:
/// `nodes.auth: false` puts a trainee's own server at the same address.
pub fn zone_cuts(plan: &LabPlan) -> Vec<ZoneCut> {
    let mut cuts: Vec<ZoneCut> = plan
        .nodes
        .iter()
        .filter(|n| !n.role.is_resolver())
        .flat_map(|n| {
            n.zones.iter().map(move |apex| ZoneCut {
                apex: apex.to_string(),
                server: n.address,
            })
        })
        .collect();
    // Root first, then by depth and name, so the file reads top-down.
    cuts.sort_by(|a, b| {
        let depth = |c: &ZoneCut| c.apex.matches('.').count() - usize::from(c.apex == ".");
        depth(a).cmp(&depth(b)).then_with(|| a.apex.cmp(&b.apex))
    });
    cuts.dedup();
    cuts
}

/// The networks a trainee's resolver should answer: the lab's and the
/// host's loopback (where the grader and `dig` on the host come from).
fn clients(plan: &LabPlan) -> Vec<String> {
    let mut nets = vec![plan.network.to_string()];
    let loopback = "127.0.0.1/32".to_string();
    if !plan.network.contains(&std::net::Ipv4Addr::LOCALHOST) {
        nets.push(loopback);
    }
    nets
}

/// A complete `unbound.conf` for a validating resolver on `listen` that
/// recurses through the lab and trusts `anchors` (the lab root's DS).
pub fn unbound_conf(plan: &LabPlan, anchors: &[Record], listen: SocketAddr) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# unbound.conf: a validating resolver for the dnslab lab {}\n\
         # (made by `dnslab resolver-config --format unbound`)",
        plan.workshop
    );
    let _ = writeln!(out, "server:");
    let _ = writeln!(out, "    interface: {}@{}", listen.ip(), listen.port());
    let _ = writeln!(out, "    do-ip6: no");
    let _ = writeln!(
        out,
        "    # Runs as you, from any directory: `unbound -d -c unbound.conf`."
    );
    let _ = writeln!(out, "    chroot: \"\"");
    let _ = writeln!(out, "    username: \"\"");
    let _ = writeln!(out, "    directory: \"\"");
    let _ = writeln!(out, "    pidfile: \"\"");
    let _ = writeln!(out, "    use-syslog: no");
    let _ = writeln!(
        out,
        "    # Answer the lab only: an open resolver is abused (RFC 5358)."
    );
    let _ = writeln!(out, "    access-control: 0.0.0.0/0 refuse");
    // Unbound allows 127.0.0.0/8 unless told otherwise.
    let _ = writeln!(out, "    access-control: 127.0.0.0/8 refuse");
    for net in clients(plan) {
        let _ = writeln!(out, "    access-control: {net} allow");
    }
    let _ = writeln!(
        out,
        "    # The lab's servers are on loopback addresses, which Unbound avoids by default."
    );
    let _ = writeln!(out, "    do-not-query-localhost: no");
    let _ = writeln!(out, "    module-config: \"validator iterator\"");
    let _ = writeln!(out, "    ede: yes");
    let _ = writeln!(
        out,
        "    # The lab root's key: the only trust anchor that works in the lab."
    );
    for r in anchors {
        let _ = writeln!(
            out,
            "    trust-anchor: \"{} DS {}\"",
            r.owner,
            r.rdata_text()
        );
    }
    let _ = writeln!(out, "remote-control:\n    control-enable: no");
    let cuts = zone_cuts(plan);
    if plan.port == 53 {
        let _ = writeln!(
            out,
            "\n# The lab root is the only root server (as root hints would say)."
        );
    } else {
        let _ = writeln!(
            out,
            "\n# The lab listens on port {}: referrals carry no port, so every zone of\n\
             # the lab is a stub zone with its server's address and port.",
            plan.port
        );
    }
    for cut in cuts.iter().filter(|c| plan.port != 53 || c.apex == ".") {
        let _ = writeln!(out, "stub-zone:");
        let _ = writeln!(out, "    name: \"{}\"", cut.apex);
        let _ = writeln!(
            out,
            "    stub-addr: {}@{}",
            cut.server.ip(),
            cut.server.port()
        );
    }
    out
}

/// A complete `named.conf` for a validating BIND resolver on `listen` that
/// recurses through the lab and trusts `anchors`. `directory` is BIND's
/// working directory (it must exist and be writable by named). named
/// listens only on addresses of the machine's interfaces (127.0.0.1, not
/// the rest of 127.0.0.0/8 unless added to `lo`).
pub fn named_conf(
    plan: &LabPlan,
    anchors: &[Record],
    listen: SocketAddr,
    directory: &str,
) -> String {
    let mut out = String::new();
    let acl = clients(plan)
        .iter()
        .map(|n| format!("{n}; "))
        .collect::<String>();
    let _ = writeln!(
        out,
        "// named.conf: a validating resolver for the dnslab lab {}\n\
         // (made by `dnslab resolver-config --format bind`)",
        plan.workshop
    );
    let _ = writeln!(out, "options {{");
    let _ = writeln!(out, "    directory \"{directory}\";");
    let _ = writeln!(out, "    pid-file none;");
    if plan.port != 53 {
        let _ = writeln!(
            out,
            "    // The lab listens on port {p}: BIND sends its queries to this port.",
            p = plan.port
        );
        let _ = writeln!(out, "    port {};", plan.port);
    }
    let _ = writeln!(
        out,
        "    listen-on port {} {{ {}; }};",
        listen.port(),
        listen.ip()
    );
    let _ = writeln!(out, "    listen-on-v6 {{ none; }};");
    let _ = writeln!(out, "    recursion yes;");
    let _ = writeln!(
        out,
        "    // Answer the lab only: an open resolver is abused (RFC 5358)."
    );
    let _ = writeln!(out, "    allow-query {{ {acl}}};");
    let _ = writeln!(out, "    allow-recursion {{ {acl}}};");
    let _ = writeln!(out, "    dnssec-validation yes;");
    let _ = writeln!(out, "}};");
    let _ = writeln!(
        out,
        "// No rndc channel: it would need port 953 and a key readable by you."
    );
    let _ = writeln!(out, "controls {{ }};");
    let _ = writeln!(
        out,
        "\n// The lab root's key: the only trust anchor that works in the lab."
    );
    let _ = writeln!(out, "trust-anchors {{");
    for r in anchors {
        let _ = writeln!(
            out,
            "    {} static-ds {};",
            r.owner,
            bind_ds_fields(&r.rdata_text())
        );
    }
    let _ = writeln!(out, "}};");
    let root = plan.root_node().address.ip();
    let _ = writeln!(
        out,
        "\n// The lab root is the only root server.\n\
         zone \".\" {{ type static-stub; server-addresses {{ {root}; }}; }};"
    );
    out
}

/// `12345 13 2 ABCD` → `12345 13 2 "ABCD"`: BIND wants the digest quoted.
pub fn bind_ds_fields(text: &str) -> String {
    let mut parts: Vec<&str> = text.split_whitespace().collect();
    let digest = parts.split_off(3.min(parts.len())).join("");
    format!("{} \"{digest}\"", parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Role;

    fn plan(port: u16) -> LabPlan {
        let text = format!(
            "workshop: t\ntlds: [ne, tg]\ntrainees:\n  names: [alice, bob, carol]\nzone: \"{{trainee}}.{{tld}}\"\nport: {port}\n"
        );
        let path = std::path::Path::new("t.yaml");
        LabPlan::from_spec(crate::LabFile::parse(&text, path).unwrap(), path).unwrap()
    }

    #[test]
    fn every_zone_of_the_lab_is_a_cut_with_its_server() {
        let p = plan(10053);
        let cuts = zone_cuts(&p);
        assert_eq!(cuts[0].apex, ".");
        assert_eq!(cuts[0].server, p.root_node().address);
        for t in &p.trainees {
            let cut = cuts
                .iter()
                .find(|c| c.apex == t.zone.to_string())
                .expect("trainee zone");
            assert_eq!(cut.server, t.auth);
        }
        for tld in &p.tlds {
            assert!(
                cuts.iter()
                    .any(|c| c.apex == tld.apex.to_string() && c.server == tld.address)
            );
        }
        let served: usize = p
            .nodes
            .iter()
            .filter(|n| n.role != Role::Resolver && n.role != Role::ReferenceResolver)
            .map(|n| n.zones.len())
            .sum();
        assert_eq!(cuts.len(), served);
    }

    #[test]
    fn unbound_on_another_port_gets_a_stub_per_cut_with_the_port() {
        let p = plan(10053);
        let conf = unbound_conf(&p, &[], "127.0.0.1:5300".parse().unwrap());
        assert!(conf.contains("interface: 127.0.0.1@5300"));
        let stubs = conf.matches("stub-zone:").count();
        assert_eq!(stubs, zone_cuts(&p).len());
        assert!(conf.contains(&format!("stub-addr: {}@10053", p.root_node().address.ip())));
        assert!(!conf.contains("@53\n"));
    }

    #[test]
    fn unbound_on_port_53_needs_only_the_root() {
        let p = plan(53);
        let conf = unbound_conf(&p, &[], "127.0.0.1:5300".parse().unwrap());
        assert_eq!(conf.matches("stub-zone:").count(), 1);
        assert!(conf.contains("name: \".\""));
    }

    #[test]
    fn bind_sends_to_the_lab_port_and_listens_where_asked() {
        let p = plan(10053);
        let conf = named_conf(&p, &[], "127.0.0.1:5300".parse().unwrap(), "/tmp/x");
        assert!(conf.contains("    port 10053;"));
        assert!(conf.contains("listen-on port 5300 { 127.0.0.1; };"));
        let p = plan(53);
        let conf = named_conf(&p, &[], "127.0.0.1:5300".parse().unwrap(), "/tmp/x");
        assert!(!conf.contains("    port "));
    }

    #[test]
    fn bind_quotes_the_digest() {
        assert_eq!(bind_ds_fields("12345 13 2 AB CD"), "12345 13 2 \"ABCD\"");
    }
}
