//! The grader's DNS client against small hostile servers written here:
//! silent, garbage-spewing, confused about ids and questions, truncating,
//! oversized, stopping half-way. Each test runs its servers on its own
//! address in 127.141.0.0/16 (loopback only), so tests can run in
//! parallel and never send a packet off the machine.

use dnslab_probe::client::{
    self as probe, ProbeError, ProbeOptions, Section, Transport, Truncation,
};
use dnslab_zone::hickory::to_hickory;
use dnslab_zone::parser::{ParseOptions, parse_bytes};
use dnslab_zone::{Name, Record, Rtype};
use hickory_proto::op::{Edns, Message, OpCode, ResponseCode};
use hickory_proto::rr::rdata::opt::EdnsOption;
use proptest::prelude::*;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};

// ---------------------------------------------------------------------------
// Helpers.

/// The address of test number `n`: 127.141.0.n.
fn ip(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 141, 0, n))
}

/// Short timeouts: the hostile cases must end quickly.
fn fast() -> ProbeOptions {
    ProbeOptions {
        timeout: Duration::from_millis(300),
        attempts: 2,
        ..ProbeOptions::default()
    }
}

/// Every probe must return; this bounds the test, not the probe's timing.
async fn bounded<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .expect("the probe did not return within 20 s")
}

fn name(text: &str) -> Name {
    Name::parse_absolute(text).unwrap()
}

/// Records from zone-file text, origin `example.`.
fn records(text: &str) -> Vec<Record> {
    let text = format!("$TTL 300\n{text}");
    parse_bytes(
        text.as_bytes(),
        "test".as_ref(),
        &ParseOptions {
            origin: Some(name("example.")),
            default_ttl: None,
        },
    )
    .unwrap()
}

/// A response to `query` (id and question copied), shaped by `build`.
fn respond(query: &[u8], build: impl FnOnce(&mut Message)) -> Vec<u8> {
    let q = Message::from_vec(query).unwrap();
    let mut m = Message::response(q.metadata.id, OpCode::Query);
    m.metadata.recursion_desired = q.metadata.recursion_desired;
    m.metadata.checking_disabled = q.metadata.checking_disabled;
    m.add_queries(q.queries.clone());
    build(&mut m);
    m.to_vec().unwrap()
}

fn add_answers(m: &mut Message, text: &str) {
    for r in records(text) {
        m.add_answer(to_hickory(&r).unwrap());
    }
}

fn qname_of(query: &[u8]) -> String {
    Message::from_vec(query).unwrap().queries[0]
        .name()
        .to_ascii()
}

const WWW: &str = "www A 192.0.2.1\n\
    www RRSIG A 13 2 300 20261201000000 20261120000000 12345 example. c2lnbmF0dXJl\n";

/// A UDP server that sends what `reply` returns for each query.
async fn udp_server<F>(ip: IpAddr, reply: F) -> SocketAddr
where
    F: Fn(&[u8]) -> Vec<Vec<u8>> + Send + 'static,
{
    let socket = UdpSocket::bind((ip, 0)).await.unwrap();
    let addr = socket.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65535];
        while let Ok((n, from)) = socket.recv_from(&mut buf).await {
            for datagram in reply(&buf[..n]) {
                let _ = socket.send_to(&datagram, from).await;
            }
        }
    });
    addr
}

/// A TCP server that runs `handle` on each connection.
async fn tcp_server<F, Fut>(listener: TcpListener, handle: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(handle(stream));
        }
    });
    addr
}

async fn tcp_listener(ip: IpAddr) -> TcpListener {
    TcpListener::bind((ip, 0)).await.unwrap()
}

async fn read_query(stream: &mut TcpStream) -> Vec<u8> {
    let len = stream.read_u16().await.unwrap();
    let mut query = vec![0u8; usize::from(len)];
    stream.read_exact(&mut query).await.unwrap();
    query
}

async fn write_framed(stream: &mut TcpStream, message: &[u8]) {
    let mut framed = u16::try_from(message.len()).unwrap().to_be_bytes().to_vec();
    framed.extend_from_slice(message);
    stream.write_all(&framed).await.unwrap();
}

// ---------------------------------------------------------------------------
// UDP.

#[tokio::test]
async fn good_answer_is_parsed_with_flags_records_and_extended_error() {
    let server = udp_server(ip(1), |query| {
        vec![respond(query, |m| {
            m.metadata.authoritative = true;
            add_answers(m, WWW);
            let mut edns = Edns::new();
            edns.set_max_payload(1232);
            edns.set_dnssec_ok(true);
            let mut ede = 6u16.to_be_bytes().to_vec();
            ede.extend_from_slice(b"signature expired");
            edns.options_mut().insert(EdnsOption::Unknown(15, ede));
            m.set_edns(edns);
        })]
    })
    .await;
    let qname = name("WWW.Example.");
    let r = bounded(probe::query(server, &qname, Rtype::A, &fast()))
        .await
        .unwrap();
    assert_eq!(r.server, server);
    assert_eq!(r.transport, Transport::Udp);
    assert!(!r.udp_truncated);
    assert_eq!(r.ignored, 0);
    assert_eq!(r.rcode, 0);
    assert!(r.aa && !r.tc && !r.rd && !r.ra && !r.ad && !r.cd);
    assert_eq!(r.answer.len(), 2);
    assert!(r.authority.is_empty() && r.additional.is_empty());

    let a = r.rrset(Section::Answer, &qname, Rtype::A);
    assert_eq!(a.len(), 1);
    assert_eq!(&*a[0].rdata, &[192, 0, 2, 1]);
    assert_eq!(a[0].ttl, 300);
    assert_eq!(r.rrsigs_for(Section::Answer, &qname, Rtype::A).len(), 1);
    assert!(
        r.rrsigs_for(Section::Answer, &qname, Rtype::AAAA)
            .is_empty()
    );
    assert!(r.rrset(Section::Authority, &qname, Rtype::A).is_empty());

    let edns = r.edns.as_ref().expect("an OPT record");
    assert_eq!(edns.udp_payload, 1232);
    assert!(edns.dnssec_ok);
    assert_eq!(edns.version, 0);
    assert_eq!(
        edns.extended_errors,
        vec![(6, "signature expired".to_owned())]
    );
    assert!(r.size > 12);
}

#[tokio::test]
async fn extended_rcode_is_combined_from_the_opt_record() {
    let server = udp_server(ip(16), |query| {
        vec![respond(query, |m| {
            m.metadata.response_code = ResponseCode::BADVERS;
            m.set_edns(Edns::new());
        })]
    })
    .await;
    let r = bounded(probe::query(server, &name("example."), Rtype::SOA, &fast()))
        .await
        .unwrap();
    assert_eq!(r.rcode, 16);
    assert_eq!(probe::rcode_name(r.rcode), "BADVERS");
}

#[tokio::test]
async fn silent_server_times_out_after_the_attempts() {
    let server = udp_server(ip(2), |_| Vec::new()).await;
    let err = bounded(probe::query(server, &name("example."), Rtype::SOA, &fast()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ProbeError::Timeout {
                transport: Transport::Udp,
                attempts: 2,
                ignored: 0,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("no answer from {server} over UDP after 2 attempts of 300 ms")
    );
}

#[tokio::test]
async fn garbage_with_the_right_id_is_malformed_at_once() {
    let server = udp_server(ip(3), |query| {
        let mut garbage = query[..2].to_vec();
        garbage.extend_from_slice(b"\xff\xffthis is not a DNS message at all");
        vec![garbage]
    })
    .await;
    let opts = ProbeOptions {
        timeout: Duration::from_secs(5),
        ..fast()
    };
    let started = std::time::Instant::now();
    let err = bounded(probe::query(server, &name("example."), Rtype::SOA, &opts))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ProbeError::Malformed {
                transport: Transport::Udp,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5), "not at once");
    assert!(err.to_string().contains(&server.to_string()), "{err}");
}

#[tokio::test]
async fn garbage_alone_is_reported_as_garbage_not_silence() {
    let server = udp_server(ip(4), |_| vec![b"hello, this is not DNS".to_vec(), vec![7]]).await;
    let err = bounded(probe::query(server, &name("example."), Rtype::SOA, &fast()))
        .await
        .unwrap_err();
    match &err {
        ProbeError::Malformed { reason, .. } => {
            assert!(
                reason.contains("4 datagrams that are not DNS messages"),
                "{reason}"
            )
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[tokio::test]
async fn wrong_ids_are_ignored_and_the_right_answer_accepted() {
    let server = udp_server(ip(5), |query| {
        let mut out = Vec::new();
        for k in 1..=3u16 {
            let mut wrong = respond(query, |m| add_answers(m, "www A 6.6.6.6"));
            let id = u16::from_be_bytes([wrong[0], wrong[1]]).wrapping_add(k);
            wrong[..2].copy_from_slice(&id.to_be_bytes());
            out.push(wrong);
        }
        out.push(respond(query, |m| add_answers(m, WWW)));
        out
    })
    .await;
    let r = bounded(probe::query(
        server,
        &name("www.example."),
        Rtype::A,
        &fast(),
    ))
    .await
    .unwrap();
    assert_eq!(r.ignored, 3);
    let a = r.rrset(Section::Answer, &name("www.example."), Rtype::A);
    assert_eq!(&*a[0].rdata, &[192, 0, 2, 1]);
}

#[tokio::test]
async fn only_wrong_ids_time_out_with_the_count() {
    let server = udp_server(ip(6), |query| {
        let mut wrong = respond(query, |_| {});
        wrong[0] ^= 0x80;
        vec![wrong.clone(), wrong.clone(), wrong]
    })
    .await;
    let err = bounded(probe::query(server, &name("example."), Rtype::SOA, &fast()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ProbeError::Timeout {
                ignored: 6,
                wrong_question: 0,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .ends_with("(6 answers with the wrong id were ignored)"),
        "{err}"
    );
}

#[tokio::test]
async fn answers_to_another_question_are_ignored_but_case_is_not_a_difference() {
    let server = udp_server(ip(7), |query| {
        let asked = qname_of(query);
        vec![respond(query, |m| {
            let q = &mut m.queries[0];
            if asked == "www.example." {
                q.set_name(hickory_proto::rr::Name::from_ascii("other.example.").unwrap());
            } else {
                let upper = asked.to_ascii_uppercase();
                q.set_name(hickory_proto::rr::Name::from_ascii(&upper).unwrap());
            }
        })]
    })
    .await;
    let err = bounded(probe::query(
        server,
        &name("www.example."),
        Rtype::A,
        &fast(),
    ))
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            ProbeError::Timeout {
                ignored: 2,
                wrong_question: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("2 answers to a different question were ignored")
    );

    let r = bounded(probe::query(
        server,
        &name("mixed.example."),
        Rtype::A,
        &fast(),
    ))
    .await
    .unwrap();
    assert_eq!(r.ignored, 0);
}

#[tokio::test]
async fn an_echoed_query_is_not_an_answer() {
    let server = udp_server(ip(8), |query| vec![query.to_vec()]).await;
    let err = bounded(probe::query(server, &name("example."), Rtype::SOA, &fast()))
        .await
        .unwrap_err();
    match &err {
        ProbeError::Malformed { reason, .. } => assert!(reason.contains("QR bit"), "{reason}"),
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[tokio::test]
async fn answers_from_another_address_are_dropped() {
    let forger = UdpSocket::bind((ip(15), 0)).await.unwrap();
    let socket = UdpSocket::bind((ip(14), 0)).await.unwrap();
    let server = socket.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65535];
        while let Ok((n, from)) = socket.recv_from(&mut buf).await {
            let forged = respond(&buf[..n], |m| add_answers(m, "www A 6.6.6.6"));
            let _ = forger.send_to(&forged, from).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            let real = respond(&buf[..n], |m| add_answers(m, WWW));
            let _ = socket.send_to(&real, from).await;
        }
    });
    let r = bounded(probe::query(
        server,
        &name("www.example."),
        Rtype::A,
        &fast(),
    ))
    .await
    .unwrap();
    let a = r.rrset(Section::Answer, &name("www.example."), Rtype::A);
    assert_eq!(&*a[0].rdata, &[192, 0, 2, 1]);
}

#[tokio::test]
async fn closed_ports_are_refused_connections() {
    let probe_port = UdpSocket::bind((ip(20), 0)).await.unwrap();
    let udp_server = probe_port.local_addr().unwrap();
    drop(probe_port);
    let err = bounded(probe::query(
        udp_server,
        &name("example."),
        Rtype::SOA,
        &fast(),
    ))
    .await
    .unwrap_err();
    assert!(
        matches!(&err, ProbeError::Io { transport: Transport::Udp, error, .. }
            if error.kind() == std::io::ErrorKind::ConnectionRefused),
        "{err:?}"
    );
    assert!(err.to_string().contains("no DNS server listens"), "{err}");

    let listener = tcp_listener(ip(20)).await;
    let tcp_server = listener.local_addr().unwrap();
    drop(listener);
    let err = bounded(probe::query_tcp(
        tcp_server,
        &name("example."),
        Rtype::SOA,
        &fast(),
    ))
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            ProbeError::Io {
                transport: Transport::Tcp,
                ..
            }
        ),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------
// TCP.

#[tokio::test]
async fn truncated_udp_answer_is_asked_again_over_tcp() {
    let udp = udp_server(ip(9), |query| {
        vec![respond(query, |m| m.metadata.truncation = true)]
    })
    .await;
    let listener = TcpListener::bind(udp).await.unwrap();
    tcp_server(listener, |mut stream| async move {
        let query = read_query(&mut stream).await;
        write_framed(&mut stream, &respond(&query, |m| add_answers(m, WWW))).await;
    })
    .await;
    let qname = name("www.example.");
    let r = bounded(probe::query(udp, &qname, Rtype::A, &fast()))
        .await
        .unwrap();
    assert!(r.udp_truncated);
    assert_eq!(r.transport, Transport::Tcp);
    assert!(!r.tc);
    assert_eq!(r.rrset(Section::Answer, &qname, Rtype::A).len(), 1);

    let no_fallback = ProbeOptions {
        tcp_fallback: false,
        ..fast()
    };
    let r = bounded(probe::query(udp, &qname, Rtype::A, &no_fallback))
        .await
        .unwrap();
    assert!(r.tc && !r.udp_truncated);
    assert_eq!(r.transport, Transport::Udp);
}

#[tokio::test]
async fn a_64_kib_tcp_answer_is_accepted_up_to_the_limit() {
    let mut text = String::new();
    for i in 0..240 {
        text.push_str(&format!("big TXT \"{i:03}{}\"\n", "x".repeat(240)));
    }
    let server = tcp_server(tcp_listener(ip(10)).await, move |mut stream| {
        let text = text.clone();
        async move {
            let query = read_query(&mut stream).await;
            write_framed(&mut stream, &respond(&query, |m| add_answers(m, &text))).await;
        }
    })
    .await;
    let qname = name("big.example.");
    let r = bounded(probe::query_tcp(server, &qname, Rtype::TXT, &fast()))
        .await
        .unwrap();
    assert!(r.size > 60_000, "only {} octets", r.size);
    assert_eq!(r.rrset(Section::Answer, &qname, Rtype::TXT).len(), 240);

    let small = ProbeOptions {
        max_tcp_message: 4096,
        ..fast()
    };
    let err = bounded(probe::query_tcp(server, &qname, Rtype::TXT, &small))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProbeError::TooLarge { size, limit: 4096, .. } if size == r.size),
        "{err:?}"
    );
}

#[tokio::test]
async fn tcp_stream_closed_mid_message() {
    let server = tcp_server(tcp_listener(ip(11)).await, |mut stream| async move {
        let query = read_query(&mut stream).await;
        if qname_of(&query) == "mid.example." {
            let answer = respond(&query, |m| add_answers(m, WWW));
            let mut framed = u16::try_from(answer.len()).unwrap().to_be_bytes().to_vec();
            framed.extend_from_slice(&answer[..10]);
            stream.write_all(&framed).await.unwrap();
        }
        // Dropping the stream closes it.
    })
    .await;
    let err = bounded(probe::query_tcp(
        server,
        &name("mid.example."),
        Rtype::A,
        &fast(),
    ))
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            ProbeError::TruncatedTcp {
                what: Truncation::Closed {
                    received: 10,
                    expected: Some(_)
                },
                ..
            }
        ),
        "{err:?}"
    );
    let err = bounded(probe::query_tcp(
        server,
        &name("none.example."),
        Rtype::A,
        &fast(),
    ))
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("the connection was closed without an answer"),
        "{err}"
    );
}

#[tokio::test]
async fn tcp_server_that_never_writes_times_out() {
    let server = tcp_server(tcp_listener(ip(12)).await, |stream| async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(stream);
    })
    .await;
    let err = bounded(probe::query_tcp(
        server,
        &name("example."),
        Rtype::SOA,
        &fast(),
    ))
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            ProbeError::Timeout {
                transport: Transport::Tcp,
                attempts: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("over TCP"), "{err}");
}

#[tokio::test]
async fn tcp_answer_with_the_wrong_id_or_tc_is_an_error() {
    let server = tcp_server(tcp_listener(ip(17)).await, |mut stream| async move {
        let query = read_query(&mut stream).await;
        let mut answer = respond(&query, |m| m.metadata.truncation = true);
        if qname_of(&query) == "id.example." {
            answer[1] ^= 1;
        }
        write_framed(&mut stream, &answer).await;
    })
    .await;
    let err = bounded(probe::query_tcp(
        server,
        &name("id.example."),
        Rtype::A,
        &fast(),
    ))
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            ProbeError::Mismatch {
                transport: Transport::Tcp,
                ..
            }
        ),
        "{err:?}"
    );
    let err = bounded(probe::query_tcp(
        server,
        &name("tc.example."),
        Rtype::A,
        &fast(),
    ))
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            ProbeError::TruncatedTcp {
                what: Truncation::TcBit,
                ..
            }
        ),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------
// Zone transfers.

const ZONE: &str = "\
@ SOA ns1 hostmaster 7 3600 900 604800 300
@ NS ns1
ns1 A 192.0.2.53
www A 192.0.2.1
www AAAA 2001:db8::1
txt TXT \"hello\"
";

/// An AXFR server: the zone `example.` in three messages (the later ones
/// without a question), whatever zone is asked for; refused for `secret.`.
async fn axfr_server(ip: IpAddr) -> SocketAddr {
    tcp_server(tcp_listener(ip).await, |mut stream| async move {
        let query = read_query(&mut stream).await;
        let asked = qname_of(&query);
        if asked == "secret." {
            let refused = respond(&query, |m| m.metadata.response_code = ResponseCode::Refused);
            write_framed(&mut stream, &refused).await;
            return;
        }
        let zone = records(ZONE);
        let soa = zone[0].clone();
        let mut all: Vec<Record> = zone;
        all.push(soa);
        let chunks: [&[Record]; 3] = [&all[..3], &all[3..5], &all[5..]];
        for (i, chunk) in chunks.iter().enumerate() {
            let message = respond(&query, |m| {
                if i > 0 {
                    m.queries.clear();
                }
                for r in chunk.iter() {
                    m.add_answer(to_hickory(r).unwrap());
                }
            });
            write_framed(&mut stream, &message).await;
        }
    })
    .await
}

#[tokio::test]
async fn axfr_over_several_messages() {
    let server = axfr_server(ip(13)).await;
    let got = bounded(probe::axfr(server, &name("example."), &fast(), 1000))
        .await
        .unwrap();
    let zone = records(ZONE);
    assert_eq!(
        got, zone,
        "every record once, in order, closing SOA left out"
    );

    let err = bounded(probe::axfr(server, &name("example."), &fast(), 3))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProbeError::TooManyRecords { limit: 3, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn axfr_refused_or_of_another_zone() {
    let server = axfr_server(ip(18)).await;
    let err = bounded(probe::axfr(server, &name("secret."), &fast(), 1000))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProbeError::Refused { rcode: 5, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("{server} refused the zone transfer of secret. over TCP: it answered REFUSED")
    );

    // other.example. gets the records of example.: the first record is not
    // its SOA.
    let err = bounded(probe::axfr(server, &name("other.example."), &fast(), 1000))
        .await
        .unwrap_err();
    assert!(matches!(err, ProbeError::Malformed { .. }), "{err:?}");
}

#[tokio::test]
async fn axfr_stream_that_ends_before_the_closing_soa() {
    let server = tcp_server(tcp_listener(ip(19)).await, |mut stream| async move {
        let query = read_query(&mut stream).await;
        let zone = records(ZONE);
        let first = respond(&query, |m| {
            for r in &zone[..3] {
                m.add_answer(to_hickory(r).unwrap());
            }
        });
        write_framed(&mut stream, &first).await;
    })
    .await;
    let err = bounded(probe::axfr(server, &name("example."), &fast(), 1000))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ProbeError::TruncatedTcp {
                what: Truncation::TransferUnfinished { records: 3 },
                ..
            }
        ),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------
// The parser never panics.

fn sample_response() -> Vec<u8> {
    let query = {
        let mut m = Message::query();
        m.add_query(hickory_proto::op::Query::query(
            hickory_proto::rr::Name::from_ascii("www.example.").unwrap(),
            hickory_proto::rr::RecordType::A,
        ));
        m.to_vec().unwrap()
    };
    respond(&query, |m| {
        add_answers(m, WWW);
        add_answers(m, ZONE);
        let mut edns = Edns::new();
        edns.options_mut()
            .insert(EdnsOption::Unknown(15, vec![0, 6, b'x']));
        m.set_edns(edns);
    })
}

fn any_server() -> SocketAddr {
    SocketAddr::new(ip(250), 53)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(wire in proptest::collection::vec(any::<u8>(), 0..700)) {
        let _ = probe::parse_response(&wire, any_server(), Transport::Udp);
    }

    #[test]
    fn damaged_responses_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let mut wire = sample_response();
        for (at, byte) in edits {
            let at = at % wire.len();
            wire[at] = byte;
        }
        wire.truncate(cut % (wire.len() + 1));
        let _ = probe::parse_response(&wire, any_server(), Transport::Tcp);
    }
}

#[test]
fn the_undamaged_sample_parses() {
    let r = probe::parse_response(&sample_response(), any_server(), Transport::Udp).unwrap();
    assert_eq!(r.answer.len(), 2 + records(ZONE).len());
    assert_eq!(r.edns.unwrap().extended_errors, vec![(6, "x".to_owned())]);
}
