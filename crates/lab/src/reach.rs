//! How this host reaches the lab's nodes.
//!
//! On the embedded backend every node listens on its planned address, so a
//! probe goes where the plan says. On the Docker backend the planned
//! addresses belong to the lab's bridge network, which the host must not
//! talk to; each node's DNS port is published on 127.0.0.1 instead. The
//! backend installs that map once ([`install`]) and every host-side DNS
//! exchange (grader, health checks, timeline recorder, CDS scanner) asks
//! [`route`] where to send: one mechanism, at the socket, rather than a
//! second set of addresses threaded through every caller. Messages keep
//! naming the planned address, which is what trainees know.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::RwLock;

static MAP: RwLock<Option<HashMap<SocketAddr, SocketAddr>>> = RwLock::new(None);

/// Installs the map from planned node addresses to where this host
/// reaches them (replacing any earlier one).
pub fn install(map: HashMap<SocketAddr, SocketAddr>) {
    if let Ok(mut guard) = MAP.write() {
        *guard = Some(map);
    }
}

/// Removes the map: planned addresses are reached directly again.
pub fn clear() {
    if let Ok(mut guard) = MAP.write() {
        *guard = None;
    }
}

/// Whether nodes are reached through a map (the Docker backend): a probe
/// cannot then choose the source address the node sees.
pub fn is_mapped() -> bool {
    MAP.read().is_ok_and(|g| g.is_some())
}

/// Where to send a query meant for `server`, and the source address to
/// bind. A mapped server is reached from an ephemeral loopback address:
/// the requested source is a lab address that this host does not have.
pub fn route(server: SocketAddr, source: Option<IpAddr>) -> (SocketAddr, Option<IpAddr>) {
    let mapped = MAP
        .read()
        .ok()
        .and_then(|g| g.as_ref().and_then(|m| m.get(&server).copied()));
    match mapped {
        Some(host) => (host, None),
        None => (server, source),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_addresses_go_to_the_host_port_and_drop_the_source() {
        let planned: SocketAddr = "10.77.1.1:53".parse().unwrap();
        let host: SocketAddr = "127.0.0.1:40001".parse().unwrap();
        let other: SocketAddr = "127.53.0.1:53".parse().unwrap();
        let source: IpAddr = "10.77.4.1".parse().unwrap();
        install(HashMap::from([(planned, host)]));
        assert!(is_mapped());
        assert_eq!(route(planned, Some(source)), (host, None));
        assert_eq!(route(other, Some(source)), (other, Some(source)));
        clear();
        assert!(!is_mapped());
        assert_eq!(route(planned, Some(source)), (planned, Some(source)));
    }
}
