//! Running the server: loading zones, the UDP and TCP transports, reloads.
//!
//! ```text
//!  zone files ──load──▶ ZoneSet ──ArcSwap──▶ UDP threads (own loop, wire.rs)
//!      ▲                                   └▶ TCP (hickory-server Server)
//!      └── reload: a changed file (polled) or SIGHUP builds a new ZoneSet;
//!          a file that fails to load leaves the old zone serving.
//! ```
//!
//! UDP is dnslab's own loop: blocking sockets, one thread per worker,
//! parse → answer → encode in place, no task per query. It exists because
//! hickory-server's UDP path spawns a task and builds a `Message` per query
//! (see docs/architecture.md for the measurement). TCP, where
//! connection handling matters more than per-query cost, goes through
//! hickory-server's `Server` with a [`RequestHandler`] over the same answer
//! logic.

use crate::answer::{Answer, answer, rcode};
use crate::query::{self, Query, QueryError};
use crate::store::{StoreError, ZoneIndex, ZoneSet};
use crate::wire;
use arc_swap::ArcSwap;
use dnslab_zone::parser::{ParseOptions, ZoneFileError, parse_file};
use dnslab_zone::zone::Zone;
use dnslab_zone::{ErrorChain, Name, Rtype, hickory};
use hickory_proto::op::{Edns, Header, HeaderCounts, MessageType, Metadata, OpCode, ResponseCode};
use hickory_proto::rr::Record as HickoryRecord;
use hickory_server::net::runtime::Time;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;
use ipnet::IpNet;
use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

/// A zone to serve and the file it comes from.
#[derive(Debug, Clone)]
pub struct ZoneSource {
    pub origin: Name,
    pub file: PathBuf,
    /// Serve `<file>.signed` instead whenever it exists: the name every
    /// signer (dnslab, dnssec-signzone, ldns-signzone) writes by default, so
    /// a trainee's server picks up the signed zone as soon as it is made.
    pub prefer_signed: bool,
}

impl ZoneSource {
    pub fn new(origin: Name, file: impl Into<PathBuf>) -> ZoneSource {
        ZoneSource {
            origin,
            file: file.into(),
            prefer_signed: false,
        }
    }

    /// The file served now.
    pub fn current_file(&self) -> PathBuf {
        if self.prefer_signed {
            let mut signed = self.file.clone().into_os_string();
            signed.push(".signed");
            let signed = PathBuf::from(signed);
            if signed.exists() {
                return signed;
            }
        }
        self.file.clone()
    }
}

/// How to run.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub zones: Vec<ZoneSource>,
    pub listen: Vec<SocketAddr>,
    /// Networks allowed to transfer zones (AXFR).
    pub axfr_allow: Vec<IpNet>,
    /// UDP worker threads per listen address.
    pub threads: usize,
    /// How often zone files are checked for changes.
    pub watch_interval: Duration,
    /// Serve UDP through hickory-server instead of dnslab's own loop; kept
    /// so that the benchmark can compare the two (docs/architecture.md).
    pub udp_via_hickory: bool,
}

/// Why serving could not start or a zone could not load. The lower-level
/// error is the `source()`, never repeated in the message (print the chain:
/// [`dnslab_zone::ErrorChain`]).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Parse(#[from] ZoneFileError),
    #[error("{} is not a zone dnslab can serve", .file.display())]
    Store { file: PathBuf, source: StoreError },
    #[error("{} is not a valid zone", .file.display())]
    Zone {
        file: PathBuf,
        source: dnslab_zone::zone::ZoneError,
    },
    /// `hint` is what to do about the usual causes (`: ports below 1024
    /// need ...`), or empty.
    #[error("cannot listen on {addr} ({proto}){hint}")]
    Bind {
        addr: SocketAddr,
        proto: &'static str,
        source: std::io::Error,
        hint: &'static str,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Reads, checks and indexes one zone.
pub fn load_zone(source: &ZoneSource) -> Result<ZoneIndex, ServeError> {
    let options = ParseOptions {
        origin: Some(source.origin.clone()),
        default_ttl: None,
    };
    let file = source.current_file();
    let records = parse_file(&file, &options)?;
    let zone = Zone::new(source.origin.clone(), records).map_err(|e| ServeError::Zone {
        file: file.clone(),
        source: e,
    })?;
    ZoneIndex::new(zone).map_err(|e| ServeError::Store {
        file: file.clone(),
        source: e,
    })
}

/// State shared by the transports.
pub struct Shared {
    pub zones: ArcSwap<ZoneSet>,
    axfr_allow: Vec<IpNet>,
    sources: Vec<ZoneSource>,
    stop: AtomicBool,
}

impl Shared {
    /// Loads every zone; any failure stops the start.
    pub fn load(config: &ServerConfig) -> Result<Arc<Shared>, ServeError> {
        let mut zones = Vec::with_capacity(config.zones.len());
        for source in &config.zones {
            zones.push(Arc::new(load_zone(source)?));
        }
        Ok(Shared::with_zones(config, zones))
    }

    /// Loads what loads: a zone whose file is broken is left out (REFUSED
    /// until a good file appears, which the watcher then loads) and its
    /// error returned. For lab nodes, where a trainee's mistake must not
    /// stop the whole lab.
    pub fn load_lenient(config: &ServerConfig) -> (Arc<Shared>, Vec<ServeError>) {
        let mut zones = Vec::with_capacity(config.zones.len());
        let mut errors = Vec::new();
        for source in &config.zones {
            match load_zone(source) {
                Ok(z) => zones.push(Arc::new(z)),
                Err(e) => errors.push(e),
            }
        }
        (Shared::with_zones(config, zones), errors)
    }

    fn with_zones(config: &ServerConfig, zones: Vec<Arc<ZoneIndex>>) -> Arc<Shared> {
        Arc::new(Shared {
            zones: ArcSwap::from_pointee(ZoneSet::new(zones)),
            axfr_allow: config.axfr_allow.clone(),
            sources: config.zones.clone(),
            stop: AtomicBool::new(false),
        })
    }

    /// Reloads the zones whose files changed (or all, when `force`); a zone
    /// that fails to load keeps serving its last good version. Returns how
    /// many zones were replaced.
    pub fn reload(&self, changed: impl Fn(&ZoneSource) -> bool) -> usize {
        let current = self.zones.load_full();
        let mut replaced = 0;
        let mut next: Vec<Arc<ZoneIndex>> = Vec::new();
        for source in &self.sources {
            let lower = source.origin.to_lowercase();
            let old = current.get(lower.as_wire()).cloned();
            if !changed(source) {
                next.extend(old);
                continue;
            }
            match load_zone(source) {
                Ok(z) => {
                    tracing::info!(zone = %source.origin, file = %source.current_file().display(), serial = z.soa().serial, "zone reloaded");
                    next.push(Arc::new(z));
                    replaced += 1;
                }
                Err(error) => {
                    tracing::error!(zone = %source.origin, error = %ErrorChain(&error), "zone not reloaded; the previous version keeps serving");
                    next.extend(old);
                }
            }
        }
        if replaced > 0 {
            self.zones.store(Arc::new(ZoneSet::new(next)));
        }
        replaced
    }

    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    fn axfr_allowed(&self, addr: &SocketAddr) -> bool {
        self.axfr_allow.iter().any(|net| net.contains(&addr.ip()))
    }
}

/// The response to one UDP or TCP message, or `None` to stay silent.
pub fn respond(shared: &Shared, message: &[u8], limit: usize) -> Option<Vec<u8>> {
    match query::parse(message) {
        Ok(q) => {
            let zones = shared.zones.load();
            let a = answer(&zones, &q);
            let limit = if limit == 0 {
                wire::udp_limit(&q)
            } else {
                limit
            };
            Some(wire::encode(&q, &a, limit))
        }
        Err(QueryError::Drop) => None,
        Err(QueryError::FormErr {
            id,
            opcode,
            rd,
            question,
        }) => {
            let question = question.as_ref().map(|(n, t, c)| (n, *t, *c));
            Some(wire::error_response(
                id,
                opcode,
                rd,
                question,
                rcode::FORMERR,
            ))
        }
        Err(QueryError::NotImp { id, opcode, rd }) => {
            Some(wire::error_response(id, opcode, rd, None, rcode::NOTIMP))
        }
    }
}

fn bind_hint(error: &std::io::Error, addr: &SocketAddr) -> &'static str {
    if error.kind() == std::io::ErrorKind::PermissionDenied && addr.port() < 1024 {
        ": ports below 1024 need root or CAP_NET_BIND_SERVICE (sudo setcap cap_net_bind_service=+ep $(which dnslab)), or use a port above 1023"
    } else if error.kind() == std::io::ErrorKind::AddrInUse {
        ": another program uses this address (another dnslab, named, nsd, unbound, systemd-resolved?)"
    } else if error.kind() == std::io::ErrorKind::AddrNotAvailable {
        ": the address is not on this machine (127.0.0.0/8 always is on Linux)"
    } else {
        ""
    }
}

/// Starts UDP worker threads on a bound socket.
fn spawn_udp(
    shared: &Arc<Shared>,
    socket: UdpSocket,
    threads: usize,
) -> std::io::Result<Vec<std::thread::JoinHandle<()>>> {
    // A read timeout lets workers notice a stop request.
    socket.set_read_timeout(Some(Duration::from_millis(250)))?;
    let mut handles = Vec::with_capacity(threads);
    for i in 0..threads.max(1) {
        let socket = socket.try_clone()?;
        let shared = shared.clone();
        let name = format!("dnslab-udp-{i}");
        handles.push(
            std::thread::Builder::new()
                .name(name)
                .spawn(move || udp_worker(&shared, &socket))?,
        );
    }
    Ok(handles)
}

#[cfg(target_os = "linux")]
fn udp_worker(shared: &Shared, socket: &UdpSocket) {
    let mut batch = crate::udp_batch::Batch::new();
    let mut slots = Vec::with_capacity(crate::udp_batch::BATCH);
    let mut replies = Vec::with_capacity(crate::udp_batch::BATCH);
    while !shared.stop.load(Ordering::Relaxed) {
        let n = match batch.receive(socket) {
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                continue;
            }
            Err(error) => {
                tracing::warn!(%error, "UDP receive failed");
                continue;
            }
        };
        slots.clear();
        replies.clear();
        for i in 0..n {
            if let Some(reply) = respond(shared, batch.query(i), 0) {
                slots.push(i);
                replies.push(reply);
            }
        }
        if !replies.is_empty() {
            batch.send(socket, &slots, &replies);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn udp_worker(shared: &Shared, socket: &UdpSocket) {
    let mut buf = [0u8; 4096];
    while !shared.stop.load(Ordering::Relaxed) {
        let (len, src) = match socket.recv_from(&mut buf) {
            Ok(v) => v,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(error) => {
                tracing::warn!(%error, "UDP receive failed");
                continue;
            }
        };
        if let Some(response) = respond(shared, &buf[..len], 0)
            && let Err(error) = socket.send_to(&response, src)
        {
            tracing::debug!(%error, %src, "UDP send failed");
        }
    }
}

/// The TCP side: hickory-server calls this for every message.
struct TcpHandler {
    shared: Arc<Shared>,
}

fn hickory_records(rrs: &[crate::answer::Rr<'_>]) -> Vec<HickoryRecord> {
    rrs.iter()
        .filter_map(|rr| match hickory::to_hickory(rr.record()) {
            Ok(r) => Some(r),
            Err(error) => {
                tracing::error!(%error, "record cannot be sent over TCP");
                None
            }
        })
        .collect()
}

fn metadata_for(q: &Query, a: &Answer<'_>) -> Metadata {
    let mut m = Metadata::new(q.id, MessageType::Response, OpCode::Query);
    m.authoritative = a.authoritative;
    m.recursion_desired = q.recursion_desired;
    m.checking_disabled = q.checking_disabled;
    m.response_code = ResponseCode::from(0, (a.rcode & 0xf) as u8);
    m
}

fn edns_for(q: &Query, rcode: u16) -> Option<Edns> {
    q.edns.map(|e| {
        let mut edns = Edns::new();
        edns.set_max_payload(wire::EDNS_PAYLOAD);
        edns.set_version(0);
        edns.set_dnssec_ok(e.dnssec_ok);
        edns.set_rcode_high((rcode >> 4) as u8);
        edns
    })
}

/// What hickory-server records about a response that could not be sent.
fn info_for(metadata: Metadata) -> ResponseInfo {
    ResponseInfo::from(Header {
        metadata,
        counts: HeaderCounts::default(),
    })
}

/// Records per AXFR message: small enough for 64 KiB with RSA signatures.
const AXFR_CHUNK: usize = 100;

impl TcpHandler {
    async fn axfr<R: ResponseHandler>(
        &self,
        request: &Request,
        q: &Query,
        mut handle: R,
    ) -> ResponseInfo {
        let zones = self.shared.zones.load_full();
        let lower = q.qname.to_lowercase();
        let refused = |handle: R| self.error(request, q, rcode::REFUSED, handle);
        if !self.shared.axfr_allowed(&request.src()) {
            tracing::info!(src = %request.src(), zone = %q.qname, "AXFR refused: source not in --axfr-allow");
            return refused(handle).await;
        }
        let Some(zone) = zones.get(lower.as_wire()) else {
            return refused(handle).await;
        };
        let soa = zone.zone.soa_record();
        let mut records = vec![soa];
        records.extend(zone.zone.records.iter().filter(|r| !std::ptr::eq(*r, soa)));
        records.push(soa);
        let converted: Vec<HickoryRecord> = records
            .iter()
            .filter_map(|r| hickory::to_hickory(r).ok())
            .collect();
        let mut info = None;
        for chunk in converted.chunks(AXFR_CHUNK) {
            let metadata = {
                let mut m = Metadata::new(q.id, MessageType::Response, OpCode::Query);
                m.authoritative = true;
                m
            };
            let response = MessageResponseBuilder::from_message_request(request).build(
                metadata,
                chunk.iter(),
                std::iter::empty(),
                std::iter::empty(),
                std::iter::empty(),
            );
            match handle.send_response(response).await {
                Ok(i) => info = Some(i),
                Err(error) => {
                    tracing::warn!(%error, "AXFR send failed");
                    break;
                }
            }
        }
        tracing::info!(src = %request.src(), zone = %zone.apex(), records = converted.len(), "AXFR sent");
        info.unwrap_or_else(|| info_for(Metadata::new(q.id, MessageType::Response, OpCode::Query)))
    }

    async fn error<R: ResponseHandler>(
        &self,
        request: &Request,
        q: &Query,
        code: u16,
        mut handle: R,
    ) -> ResponseInfo {
        let a = Answer {
            rcode: code,
            ..Answer::default()
        };
        let metadata = metadata_for(q, &a);
        let edns = edns_for(q, code);
        let mut builder = MessageResponseBuilder::from_message_request(request);
        if let Some(e) = edns.as_ref() {
            builder.edns(e);
        }
        let response = builder.build_no_records(metadata);
        handle
            .send_response(response)
            .await
            .unwrap_or_else(|_| info_for(metadata))
    }
}

#[async_trait::async_trait]
impl RequestHandler for TcpHandler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut handle: R,
    ) -> ResponseInfo {
        // The same reader as UDP, on the raw message, so both transports
        // see identical queries.
        let q = match query::parse(request.as_slice()) {
            Ok(q) => q,
            Err(error) => {
                // The same codes as over UDP (`respond`).
                let code = match error {
                    QueryError::NotImp { .. } => ResponseCode::NotImp,
                    QueryError::FormErr { .. } | QueryError::Drop => ResponseCode::FormErr,
                };
                let mut m = Metadata::new(
                    request.metadata.id,
                    MessageType::Response,
                    request.metadata.op_code,
                );
                m.response_code = code;
                if matches!(error, QueryError::Drop) {
                    // A response sent to us: nothing to answer.
                    return info_for(m);
                }
                let response =
                    MessageResponseBuilder::from_message_request(request).build_no_records(m);
                return handle
                    .send_response(response)
                    .await
                    .unwrap_or_else(|_| info_for(m));
            }
        };
        if q.qtype == Rtype(252) {
            return self.axfr(request, &q, handle).await;
        }
        let zones = self.shared.zones.load_full();
        let a = answer(&zones, &q);
        let answers = hickory_records(&a.answer);
        let authorities = hickory_records(&a.authority);
        let additionals = hickory_records(&a.additional);
        let metadata = metadata_for(&q, &a);
        let edns = edns_for(&q, a.rcode);
        let mut builder = MessageResponseBuilder::from_message_request(request);
        if let Some(e) = edns.as_ref() {
            builder.edns(e);
        }
        let response = builder.build(
            metadata,
            answers.iter(),
            authorities.iter(),
            std::iter::empty(),
            additionals.iter(),
        );
        match handle.send_response(response).await {
            Ok(info) => info,
            Err(error) => {
                tracing::debug!(%error, "TCP send failed");
                info_for(metadata)
            }
        }
    }
}

/// Serves until `shutdown` resolves: binds every address (UDP and TCP),
/// watches the zone files, reloads on SIGHUP.
pub async fn run(
    config: ServerConfig,
    shared: Arc<Shared>,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), ServeError> {
    // The files as they are before the first query is answered, and the
    // SIGHUP handler, are both in place before binding: a change or a
    // SIGHUP that follows the server's first answer is never lost (nor
    // does an early SIGHUP kill the process with its default action).
    let seen: Vec<Option<FileStamp>> = shared.sources.iter().map(stamp).collect();
    #[cfg(unix)]
    let hup = {
        use tokio::signal::unix::{SignalKind, signal};
        signal(SignalKind::hangup())
            .ok()
            .map(|hup| tokio::spawn(reload_on_sighup(shared.clone(), hup)))
    };
    let mut udp_threads = Vec::new();
    let mut tcp = hickory_server::Server::new(TcpHandler {
        shared: shared.clone(),
    });
    for addr in &config.listen {
        let socket = UdpSocket::bind(addr).map_err(|source| ServeError::Bind {
            addr: *addr,
            proto: "UDP",
            hint: bind_hint(&source, addr),
            source,
        })?;
        udp_threads.extend(spawn_udp(&shared, socket, config.threads)?);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind {
                addr: *addr,
                proto: "TCP",
                hint: bind_hint(&source, addr),
                source,
            })?;
        tcp.register_listener(listener, Duration::from_secs(10), 65535);
        tracing::info!(%addr, "listening on UDP and TCP");
    }
    let watcher = tokio::spawn(watch(shared.clone(), seen, config.watch_interval));
    shutdown.await;
    shared.stop();
    watcher.abort();
    #[cfg(unix)]
    if let Some(hup) = hup {
        hup.abort();
    }
    if let Err(error) = tcp.shutdown_gracefully().await {
        tracing::debug!(%error, "TCP shutdown");
    }
    for t in udp_threads {
        let _ = t.join();
    }
    Ok(())
}

/// Polls the zone files; polling needs no platform watcher and sees a file
/// replaced by rename as well as one written in place.
/// `seen` holds the stamps taken before the server started answering; the
/// first look is one interval later.
async fn watch(shared: Arc<Shared>, mut seen: Vec<Option<FileStamp>>, interval: Duration) {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    loop {
        ticker.tick().await;
        let now: Vec<Option<FileStamp>> = shared.sources.iter().map(stamp).collect();
        if now != seen {
            let changed: Vec<Name> = shared
                .sources
                .iter()
                .zip(now.iter().zip(&seen))
                .filter(|(_, (a, b))| a != b)
                .map(|(src, _)| src.origin.clone())
                .collect();
            let s = shared.clone();
            let _ =
                tokio::task::spawn_blocking(move || s.reload(|src| changed.contains(&src.origin)))
                    .await;
            seen = now;
        }
    }
}

/// What the watcher compares: which file is served, its mtime and size.
type FileStamp = (PathBuf, SystemTime, u64);

fn stamp(source: &ZoneSource) -> Option<FileStamp> {
    let file = source.current_file();
    let meta = std::fs::metadata(&file).ok()?;
    Some((file, meta.modified().ok()?, meta.len()))
}

#[cfg(unix)]
async fn reload_on_sighup(shared: Arc<Shared>, mut hup: tokio::signal::unix::Signal) {
    while hup.recv().await.is_some() {
        let s = shared.clone();
        let n = tokio::task::spawn_blocking(move || s.reload(|_| true))
            .await
            .unwrap_or(0);
        tracing::info!(zones = n, "SIGHUP: zones reloaded");
    }
}

#[cfg(test)]
mod error_tests {
    use super::*;
    use dnslab_zone::repeated_cause;

    fn load(file: &std::path::Path) -> ServeError {
        let source = ZoneSource::new(Name::parse_absolute("example.").unwrap(), file);
        match load_zone(&source) {
            Ok(_) => panic!("{} must not load", file.display()),
            Err(e) => e,
        }
    }

    #[test]
    fn an_unreadable_zone_file_says_its_cause_once() {
        let e = load(std::path::Path::new("/nonexistent/example.zone"));
        assert_eq!(repeated_cause(&e), None);
        assert_eq!(
            ErrorChain(&e).to_string(),
            "/nonexistent/example.zone:0:0: cannot read the file: No such file or directory (os error 2)"
        );
    }

    #[test]
    fn a_zone_without_soa_names_the_file_then_the_fault() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("example.zone");
        std::fs::write(&file, "example. 60 IN NS ns.example.\n").unwrap();
        let e = load(&file);
        assert!(matches!(e, ServeError::Zone { .. }), "{e:?}");
        assert_eq!(repeated_cause(&e), None);
        assert_eq!(
            ErrorChain(&e).to_string(),
            format!(
                "{} is not a valid zone: no SOA record at the apex example.: is --origin right?",
                file.display()
            )
        );
    }

    #[test]
    fn an_address_in_use_says_the_os_error_once_after_the_hint() {
        let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let source = UdpSocket::bind(addr).unwrap_err();
        let os_error = source.to_string();
        let e = ServeError::Bind {
            addr,
            proto: "UDP",
            hint: bind_hint(&source, &addr),
            source,
        };
        assert_eq!(repeated_cause(&e), None);
        assert_eq!(
            ErrorChain(&e).to_string(),
            format!(
                "cannot listen on {addr} (UDP): another program uses this address (another dnslab, named, nsd, unbound, systemd-resolved?): {os_error}"
            )
        );
    }
}
