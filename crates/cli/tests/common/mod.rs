//! Shared by the `dnslab serve` tests (serve_differential.rs, serve_delv.rs):
//! a small DNS client over UDP and TCP, the signed lab zones, and guards
//! that run NSD and `dnslab serve` on their own loopback address and kill
//! them when dropped (also when a test panics).
//!
//! Traffic goes to 127.0.0.0/8 only.

#![allow(dead_code)]

pub mod lab;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query};
use hickory_proto::rr::{DNSClass, Name, RecordType};
use hickory_proto::serialize::binary::{BinEncodable, BinEncoder, NameEncoding};
use std::collections::hash_map::RandomState;
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Which server is under test.

/// The server the tests hold up against NSD.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnderTest {
    /// A second NSD instance: proves the harness itself (every difference
    /// is then a harness bug).
    Nsd,
    /// `dnslab serve`, the server these tests are for.
    Dnslab,
}

/// The switch: `UnderTest::Dnslab` once `dnslab serve` exists.
/// `DNSLAB_SERVE_UNDER_TEST=nsd|dnslab` overrides it for one run.
pub const UNDER_TEST: UnderTest = UnderTest::Dnslab;

pub fn under_test() -> UnderTest {
    match std::env::var("DNSLAB_SERVE_UNDER_TEST").as_deref() {
        Ok("nsd") => UnderTest::Nsd,
        Ok("dnslab") => UnderTest::Dnslab,
        Ok(other) => panic!("DNSLAB_SERVE_UNDER_TEST={other}: expected nsd or dnslab"),
        Err(_) => UNDER_TEST,
    }
}

pub fn dnslab_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dnslab"))
}

/// Fails (does not skip) when the `serve` subcommand is missing.
pub fn require_dnslab_serve() {
    let out = Command::new(dnslab_bin())
        .args(["serve", "--help"])
        .output()
        .expect("run dnslab serve --help");
    assert!(
        out.status.success(),
        "`dnslab serve --help` failed: the serve subcommand is missing or broken, \
         so the serve tests cannot run:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------------------
// Loopback addresses.

fn random_u64() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    h.write_u32(std::process::id());
    h.finish()
}

/// A random 127.77.x.y address and a port free there for both UDP and TCP.
pub fn free_loopback_addr() -> SocketAddr {
    for _ in 0..50 {
        let r = random_u64();
        let ip = Ipv4Addr::new(127, 77, (r % 254 + 1) as u8, ((r >> 8) % 254 + 1) as u8);
        let Ok(udp) = UdpSocket::bind((ip, 0)) else {
            continue;
        };
        let addr = udp.local_addr().unwrap();
        if TcpListener::bind(addr).is_ok() {
            return addr;
        }
    }
    panic!("no free UDP+TCP port on 127.77.0.0/16");
}

// ---------------------------------------------------------------------------
// The DNS client.

/// How a query is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Flags {
    pub do_bit: bool,
    pub cd: bool,
    /// `None`: no OPT record in the query.
    pub edns_payload: Option<u16>,
    pub tcp: bool,
}

impl std::fmt::Display for Flags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.tcp { "tcp" } else { "udp" })?;
        match self.edns_payload {
            Some(p) => write!(f, " edns={p}")?,
            None => f.write_str(" noedns")?,
        }
        if self.do_bit {
            f.write_str(" +do")?;
        }
        if self.cd {
            f.write_str(" +cd")?;
        }
        Ok(())
    }
}

/// One resource record, its RDATA in uncompressed wire form. Names inside
/// the RDATA of the RFC 1035 types (NS, CNAME, SOA, MX, PTR, ...) are
/// lowercased, because compression against a mixed-case question may
/// change their case; all other RDATA (RRSIG, NSEC, NSEC3, DNSKEY, DS, SRV,
/// DNAME, ...) are the exact octets.
#[derive(Clone, Debug)]
pub struct Rr {
    /// As received.
    pub owner: String,
    pub rtype: u16,
    pub class: u16,
    pub ttl: u32,
    pub rdata: Vec<u8>,
}

impl Rr {
    /// Comparison key: owner case-insensitive, everything else exact.
    pub fn key(&self) -> (String, u16, u16, u32, Vec<u8>) {
        (
            self.owner.to_ascii_lowercase(),
            self.rtype,
            self.class,
            self.ttl,
            self.rdata.clone(),
        )
    }
}

impl std::fmt::Display for Rr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.owner,
            self.ttl,
            type_name(self.rtype),
            rdata_text(self.rtype, &self.rdata)
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opt {
    pub payload: u16,
    pub do_bit: bool,
    pub version: u8,
}

#[derive(Clone, Debug)]
pub struct Response {
    pub id: u16,
    pub opcode: u8,
    /// Full (extended) RCODE.
    pub rcode: u16,
    pub aa: bool,
    pub tc: bool,
    pub rd: bool,
    pub ra: bool,
    pub ad: bool,
    pub cd: bool,
    /// Question section: name exactly as received, type, class.
    pub question: Vec<(String, u16, u16)>,
    pub answer: Vec<Rr>,
    pub authority: Vec<Rr>,
    /// Without the OPT record.
    pub additional: Vec<Rr>,
    pub opt: Option<Opt>,
    /// Message size in octets.
    pub size: usize,
}

impl Response {
    pub fn header_text(&self) -> String {
        let mut s = format!("rcode={}", rcode_name(self.rcode));
        for (on, name) in [
            (self.aa, "aa"),
            (self.tc, "tc"),
            (self.rd, "rd"),
            (self.ra, "ra"),
            (self.ad, "ad"),
            (self.cd, "cd"),
        ] {
            if on {
                s.push(' ');
                s.push_str(name);
            }
        }
        match &self.opt {
            Some(o) => {
                let _ = write!(
                    s,
                    " opt(v{} payload={}{})",
                    o.version,
                    o.payload,
                    if o.do_bit { " do" } else { "" }
                );
            }
            None => s.push_str(" no-opt"),
        }
        s
    }
}

pub fn rcode_name(rcode: u16) -> String {
    match rcode {
        0 => "NOERROR".into(),
        1 => "FORMERR".into(),
        2 => "SERVFAIL".into(),
        3 => "NXDOMAIN".into(),
        4 => "NOTIMP".into(),
        5 => "REFUSED".into(),
        9 => "NOTAUTH".into(),
        16 => "BADVERS".into(),
        n => format!("RCODE{n}"),
    }
}

pub fn type_name(t: u16) -> String {
    match RecordType::from(t) {
        RecordType::Unknown(n) => format!("TYPE{n}"),
        rt => rt.to_string(),
    }
}

pub fn build_query(id: u16, qname: &str, qtype: u16, flags: Flags) -> Vec<u8> {
    let name = Name::from_ascii(qname).unwrap_or_else(|e| panic!("bad qname {qname}: {e}"));
    let mut msg = Message::new(id, MessageType::Query, OpCode::Query);
    msg.metadata.recursion_desired = false;
    msg.metadata.checking_disabled = flags.cd;
    let mut q = Query::query(name, RecordType::from(qtype));
    q.set_query_class(DNSClass::IN);
    msg.add_query(q);
    if let Some(payload) = flags.edns_payload {
        let mut edns = Edns::new();
        edns.set_max_payload(payload);
        edns.set_dnssec_ok(flags.do_bit);
        msg.set_edns(edns);
    } else {
        assert!(!flags.do_bit, "the DO bit needs EDNS");
    }
    msg.to_vec().expect("encode query")
}

fn rr_from(record: &hickory_proto::rr::Record) -> Result<Rr, String> {
    let mut rdata = Vec::new();
    {
        let mut enc = BinEncoder::new(&mut rdata);
        enc.set_canonical_form(false);
        enc.set_name_encoding(NameEncoding::UncompressedLowercase);
        record
            .data
            .emit(&mut enc)
            .map_err(|e| format!("re-encoding {} rdata: {e}", record.name))?;
    }
    Ok(Rr {
        owner: record.name.to_ascii(),
        rtype: u16::from(record.record_type()),
        class: u16::from(record.dns_class),
        ttl: record.ttl,
        rdata,
    })
}

pub fn parse_response(wire: &[u8]) -> Result<Response, String> {
    let msg = Message::from_vec(wire).map_err(|e| format!("unparseable response: {e}"))?;
    if msg.metadata.message_type != MessageType::Response {
        return Err("QR bit not set".into());
    }
    let section = |records: &[hickory_proto::rr::Record]| -> Result<Vec<Rr>, String> {
        records.iter().map(rr_from).collect()
    };
    Ok(Response {
        id: msg.metadata.id,
        opcode: u8::from(msg.metadata.op_code),
        rcode: u16::from(msg.metadata.response_code),
        aa: msg.metadata.authoritative,
        tc: msg.metadata.truncation,
        rd: msg.metadata.recursion_desired,
        ra: msg.metadata.recursion_available,
        ad: msg.metadata.authentic_data,
        cd: msg.metadata.checking_disabled,
        question: msg
            .queries
            .iter()
            .map(|q| {
                (
                    q.name.to_ascii(),
                    u16::from(q.query_type),
                    u16::from(q.query_class),
                )
            })
            .collect(),
        answer: section(&msg.answers)?,
        authority: section(&msg.authorities)?,
        additional: section(&msg.additionals)?,
        opt: msg.edns.as_ref().map(|e| Opt {
            payload: e.max_payload(),
            do_bit: e.flags().dnssec_ok,
            version: e.version(),
        }),
        size: wire.len(),
    })
}

const TIMEOUT: Duration = Duration::from_secs(2);
const ATTEMPTS: usize = 3;

fn udp_exchange(
    addr: SocketAddr,
    wire: &[u8],
    id: u16,
    timeout: Duration,
) -> Result<Vec<u8>, String> {
    let sock = UdpSocket::bind((addr.ip(), 0))
        .or_else(|_| UdpSocket::bind("127.0.0.1:0"))
        .map_err(|e| format!("bind: {e}"))?;
    sock.connect(addr).map_err(|e| format!("connect: {e}"))?;
    sock.set_read_timeout(Some(timeout)).unwrap();
    sock.send(wire).map_err(|e| format!("send: {e}"))?;
    let deadline = Instant::now() + timeout;
    let mut buf = vec![0u8; 65535];
    loop {
        let n = sock.recv(&mut buf).map_err(|e| format!("recv: {e}"))?;
        if n >= 2 && u16::from_be_bytes([buf[0], buf[1]]) == id {
            return Ok(buf[..n].to_vec());
        }
        if Instant::now() > deadline {
            return Err("timeout (only responses with a wrong id)".into());
        }
    }
}

fn tcp_exchange(addr: SocketAddr, wire: &[u8], timeout: Duration) -> Result<Vec<u8>, String> {
    let mut s = TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(timeout)).unwrap();
    s.set_write_timeout(Some(timeout)).unwrap();
    let mut framed = (wire.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(wire);
    s.write_all(&framed).map_err(|e| format!("write: {e}"))?;
    read_tcp_message(&mut s)
}

fn read_tcp_message(s: &mut TcpStream) -> Result<Vec<u8>, String> {
    let mut len = [0u8; 2];
    s.read_exact(&mut len)
        .map_err(|e| format!("read length: {e}"))?;
    let mut msg = vec![0u8; u16::from_be_bytes(len) as usize];
    s.read_exact(&mut msg)
        .map_err(|e| format!("read message: {e}"))?;
    Ok(msg)
}

/// One query, retried a bounded number of times on timeouts or I/O errors.
pub fn query(addr: SocketAddr, qname: &str, qtype: u16, flags: Flags) -> Result<Response, String> {
    query_with_timeout(addr, qname, qtype, flags, TIMEOUT, ATTEMPTS)
}

pub fn query_with_timeout(
    addr: SocketAddr,
    qname: &str,
    qtype: u16,
    flags: Flags,
    timeout: Duration,
    attempts: usize,
) -> Result<Response, String> {
    let mut last = String::new();
    for _ in 0..attempts {
        let id = random_u64() as u16;
        let wire = build_query(id, qname, qtype, flags);
        let got = if flags.tcp {
            tcp_exchange(addr, &wire, timeout)
        } else {
            udp_exchange(addr, &wire, id, timeout)
        };
        match got {
            Ok(bytes) => {
                let r = parse_response(&bytes)?;
                if r.id != id {
                    return Err(format!("response id {} for query id {id}", r.id));
                }
                return Ok(r);
            }
            Err(e) => last = e,
        }
    }
    Err(format!("no answer after {attempts} attempts: {last}"))
}

/// A full zone transfer over TCP: every record of every message, the
/// closing SOA included; or the RCODE text if the server refused.
pub fn axfr(addr: SocketAddr, zone: &str) -> Result<Vec<Rr>, String> {
    let id = random_u64() as u16;
    let flags = Flags {
        do_bit: false,
        cd: false,
        edns_payload: None,
        tcp: true,
    };
    let wire = build_query(id, zone, u16::from(RecordType::AXFR), flags);
    let mut s = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut framed = (wire.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&wire);
    s.write_all(&framed).map_err(|e| format!("write: {e}"))?;
    let mut records = Vec::new();
    let mut soas = 0;
    for _ in 0..10_000 {
        let r = parse_response(&read_tcp_message(&mut s)?)?;
        if r.rcode != 0 {
            return Err(format!("AXFR {zone}: {}", rcode_name(r.rcode)));
        }
        for rr in r.answer {
            if rr.rtype == u16::from(RecordType::SOA) {
                soas += 1;
            }
            records.push(rr);
        }
        if soas >= 2 {
            return Ok(records);
        }
    }
    Err(format!("AXFR {zone}: no closing SOA"))
}

// ---------------------------------------------------------------------------
// RDATA as text, for difference reports.

fn read_name(data: &[u8], mut i: usize) -> Option<(String, usize)> {
    let mut out = String::new();
    loop {
        let len = *data.get(i)? as usize;
        i += 1;
        if len == 0 {
            if out.is_empty() {
                out.push('.');
            }
            return Some((out, i));
        }
        if len > 63 {
            return None;
        }
        for &b in data.get(i..i + len)? {
            if b.is_ascii_graphic() && b != b'.' && b != b'\\' {
                out.push(b as char);
            } else {
                let _ = write!(out, "\\{b:03}");
            }
        }
        out.push('.');
        i += len;
    }
}

fn type_bitmap(data: &[u8]) -> String {
    let mut types = Vec::new();
    let mut i = 0;
    while i + 2 <= data.len() {
        let window = data[i] as u16;
        let len = data[i + 1] as usize;
        let bits = data.get(i + 2..i + 2 + len).unwrap_or(&[]);
        for (byte_ix, byte) in bits.iter().enumerate() {
            for bit in 0..8 {
                if byte & (0x80 >> bit) != 0 {
                    types.push(type_name(window * 256 + (byte_ix as u16) * 8 + bit));
                }
            }
        }
        i += 2 + len;
    }
    types.join(" ")
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

fn base32hex(b: &[u8]) -> String {
    const A: &[u8] = b"0123456789abcdefghijklmnopqrstuv";
    let mut out = String::new();
    let (mut acc, mut bits) = (0u32, 0);
    for &x in b {
        acc = (acc << 8) | x as u32;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(A[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(A[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn be16(d: &[u8], i: usize) -> u16 {
    u16::from_be_bytes([d[i], d[i + 1]])
}

fn be32(d: &[u8], i: usize) -> u32 {
    u32::from_be_bytes([d[i], d[i + 1], d[i + 2], d[i + 3]])
}

/// A readable form; DNSSEC RDATA shortened (digests and signatures cut).
pub fn rdata_text(rtype: u16, d: &[u8]) -> String {
    let t = RecordType::from(rtype);
    let text = (|| -> Option<String> {
        Some(match t {
            RecordType::A if d.len() == 4 => format!("{}.{}.{}.{}", d[0], d[1], d[2], d[3]),
            RecordType::AAAA if d.len() == 16 => {
                let a: [u8; 16] = d.try_into().ok()?;
                std::net::Ipv6Addr::from(a).to_string()
            }
            RecordType::NS | RecordType::CNAME | RecordType::PTR | RecordType::DNAME => {
                read_name(d, 0)?.0
            }
            RecordType::MX => format!("{} {}", be16(d, 0), read_name(d, 2)?.0),
            RecordType::SRV => format!(
                "{} {} {} {}",
                be16(d, 0),
                be16(d, 2),
                be16(d, 4),
                read_name(d, 6)?.0
            ),
            RecordType::SOA => {
                let (m, i) = read_name(d, 0)?;
                let (r, i) = read_name(d, i)?;
                format!("{m} {r} {}", be32(d, i))
            }
            RecordType::TXT => {
                let mut s = Vec::new();
                let mut i = 0;
                while i < d.len() {
                    let l = d[i] as usize;
                    s.push(format!(
                        "\"{}\"",
                        String::from_utf8_lossy(d.get(i + 1..i + 1 + l)?)
                    ));
                    i += 1 + l;
                }
                s.join(" ")
            }
            RecordType::RRSIG => {
                let (signer, i) = read_name(d, 18)?;
                format!(
                    "{} alg={} labels={} ottl={} exp={} inc={} tag={} {signer} sig={}..",
                    type_name(be16(d, 0)),
                    d[2],
                    d[3],
                    be32(d, 4),
                    be32(d, 8),
                    be32(d, 12),
                    be16(d, 16),
                    hex(d.get(i..i + 6)?)
                )
            }
            RecordType::NSEC => {
                let (next, i) = read_name(d, 0)?;
                format!("{next} {}", type_bitmap(&d[i..]))
            }
            RecordType::NSEC3 => {
                let salt_len = d[4] as usize;
                let salt = d.get(5..5 + salt_len)?;
                let h = 5 + salt_len;
                let hash_len = d[h] as usize;
                let next = d.get(h + 1..h + 1 + hash_len)?;
                format!(
                    "{} {} {} {} {} {}",
                    d[0],
                    d[1],
                    be16(d, 2),
                    if salt.is_empty() {
                        "-".into()
                    } else {
                        hex(salt)
                    },
                    base32hex(next),
                    type_bitmap(&d[h + 1 + hash_len..])
                )
            }
            RecordType::NSEC3PARAM => {
                let salt = d.get(5..5 + d[4] as usize)?;
                format!(
                    "{} {} {} {}",
                    d[0],
                    d[1],
                    be16(d, 2),
                    if salt.is_empty() {
                        "-".into()
                    } else {
                        hex(salt)
                    }
                )
            }
            RecordType::DNSKEY | RecordType::CDNSKEY => format!(
                "{} {} {} key={}..",
                be16(d, 0),
                d[2],
                d[3],
                hex(d.get(4..10)?)
            ),
            RecordType::DS | RecordType::CDS => {
                format!("{} {} {} {}", be16(d, 0), d[2], d[3], hex(d.get(4..)?))
            }
            _ => return None,
        })
    })();
    text.unwrap_or_else(|| format!("\\# {} {}", d.len(), hex(d)))
}

// ---------------------------------------------------------------------------
// The lab zones, signed with the dnslab binary.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denial {
    Nsec,
    /// NSEC3, no salt, no extra iterations (RFC 9276).
    Nsec3,
    /// NSEC3 with opt-out, no salt, no extra iterations (RFC 9276).
    Nsec3OptOut,
}

impl Denial {
    pub fn label(self) -> &'static str {
        match self {
            Denial::Nsec => "nsec",
            Denial::Nsec3 => "nsec3",
            Denial::Nsec3OptOut => "nsec3-optout",
        }
    }
}

pub const LAB_ZONE: &str = include_str!("../data/serve/lab.zone");
pub const SECURE_ZONE: &str = include_str!("../data/serve/secure.lab.zone");

/// A zone the servers load.
#[derive(Clone, Debug)]
pub struct ZoneFile {
    pub origin: String,
    pub path: PathBuf,
}

pub struct LabZones {
    /// lab. first, then secure.lab.
    pub zones: Vec<ZoneFile>,
    /// The lab. KSK as DNSKEY RDATA text: `257 3 13 BASE64`.
    pub lab_ksk: String,
}

fn dnslab_ok(args: &[&str], what: &str) -> String {
    let out = Command::new(dnslab_bin())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run dnslab for {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: dnslab {}\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn keys(dir: &Path, zone: &str) -> String {
    let d = dir.to_str().unwrap();
    let ksk = dnslab_ok(
        &["key", "generate", "--zone", zone, "--ksk", "--dir", d],
        "dnslab key generate --ksk",
    );
    dnslab_ok(
        &["key", "generate", "--zone", zone, "--dir", d],
        "dnslab key generate",
    );
    ksk.trim().to_string()
}

fn sign(zone: &Path, origin: &str, keys: &Path, denial: Denial, out: &Path) {
    let mut args = vec![
        "zone",
        "sign",
        zone.to_str().unwrap(),
        "--origin",
        origin,
        "--keys",
        keys.to_str().unwrap(),
    ];
    match denial {
        Denial::Nsec => {}
        Denial::Nsec3 => args.push("--nsec3"),
        Denial::Nsec3OptOut => args.extend_from_slice(&["--nsec3", "--opt-out"]),
    }
    args.extend_from_slice(&["-o", out.to_str().unwrap()]);
    dnslab_ok(&args, "dnslab zone sign");
}

/// Keys, DS and signatures for lab. and secure.lab. under `dir`.
pub fn build_lab_zones(dir: &Path, denial: Denial) -> LabZones {
    std::fs::create_dir_all(dir).unwrap();
    let child_keys = dir.join("keys-secure.lab");
    let child_ksk = keys(&child_keys, "secure.lab.");
    let ds = dnslab_ok(
        &[
            "key",
            "ds",
            child_keys
                .join(format!("{child_ksk}.key"))
                .to_str()
                .unwrap(),
        ],
        "dnslab key ds",
    );
    assert!(ds.contains("DS"), "dnslab key ds printed no DS: {ds}");

    let parent_keys = dir.join("keys-lab");
    let parent_ksk = keys(&parent_keys, "lab.");
    let key_file = std::fs::read_to_string(parent_keys.join(format!("{parent_ksk}.key"))).unwrap();
    let line = key_file
        .lines()
        .find(|l| !l.trim_start().starts_with(';') && l.contains("DNSKEY"))
        .expect("DNSKEY line in the KSK .key file");
    let fields: Vec<&str> = line.split_whitespace().collect();
    let at = fields.iter().position(|f| *f == "DNSKEY").unwrap();
    let lab_ksk = format!(
        "{} {} {} {}",
        fields[at + 1],
        fields[at + 2],
        fields[at + 3],
        fields[at + 4..].concat()
    );

    let lab_src = dir.join("lab.zone");
    std::fs::write(&lab_src, format!("{LAB_ZONE}{}\n", ds.trim())).unwrap();
    let child_src = dir.join("secure.lab.zone");
    std::fs::write(&child_src, SECURE_ZONE).unwrap();
    let lab_signed = dir.join("lab.signed");
    let child_signed = dir.join("secure.lab.signed");
    sign(&lab_src, "lab.", &parent_keys, denial, &lab_signed);
    sign(
        &child_src,
        "secure.lab.",
        &child_keys,
        denial,
        &child_signed,
    );
    LabZones {
        zones: vec![
            ZoneFile {
                origin: "lab.".into(),
                path: lab_signed,
            },
            ZoneFile {
                origin: "secure.lab.".into(),
                path: child_signed,
            },
        ],
        lab_ksk,
    }
}

// ---------------------------------------------------------------------------
// Servers.

/// A running server; dropping it kills its whole process group.
pub struct Server {
    pub name: String,
    pub addr: SocketAddr,
    child: Child,
    /// Where its output goes, shown when it fails.
    pub logs: Vec<PathBuf>,
}

impl Server {
    pub fn logs_text(&self) -> String {
        let mut s = String::new();
        for p in &self.logs {
            let _ = writeln!(
                s,
                "--- {} ---\n{}",
                p.display(),
                std::fs::read_to_string(p).unwrap_or_default()
            );
        }
        s
    }

    fn signal_group(&self, signal: &str) {
        let _ = Command::new("kill")
            .args([signal, "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.signal_group("-TERM");
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if !matches!(self.child.try_wait(), Ok(None)) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        // The group may hold children (NSD's xfrd and server processes).
        self.signal_group("-KILL");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls until the server answers the SOA of `zone` over UDP and TCP.
fn wait_ready(server: &mut Server, zone: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!(
                "{} on {} exited ({status}) before answering:\n{}",
                server.name,
                server.addr,
                server.logs_text()
            );
        }
        let ok = |tcp| {
            let flags = Flags {
                do_bit: false,
                cd: false,
                edns_payload: None,
                tcp,
            };
            query_with_timeout(
                server.addr,
                zone,
                u16::from(RecordType::SOA),
                flags,
                Duration::from_millis(200),
                1,
            )
            .is_ok_and(|r| r.rcode == 0 && !r.answer.is_empty())
        };
        if ok(false) && ok(true) {
            return;
        }
        if Instant::now() > deadline {
            panic!(
                "{} on {} does not answer SOA {zone} after 20 s:\n{}",
                server.name,
                server.addr,
                server.logs_text()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// NSD's `minimal-responses` (default no: NS RRset of the zone in the
/// authority section of every positive answer, with its addresses in the
/// additional section). No RFC asks for those records; `dnslab serve`
/// leaves them out, so the reference runs with `yes`, which keeps the
/// additional records for referrals, MX, SRV and NS answers.
pub const NSD_MINIMAL_RESPONSES: bool = true;

/// The nsd.conf for NSD 4.x: everything under `dir`, no privilege drop,
/// no chroot, no database, no remote control, no rate limiting.
pub fn nsd_conf(dir: &Path, addr: SocketAddr, zones: &[ZoneFile]) -> String {
    let d = dir.display();
    let mut conf = format!(
        "server:
    ip-address: {ip}@{port}
    port: {port}
    username: \"\"
    chroot: \"\"
    zonesdir: \"{d}\"
    pidfile: \"{d}/nsd.pid\"
    xfrdfile: \"{d}/xfrd.state\"
    xfrdir: \"{d}/xfr\"
    zonelistfile: \"{d}/zone.list\"
    database: \"\"
    logfile: \"{d}/nsd.log\"
    do-ip4: yes
    do-ip6: no
    server-count: 1
    verbosity: 1
    hide-version: yes
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
    minimal-responses: {minimal}
remote-control:
    control-enable: no
",
        ip = addr.ip(),
        port = addr.port(),
        minimal = if NSD_MINIMAL_RESPONSES { "yes" } else { "no" }
    );
    for z in zones {
        let _ = write!(
            conf,
            "zone:
    name: \"{}\"
    zonefile: \"{}\"
    provide-xfr: 127.0.0.0/8 NOKEY
",
            z.origin,
            z.path.display()
        );
    }
    conf
}

/// NSD in the foreground (`nsd -d`) on a fresh loopback address.
pub fn start_nsd(nsd: &Path, checkconf: &Path, dir: &Path, zones: &[ZoneFile]) -> Server {
    std::fs::create_dir_all(dir).unwrap();
    let addr = free_loopback_addr();
    let conf = dir.join("nsd.conf");
    std::fs::write(&conf, nsd_conf(dir, addr, zones)).unwrap();
    let check = Command::new(checkconf).arg(&conf).output().unwrap();
    assert!(
        check.status.success(),
        "nsd-checkconf rejects {}:\n{}{}\n{}",
        conf.display(),
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr),
        std::fs::read_to_string(&conf).unwrap()
    );
    let out = dir.join("nsd.out");
    let child = Command::new(nsd)
        .args(["-d", "-c"])
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(dir.join("nsd.err")).unwrap())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", nsd.display()));
    let mut server = Server {
        name: "NSD".into(),
        addr,
        child,
        logs: vec![dir.join("nsd.log"), out, dir.join("nsd.err")],
    };
    wait_ready(&mut server, &zones[0].origin);
    server
}

/// `dnslab serve` on a fresh loopback address, AXFR allowed from loopback.
pub fn start_dnslab(dir: &Path, zones: &[ZoneFile]) -> Server {
    require_dnslab_serve();
    std::fs::create_dir_all(dir).unwrap();
    let addr = free_loopback_addr();
    let mut cmd = Command::new(dnslab_bin());
    cmd.arg("serve");
    for z in zones {
        cmd.arg("--zone")
            .arg(format!("{}={}", z.origin, z.path.display()));
    }
    cmd.args(["--listen", &addr.to_string(), "--axfr-allow", "127.0.0.0/8"]);
    // Extra `dnslab serve` options for one run, e.g. the hidden
    // --udp-via-hickory, to compare transports against NSD.
    if let Ok(extra) = std::env::var("DNSLAB_SERVE_EXTRA_ARGS") {
        cmd.args(extra.split_whitespace());
    }
    let log = dir.join("dnslab-serve.log");
    let child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(dir.join("dnslab-serve.err")).unwrap())
        .process_group(0)
        .spawn()
        .expect("start dnslab serve");
    let mut server = Server {
        name: "dnslab".into(),
        addr,
        child,
        logs: vec![log, dir.join("dnslab-serve.err")],
    };
    wait_ready(&mut server, &zones[0].origin);
    server
}

/// The server under test (see [`UNDER_TEST`]).
pub fn start_under_test(nsd: &Path, checkconf: &Path, dir: &Path, zones: &[ZoneFile]) -> Server {
    match under_test() {
        UnderTest::Nsd => {
            let mut s = start_nsd(nsd, checkconf, dir, zones);
            s.name = "NSD#2".into();
            s
        }
        UnderTest::Dnslab => start_dnslab(dir, zones),
    }
}

/// `s` with the case of its letters flipped pseudo-randomly but
/// reproducibly (DNS 0x20).
pub fn mixed_case(s: &str) -> String {
    let mut h: u32 = 2166136261;
    s.chars()
        .map(|c| {
            h = (h ^ c as u32).wrapping_mul(16777619);
            if h & 0x100 != 0 {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

pub fn loopback(addr: SocketAddr) -> bool {
    matches!(addr.ip(), IpAddr::V4(v4) if v4.octets()[0] == 127)
}
