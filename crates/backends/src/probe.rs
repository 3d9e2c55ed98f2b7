//! Health probes: one question, one attempt with a short timeout, through
//! the shared DNS client ([`dnslab_probe::client`], on the calling thread
//! via [`dnslab_probe::blocking`]), so a reply counts only with the
//! query's random id, its question and from the address asked.

use dnslab_probe::{ProbeError, ProbeOptions, Response, Section, blocking};
use dnslab_zone::{Name, Rtype};
use std::net::SocketAddr;
use std::time::Duration;

/// One attempt, no EDNS: a health probe asks whether a server answers,
/// not how well it does DNSSEC.
fn health_options(timeout: Duration, recursion_desired: bool) -> ProbeOptions {
    ProbeOptions {
        timeout,
        attempts: 1,
        edns: false,
        dnssec_ok: false,
        recursion_desired,
        ..ProbeOptions::default()
    }
}

fn soa(addr: SocketAddr, apex: &Name, timeout: Duration) -> Result<Response, ProbeError> {
    blocking::query(addr, apex, Rtype::SOA, &health_options(timeout, false))
}

/// Whether an authoritative server at `addr` answers an SOA query for
/// `apex` with NOERROR and AA within `timeout`.
pub fn answers_soa(addr: SocketAddr, apex: &Name, timeout: Duration) -> bool {
    soa(addr, apex, timeout).is_ok_and(|reply| reply.aa && reply.rcode == 0)
}

/// Whether a resolver at `addr` answers a recursive query for the root
/// SOA with NOERROR (which needs the whole lab behind it).
pub fn answers_recursive(addr: SocketAddr, timeout: Duration) -> bool {
    blocking::query(
        addr,
        &Name::root(),
        Rtype::SOA,
        &health_options(timeout, true),
    )
    .is_ok_and(|reply| reply.rcode == 0)
}

/// Whether anything answers an SOA query for `apex` at `addr` (any
/// response code, even a reply the client cannot use): the server runs,
/// even if its zone did not load.
pub fn answers_at_all(addr: SocketAddr, apex: &Name, timeout: Duration) -> bool {
    match soa(addr, apex, timeout) {
        Ok(_) => true,
        // Something with the query's id came back from the server.
        Err(ProbeError::Malformed { .. } | ProbeError::Mismatch { .. }) => true,
        Err(_) => false,
    }
}

/// The DS records (RDATA in wire form, sorted) for `zone` that the
/// parent's server at `addr` serves now (empty for NODATA); `None` when it
/// does not answer.
pub fn served_ds(addr: SocketAddr, zone: &Name, timeout: Duration) -> Option<Vec<Vec<u8>>> {
    let reply = blocking::query(addr, zone, Rtype::DS, &health_options(timeout, false)).ok()?;
    let mut ds: Vec<Vec<u8>> = reply
        .rrset(Section::Answer, zone, Rtype::DS)
        .into_iter()
        .map(|r| r.rdata.to_vec())
        .collect();
    ds.sort();
    Some(ds)
}

/// The SOA and the RRSIGs over it that the server at `addr` answers for
/// `apex` (DNSSEC OK, over UDP; rdata, sorted), or `None` when it does not
/// answer: what tells one signed version of a zone from the next.
pub fn served_apex_soa(addr: SocketAddr, apex: &Name, timeout: Duration) -> Option<Vec<Vec<u8>>> {
    let options = ProbeOptions {
        edns: true,
        dnssec_ok: true,
        ..health_options(timeout, false)
    };
    let reply = blocking::query(addr, apex, Rtype::SOA, &options).ok()?;
    let mut set: Vec<Vec<u8>> = reply
        .rrset(Section::Answer, apex, Rtype::SOA)
        .into_iter()
        .chain(reply.rrsigs_for(Section::Answer, apex, Rtype::SOA))
        .map(|r| r.rdata.to_vec())
        .collect();
    set.sort();
    Some(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server on 127.140.0.1 that answers every query with `reply(query)`.
    fn serve_once(
        port_socket: std::net::UdpSocket,
        reply: impl FnOnce(&[u8]) -> Vec<u8> + Send + 'static,
    ) -> std::thread::JoinHandle<()> {
        std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            if let Ok((n, from)) = port_socket.recv_from(&mut buf) {
                let _ = port_socket.send_to(&reply(&buf[..n]), from);
            }
        })
    }

    fn server() -> (std::net::UdpSocket, SocketAddr) {
        let socket = std::net::UdpSocket::bind("127.140.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        (socket, addr)
    }

    /// The query itself with QR, AA and `rcode` set: a minimal answer.
    fn answer(query: &[u8], rcode: u8) -> Vec<u8> {
        let mut r = query.to_vec();
        r[2] |= 0x84;
        r[3] = (r[3] & 0xf0) | rcode;
        r
    }

    #[test]
    fn an_authoritative_answer_is_healthy() {
        let (socket, addr) = server();
        let t = serve_once(socket, |q| answer(q, 0));
        assert!(answers_soa(addr, &Name::root(), Duration::from_secs(2)));
        t.join().unwrap();
    }

    #[test]
    fn a_refusal_is_not_healthy_but_the_server_runs() {
        let (socket, addr) = server();
        let t = serve_once(socket, |q| answer(q, 5));
        assert!(!answers_soa(addr, &Name::root(), Duration::from_secs(2)));
        t.join().unwrap();
        let (socket, addr) = server();
        let t = serve_once(socket, |q| answer(q, 5));
        assert!(answers_at_all(addr, &Name::root(), Duration::from_secs(2)));
        t.join().unwrap();
    }

    #[test]
    fn a_reply_with_another_id_is_not_an_answer() {
        let (socket, addr) = server();
        let t = serve_once(socket, |q| {
            let mut r = answer(q, 0);
            r[0] ^= 0xff;
            r
        });
        assert!(!answers_soa(
            addr,
            &Name::root(),
            Duration::from_millis(300)
        ));
        t.join().unwrap();
    }
}
