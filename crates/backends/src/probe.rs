//! Health probes: one SOA query over UDP, with a short timeout.

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// A query for `apex` SOA, without EDNS, RD clear.
fn soa_query(id: u16, apex: &dnslab_zone::Name) -> Vec<u8> {
    soa_query_with(id, apex, false)
}

fn soa_query_with(id: u16, apex: &dnslab_zone::Name, recursion_desired: bool) -> Vec<u8> {
    let mut q = Vec::with_capacity(32);
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[u8::from(recursion_desired), 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    q.extend_from_slice(apex.as_wire());
    q.extend_from_slice(&[0, 6, 0, 1]);
    q
}

/// Sends `query` to `addr` (through [`dnslab_lab::reach`]) from a loopback
/// socket of the same family and returns the reply: the first datagram
/// from `addr` within `timeout`, if it is a DNS header or more with the
/// query's ID.
fn exchange(addr: SocketAddr, query: &[u8], timeout: Duration) -> Option<Vec<u8>> {
    let (addr, _) = dnslab_lab::reach::route(addr, None);
    let bind: SocketAddr = if addr.is_ipv4() {
        ([127, 0, 0, 1], 0).into()
    } else {
        (std::net::Ipv6Addr::LOCALHOST, 0).into()
    };
    let socket = UdpSocket::bind(bind).ok()?;
    socket.set_read_timeout(Some(timeout)).ok()?;
    socket.send_to(query, addr).ok()?;
    let mut buf = [0u8; 4096];
    let (n, from) = socket.recv_from(&mut buf).ok()?;
    let reply = buf.get(..n)?;
    (from == addr && n >= 12 && reply[..2] == query[..2]).then(|| reply.to_vec())
}

/// Whether an authoritative server at `addr` answers an SOA query for
/// `apex` with NOERROR and AA within `timeout`.
pub fn answers_soa(addr: SocketAddr, apex: &dnslab_zone::Name, timeout: Duration) -> bool {
    let id = (std::process::id() as u16) ^ 0x5a5a;
    exchange(addr, &soa_query(id, apex), timeout).is_some_and(|reply| {
        let aa = reply[2] & 0x04 != 0;
        let rcode = reply[3] & 0x0f;
        aa && rcode == 0
    })
}

/// Whether a resolver at `addr` answers a recursive query for the root
/// SOA with NOERROR (which needs the whole lab behind it).
pub fn answers_recursive(addr: SocketAddr, timeout: Duration) -> bool {
    let id = (std::process::id() as u16) ^ 0x3c3c;
    let query = soa_query_with(id, &dnslab_zone::Name::root(), true);
    exchange(addr, &query, timeout).is_some_and(|reply| reply[3] & 0x0f == 0)
}

/// Whether anything answers an SOA query for `apex` at `addr` (any
/// response code): the server runs, even if its zone did not load.
pub fn answers_at_all(addr: SocketAddr, apex: &dnslab_zone::Name, timeout: Duration) -> bool {
    let id = (std::process::id() as u16) ^ 0x1e1e;
    exchange(addr, &soa_query(id, apex), timeout).is_some()
}

/// The DS records (RDATA in wire form, sorted) for `zone` that the
/// parent's server at `addr` serves now (empty for NODATA); `None` when it
/// does not answer.
pub fn served_ds(
    addr: SocketAddr,
    zone: &dnslab_zone::Name,
    timeout: Duration,
) -> Option<Vec<Vec<u8>>> {
    use hickory_proto::op::{Message, MessageType, OpCode, Query};
    use hickory_proto::rr::{Name as HName, RecordType};
    use hickory_proto::serialize::binary::BinEncodable;
    let name = HName::from_ascii(zone.to_string()).ok()?;
    let id = (std::process::id() as u16) ^ 0x0d50;
    let mut msg = Message::new(id, MessageType::Query, OpCode::Query);
    msg.add_query(Query::query(name, RecordType::DS));
    let wire = msg.to_vec().ok()?;
    let reply = Message::from_vec(&exchange(addr, &wire, timeout)?).ok()?;
    let mut ds: Vec<Vec<u8>> = reply
        .answers
        .iter()
        .filter(|r| r.record_type() == RecordType::DS)
        .filter_map(|r| r.data.to_bytes().ok())
        .collect();
    ds.sort();
    Some(ds)
}
