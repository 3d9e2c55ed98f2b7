//! dnslab's DNS client: one query to one server, and zone transfers.
//!
//! # Background
//!
//! The grader talks to servers that trainees set up, and those may be
//! broken in every way a server can be broken: silent, slow, answering
//! with garbage, with the wrong id, with the query echoed back, with a
//! TCP stream that stops half-way. A general-purpose resolver library
//! hides most of that behind "no answer"; the grader must instead say
//! *what* went wrong, in a sentence a trainee understands, and it must
//! never hang or panic while doing so. The lab's health probes and the
//! TLDs' CDS scanner ask the same servers, and a spoofed CDS answer must
//! not move a DS, so they use this client too. Hence this small client:
//!
//! - every wait is bounded ([`ProbeOptions::timeout`] per attempt, a
//!   bounded number of UDP [`ProbeOptions::attempts`], an overall deadline
//!   for zone transfers);
//! - every failure is a [`ProbeError`] variant with the server, the
//!   transport and the details as fields, and a `Display` that is one plain
//!   sentence;
//! - nothing read from the network is trusted: lengths are checked before
//!   anything is allocated for them, and parsing goes through
//!   hickory-proto's decoder, whose errors become [`ProbeError::Malformed`].
//!
//! # Usage
//!
//! ```no_run
//! # async fn demo() -> Result<(), dnslab_probe::client::ProbeError> {
//! use dnslab_probe::client::{self, ProbeOptions, Section};
//! use dnslab_zone::{Name, Rtype};
//!
//! let server = "127.53.10.7:53".parse().expect("literal address");
//! let zone = Name::parse_absolute("trainee1.lab.").expect("literal name");
//! let response = client::query(server, &zone, Rtype::DNSKEY, &ProbeOptions::default()).await?;
//! let keys = response.rrset(Section::Answer, &zone, Rtype::DNSKEY);
//! let sigs = response.rrsigs_for(Section::Answer, &zone, Rtype::DNSKEY);
//! # let _ = (keys, sigs);
//! # Ok(())
//! # }
//! ```
//!
//! # What counts as an answer
//!
//! Over UDP ([`query`]) a datagram is accepted only if it carries the
//! query's id and question (RFC 5452 §9.1; names compared without regard
//! to case, so servers that keep a 0x20-mixed case pass). Datagrams that
//! do not match are *ignored* and counted, as a resolver would do with
//! off-path spoofs: if nothing valid arrives, the [`ProbeError::Timeout`]
//! says how many were dropped. A datagram with the right id that cannot be
//! parsed, or that is not a response (QR=0), is [`ProbeError::Malformed`]
//! at once. An empty question section is accepted in answers whose RCODE
//! is not NOERROR, because servers commonly send FORMERR or NOTIMP that
//! way (RFC 1035 does not require the question to be copied).
//!
//! Over TCP ([`query_tcp`], [`axfr`]) nobody off-path can inject data into
//! the stream, so a wrong id or question is an error of the server
//! ([`ProbeError::Mismatch`]).
//!
//! # Limitations
//!
//! - EDNS buffer sizes below 512 are reported as 512 (hickory-proto
//!   applies RFC 6891 §6.2.5 while parsing).
//! - [`ProbeOptions::dnssec_ok`] needs [`ProbeOptions::edns`]: without an
//!   OPT record there is no DO bit to send.
//! - One server, one question: retries go to the same address; choosing
//!   among a zone's servers is the caller's business.
//!
//! RFCs: [1035](https://www.rfc-editor.org/rfc/rfc1035) (messages, TCP
//! framing), [6891](https://www.rfc-editor.org/rfc/rfc6891) (EDNS),
//! [7766](https://www.rfc-editor.org/rfc/rfc7766) (TCP),
//! [5936](https://www.rfc-editor.org/rfc/rfc5936) (AXFR),
//! [8914](https://www.rfc-editor.org/rfc/rfc8914) (Extended DNS Errors).

use dnslab_zone::hickory::from_hickory;
use dnslab_zone::{Name, Record, Rtype};
use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::opt::EdnsOption;
use hickory_proto::rr::{DNSClass, Name as HickoryName, Record as HickoryRecord, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};
use ring::rand::{SecureRandom, SystemRandom};
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream, UdpSocket};

/// The EDNS option code of Extended DNS Errors (RFC 8914 §2).
const EDNS_EXTENDED_ERROR: u16 = 15;

/// The query type of a full zone transfer (RFC 5936).
const AXFR: Rtype = Rtype(252);

/// How many per-attempt timeouts a whole zone transfer may take: a
/// transfer is many messages, but a trainee's zone is small, so ten
/// round-trip budgets are plenty and still bounded.
const AXFR_DEADLINE_FACTOR: u32 = 10;

/// A UDP receive buffer large enough for any datagram, so an answer
/// bigger than the advertised EDNS size is still read whole (and judged
/// by the caller) rather than cut off by the kernel.
const UDP_RECEIVE_BUFFER: usize = 65535;

// ---------------------------------------------------------------------------
// Options.

/// How a probe is made. One place holds the defaults ([`Default`]), which
/// are those of a careful validating resolver (DO set, 1232-octet buffer
/// as recommended by the DNS Flag Day 2020), so that a server is graded
/// under the conditions it will meet in practice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeOptions {
    /// How long one attempt may take (one UDP send and its wait, or a whole
    /// TCP exchange). Default 2 s.
    pub timeout: Duration,
    /// How many times a UDP query is sent before giving up (at least once,
    /// also when 0). Default 3.
    pub attempts: u32,
    /// Set the EDNS DO bit, asking for DNSSEC records. Default true.
    pub dnssec_ok: bool,
    /// Set the CD bit. Default false.
    pub checking_disabled: bool,
    /// Set the RD bit; authoritative servers are queried without it.
    /// Default false.
    pub recursion_desired: bool,
    /// The EDNS UDP buffer size advertised. Default 1232.
    pub udp_payload: u16,
    /// Send an OPT record at all; without it the server must answer as a
    /// pre-EDNS server would (512 octets, no DNSSEC records). Default true.
    pub edns: bool,
    /// On a truncated UDP answer (TC=1), ask again over TCP. Default true.
    pub tcp_fallback: bool,
    /// Bind the client socket to this address (port chosen by the system),
    /// for labs where a server answers only certain sources. Default none:
    /// the unspecified address of the server's family.
    pub source: Option<IpAddr>,
    /// The largest TCP message accepted, in octets; a larger length prefix
    /// is [`ProbeError::TooLarge`] before anything is read. Default 65535.
    pub max_tcp_message: usize,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            timeout: Duration::from_secs(2),
            attempts: 3,
            dnssec_ok: true,
            checking_disabled: false,
            recursion_desired: false,
            udp_payload: 1232,
            edns: true,
            tcp_fallback: true,
            source: None,
            max_tcp_message: 65535,
        }
    }
}

/// The transport a message went over; explanations name it because
/// many trainee mistakes (firewalls, `listen-on` lines) affect only one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    Udp,
    Tcp,
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
        })
    }
}

// ---------------------------------------------------------------------------
// Responses.

/// A response as the checks need it: header flags, the records of each
/// section as dnslab [`Record`]s (data in wire form, ready for the
/// verifier), and the EDNS details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The server that answered.
    pub server: SocketAddr,
    /// The transport of this response (TCP after a truncated UDP answer).
    pub transport: Transport,
    /// A UDP answer with TC=1 came first, and this is the TCP answer.
    pub udp_truncated: bool,
    /// How many UDP datagrams were dropped before this answer because
    /// their id or question did not match; non-zero points at a confused
    /// server (or a spoofer) even when the query succeeded in the end.
    pub ignored: u32,
    /// The message id.
    pub id: u16,
    /// The full RCODE: with an OPT record, its upper 8 bits included
    /// (RFC 6891 §6.1.3), so BADVERS (16) is seen as such.
    pub rcode: u16,
    /// Authoritative answer.
    pub aa: bool,
    /// Truncated.
    pub tc: bool,
    /// Recursion desired (copied from the query by a correct server).
    pub rd: bool,
    /// Recursion available: an authoritative-only server should not set it.
    pub ra: bool,
    /// Authentic data.
    pub ad: bool,
    /// Checking disabled (copied from the query by a correct server).
    pub cd: bool,
    /// The answer section.
    pub answer: Vec<Record>,
    /// The authority section.
    pub authority: Vec<Record>,
    /// The additional section, without the OPT record (see [`Response::edns`]).
    pub additional: Vec<Record>,
    /// The OPT record, if the server sent one.
    pub edns: Option<EdnsInfo>,
    /// Octets of the response message (without the TCP length prefix).
    pub size: usize,
    /// From the first send to the accepted answer (for TCP fallback, of
    /// the TCP exchange only).
    pub elapsed: Duration,
}

/// What the server's OPT record said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdnsInfo {
    /// The UDP buffer size the server advertises (at least 512, see the
    /// module's limitations).
    pub udp_payload: u16,
    /// The DO bit: a server that understands DNSSEC copies it.
    pub dnssec_ok: bool,
    /// The EDNS version (0 today).
    pub version: u8,
    /// Extended DNS Errors (RFC 8914): info code and EXTRA-TEXT, in the
    /// order sent. Options too short to hold a code are left out.
    pub extended_errors: Vec<(u16, String)>,
}

/// A section of a response, for the lookup helpers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    Answer,
    Authority,
    Additional,
}

impl Response {
    /// The records of one section.
    pub fn section(&self, section: Section) -> &[Record] {
        match section {
            Section::Answer => &self.answer,
            Section::Authority => &self.authority,
            Section::Additional => &self.additional,
        }
    }

    /// The records of `owner` and `rtype` in `section`, owners compared
    /// without regard to case (DNS names are case-insensitive, and servers
    /// may answer in the case of the question).
    pub fn rrset(&self, section: Section, owner: &Name, rtype: Rtype) -> Vec<Record> {
        self.section(section)
            .iter()
            .filter(|r| r.rtype == rtype && r.owner.eq_ignore_case(owner))
            .cloned()
            .collect()
    }

    /// The RRSIGs of `owner` in `section` that cover `covered` (the type
    /// covered is the first two octets of RRSIG data, RFC 4034 §3.1).
    pub fn rrsigs_for(&self, section: Section, owner: &Name, covered: Rtype) -> Vec<Record> {
        self.section(section)
            .iter()
            .filter(|r| r.owner.eq_ignore_case(owner) && r.covered_type() == Some(covered))
            .cloned()
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Errors.

/// Why a probe failed. Each variant names the server and, where both are
/// possible, the transport, because the explanation shown to the trainee
/// is its `Display`: one sentence, no jargon beyond what the lab teaches.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// Nothing valid arrived in time.
    #[error(
        "no answer from {server} over {transport} after {attempts} {} of {}{}",
        plural(*attempts, "attempt", "attempts"),
        show_duration(*timeout),
        ignored_note(*ignored, *wrong_question)
    )]
    Timeout {
        server: SocketAddr,
        transport: Transport,
        attempts: u32,
        /// Per attempt.
        timeout: Duration,
        /// UDP datagrams dropped because their id or question did not
        /// match the query (wrong question included).
        ignored: u32,
        /// Of `ignored`, those with the right id but another question.
        wrong_question: u32,
    },
    /// The operating system reported an error: connection refused (nothing
    /// listens there), network unreachable, or a source address that
    /// cannot be bound. The error is part of the sentence (reports show
    /// the message alone), so it is not also the `source()`.
    #[error("{}", io_sentence(*server, *transport, error))]
    Io {
        server: SocketAddr,
        transport: Transport,
        error: io::Error,
    },
    /// What came back is not a DNS response.
    #[error("{server} sent something over {transport} that is not a valid DNS response: {reason}")]
    Malformed {
        server: SocketAddr,
        transport: Transport,
        reason: String,
    },
    /// A response (over TCP, where it cannot be a spoof) that belongs to
    /// another query.
    #[error("{server} answered over {transport}, but not the question asked: {reason}")]
    Mismatch {
        server: SocketAddr,
        transport: Transport,
        reason: String,
    },
    /// A TCP length prefix above [`ProbeOptions::max_tcp_message`].
    #[error(
        "{server} announced a TCP message of {size} octets, more than the {limit} octets the grader accepts"
    )]
    TooLarge {
        server: SocketAddr,
        size: usize,
        limit: usize,
    },
    /// A TCP answer that is incomplete: TC=1, or the stream ended early.
    #[error("{server} sent an incomplete answer over TCP: {what}")]
    TruncatedTcp {
        server: SocketAddr,
        what: Truncation,
    },
    /// A zone transfer answered with an error RCODE.
    #[error(
        "{server} refused the zone transfer of {zone} over TCP: it answered {}",
        rcode_name(*rcode)
    )]
    Refused {
        server: SocketAddr,
        zone: Name,
        rcode: u16,
    },
    /// A zone transfer with more records than the caller allows.
    #[error(
        "the zone transfer of {zone} from {server} over TCP has more than {limit} records, more than the grader accepts"
    )]
    TooManyRecords {
        server: SocketAddr,
        zone: Name,
        limit: usize,
    },
    /// A zone transfer that did not finish before its overall deadline.
    #[error(
        "the zone transfer of {zone} from {server} over TCP did not finish within {} ({records} records received)",
        show_duration(*deadline)
    )]
    TransferTimeout {
        server: SocketAddr,
        zone: Name,
        deadline: Duration,
        records: usize,
    },
    /// The query itself could not be built (a name hickory-proto rejects);
    /// a grader bug or bad exercise data, not the trainee's fault.
    #[error("the grader could not build its query to {server}: {reason}")]
    Query { server: SocketAddr, reason: String },
}

/// How a TCP answer was incomplete; part of [`ProbeError::TruncatedTcp`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Truncation {
    /// The message has TC=1, which is meaningless over TCP (RFC 7766 §8).
    TcBit,
    /// The stream ended before the whole message arrived: after `received`
    /// octets of the message (of the length prefix if `expected` is None).
    Closed {
        received: usize,
        expected: Option<usize>,
    },
    /// A zone transfer ended between messages before its closing SOA.
    TransferUnfinished { records: usize },
}

impl fmt::Display for Truncation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Truncation::TcBit => {
                f.write_str("the TC (truncated) bit is set, which TCP answers must not do")
            }
            Truncation::Closed {
                received: 0,
                expected: None,
            } => f.write_str("the connection was closed without an answer"),
            Truncation::Closed {
                received,
                expected: None,
            } => write!(
                f,
                "the connection was closed after {received} of the 2 octets of the length prefix"
            ),
            Truncation::Closed {
                received,
                expected: Some(expected),
            } => write!(
                f,
                "the connection was closed after {received} of the {expected} octets announced"
            ),
            Truncation::TransferUnfinished { records } => write!(
                f,
                "the connection was closed after {records} records, before the closing SOA record"
            ),
        }
    }
}

fn plural(n: u32, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// "2 s", "300 ms", "1.5 s": how a trainee reads a timeout.
fn show_duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{} s", d.as_secs())
    } else if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

fn ignored_note(ignored: u32, wrong_question: u32) -> String {
    let wrong_id = ignored.saturating_sub(wrong_question);
    let mut parts = Vec::new();
    if wrong_id > 0 {
        parts.push(format!(
            "{wrong_id} {} with the wrong id",
            plural(wrong_id, "answer", "answers")
        ));
    }
    if wrong_question > 0 {
        parts.push(format!(
            "{wrong_question} {} to a different question",
            plural(wrong_question, "answer", "answers")
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(
            " ({} {} ignored)",
            parts.join(" and "),
            plural(ignored, "was", "were")
        )
    }
}

fn io_sentence(server: SocketAddr, transport: Transport, error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => format!(
            "{server} refused the connection over {transport}: no DNS server listens on that address and port"
        ),
        io::ErrorKind::AddrNotAvailable => format!(
            "cannot reach {server} over {transport}: the source address is not available on this machine ({error})"
        ),
        io::ErrorKind::ConnectionReset => {
            format!("{server} reset the {transport} connection before answering")
        }
        _ => format!("cannot query {server} over {transport}: {error}"),
    }
}

/// The mnemonic of an RCODE (RFC 6895 §2.3), `RCODEn` for the rest.
pub fn rcode_name(rcode: u16) -> String {
    let name = match rcode {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        16 => "BADVERS",
        23 => "BADCOOKIE",
        n => return format!("RCODE{n}"),
    };
    name.to_owned()
}

// ---------------------------------------------------------------------------
// Parsing.

/// Parses a response message from `server`, received over `transport`.
///
/// Only the message itself is judged (it must decode and have QR=1);
/// whether it answers a particular query is for [`query`] to decide. Never
/// panics, whatever `wire` holds: this is the boundary where network data
/// enters the grader.
pub fn parse_response(
    wire: &[u8],
    server: SocketAddr,
    transport: Transport,
) -> Result<Response, ProbeError> {
    let message = decode(wire, server, transport)?;
    convert(&message, wire.len(), server, transport)
}

fn decode(wire: &[u8], server: SocketAddr, transport: Transport) -> Result<Message, ProbeError> {
    let malformed = |reason: String| ProbeError::Malformed {
        server,
        transport,
        reason,
    };
    if wire.len() < 12 {
        return Err(malformed(format!(
            "{} octets is shorter than a DNS header (12 octets)",
            wire.len()
        )));
    }
    let message = Message::from_vec(wire).map_err(|e| malformed(format!("cannot parse: {e}")))?;
    if message.metadata.message_type != MessageType::Response {
        return Err(malformed(
            "the QR bit is clear, so this is a query, not a response (was the query echoed back?)"
                .to_owned(),
        ));
    }
    Ok(message)
}

fn convert(
    message: &Message,
    size: usize,
    server: SocketAddr,
    transport: Transport,
) -> Result<Response, ProbeError> {
    let section = |records: &[HickoryRecord]| {
        records
            .iter()
            .map(|r| {
                from_hickory(r).map_err(|e| ProbeError::Malformed {
                    server,
                    transport,
                    reason: format!("a record cannot be read: {e}"),
                })
            })
            .collect::<Result<Vec<_>, _>>()
    };
    let meta = &message.metadata;
    Ok(Response {
        server,
        transport,
        udp_truncated: false,
        ignored: 0,
        id: meta.id,
        rcode: u16::from(meta.response_code),
        aa: meta.authoritative,
        tc: meta.truncation,
        rd: meta.recursion_desired,
        ra: meta.recursion_available,
        ad: meta.authentic_data,
        cd: meta.checking_disabled,
        answer: section(&message.answers)?,
        authority: section(&message.authorities)?,
        additional: section(&message.additionals)?,
        edns: message.edns.as_ref().map(edns_info),
        size,
        elapsed: Duration::ZERO,
    })
}

fn edns_info(edns: &Edns) -> EdnsInfo {
    let extended_errors = edns
        .options()
        .as_ref()
        .iter()
        .filter_map(|(_, option)| match option {
            EdnsOption::Unknown(EDNS_EXTENDED_ERROR, data) if data.len() >= 2 => {
                let code = u16::from_be_bytes([data[0], data[1]]);
                // RFC 8914 §2: EXTRA-TEXT is UTF-8 and not NUL-terminated,
                // but some servers add a NUL anyway.
                let text = String::from_utf8_lossy(&data[2..]);
                Some((code, text.trim_end_matches('\0').to_owned()))
            }
            _ => None,
        })
        .collect();
    EdnsInfo {
        udp_payload: edns.max_payload(),
        dnssec_ok: edns.flags().dnssec_ok,
        version: edns.version(),
        extended_errors,
    }
}

// ---------------------------------------------------------------------------
// Queries.

/// What an answer must match.
struct Expected {
    id: u16,
    name: HickoryName,
    qtype: RecordType,
}

/// Why a parsed response does not belong to the query.
enum Mismatch {
    Id(u16),
    Question(String),
}

impl Expected {
    /// Whether `message` answers this query; `empty_question_ok` for the
    /// messages where RFC 1035 or RFC 5936 §2.2.1 allow no question.
    fn check(&self, message: &Message, empty_question_ok: bool) -> Result<(), Mismatch> {
        if message.metadata.id != self.id {
            return Err(Mismatch::Id(message.metadata.id));
        }
        match message.queries.as_slice() {
            [] if empty_question_ok || message.metadata.response_code != ResponseCode::NoError => {
                Ok(())
            }
            [] => Err(Mismatch::Question(
                "the question section is empty".to_owned(),
            )),
            [q] if q.query_class() == DNSClass::IN
                && q.query_type() == self.qtype
                && *q.name() == self.name =>
            {
                Ok(())
            }
            [q] => Err(Mismatch::Question(format!(
                "the question is {} {} {}, not {} IN {}",
                q.name(),
                q.query_class(),
                q.query_type(),
                self.name,
                self.qtype
            ))),
            many => Err(Mismatch::Question(format!(
                "the question section has {} questions instead of one",
                many.len()
            ))),
        }
    }

    fn mismatch_error(&self, mismatch: Mismatch, server: SocketAddr) -> ProbeError {
        let reason = match mismatch {
            Mismatch::Id(got) => format!("the id is {got}, not {} as in the query", self.id),
            Mismatch::Question(reason) => reason,
        };
        ProbeError::Mismatch {
            server,
            transport: Transport::Tcp,
            reason,
        }
    }
}

/// A random query id (RFC 5452 §9.2), so that stale or spoofed answers
/// are recognised.
fn random_id() -> u16 {
    let mut bytes = [0u8; 2];
    if SystemRandom::new().fill(&mut bytes).is_err() {
        // The system's generator failing is unheard of; fall back to
        // std's randomly keyed hasher rather than to a fixed id.
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        return hasher.finish() as u16;
    }
    u16::from_be_bytes(bytes)
}

/// Builds the query message and what its answer must match.
fn build_query(
    server: SocketAddr,
    qname: &Name,
    qtype: Rtype,
    opts: &ProbeOptions,
) -> Result<(Vec<u8>, Expected), ProbeError> {
    let query_error = |reason: String| ProbeError::Query { server, reason };
    let name = HickoryName::read(&mut BinDecoder::new(qname.as_wire()))
        .map_err(|e| query_error(format!("the name {qname}: {e}")))?;
    let id = random_id();
    let mut message = Message::new(id, MessageType::Query, OpCode::Query);
    message.metadata.recursion_desired = opts.recursion_desired;
    message.metadata.checking_disabled = opts.checking_disabled;
    let mut query = Query::query(name.clone(), RecordType::from(qtype.0));
    query.set_query_class(DNSClass::IN);
    message.add_query(query);
    if opts.edns {
        let mut edns = Edns::new();
        edns.set_max_payload(opts.udp_payload);
        edns.set_dnssec_ok(opts.dnssec_ok);
        message.set_edns(edns);
    }
    let wire = message
        .to_vec()
        .map_err(|e| query_error(format!("encoding: {e}")))?;
    Ok((
        wire,
        Expected {
            id,
            name,
            qtype: RecordType::from(qtype.0),
        },
    ))
}

/// The local address to bind: the requested source, or the unspecified
/// address of the server's family.
fn local_address(server: SocketAddr, source: Option<IpAddr>) -> SocketAddr {
    let ip = source.unwrap_or(match server {
        SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        SocketAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    });
    SocketAddr::new(ip, 0)
}

/// Asks `server` for `qname`/`qtype`: over UDP with bounded retries, then
/// over TCP if the UDP answer is truncated and [`ProbeOptions::tcp_fallback`]
/// is set.
///
/// One socket serves all attempts, connected to `server` so that the
/// kernel drops datagrams from other addresses; all attempts carry the
/// same id, so a slow answer to the first attempt is still accepted during
/// the second.
pub async fn query(
    server: SocketAddr,
    qname: &Name,
    qtype: Rtype,
    opts: &ProbeOptions,
) -> Result<Response, ProbeError> {
    let (wire, expected) = build_query(server, qname, qtype, opts)?;
    let udp = query_udp(server, &wire, &expected, opts).await?;
    if udp.tc && opts.tcp_fallback {
        tracing::debug!(%server, %qname, %qtype, "truncated UDP answer, asking again over TCP");
        let mut tcp = query_tcp(server, qname, qtype, opts).await?;
        tcp.udp_truncated = true;
        tcp.ignored = udp.ignored;
        return Ok(tcp);
    }
    Ok(udp)
}

/// What one received datagram turned out to be.
enum Datagram {
    Answer(Box<Message>),
    WrongId,
    WrongQuestion,
    NotDns(String),
}

fn classify(
    datagram: &[u8],
    expected: &Expected,
    server: SocketAddr,
) -> Result<Datagram, ProbeError> {
    let id_matches = datagram.len() >= 2 && datagram[..2] == expected.id.to_be_bytes();
    if !id_matches {
        // Not ours: ignored either way, but garbage is told apart from a
        // real answer with the wrong id, for the final explanation.
        return Ok(match decode(datagram, server, Transport::Udp) {
            Ok(_) => Datagram::WrongId,
            Err(ProbeError::Malformed { reason, .. }) => Datagram::NotDns(reason),
            Err(_) => Datagram::NotDns("cannot parse".to_owned()),
        });
    }
    let message = decode(datagram, server, Transport::Udp)?;
    match expected.check(&message, false) {
        Ok(()) => Ok(Datagram::Answer(Box::new(message))),
        Err(Mismatch::Id(_)) => Ok(Datagram::WrongId),
        Err(Mismatch::Question(reason)) => {
            tracing::debug!(%server, %reason, "ignored a UDP answer to another question");
            Ok(Datagram::WrongQuestion)
        }
    }
}

async fn query_udp(
    server: SocketAddr,
    wire: &[u8],
    expected: &Expected,
    opts: &ProbeOptions,
) -> Result<Response, ProbeError> {
    let io_error = |error: io::Error| ProbeError::Io {
        server,
        transport: Transport::Udp,
        error,
    };
    // Where this host reaches the server (a published port on the Docker
    // backend); the connected socket only takes answers from there, and
    // findings keep naming the planned address.
    let (reach_at, source) = dnslab_lab::reach::route(server, opts.source);
    let socket = UdpSocket::bind(local_address(reach_at, source))
        .await
        .map_err(io_error)?;
    socket.connect(reach_at).await.map_err(io_error)?;
    let attempts = opts.attempts.max(1);
    let started = Instant::now();
    let mut buffer = vec![0u8; UDP_RECEIVE_BUFFER];
    let (mut ignored, mut wrong_question) = (0u32, 0u32);
    let mut not_dns: Option<(u32, String)> = None;
    for attempt in 1..=attempts {
        socket.send(wire).await.map_err(io_error)?;
        let deadline = tokio::time::Instant::now() + opts.timeout;
        loop {
            let received = tokio::time::timeout_at(deadline, socket.recv(&mut buffer)).await;
            let length = match received {
                Err(_elapsed) => break,
                Ok(result) => result.map_err(io_error)?,
            };
            let datagram = buffer.get(..length).unwrap_or(&[]);
            match classify(datagram, expected, server)? {
                Datagram::Answer(message) => {
                    let mut response = convert(&message, length, server, Transport::Udp)?;
                    response.ignored = ignored;
                    response.elapsed = started.elapsed();
                    return Ok(response);
                }
                Datagram::WrongId => {
                    tracing::debug!(%server, attempt, "ignored a UDP answer with the wrong id");
                    ignored += 1;
                }
                Datagram::WrongQuestion => {
                    ignored += 1;
                    wrong_question += 1;
                }
                Datagram::NotDns(reason) => {
                    tracing::debug!(%server, attempt, %reason, "ignored a datagram that is not DNS");
                    let entry = not_dns.get_or_insert((0, reason));
                    entry.0 += 1;
                }
            }
        }
    }
    if let Some((count, first)) = not_dns {
        // Garbage and nothing else useful: that is what to explain, not
        // the silence.
        return Err(ProbeError::Malformed {
            server,
            transport: Transport::Udp,
            reason: format!(
                "{count} {} arrived and no valid answer (the first: {first})",
                plural(
                    count,
                    "datagram that is not a DNS message",
                    "datagrams that are not DNS messages"
                )
            ),
        });
    }
    Err(ProbeError::Timeout {
        server,
        transport: Transport::Udp,
        attempts,
        timeout: opts.timeout,
        ignored,
        wrong_question,
    })
}

/// Asks `server` for `qname`/`qtype` over TCP only: one attempt, the whole
/// exchange (connect, send, receive) within [`ProbeOptions::timeout`].
pub async fn query_tcp(
    server: SocketAddr,
    qname: &Name,
    qtype: Rtype,
    opts: &ProbeOptions,
) -> Result<Response, ProbeError> {
    let (wire, expected) = build_query(server, qname, qtype, opts)?;
    let started = Instant::now();
    let exchange = async {
        let mut stream = connect_tcp(server, opts.source).await?;
        write_message(&mut stream, server, &wire).await?;
        read_message(&mut stream, server, opts.max_tcp_message).await
    };
    let answer = tokio::time::timeout(opts.timeout, exchange)
        .await
        .map_err(|_elapsed| ProbeError::Timeout {
            server,
            transport: Transport::Tcp,
            attempts: 1,
            timeout: opts.timeout,
            ignored: 0,
            wrong_question: 0,
        })??;
    let message = decode(&answer, server, Transport::Tcp)?;
    expected
        .check(&message, false)
        .map_err(|m| expected.mismatch_error(m, server))?;
    if message.metadata.truncation {
        return Err(ProbeError::TruncatedTcp {
            server,
            what: Truncation::TcBit,
        });
    }
    let mut response = convert(&message, answer.len(), server, Transport::Tcp)?;
    response.elapsed = started.elapsed();
    Ok(response)
}

async fn connect_tcp(server: SocketAddr, source: Option<IpAddr>) -> Result<TcpStream, ProbeError> {
    let io_error = |error: io::Error| ProbeError::Io {
        server,
        transport: Transport::Tcp,
        error,
    };
    let (reach_at, source) = dnslab_lab::reach::route(server, source);
    match source {
        None => TcpStream::connect(reach_at).await.map_err(io_error),
        Some(ip) => {
            let socket = match ip {
                IpAddr::V4(_) => TcpSocket::new_v4(),
                IpAddr::V6(_) => TcpSocket::new_v6(),
            }
            .map_err(io_error)?;
            socket.bind(SocketAddr::new(ip, 0)).map_err(io_error)?;
            socket.connect(reach_at).await.map_err(io_error)
        }
    }
}

/// Sends one message with its 2-octet length prefix (RFC 1035 §4.2.2).
async fn write_message(
    stream: &mut TcpStream,
    server: SocketAddr,
    message: &[u8],
) -> Result<(), ProbeError> {
    let length = u16::try_from(message.len()).map_err(|_| ProbeError::Query {
        server,
        reason: format!("the query is {} octets, too long for TCP", message.len()),
    })?;
    let mut framed = Vec::with_capacity(message.len() + 2);
    framed.extend_from_slice(&length.to_be_bytes());
    framed.extend_from_slice(message);
    stream
        .write_all(&framed)
        .await
        .map_err(|error| ProbeError::Io {
            server,
            transport: Transport::Tcp,
            error,
        })
}

/// Reads into `buffer` until it is full or the stream ends; how much was
/// read, so an early end can be reported precisely.
async fn read_full(stream: &mut TcpStream, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match stream.read(&mut buffer[filled..]).await? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Reads one length-prefixed message, refusing lengths above `limit`
/// before allocating for them.
async fn read_message(
    stream: &mut TcpStream,
    server: SocketAddr,
    limit: usize,
) -> Result<Vec<u8>, ProbeError> {
    let io_error = |error: io::Error| ProbeError::Io {
        server,
        transport: Transport::Tcp,
        error,
    };
    let mut prefix = [0u8; 2];
    let received = read_full(stream, &mut prefix).await.map_err(io_error)?;
    if received < prefix.len() {
        return Err(ProbeError::TruncatedTcp {
            server,
            what: Truncation::Closed {
                received,
                expected: None,
            },
        });
    }
    let length = usize::from(u16::from_be_bytes(prefix));
    if length > limit {
        return Err(ProbeError::TooLarge {
            server,
            size: length,
            limit,
        });
    }
    let mut message = vec![0u8; length];
    let received = read_full(stream, &mut message).await.map_err(io_error)?;
    if received < length {
        return Err(ProbeError::TruncatedTcp {
            server,
            what: Truncation::Closed {
                received,
                expected: Some(length),
            },
        });
    }
    Ok(message)
}

// ---------------------------------------------------------------------------
// Zone transfer.

/// Transfers `zone` from `server` (AXFR over TCP, RFC 5936): messages are
/// read until the second SOA record of the zone. Returns every record in
/// the order sent, the opening SOA first and the closing SOA left out.
///
/// The whole transfer must finish within ten times
/// [`ProbeOptions::timeout`], and at most `max_records` records are
/// accepted, so a server that streams forever is stopped.
pub async fn axfr(
    server: SocketAddr,
    zone: &Name,
    opts: &ProbeOptions,
    max_records: usize,
) -> Result<Vec<Record>, ProbeError> {
    let deadline = opts.timeout.saturating_mul(AXFR_DEADLINE_FACTOR);
    let mut records = Vec::new();
    let transfer = transfer(server, zone, opts, max_records, &mut records);
    match tokio::time::timeout(deadline, transfer).await {
        Ok(Ok(())) => Ok(records),
        Ok(Err(e)) => Err(e),
        Err(_elapsed) => Err(ProbeError::TransferTimeout {
            server,
            zone: zone.clone(),
            deadline,
            records: records.len(),
        }),
    }
}

async fn transfer(
    server: SocketAddr,
    zone: &Name,
    opts: &ProbeOptions,
    max_records: usize,
    records: &mut Vec<Record>,
) -> Result<(), ProbeError> {
    let malformed = |reason: String| ProbeError::Malformed {
        server,
        transport: Transport::Tcp,
        reason,
    };
    let (wire, expected) = build_query(server, zone, AXFR, opts)?;
    let mut stream = connect_tcp(server, opts.source).await?;
    write_message(&mut stream, server, &wire).await?;
    let mut first_message = true;
    loop {
        let answer = match read_message(&mut stream, server, opts.max_tcp_message).await {
            Err(ProbeError::TruncatedTcp {
                what:
                    Truncation::Closed {
                        received: 0,
                        expected: None,
                    },
                ..
            }) if !first_message => {
                return Err(ProbeError::TruncatedTcp {
                    server,
                    what: Truncation::TransferUnfinished {
                        records: records.len(),
                    },
                });
            }
            other => other?,
        };
        let message = decode(&answer, server, Transport::Tcp)?;
        // RFC 5936 §2.2.1: the first message copies the question, later
        // ones may leave it out.
        expected
            .check(&message, !first_message)
            .map_err(|m| expected.mismatch_error(m, server))?;
        let rcode = u16::from(message.metadata.response_code);
        if rcode != 0 {
            return Err(ProbeError::Refused {
                server,
                zone: zone.clone(),
                rcode,
            });
        }
        if message.metadata.truncation {
            return Err(ProbeError::TruncatedTcp {
                server,
                what: Truncation::TcBit,
            });
        }
        if first_message && message.answers.is_empty() {
            return Err(malformed(
                "the first message of the zone transfer has no records".to_owned(),
            ));
        }
        for hickory_record in &message.answers {
            let record = from_hickory(hickory_record)
                .map_err(|e| malformed(format!("a record cannot be read: {e}")))?;
            let is_zone_soa = record.rtype == Rtype::SOA && record.owner.eq_ignore_case(zone);
            if records.is_empty() {
                if !is_zone_soa {
                    return Err(malformed(format!(
                        "the zone transfer must start with the SOA record of {zone}, not {} {}",
                        record.owner, record.rtype
                    )));
                }
            } else if is_zone_soa {
                // The closing SOA (RFC 5936 §2.2); anything after it in
                // this message is not part of the zone.
                return Ok(());
            }
            if records.len() >= max_records {
                return Err(ProbeError::TooManyRecords {
                    server,
                    zone: zone.clone(),
                    limit: max_records,
                });
            }
            records.push(record);
        }
        first_message = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> SocketAddr {
        SocketAddr::from(([127, 141, 255, 1], 53))
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(show_duration(Duration::from_secs(2)), "2 s");
        assert_eq!(show_duration(Duration::from_millis(300)), "300 ms");
        assert_eq!(show_duration(Duration::from_millis(1500)), "1.5 s");
    }

    #[test]
    fn timeout_sentence_counts_what_was_ignored() {
        let e = ProbeError::Timeout {
            server: "127.53.10.7:53".parse().unwrap(),
            transport: Transport::Udp,
            attempts: 3,
            timeout: Duration::from_secs(2),
            ignored: 3,
            wrong_question: 0,
        };
        assert_eq!(
            e.to_string(),
            "no answer from 127.53.10.7:53 over UDP after 3 attempts of 2 s \
             (3 answers with the wrong id were ignored)"
        );
    }

    #[test]
    fn query_has_one_question_and_the_requested_bits() {
        let name = Name::parse_absolute("Example.").unwrap();
        let opts = ProbeOptions {
            checking_disabled: true,
            ..ProbeOptions::default()
        };
        let (wire, expected) = build_query(server(), &name, Rtype::DNSKEY, &opts).unwrap();
        let m = Message::from_vec(&wire).unwrap();
        assert_eq!(m.metadata.id, expected.id);
        assert_eq!(m.queries.len(), 1);
        assert_eq!(m.queries[0].query_class(), DNSClass::IN);
        assert_eq!(m.queries[0].name().to_ascii(), "Example.");
        assert!(m.metadata.checking_disabled);
        assert!(!m.metadata.recursion_desired);
        let edns = m.edns.as_ref().unwrap();
        assert!(edns.flags().dnssec_ok);
        assert_eq!(edns.max_payload(), 1232);

        let no_edns = ProbeOptions {
            edns: false,
            ..ProbeOptions::default()
        };
        let (wire, _) = build_query(server(), &name, Rtype::A, &no_edns).unwrap();
        assert!(Message::from_vec(&wire).unwrap().edns.is_none());
    }

    #[test]
    fn short_input_is_malformed() {
        for wire in [&b""[..], b"\x12", b"\x12\x34\x81\x80"] {
            assert!(matches!(
                parse_response(wire, server(), Transport::Udp),
                Err(ProbeError::Malformed { .. })
            ));
        }
    }
}
