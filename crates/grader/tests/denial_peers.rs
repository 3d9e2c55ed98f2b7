//! The grader's denial-of-existence proofs (`dnslab_grader::denial`)
//! against zones signed by peer tools: BIND `dnssec-signzone`,
//! `ldns-signzone` and Knot `kzonesign`, each with NSEC, NSEC3 and NSEC3
//! opt-out. Each signed zone is served by NSD, the reference
//! authoritative server, on its own loopback address; the grader's own
//! probe asks it the questions below, and the authority section of each
//! answer goes to the proof check, as in grading.
//!
//! The zone `ne.` has one name for every case of RFC 4035 §5.4 and
//! RFC 5155 §8: a name error (at the apex and below a leaf), NODATA at
//! a leaf and at the apex, DS NODATA at an insecure delegation (`bob.ne.`,
//! the trainee's zone before the DS is submitted; under opt-out it has no
//! NSEC3 of its own, RFC 5155 §8.6), a wildcard (`*.w.ne.`: NODATA and an
//! expansion), empty non-terminals (`c.ne.`, `b.c.ne.`) and an empty
//! non-terminal above an unsigned delegation only (`d.ne.`, which opt-out
//! signers may leave out of the chain).
//!
//! Every proof must pass, and BIND's `delv` (a validator, the zone's KSK
//! as trust anchor) must accept the same answers. Each proof must fail
//! once tampered with: a record removed, the opt-out flag cleared, the
//! wildcard's record swapped for another real one, or the proof replayed
//! for a question it does not answer. (In an Opt-Out span a NODATA that
//! loses its wildcard record may still be the insecure NODATA validators
//! accept, RFC 5155 erratum 3441; it must never become a secure one.)
//!
//! The ds-submission exercise's chain walk runs against the same server:
//! before the DS of bob.ne. is submitted it must say "no DS yet (… proof
//! valid) → submit your DS".
//!
//! Skips with a printed reason when a tool is missing; fails instead under
//! `DNSLAB_REQUIRE_PEERS=1`. Traffic stays on 127.0.0.0/8.

use dnslab_grader::chain::{self, ChainState, DsFetch, Hop};
use dnslab_grader::denial::{self, DenialError, Negative, Proof, ProofCase};
use dnslab_grader::probe::{self, ProbeOptions, Response, Section};
use dnslab_grader::rrset::KeyInfo;
use dnslab_testkit::knot::{self, KnotDenial};
use dnslab_testkit::{peers, printed, run};
use dnslab_zone::keys::ds::{DigestType, digest};
use dnslab_zone::parser::{ParseOptions, parse_file};
use dnslab_zone::rdata::view;
use dnslab_zone::{Name, Record, Rtype, nsec3};
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ORIGIN: &str = "ne.";

const ZONE: &str = "$ORIGIN ne.
$TTL 3600
@        IN SOA ns1.ne. hostmaster.ne. 1 7200 3600 1209600 300
@        IN NS  ns1.ne.
ns1      IN A   192.0.2.1
www      IN A   192.0.2.2
; The trainee's zone before the DS is submitted: an insecure delegation.
bob      IN NS  ns1.bob.ne.
ns1.bob  IN A   192.0.2.3
; A secure delegation.
alice    IN NS  ns1.alice.ne.
alice    IN DS  12345 13 2 4F3B6DC1E9A0F5A2D87C3E1B0A9F8E7D6C5B4A39281706F5E4D3C2B1A0918273
ns1.alice IN A  192.0.2.4
; A wildcard; w.ne. is an empty non-terminal above it.
*.w      IN TXT \"wildcard\"
; Empty non-terminals c.ne. and b.c.ne.
a.b.c    IN A   192.0.2.5
; d.ne. is an empty non-terminal above an unsigned delegation only.
sub.d    IN NS  ns.example.
";

// ---------------------------------------------------------------------------
// Signing with the peers.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signer {
    Bind,
    Ldns,
    Knot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chain {
    Nsec,
    /// No salt, no extra iterations (RFC 9276).
    Nsec3,
    Nsec3OptOut,
}

/// The tools a signer needs, or `None` (skip printed).
fn signer_tools(signer: Signer) -> Option<Vec<PathBuf>> {
    match signer {
        Signer::Bind => peers(["dnssec-keygen", "dnssec-signzone"]).map(Vec::from),
        Signer::Ldns => peers(["ldns-keygen", "ldns-signzone"]).map(Vec::from),
        Signer::Knot => peers(["kzonesign", "keymgr"]).map(Vec::from),
    }
}

fn ok_output(program: &Path, args: &[&str], cwd: &Path) -> String {
    let output = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    assert!(
        output.status.success(),
        "{} {} failed:\n{}",
        program.display(),
        args.join(" "),
        printed(&output)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Signs [`ZONE`] in `dir` with `signer`; returns the signed file.
fn sign(signer: Signer, chain: Chain, tools: &[PathBuf], dir: &Path) -> PathBuf {
    let unsigned = dir.join("ne.zone");
    std::fs::write(&unsigned, ZONE).unwrap();
    let out = dir.join("ne.signed");
    let zone = unsigned.to_str().unwrap();
    let out_arg = out.to_str().unwrap();
    match signer {
        Signer::Bind => {
            let keygen = &tools[0];
            let d = dir.to_str().unwrap();
            for ksk in [true, false] {
                let mut args = vec!["-a", "ECDSAP256SHA256", "-K", d];
                if ksk {
                    args.extend(["-f", "KSK"]);
                }
                args.push(ORIGIN);
                ok_output(keygen, &args, dir);
            }
            let mut args = vec!["-S", "-K", d, "-o", ORIGIN, "-f", out_arg];
            match chain {
                Chain::Nsec => {}
                Chain::Nsec3 => args.extend(["-3", "-", "-H", "0"]),
                Chain::Nsec3OptOut => args.extend(["-3", "-", "-H", "0", "-A"]),
            }
            args.push(zone);
            ok_output(&tools[1], &args, dir);
        }
        Signer::Ldns => {
            let keygen = &tools[0];
            let ksk = ok_output(keygen, &["-a", "ECDSAP256SHA256", "-k", ORIGIN], dir);
            let zsk = ok_output(keygen, &["-a", "ECDSAP256SHA256", ORIGIN], dir);
            let mut args = vec!["-o", ORIGIN, "-f", out_arg];
            match chain {
                Chain::Nsec => {}
                Chain::Nsec3 => args.extend(["-n", "-t", "0"]),
                Chain::Nsec3OptOut => args.extend(["-n", "-t", "0", "-p"]),
            }
            args.extend([zone, &ksk, &zsk]);
            ok_output(&tools[1], &args, dir);
        }
        Signer::Knot => {
            let denial = match chain {
                Chain::Nsec => KnotDenial::Nsec,
                Chain::Nsec3 => KnotDenial::Nsec3,
                Chain::Nsec3OptOut => KnotDenial::Nsec3OptOut,
            };
            knot::kzonesign_denial(&unsigned, ORIGIN, denial, &out).unwrap();
        }
    }
    out
}

fn name(text: &str) -> Name {
    Name::parse_absolute(text).unwrap()
}

/// The signed zone is what the case asks for: the chain kind, and under
/// opt-out no NSEC3 for the unsigned delegation bob.ne. (else the §8.6
/// opt-out case would not be exercised), while it has one without.
///
/// `ldns-signzone -p` is the exception: it sets the Opt-Out flag on every
/// NSEC3 but leaves no name out, so bob.ne. keeps its NSEC3 and the DS
/// proof is the matching one (§8.6, first paragraph); BIND and Knot
/// exercise the opt-out span.
fn check_signed_zone(signed: &Path, signer: Signer, chain: Chain) {
    let records = parse_file(
        signed,
        &ParseOptions {
            origin: Some(name(ORIGIN)),
            default_ttl: Some(3600),
        },
    )
    .unwrap();
    let has = |t: Rtype| records.iter().any(|r| r.rtype == t);
    assert_eq!(
        has(Rtype::NSEC),
        chain == Chain::Nsec,
        "{}",
        signed.display()
    );
    assert_eq!(
        has(Rtype::NSEC3),
        chain != Chain::Nsec,
        "{}",
        signed.display()
    );
    let Some(param) = records
        .iter()
        .filter(|r| r.rtype == Rtype::NSEC3PARAM)
        .find_map(|r| view::Nsec3Param::parse(&r.rdata))
    else {
        return;
    };
    let hash = nsec3::hash(&name("bob.ne."), param.salt, param.iterations);
    let owner = nsec3::hashed_owner(&hash, &name(ORIGIN)).unwrap();
    let nsec3s: Vec<view::Nsec3<'_>> = records
        .iter()
        .filter(|r| r.rtype == Rtype::NSEC3)
        .filter_map(|r| view::Nsec3::parse(&r.rdata))
        .collect();
    let bob_has_nsec3 = records
        .iter()
        .any(|r| r.rtype == Rtype::NSEC3 && r.owner.eq_ignore_case(&owner));
    match chain {
        Chain::Nsec3OptOut => {
            assert_eq!(
                bob_has_nsec3,
                signer == Signer::Ldns,
                "{signer:?} opt-out: does the unsigned delegation bob.ne. have an NSEC3?"
            );
            assert!(nsec3s.iter().any(|n| n.opt_out()), "no NSEC3 has opt-out");
        }
        _ => {
            assert!(bob_has_nsec3, "bob.ne. has no NSEC3 without opt-out");
            assert!(nsec3s.iter().all(|n| !n.opt_out()), "an NSEC3 has opt-out");
        }
    }
}

// ---------------------------------------------------------------------------
// NSD.

/// A random 127.79.x.y address with a port free there for UDP and TCP.
fn free_loopback_addr() -> SocketAddr {
    for _ in 0..50 {
        let mut h = RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        let r = h.finish();
        let ip = Ipv4Addr::new(127, 79, (r % 254 + 1) as u8, ((r >> 8) % 254 + 1) as u8);
        let Ok(udp) = UdpSocket::bind((ip, 0)) else {
            continue;
        };
        let addr = udp.local_addr().unwrap();
        if TcpListener::bind(addr).is_ok() {
            return addr;
        }
    }
    panic!("no free UDP+TCP port on 127.79.0.0/16");
}

/// NSD in the foreground; dropping it ends its process group (NSD forks
/// its server processes), also when a test panics.
struct Nsd {
    addr: SocketAddr,
    child: Child,
    dir: PathBuf,
}

impl Nsd {
    fn start(nsd: &Path, checkconf: &Path, dir: &Path, zone_file: &Path) -> Nsd {
        let dir = dir.join("nsd");
        std::fs::create_dir_all(&dir).unwrap();
        let addr = free_loopback_addr();
        let d = dir.display();
        let conf_text = format!(
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
    rrl-ratelimit: 0
    minimal-responses: yes
remote-control:
    control-enable: no
zone:
    name: \"{ORIGIN}\"
    zonefile: \"{zone}\"
",
            ip = addr.ip(),
            port = addr.port(),
            zone = zone_file.display()
        );
        let conf = dir.join("nsd.conf");
        std::fs::write(&conf, conf_text).unwrap();
        let check = run(checkconf, &[conf.to_str().unwrap()]);
        assert!(
            check.status.success(),
            "nsd-checkconf rejects {}: {}",
            conf.display(),
            printed(&check)
        );
        let child = Command::new(nsd)
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("nsd.out")).unwrap())
            .stderr(std::fs::File::create(dir.join("nsd.err")).unwrap())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", nsd.display()));
        Nsd { addr, child, dir }
    }

    fn logs(&self) -> String {
        ["nsd.log", "nsd.out", "nsd.err"]
            .iter()
            .map(|f| std::fs::read_to_string(self.dir.join(f)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn signal(&self, signal: &str) {
        let _ = Command::new("kill")
            .args([signal, "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Nsd {
    fn drop(&mut self) {
        self.signal("-TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.signal("-KILL");
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------
// Asking NSD with the grader's probe.

struct Lab {
    rt: tokio::runtime::Runtime,
    nsd: Nsd,
    zone: Name,
    keys: Vec<KeyInfo>,
    /// The zone's KSK as DNSKEY data text, for delv's trust anchor.
    ksk: String,
    now: i64,
    what: String,
}

/// A negative answer and the proof the grader found in it.
struct Negated {
    qname: Name,
    qtype: Rtype,
    negative: Negative,
    authority: Vec<Record>,
    proof: Proof,
}

impl Lab {
    fn start(nsd: Nsd, what: String) -> Lab {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut lab = Lab {
            rt,
            nsd,
            zone: name(ORIGIN),
            keys: Vec::new(),
            ksk: String::new(),
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64,
            what,
        };
        // Ready when it answers the DNSKEY query.
        let deadline = Instant::now() + Duration::from_secs(20);
        let zone = lab.zone.clone();
        loop {
            if let Ok(Some(status)) = lab.nsd.child.try_wait() {
                panic!("NSD exited ({status}):\n{}", lab.nsd.logs());
            }
            let quick = ProbeOptions {
                timeout: Duration::from_millis(300),
                attempts: 1,
                ..ProbeOptions::default()
            };
            if let Ok(r) = lab
                .rt
                .block_on(probe::query(lab.nsd.addr, &zone, Rtype::DNSKEY, &quick))
            {
                let dnskeys = r.rrset(Section::Answer, &zone, Rtype::DNSKEY);
                lab.keys = KeyInfo::from_rrset(&dnskeys);
                let ksk = dnskeys
                    .iter()
                    .find(|k| view::Dnskey::parse(&k.rdata).is_some_and(|d| d.is_sep()));
                if let Some(ksk) = ksk {
                    lab.ksk = ksk.rdata_text();
                    return lab;
                }
            }
            assert!(
                Instant::now() < deadline,
                "NSD on {} serves no DNSKEY for {zone} after 20 s:\n{}",
                lab.nsd.addr,
                lab.nsd.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn ask(&self, qname: &Name, qtype: Rtype) -> Response {
        self.rt
            .block_on(probe::query(
                self.nsd.addr,
                qname,
                qtype,
                &ProbeOptions::default(),
            ))
            .unwrap_or_else(|e| panic!("{}: {qname}/{qtype}: {e}", self.what))
    }

    fn verify(
        &self,
        qname: &Name,
        qtype: Rtype,
        negative: Negative,
        authority: &[Record],
    ) -> Result<Proof, DenialError> {
        denial::verify_denial(
            &self.zone, qname, qtype, negative, authority, &self.keys, self.now,
        )
    }

    /// Asks `qname`/`qtype`, expects the `negative` answer, and requires
    /// its proof to hold.
    fn negative(&self, qname: &str, qtype: Rtype, negative: Negative) -> Negated {
        let qname = name(qname);
        let response = self.ask(&qname, qtype);
        let rcode = match negative {
            Negative::NxDomain => 3,
            Negative::NoData => 0,
        };
        assert!(
            response.rcode == rcode && response.answer.is_empty(),
            "{}: {qname}/{qtype}: expected {negative}, got rcode {} with {} answer(s)",
            self.what,
            response.rcode,
            response.answer.len()
        );
        let proof = self
            .verify(&qname, qtype, negative, &response.authority)
            .unwrap_or_else(|e| {
                panic!(
                    "{}: the proof of {negative} for {qname}/{qtype} was refused: {e}\n{}",
                    self.what,
                    text(&response.authority)
                )
            });
        Negated {
            qname,
            qtype,
            negative,
            authority: response.authority,
            proof,
        }
    }
}

fn text(records: &[Record]) -> String {
    let mut out = String::new();
    for r in records {
        r.write_line(&mut out);
    }
    out
}

// ---------------------------------------------------------------------------
// Tampering.

/// The owners of the denial RRsets in `authority`.
fn denial_owners(authority: &[Record]) -> Vec<Name> {
    let mut owners: Vec<Name> = Vec::new();
    for r in authority
        .iter()
        .filter(|r| matches!(r.rtype, Rtype::NSEC | Rtype::NSEC3))
    {
        if !owners.iter().any(|o| o.eq_ignore_case(&r.owner)) {
            owners.push(r.owner.clone());
        }
    }
    owners
}

/// `authority` without the denial record at `owner` and its signatures.
fn without(authority: &[Record], owner: &Name) -> Vec<Record> {
    authority
        .iter()
        .filter(|r| {
            !(r.owner.eq_ignore_case(owner)
                && (matches!(r.rtype, Rtype::NSEC | Rtype::NSEC3)
                    || matches!(r.covered_type(), Some(Rtype::NSEC | Rtype::NSEC3))))
        })
        .cloned()
        .collect()
}

/// `authority` with the denial record at `owner` and its signatures
/// taken from `other` instead (real, validly signed records).
fn swapped(
    authority: &[Record],
    owner: &Name,
    other: &[Record],
    other_owner: &Name,
) -> Vec<Record> {
    let mut out = without(authority, owner);
    out.extend(
        other
            .iter()
            .filter(|r| {
                r.owner.eq_ignore_case(other_owner)
                    && (matches!(r.rtype, Rtype::NSEC | Rtype::NSEC3)
                        || matches!(r.covered_type(), Some(Rtype::NSEC | Rtype::NSEC3)))
            })
            .cloned(),
    );
    out
}

/// Removing any one denial record breaks the proof: none is decoration,
/// so the check reads each.
///
/// One exception, as validators have it: a NODATA that was already
/// insecure (its next closer name in an Opt-Out span) stays an insecure
/// NODATA without its wildcard or type record, because the closest
/// encloser and the span alone make one (RFC 5155 §8.5, erratum 3441;
/// Unbound's case 5). A secure proof never survives a removal.
fn every_record_needed(lab: &Lab, n: &Negated) {
    let owners = denial_owners(&n.authority);
    assert!(!owners.is_empty());
    let mut refused = 0;
    for owner in &owners {
        let cut = without(&n.authority, owner);
        match lab.verify(&n.qname, n.qtype, n.negative, &cut) {
            Err(_) => refused += 1,
            Ok(p) if n.proof.opt_out && p.opt_out && p.case == ProofCase::Nsec3OptOutNoData => {}
            Ok(p) => panic!(
                "{}: {} for {}/{} still proved ({:?}) without the record at {owner}:\n{}",
                lab.what,
                n.negative,
                n.qname,
                n.qtype,
                p.case,
                text(&cut)
            ),
        }
    }
    assert!(
        refused > 0,
        "{}: {}/{}: no removal was refused",
        lab.what,
        n.qname,
        n.qtype
    );
}

/// The denial owner in `authority` that stands for `target`: the NSEC
/// owned by it, or the NSEC3 whose hash matches it.
fn owner_for(authority: &[Record], target: &Name) -> Option<Name> {
    authority.iter().find_map(|r| match r.rtype {
        Rtype::NSEC if r.owner.eq_ignore_case(target) => Some(r.owner.clone()),
        Rtype::NSEC3 => {
            let data = view::Nsec3::parse(&r.rdata)?;
            let hash = nsec3::hash(target, data.salt, data.iterations);
            (nsec3::hash_of_owner(&r.owner)? == hash).then(|| r.owner.clone())
        }
        _ => None,
    })
}

/// The denial owner in `authority` whose span covers `target`.
fn covering_owner(authority: &[Record], target: &Name) -> Option<Name> {
    authority.iter().find_map(|r| match r.rtype {
        Rtype::NSEC => {
            let next = view::Nsec::parse(&r.rdata)?.next;
            let after = r.owner.canonical_cmp(target).is_lt();
            let before = target.canonical_cmp(&next).is_lt();
            let wraps = !r.owner.canonical_cmp(&next).is_lt();
            (if wraps {
                after || before
            } else {
                after && before
            })
            .then(|| r.owner.clone())
        }
        Rtype::NSEC3 => {
            let data = view::Nsec3::parse(&r.rdata)?;
            let hash = nsec3::hash(target, data.salt, data.iterations);
            let owner = nsec3::hash_of_owner(&r.owner)?;
            let (owner, next) = (owner.as_slice(), data.next_hashed);
            let inside = if owner < next {
                owner < &hash[..] && &hash[..] < next
            } else {
                &hash[..] > owner || &hash[..] < next
            };
            inside.then(|| r.owner.clone())
        }
        _ => None,
    })
}

fn assert_case(lab: &Lab, n: &Negated, expected: &[ProofCase]) {
    assert!(
        expected.contains(&n.proof.case),
        "{}: {}/{} proved as {:?}, expected one of {expected:?}:\n{}",
        lab.what,
        n.qname,
        n.qtype,
        n.proof.case,
        text(&n.authority)
    );
}

/// The grader's chain walk (as the ds-submission exercise runs it) from a
/// DS for ne.'s KSK down to bob.ne., whose DS is not submitted yet.
fn ds_submission_says_submit(lab: &Lab, label: &str) {
    let ksk = lab.keys.iter().find(|k| k.sep).expect("a KSK");
    let mut rdata = ksk.tag.to_be_bytes().to_vec();
    rdata.extend([ksk.algorithm.0, DigestType::Sha256 as u8]);
    rdata.extend(digest(&lab.zone, &ksk.rdata, DigestType::Sha256));
    let anchor = [Record::new(lab.zone.clone(), Rtype::DS, 3600, rdata)];
    let hops = [
        Hop {
            zone: lab.zone.clone(),
            server: lab.nsd.addr,
            node: "tld-ne".into(),
        },
        // Not asked: the walk stops at the parent's answer.
        Hop {
            zone: name("bob.ne."),
            server: lab.nsd.addr,
            node: "bob-auth".into(),
        },
    ];
    let walked = lab.rt.block_on(chain::walk(
        &anchor,
        &hops,
        &ProbeOptions::default(),
        lab.now,
    ));
    assert_eq!(
        walked.state,
        ChainState::Insecure {
            at: name("bob.ne.")
        },
        "{}: {:?}",
        lab.what,
        walked.failure
    );
    let failure = walked.failure.clone().unwrap_or_default();
    let expected = format!("no DS yet ({label} proof valid) → submit your DS");
    assert!(
        failure.starts_with(&expected),
        "{}: the trainee reads {failure:?}, not {expected:?}",
        lab.what
    );
    assert!(
        matches!(&walked.final_ds, DsFetch::Missing(text) if *text == failure),
        "{}: {:?}",
        lab.what,
        walked.final_ds
    );
}

/// `delv @NSD -a ANCHOR +root=ne. NAME TYPE` validates each answer:
/// "fully validated", or "unsigned answer" where an Opt-Out span makes it
/// insecure, never a failure. Skips (printed) without delv.
fn delv_accepts(lab: &Lab, dir: &Path, questions: &[(String, Rtype)]) {
    let Some(delv) = dnslab_testkit::peer("delv") else {
        return;
    };
    let (flags, rest) = lab.ksk.split_once(' ').unwrap();
    let (proto, rest) = rest.split_once(' ').unwrap();
    let (alg, key) = rest.split_once(' ').unwrap();
    let anchor = dir.join("anchor.conf");
    std::fs::write(
        &anchor,
        format!(
            "trust-anchors {{\n    {ORIGIN} static-key {flags} {proto} {alg} \"{}\";\n}};\n",
            key.replace(' ', "")
        ),
    )
    .unwrap();
    let mut refused = Vec::new();
    for (qname, qtype) in questions {
        let mut cmd = Command::new(&delv);
        cmd.arg(format!("@{}", lab.nsd.addr.ip()))
            .args(["-4", "-p", &lab.nsd.addr.port().to_string(), "-a"])
            .arg(&anchor)
            .arg(format!("+root={ORIGIN}"))
            .args([qname.as_str(), &qtype.to_string()]);
        let printed = run_bounded(cmd, Duration::from_secs(60));
        // "resolution failed: ncache nxdomain" is how delv reports any
        // negative answer; a validation failure prints neither of these.
        let accepted = printed.contains("fully validated") || printed.contains("unsigned answer");
        if !accepted {
            refused.push(format!("{qname}/{qtype}:\n{printed}"));
        }
    }
    assert!(
        refused.is_empty(),
        "{}: delv does not accept answers the grader accepted:\n{}",
        lab.what,
        refused.join("\n")
    );
}

/// Runs `cmd`, killed after `limit`; stdout and stderr together.
fn run_bounded(mut cmd: Command, limit: Duration) -> String {
    let out = tempfile::NamedTempFile::new().unwrap();
    let file = out.reopen().unwrap();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.to_string();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break format!("killed after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let printed = std::fs::read_to_string(out.path()).unwrap_or_default();
    format!("$ {cmd:?}\n({status})\n{printed}")
}

// ---------------------------------------------------------------------------
// The cases.

fn denial_cases(signer: Signer, chain: Chain) {
    let Some(tools) = signer_tools(signer) else {
        return;
    };
    let Some([nsd, checkconf]) = peers(["nsd", "nsd-checkconf"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let signed = sign(signer, chain, &tools, dir.path());
    check_signed_zone(&signed, signer, chain);
    let what = format!("{signer:?}/{chain:?}");
    let lab = Lab::start(Nsd::start(&nsd, &checkconf, dir.path(), &signed), what);
    let nsec = chain == Chain::Nsec;
    let pick = |nsec_case, nsec3_case| if nsec { nsec_case } else { nsec3_case };
    let mut checked = Vec::new();

    // Name errors (RFC 4035 §5.4, RFC 5155 §8.4): below the apex, and
    // below a leaf (closest encloser www.ne., wildcard *.www.ne.).
    let name_error = pick(ProofCase::NsecNameError, ProofCase::Nsec3NameError);
    for qname in ["nx.ne.", "q.www.ne."] {
        let n = lab.negative(qname, Rtype::A, Negative::NxDomain);
        assert_case(&lab, &n, &[name_error]);
        checked.push(n);
    }

    // NODATA, type not DS (RFC 5155 §8.5): a leaf and the apex.
    let no_data = pick(ProofCase::NsecNoData, ProofCase::Nsec3NoData);
    let www_mx = lab.negative("www.ne.", Rtype::MX, Negative::NoData);
    assert_case(&lab, &www_mx, &[no_data]);
    let apex = lab.negative(ORIGIN, Rtype::NAPTR, Negative::NoData);
    assert_case(&lab, &apex, &[no_data]);
    // DS at a name that is no delegation: a plain NODATA.
    let www_ds = lab.negative("www.ne.", Rtype::DS, Negative::NoData);
    assert_case(&lab, &www_ds, &[no_data]);

    // DS NODATA at the insecure delegation (the ds-submission exercise
    // before the trainee submits a DS): the NSEC at the cut has NS but no
    // DS or SOA; NSEC3 matches, or under opt-out the closest provable
    // encloser proof with an opt-out span over bob.ne. (RFC 5155 §8.6).
    let bob = lab.negative("bob.ne.", Rtype::DS, Negative::NoData);
    let span = chain == Chain::Nsec3OptOut && signer != Signer::Ldns;
    let (bob_case, label) = match chain {
        Chain::Nsec => (ProofCase::NsecNoDs, "NSEC"),
        _ if span => (ProofCase::Nsec3NoDsOptOut, "opt-out"),
        _ => (ProofCase::Nsec3NoDs, "NSEC3"),
    };
    assert_case(&lab, &bob, &[bob_case]);
    assert_eq!(bob.proof.opt_out, span, "{}", lab.what);
    // What the ds-submission message calls the proof.
    assert_eq!(bob.proof.label(), label, "{}", lab.what);

    // The ds-submission exercise before the DS is submitted: the chain
    // walk from the TLD's key stops at bob.ne. as insecure, and tells the
    // trainee to submit the DS, not to fix the lab.
    ds_submission_says_submit(&lab, label);

    // Wildcard NODATA (RFC 4035 §5.4, RFC 5155 §8.7).
    let wild_mx = lab.negative("foo.w.ne.", Rtype::MX, Negative::NoData);
    assert_case(
        &lab,
        &wild_mx,
        &[pick(
            ProofCase::NsecWildcardNoData,
            ProofCase::Nsec3WildcardNoData,
        )],
    );

    // Empty non-terminals: the NSEC before them points below them; under
    // NSEC3 they have their own record.
    let ent = pick(ProofCase::NsecEmptyNonTerminal, ProofCase::Nsec3NoData);
    for qname in ["c.ne.", "b.c.ne."] {
        let n = lab.negative(qname, Rtype::A, Negative::NoData);
        assert_case(&lab, &n, &[ent]);
        checked.push(n);
    }
    // An empty non-terminal above an unsigned delegation only: opt-out
    // signers may leave its NSEC3 out (RFC 5155 §7.1), and the answer is
    // then the opt-out span (erratum 3441).
    let d = lab.negative("d.ne.", Rtype::A, Negative::NoData);
    let d_cases: &[ProofCase] = match chain {
        Chain::Nsec3OptOut => &[ProofCase::Nsec3NoData, ProofCase::Nsec3OptOutNoData],
        _ => &[ent],
    };
    assert_case(&lab, &d, d_cases);

    // Wildcard expansion (RFC 4035 §5.3.4, RFC 5155 §8.8).
    let qname = name("foo.w.ne.");
    let answer = lab.ask(&qname, Rtype::TXT);
    assert_eq!(answer.rcode, 0, "{}", lab.what);
    let labels = answer
        .rrsigs_for(Section::Answer, &qname, Rtype::TXT)
        .iter()
        .find_map(|r| view::Rrsig::parse(&r.rdata).map(|s| s.labels))
        .unwrap_or_else(|| panic!("{}: no RRSIG over foo.w.ne./TXT", lab.what));
    assert_eq!(labels, 2, "{}: the expansion's RRSIG Labels", lab.what);
    let expansion = denial::verify_wildcard_answer(
        &lab.zone,
        &qname,
        labels,
        &answer.authority,
        &lab.keys,
        lab.now,
    )
    .unwrap_or_else(|e| {
        panic!(
            "{}: wildcard expansion refused: {e}\n{}",
            lab.what,
            text(&answer.authority)
        )
    });
    assert_eq!(
        expansion.case,
        pick(
            ProofCase::NsecWildcardAnswer,
            ProofCase::Nsec3WildcardAnswer
        )
    );

    // A real validator agrees: BIND's delv, with the zone's KSK as trust
    // anchor, accepts every answer the grader accepted.
    let mut questions: Vec<(String, Rtype)> = checked
        .iter()
        .chain([&www_mx, &apex, &www_ds, &bob, &wild_mx, &d])
        .map(|n| (n.qname.to_string(), n.qtype))
        .collect();
    questions.push(("foo.w.ne.".into(), Rtype::TXT));
    delv_accepts(&lab, dir.path(), &questions);

    // --- Tampered proofs must fail. ---

    // A record removed, from every proof.
    for n in checked
        .iter()
        .chain([&www_mx, &apex, &www_ds, &bob, &wild_mx, &d])
    {
        every_record_needed(&lab, n);
    }
    let expansion_owners = denial_owners(&answer.authority);
    assert!(
        !expansion_owners.is_empty(),
        "{}: expansion without proof",
        lab.what
    );
    for owner in &expansion_owners {
        let cut = without(&answer.authority, owner);
        assert!(
            denial::verify_wildcard_answer(&lab.zone, &qname, labels, &cut, &lab.keys, lab.now)
                .is_err(),
            "{}: the expansion still proved without {owner}",
            lab.what
        );
    }
    // The expansion claimed from another wildcard (*.ne., or none).
    for wrong in [1, 3] {
        let result = denial::verify_wildcard_answer(
            &lab.zone,
            &qname,
            wrong,
            &answer.authority,
            &lab.keys,
            lab.now,
        );
        assert!(result.is_err(), "{}: Labels {wrong} accepted", lab.what);
    }

    // Wrong wildcard. In the wildcard NODATA, the record of *.w.ne.
    // swapped for the real, signed record of www.ne.: all still signed,
    // but about the wrong name. (In an Opt-Out span what is left is the
    // insecure NODATA validators accept, never a secure one.)
    let wildcard = name("*.w.ne.");
    let wild_owner = owner_for(&wild_mx.authority, &wildcard)
        .unwrap_or_else(|| panic!("{}: no record for *.w.ne. in the wildcard NODATA", lab.what));
    let www_owner = owner_for(&www_mx.authority, &name("www.ne."))
        .unwrap_or_else(|| panic!("{}: no record for www.ne. in its NODATA", lab.what));
    let forged = swapped(
        &wild_mx.authority,
        &wild_owner,
        &www_mx.authority,
        &www_owner,
    );
    let result = lab.verify(&wild_mx.qname, Rtype::MX, Negative::NoData, &forged);
    assert!(
        match &result {
            Err(_) => true,
            Ok(p) => wild_mx.proof.opt_out && p.opt_out && p.case == ProofCase::Nsec3OptOutNoData,
        },
        "{}: wrong wildcard accepted: {result:?}",
        lab.what
    );
    // In the name error for nx.ne., the record denying *.ne. swapped for
    // the one of *.w.ne.: a name error has no fallback, so it must fail.
    let nx = &checked[0];
    let apex_wildcard = name("*.ne.");
    let denier = covering_owner(&nx.authority, &apex_wildcard)
        .unwrap_or_else(|| panic!("{}: nothing in the NXDOMAIN covers *.ne.", lab.what));
    assert!(!denier.eq_ignore_case(&wild_owner), "{}", lab.what);
    let forged = swapped(&nx.authority, &denier, &wild_mx.authority, &wild_owner);
    let result = lab.verify(&nx.qname, Rtype::A, Negative::NxDomain, &forged);
    assert!(
        result.is_err(),
        "{}: name error with the wrong wildcard's record accepted: {result:?}",
        lab.what
    );

    // Replayed for questions they do not answer: a type that exists, a
    // name that exists.
    let result = lab.verify(&www_mx.qname, Rtype::A, Negative::NoData, &www_mx.authority);
    assert!(
        matches!(
            result,
            Err(DenialError::TypeExists {
                qtype: Rtype::A,
                ..
            })
        ),
        "{}: www.ne./A denied: {result:?}",
        lab.what
    );
    let result = lab.verify(
        &name("www.ne."),
        Rtype::A,
        Negative::NxDomain,
        &nx.authority,
    );
    assert!(result.is_err(), "{}: www.ne. denied: {result:?}", lab.what);
    // A name error is no NODATA, unless an opt-out span makes it one,
    // which is then insecure (never secure).
    let result = lab.verify(&nx.qname, Rtype::A, Negative::NoData, &nx.authority);
    assert!(
        result.as_ref().map_or(true, |p| p.opt_out),
        "{}: NXDOMAIN proof accepted as a secure NODATA: {result:?}",
        lab.what
    );

    // The delegation's record proves no DS, nothing else: a query for
    // another type at the cut must get a referral.
    if !span {
        let result = lab.verify(&bob.qname, Rtype::A, Negative::NoData, &bob.authority);
        assert!(
            matches!(result, Err(DenialError::Referral { .. })),
            "{}: bob.ne./A denied from the cut's record: {result:?}",
            lab.what
        );
    }

    // Opt-out: clearing the flag breaks the signatures, and the rule
    // itself refuses the span without it (RFC 5155 §8.6).
    if span {
        let cleared: Vec<Record> = bob
            .authority
            .iter()
            .map(|r| {
                let mut r = r.clone();
                if r.rtype == Rtype::NSEC3 {
                    let mut data = r.rdata.to_vec();
                    data[1] &= !view::Nsec3::OPT_OUT;
                    r.rdata = data.into();
                }
                r
            })
            .collect();
        let result = lab.verify(&bob.qname, Rtype::DS, Negative::NoData, &cleared);
        assert!(
            matches!(result, Err(DenialError::Untrusted { .. })),
            "{}: cleared opt-out flag still verified: {result:?}",
            lab.what
        );
        let result = denial::prove(&lab.zone, &bob.qname, Rtype::DS, Negative::NoData, &cleared);
        assert!(
            matches!(result, Err(DenialError::NotOptOut { .. })),
            "{}: the rule accepts a DS denial without opt-out: {result:?}",
            lab.what
        );
    }
}

#[test]
fn bind_nsec() {
    denial_cases(Signer::Bind, Chain::Nsec);
}

#[test]
fn bind_nsec3() {
    denial_cases(Signer::Bind, Chain::Nsec3);
}

#[test]
fn bind_nsec3_opt_out() {
    denial_cases(Signer::Bind, Chain::Nsec3OptOut);
}

#[test]
fn ldns_nsec() {
    denial_cases(Signer::Ldns, Chain::Nsec);
}

#[test]
fn ldns_nsec3() {
    denial_cases(Signer::Ldns, Chain::Nsec3);
}

#[test]
fn ldns_nsec3_opt_out() {
    denial_cases(Signer::Ldns, Chain::Nsec3OptOut);
}

#[test]
fn knot_nsec() {
    denial_cases(Signer::Knot, Chain::Nsec);
}

#[test]
fn knot_nsec3() {
    denial_cases(Signer::Knot, Chain::Nsec3);
}

#[test]
fn knot_nsec3_opt_out() {
    denial_cases(Signer::Knot, Chain::Nsec3OptOut);
}
