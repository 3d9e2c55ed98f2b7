//! The lab's validating resolvers: hickory's recursor behind
//! hickory-server, one per resolver node.
//!
//! A resolver starts at the lab root (the root hints the lab writes) and
//! validates with the trust anchors it is given: the reference resolver
//! with the lab root's KSK from the start; a trainee's resolver as the
//! trainee's `resolver.conf` says (validation on or off, and which
//! anchors). Anchors may be DNSKEY records or DS records; a DS is turned
//! into the lab key it matches (hickory's recursor takes keys), and a DS
//! that matches no lab key anchors nothing, so validation then fails as
//! it would with any wrong anchor.
//!
//! The recursor believes every server is on port 53, as referrals say; for
//! a lab on another port, [`crate::lab_port::LabPortRuntime`] carries its
//! queries to the lab's port.

use hickory_resolver::recursor::{DnssecPolicyConfig, RecursiveConfig, RecursorOptions};
use hickory_server::store::recursor::RecursiveZoneHandler;
use hickory_server::zone_handler::{Catalog, ZoneType};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How one resolver node runs.
#[derive(Debug, Clone)]
pub struct ResolverConfig {
    pub listen: SocketAddr,
    /// Root hints file (`dnslab root-hints` format).
    pub root_hints: PathBuf,
    /// File of DNSKEY records to trust, or `None` for no validation.
    pub trust_anchors: Option<PathBuf>,
    /// Clients it answers; everyone else gets REFUSED. A lab resolver is
    /// not an open resolver (RFC 5358): it answers the lab network and the
    /// host's own 127.0.0.1.
    pub allow: Vec<ipnet::IpNet>,
    /// The port the lab's servers listen on (53, or e.g. 10053 for a lab
    /// run without privileges); the recursor's port-53 queries go there.
    pub lab_port: u16,
}

/// Why a resolver could not start.
#[derive(Debug, thiserror::Error)]
pub enum ResolverError {
    #[error("resolver on {addr}: {reason}")]
    Setup { addr: SocketAddr, reason: String },
    #[error("resolver on {addr}: cannot listen")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

fn recursive_config(config: &ResolverConfig) -> RecursiveConfig {
    let options = RecursorOptions {
        // The lab is on loopback: its servers must be queried and its
        // addresses may appear in answers.
        deny_server: Vec::new(),
        deny_answers: Vec::new(),
        ..RecursorOptions::default()
    };
    let dnssec_policy = match &config.trust_anchors {
        Some(path) => DnssecPolicyConfig::ValidateWithStaticKey {
            path: Some(path.clone()),
            nsec3_soft_iteration_limit: None,
            nsec3_hard_iteration_limit: None,
            validation_cache_size: None,
        },
        None => DnssecPolicyConfig::ValidationDisabled,
    };
    RecursiveConfig {
        roots: config.root_hints.clone(),
        dnssec_policy,
        options,
    }
}

/// Runs a resolver until `shutdown` resolves.
pub async fn run(
    config: ResolverConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), ResolverError> {
    let addr = config.listen;
    let handler = RecursiveZoneHandler::try_from_config(
        hickory_proto::rr::Name::root(),
        ZoneType::External,
        recursive_config(&config),
        None,
        crate::lab_port::LabPortRuntime::new(config.lab_port),
    )
    .await
    .map_err(|reason| ResolverError::Setup { addr, reason })?;
    let mut catalog = Catalog::new();
    catalog.upsert(
        hickory_proto::rr::LowerName::from(hickory_proto::rr::Name::root()),
        vec![Arc::new(handler)],
    );
    let mut server = hickory_server::Server::with_access(catalog, [], config.allow.clone());
    let udp = tokio::net::UdpSocket::bind(addr)
        .await
        .map_err(|source| ResolverError::Bind { addr, source })?;
    server.register_socket(udp);
    let tcp = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ResolverError::Bind { addr, source })?;
    server.register_listener(tcp, Duration::from_secs(10), 65535);
    tracing::info!(%addr, validating = config.trust_anchors.is_some(), "resolver listening");
    shutdown.await;
    let _ = server.shutdown_gracefully().await;
    Ok(())
}

/// The hints file every lab resolver starts from: the root's NS records and
/// their addresses, as in the root zone.
pub fn root_hints_text(plan: &dnslab_lab::LabPlan) -> Result<String, dnslab_lab::LabError> {
    use dnslab_zone::{Name, Record, Rtype};
    let root = plan.root_zone_records()?;
    let mut out = String::new();
    let servers: Vec<&Record> = root
        .iter()
        .filter(|r| r.rtype == Rtype::NS && r.owner.is_root())
        .collect();
    for ns in &servers {
        out.push_str(&format!(
            "{}\n",
            Record {
                ttl: 3_600_000,
                ..(*ns).clone()
            }
        ));
    }
    for ns in &servers {
        if let Ok((target, _)) = Name::read_wire(&ns.rdata) {
            for a in root
                .iter()
                .filter(|r| r.owner == target && matches!(r.rtype, Rtype::A | Rtype::AAAA))
            {
                out.push_str(&format!(
                    "{}\n",
                    Record {
                        ttl: 3_600_000,
                        ..a.clone()
                    }
                ));
            }
        }
    }
    Ok(out)
}

/// DNSKEY records for a resolver's trust anchors: DNSKEYs as given, and
/// for each DS the lab key it matches. A DS that matches no lab key
/// becomes a fresh key that signs nothing: the resolver then has an anchor
/// that validates nothing, and answers SERVFAIL for everything below it,
/// as Unbound or BIND do with a wrong trust anchor.
pub fn anchor_keys(
    state: &dnslab_lab::StateDir,
    plan: &dnslab_lab::LabPlan,
    anchors: &[dnslab_zone::Record],
) -> Vec<dnslab_zone::Record> {
    use dnslab_zone::keys::ds;
    use dnslab_zone::rdata::view::Ds;
    use dnslab_zone::{Record, Rtype};
    let mut keys = Vec::new();
    for anchor in anchors {
        match anchor.rtype {
            Rtype::DNSKEY => keys.push(anchor.clone()),
            Rtype::DS => {
                let Some(ds_record) = Ds::parse(&anchor.rdata) else {
                    continue;
                };
                let lab_keys = state.load_keys(&anchor.owner).unwrap_or_default();
                let before = keys.len();
                for k in lab_keys {
                    let rdata = k.dnskey_rdata();
                    // The zone crate's one rule: tag, algorithm field,
                    // Zone Key flag and digest.
                    if ds::matches(&anchor.owner, &ds_record, &k.owner, &rdata) {
                        keys.push(Record::new(
                            anchor.owner.clone(),
                            Rtype::DNSKEY,
                            plan.timers.dnskey_ttl,
                            rdata,
                        ));
                    }
                }
                if keys.len() == before
                    && let Ok(stand_in) = dnslab_zone::keys::crypto::PrivateKey::generate(
                        dnslab_zone::Algorithm::ECDSAP256SHA256,
                    )
                {
                    let mut rdata = vec![1, 1, 3, dnslab_zone::Algorithm::ECDSAP256SHA256.0];
                    rdata.extend_from_slice(&stand_in.public_key());
                    keys.push(Record::new(
                        anchor.owner.clone(),
                        Rtype::DNSKEY,
                        plan.timers.dnskey_ttl,
                        rdata,
                    ));
                }
            }
            _ => {}
        }
    }
    keys
}
