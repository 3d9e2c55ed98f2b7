//! Checking authenticated denial of existence in a response: the NSEC
//! (RFC 4035 §5.4, RFC 6840 §4) or NSEC3 (RFC 5155 §8) records a validator
//! needs to accept an NXDOMAIN or NODATA answer, or a wildcard expansion.
//!
//! [`check_proof`] (or [`verify_denial`], the same with a typed error) and
//! [`verify_wildcard_answer`] do what a validator does
//! with an answer's authority section: every NSEC/NSEC3 RRset must be
//! validly signed by the zone's keys, and together the records must prove
//! the answer. The proof itself is [`prove`] and [`prove_wildcard_answer`]:
//! pure functions of the records, without signatures, so tests can feed
//! them tampered records and the rule can move to the zone crate as is.
//!
//! The grader must accept every proof a validator accepts, or it sends a
//! trainee to fix what is not broken (an insecure delegation before the DS
//! is submitted is the common case). Accepted, as Unbound and BIND accept
//! them ([`ProofCase`] names each):
//!
//! | answer | NSEC (RFC 4035 §5.4) | NSEC3 (RFC 5155 §8) |
//! | --- | --- | --- |
//! | NXDOMAIN | an NSEC covers QNAME, one covers `*.<closest encloser>` | closest encloser proof (§8.3), `*.<closest encloser>` covered (§8.4) |
//! | NODATA | the NSEC of QNAME lacks QTYPE and CNAME | the NSEC3 matching QNAME lacks QTYPE and CNAME (§8.5) |
//! | NODATA at an empty non-terminal | an NSEC before QNAME whose next name is below QNAME | the ENT's own NSEC3 (§8.5), or an Opt-Out span when the signer left it out (erratum 3441) |
//! | NODATA for DS | the NSEC at the cut: NS, no DS, no SOA (RFC 6840 §4.4) | the matching NSEC3 lacks DS and SOA, or no match and the next closer name lies in an Opt-Out span (§8.6) |
//! | NODATA from a wildcard | an NSEC covers QNAME, the NSEC of `*.<closest encloser>` lacks QTYPE | closest encloser proof, the NSEC3 matching `*.<closest encloser>` lacks QTYPE (§8.7) |
//! | wildcard expansion | an NSEC covers QNAME below the wildcard's parent (RFC 4035 §5.3.4) | the next closer name is covered (§8.8) |
//!
//! And refused, as validators refuse them: an NSEC/NSEC3 from the parent
//! side of a cut (NS without SOA) used for anything but DS, or for names
//! below the cut (RFC 6840 §4.1); the child's apex record (SOA) used to
//! deny a DS (RFC 6840 §4.4); a CNAME in the bitmap (RFC 6840 §4.3); NSEC3
//! records with an unknown hash algorithm or unknown flags (§8.2).
//!
//! A proof that rests on an Opt-Out span is valid but only says "insecure"
//! (RFC 5155 §9.2): [`Proof::opt_out`] says so.

use crate::rrset::{KeyInfo, check_rrset, rrsets, rrsigs_over};
use dnslab_zone::rdata::view;
use dnslab_zone::{Name, Record, Rtype, nsec3};
use std::cmp::Ordering;
use std::fmt;

/// What kind of negative answer is being proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Negative {
    /// The name does not exist.
    NxDomain,
    /// The name exists but has no RRset of the type.
    NoData,
}

impl fmt::Display for Negative {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Negative::NxDomain => "NXDOMAIN",
            Negative::NoData => "NODATA",
        })
    }
}

/// Which rule a proof satisfied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofCase {
    /// An NSEC covers QNAME, another (or the same) covers the wildcard at
    /// the closest encloser.
    NsecNameError,
    /// The NSEC of QNAME lists neither QTYPE nor CNAME.
    NsecNoData,
    /// The NSEC at a delegation lists NS but neither DS nor SOA.
    NsecNoDs,
    /// An NSEC before QNAME has a next name below QNAME: QNAME is an empty
    /// non-terminal.
    NsecEmptyNonTerminal,
    /// An NSEC covers QNAME and the NSEC of the wildcard lacks QTYPE.
    NsecWildcardNoData,
    /// An NSEC covers QNAME below the wildcard's parent.
    NsecWildcardAnswer,
    /// Closest encloser proof and the wildcard covered.
    Nsec3NameError,
    /// The NSEC3 matching QNAME lists neither QTYPE nor CNAME.
    Nsec3NoData,
    /// The NSEC3 matching QNAME lists neither DS nor SOA.
    Nsec3NoDs,
    /// No NSEC3 matches QNAME; the closest provable encloser is proved and
    /// the NSEC3 covering the next closer name has Opt-Out.
    Nsec3NoDsOptOut,
    /// NODATA for another type in an Opt-Out span: an unsigned delegation
    /// or an empty non-terminal the signer left out.
    Nsec3OptOutNoData,
    /// Closest encloser proof and the NSEC3 matching the wildcard lacks
    /// QTYPE.
    Nsec3WildcardNoData,
    /// The next closer name of a wildcard expansion is covered.
    Nsec3WildcardAnswer,
}

impl ProofCase {
    /// The RFC section that defines the proof.
    pub fn reference(self) -> &'static str {
        match self {
            ProofCase::NsecNameError
            | ProofCase::NsecNoData
            | ProofCase::NsecEmptyNonTerminal
            | ProofCase::NsecWildcardNoData => "RFC 4035 §5.4",
            ProofCase::NsecNoDs => "RFC 4035 §5.4, RFC 6840 §4.4",
            ProofCase::NsecWildcardAnswer => "RFC 4035 §5.3.4",
            ProofCase::Nsec3NameError => "RFC 5155 §8.4",
            ProofCase::Nsec3NoData => "RFC 5155 §8.5",
            ProofCase::Nsec3NoDs | ProofCase::Nsec3NoDsOptOut => "RFC 5155 §8.6",
            ProofCase::Nsec3OptOutNoData => "RFC 5155 §8.5 (erratum 3441)",
            ProofCase::Nsec3WildcardNoData => "RFC 5155 §8.7",
            ProofCase::Nsec3WildcardAnswer => "RFC 5155 §8.8",
        }
    }

    /// What was proved, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            ProofCase::NsecNameError | ProofCase::Nsec3NameError => {
                "the name does not exist, nor a wildcard that could answer for it"
            }
            ProofCase::NsecNoData | ProofCase::Nsec3NoData => "the name has no record of the type",
            ProofCase::NsecNoDs | ProofCase::Nsec3NoDs => "the delegation has no DS",
            ProofCase::Nsec3NoDsOptOut => {
                "the delegation has no DS: it lies in an Opt-Out span of unsigned delegations"
            }
            ProofCase::NsecEmptyNonTerminal => {
                "the name is an empty non-terminal: it has names below it but no records"
            }
            ProofCase::Nsec3OptOutNoData => {
                "the name lies in an Opt-Out span: an unsigned delegation or an empty non-terminal above one"
            }
            ProofCase::NsecWildcardNoData | ProofCase::Nsec3WildcardNoData => {
                "the wildcard that matches the name has no record of the type"
            }
            ProofCase::NsecWildcardAnswer | ProofCase::Nsec3WildcardAnswer => {
                "the name does not exist, so the wildcard rightly answered for it"
            }
        }
    }
}

/// A proof that holds, and how it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// `NSEC` or `NSEC3`.
    pub kind: Rtype,
    /// NSEC3 parameters when `kind` is NSEC3: (iterations, salt length,
    /// Opt-Out seen on any record).
    pub nsec3: Option<(u16, usize, bool)>,
    /// Denial records in the answer.
    pub records: usize,
    /// The rule the records satisfy.
    pub case: ProofCase,
    /// The proof rests on an Opt-Out span (RFC 5155 §6): valid, but
    /// validators treat the answer as insecure, not secure (§9.2).
    pub opt_out: bool,
}

impl Proof {
    /// `opt-out`, `NSEC3` or `NSEC`: what kind of proof holds, for a
    /// trainee's message.
    pub fn label(&self) -> String {
        if self.opt_out {
            "opt-out".into()
        } else {
            self.kind.to_string()
        }
    }
}

/// Which name a covering record was missing for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// QNAME itself (NSEC name error).
    Qname,
    /// The next closer name of the closest encloser (NSEC3).
    NextCloser,
    /// The wildcard at the closest encloser.
    Wildcard,
}

impl Role {
    fn sentence(self, kind: Rtype, name: &Name, qname: &Name) -> String {
        match self {
            Role::Qname => format!(
                "no {kind} record covers {qname} (none has an owner before it and a next name after it), so nothing proves that it does not exist"
            ),
            Role::NextCloser => format!(
                "no NSEC3 record covers the hash of {name}, the next closer name of {qname}, so nothing proves that {qname} does not exist"
            ),
            Role::Wildcard => format!(
                "no {kind} record covers {}{name}, so nothing proves that no wildcard could have answered for {qname}",
                if kind == Rtype::NSEC3 {
                    "the hash of "
                } else {
                    ""
                }
            ),
        }
    }
}

/// Why a denial proof does not hold, in one sentence each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DenialError {
    #[error(
        "the {negative} answer for {qname}/{qtype} carries no NSEC or NSEC3 record, so a validator cannot tell it from a forged one"
    )]
    NoRecords {
        negative: Negative,
        qname: Name,
        qtype: Rtype,
    },
    #[error("the answer mixes NSEC and NSEC3 records; a zone uses one or the other")]
    Mixed,
    #[error("the proof cannot be trusted: {problem}")]
    Untrusted { problem: String },
    #[error("none of the NSEC3 records in the answer can be used: {why}")]
    NoUsableNsec3 { why: String },
    #[error(
        "an {kind} record matches {qname}, so {qname} exists and the answer should not be NXDOMAIN"
    )]
    NameExists { qname: Name, kind: Rtype },
    #[error(
        "the NSEC at {owner} has the next name {next}, which lies below {qname}: {qname} exists as an empty non-terminal, so the answer should be NODATA, not NXDOMAIN"
    )]
    EmptyNonTerminal {
        qname: Name,
        owner: Name,
        next: Name,
    },
    #[error(
        "the {kind} record for {owner} lists {qtype} in its type bitmap, so it proves that {qtype} exists, not that it is absent"
    )]
    TypeExists {
        owner: Name,
        qtype: Rtype,
        kind: Rtype,
    },
    #[error("the {kind} record for {owner} lists CNAME, so the answer should have been the CNAME")]
    CnameExists { owner: Name, kind: Rtype },
    #[error(
        "the {kind} record for {qname} lists SOA: it is the child zone's apex record, which cannot prove that the parent has no DS"
    )]
    ChildSide { qname: Name, kind: Rtype },
    #[error(
        "the {kind} record for {qname} lists NS but not SOA: {qname} is a delegation, so a query for {qtype} must get a referral; this record can only prove that there is no DS"
    )]
    Referral {
        qname: Name,
        qtype: Rtype,
        kind: Rtype,
    },
    #[error("{}", role.sentence(*kind, name, qname))]
    NotCovered {
        name: Name,
        role: Role,
        qname: Name,
        kind: Rtype,
    },
    #[error(
        "an {kind} record matches the wildcard {wildcard}, so the wildcard exists and would have answered for {qname}: the answer should not be NXDOMAIN"
    )]
    WildcardExists {
        wildcard: Name,
        qname: Name,
        kind: Rtype,
    },
    #[error(
        "no NSEC3 record matches {qname} or any of its ancestors in the zone, so no closest encloser is proved"
    )]
    NoClosestEncloser { qname: Name },
    #[error(
        "the closest encloser of {qname} is {encloser}, a delegation (its {kind} lists NS but not SOA): names below it are the child zone's, and the answer should have been a referral"
    )]
    EncloserIsDelegation {
        encloser: Name,
        qname: Name,
        kind: Rtype,
    },
    #[error(
        "the closest encloser of {qname} is {encloser}, which owns a DNAME: the answer should have been the DNAME"
    )]
    EncloserIsDname { encloser: Name, qname: Name },
    #[error(
        "the NODATA answer for {qname}/{qtype} has no NSEC owned by {qname} to show which types it has, nor one proving an empty non-terminal or a wildcard"
    )]
    NsecNoMatch { qname: Name, qtype: Rtype },
    #[error(
        "the NODATA answer for {qname}/{qtype} has no NSEC3 record matching the hash of {qname}, and no closest encloser proof either: {why}"
    )]
    Nsec3NoMatch {
        qname: Name,
        qtype: Rtype,
        why: String,
    },
    #[error(
        "no NSEC3 record matches {qname}, and the NSEC3 that covers its next closer name {next_closer} has no Opt-Out flag: that proves {qname} does not exist, not that it is an unsigned delegation without DS"
    )]
    NotOptOut { qname: Name, next_closer: Name },
    #[error(
        "the {kind} records prove that {qname} does not exist, but none matches the wildcard {wildcard} that would make the answer for {qname}/{qtype} a NODATA: it should have been NXDOMAIN"
    )]
    NoWildcardMatch {
        qname: Name,
        qtype: Rtype,
        wildcard: Name,
        kind: Rtype,
    },
    #[error(
        "the RRSIG Labels field {labels} is not smaller than the {count} labels of {qname}, so the answer is not a wildcard expansion"
    )]
    NotExpanded {
        qname: Name,
        labels: u8,
        count: usize,
    },
    #[error(
        "the signature says {qname} was expanded from the wildcard below {claimed}, but the NSEC that covers {qname} shows its closest encloser is {proved}"
    )]
    WrongWildcard {
        qname: Name,
        claimed: Name,
        proved: Name,
    },
}

impl DenialError {
    /// The RFC section that makes it a rule.
    pub fn reference(&self) -> &'static str {
        match self {
            DenialError::NoRecords { .. } | DenialError::Untrusted { .. } => "RFC 4035 §5.4",
            DenialError::Mixed => "RFC 5155 §10.4",
            DenialError::NoUsableNsec3 { .. } => "RFC 5155 §8.2",
            DenialError::NameExists { .. }
            | DenialError::WildcardExists { .. }
            | DenialError::EmptyNonTerminal { .. } => "RFC 4035 §5.4, RFC 5155 §8.4",
            DenialError::TypeExists { .. } | DenialError::NsecNoMatch { .. } => {
                "RFC 4035 §5.4, RFC 5155 §8.5"
            }
            DenialError::CnameExists { .. } => "RFC 6840 §4.3",
            DenialError::ChildSide { .. } => "RFC 6840 §4.4",
            DenialError::Referral { .. }
            | DenialError::EncloserIsDelegation { .. }
            | DenialError::EncloserIsDname { .. } => "RFC 6840 §4.1",
            DenialError::NotCovered { .. } | DenialError::NoClosestEncloser { .. } => {
                "RFC 5155 §8.3, §8.4"
            }
            DenialError::Nsec3NoMatch { .. } => "RFC 5155 §8.5, §8.6",
            DenialError::NotOptOut { .. } => "RFC 5155 §8.6",
            DenialError::NoWildcardMatch { .. } => "RFC 4035 §3.1.3.4, RFC 5155 §8.7",
            DenialError::NotExpanded { .. } | DenialError::WrongWildcard { .. } => {
                "RFC 4035 §5.3.4, RFC 5155 §8.8"
            }
        }
    }
}

/// Checks the proof in `authority` (the authority section of the answer)
/// for `qname`/`qtype` in `zone`, with the zone's keys at `now`.
/// `Err` says in one sentence what is missing or wrong.
pub fn check_proof(
    zone: &Name,
    qname: &Name,
    qtype: Rtype,
    negative: Negative,
    authority: &[Record],
    keys: &[KeyInfo],
    now: i64,
) -> Result<Proof, String> {
    verify_denial(zone, qname, qtype, negative, authority, keys, now).map_err(|e| e.to_string())
}

/// [`check_proof`] with the error as a value.
pub fn verify_denial(
    zone: &Name,
    qname: &Name,
    qtype: Rtype,
    negative: Negative,
    authority: &[Record],
    keys: &[KeyInfo],
    now: i64,
) -> Result<Proof, DenialError> {
    check_signatures(zone, authority, keys, now)?;
    prove(zone, qname, qtype, negative, authority)
}

/// Checks that the wildcard expansion `qname` (its answer's RRSIG has
/// `labels` labels) is proved by the denial records in `authority`: the
/// name itself does not exist (RFC 4035 §5.3.4, RFC 5155 §8.8).
pub fn verify_wildcard_answer(
    zone: &Name,
    qname: &Name,
    labels: u8,
    authority: &[Record],
    keys: &[KeyInfo],
    now: i64,
) -> Result<Proof, DenialError> {
    check_signatures(zone, authority, keys, now)?;
    prove_wildcard_answer(zone, qname, labels, authority)
}

/// Every NSEC and NSEC3 RRset must be validly signed (RFC 4035 §5.4).
fn check_signatures(
    zone: &Name,
    authority: &[Record],
    keys: &[KeyInfo],
    now: i64,
) -> Result<(), DenialError> {
    for set in rrsets(authority)
        .into_iter()
        .filter(|s| matches!(s[0].rtype, Rtype::NSEC | Rtype::NSEC3))
    {
        let sigs = rrsigs_over(authority, &set[0].owner, set[0].rtype);
        let check = check_rrset(zone, &set, &sigs, keys, now);
        if let Some(problem) = check
            .as_ref()
            .and_then(|c| if c.is_secure() { None } else { c.problem() })
        {
            return Err(DenialError::Untrusted { problem });
        }
    }
    Ok(())
}

/// The denial records of `records` and which kind they are.
fn denial_kind(records: &[Record]) -> Result<Option<Rtype>, DenialError> {
    let has_nsec = records.iter().any(|r| r.rtype == Rtype::NSEC);
    let has_nsec3 = records.iter().any(|r| r.rtype == Rtype::NSEC3);
    match (has_nsec, has_nsec3) {
        (true, false) => Ok(Some(Rtype::NSEC)),
        (false, true) => Ok(Some(Rtype::NSEC3)),
        (true, true) => Err(DenialError::Mixed),
        (false, false) => Ok(None),
    }
}

/// The proof rule: whether the NSEC or NSEC3 records among `records`
/// (an authority section; other records are ignored) prove the
/// `negative` answer for `qname`/`qtype` in `zone`. Signatures are not
/// looked at: [`verify_denial`] does that first.
pub fn prove(
    zone: &Name,
    qname: &Name,
    qtype: Rtype,
    negative: Negative,
    records: &[Record],
) -> Result<Proof, DenialError> {
    let Some(kind) = denial_kind(records)? else {
        return Err(DenialError::NoRecords {
            negative,
            qname: qname.clone(),
            qtype,
        });
    };
    let count = records.iter().filter(|r| r.rtype == kind).count();
    if kind == Rtype::NSEC {
        let chain = NsecSet::new(zone, records);
        let case = match negative {
            Negative::NxDomain => chain.name_error(qname)?,
            Negative::NoData => chain.no_data(qname, qtype)?,
        };
        Ok(Proof {
            kind,
            nsec3: None,
            records: count,
            case,
            opt_out: false,
        })
    } else {
        let chain = Nsec3Set::new(zone, records)?;
        let (case, opt_out) = match negative {
            Negative::NxDomain => chain.name_error(qname)?,
            Negative::NoData => chain.no_data(qname, qtype)?,
        };
        Ok(Proof {
            kind,
            nsec3: Some(chain.parameters()),
            records: count,
            case,
            opt_out,
        })
    }
}

/// The proof rule for a wildcard expansion: `qname` was answered from the
/// wildcard whose RRSIG Labels field is `labels`, and the records prove
/// that no closer name exists.
pub fn prove_wildcard_answer(
    zone: &Name,
    qname: &Name,
    labels: u8,
    records: &[Record],
) -> Result<Proof, DenialError> {
    let count = qname.label_count();
    let source = usize::from(labels);
    if source >= count {
        return Err(DenialError::NotExpanded {
            qname: qname.clone(),
            labels,
            count,
        });
    }
    // The wildcard's parent: the rightmost `labels` labels of qname; the
    // next closer name has one label more.
    let (Some(encloser), Some(next_closer)) = (
        qname.strip_left(count - source),
        qname.strip_left(count - source - 1),
    ) else {
        return Err(DenialError::NotExpanded {
            qname: qname.clone(),
            labels,
            count,
        });
    };
    let Some(kind) = denial_kind(records)? else {
        return Err(DenialError::NotCovered {
            name: next_closer,
            role: Role::Qname,
            qname: qname.clone(),
            kind: Rtype::NSEC,
        });
    };
    let records_count = records.iter().filter(|r| r.rtype == kind).count();
    if kind == Rtype::NSEC {
        NsecSet::new(zone, records).wildcard_answer(qname, &encloser)?;
        Ok(Proof {
            kind,
            nsec3: None,
            records: records_count,
            case: ProofCase::NsecWildcardAnswer,
            opt_out: false,
        })
    } else {
        let chain = Nsec3Set::new(zone, records)?;
        if chain.matching(&next_closer).is_some() {
            return Err(DenialError::NameExists {
                qname: next_closer,
                kind,
            });
        }
        let Some(cover) = chain.covering(&next_closer) else {
            return Err(DenialError::NotCovered {
                name: next_closer,
                role: Role::NextCloser,
                qname: qname.clone(),
                kind,
            });
        };
        Ok(Proof {
            kind,
            nsec3: Some(chain.parameters()),
            records: records_count,
            case: ProofCase::Nsec3WildcardAnswer,
            opt_out: cover.data.opt_out(),
        })
    }
}

/// Whether a type bitmap marks the parent side of a zone cut: NS without
/// SOA. Such a record speaks only for the DS and the cut's existence.
fn is_delegation(types: &[Rtype]) -> bool {
    types.contains(&Rtype::NS) && !types.contains(&Rtype::SOA)
}

/// The bitmap checks shared by every NODATA proof (RFC 4035 §5.4,
/// RFC 5155 §8.5–8.7, RFC 6840 §4.3, §4.4): `owner`'s record with `types`
/// shows that `qname` has no `qtype`.
fn bitmap_denies(
    kind: Rtype,
    owner: &Name,
    qname: &Name,
    qtype: Rtype,
    types: &[Rtype],
) -> Result<(), DenialError> {
    if types.contains(&qtype) {
        return Err(DenialError::TypeExists {
            owner: owner.clone(),
            qtype,
            kind,
        });
    }
    if qtype != Rtype::CNAME && types.contains(&Rtype::CNAME) {
        return Err(DenialError::CnameExists {
            owner: owner.clone(),
            kind,
        });
    }
    if qtype == Rtype::DS {
        // The DS lives on the parent side; the child's apex record says
        // nothing about it.
        if types.contains(&Rtype::SOA) && !qname.is_root() {
            return Err(DenialError::ChildSide {
                qname: qname.clone(),
                kind,
            });
        }
    } else if is_delegation(types) {
        return Err(DenialError::Referral {
            qname: qname.clone(),
            qtype,
            kind,
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// NSEC (RFC 4035 §5.4).

struct NsecEntry<'a> {
    owner: &'a Name,
    next: Name,
    types: Vec<Rtype>,
}

struct NsecSet<'a> {
    zone: &'a Name,
    entries: Vec<NsecEntry<'a>>,
}

/// Whether the NSEC at `owner` with next name `next` covers `name`: it
/// lies strictly between them in canonical order (the last NSEC wraps
/// around to the apex).
fn nsec_covers(owner: &Name, next: &Name, name: &Name) -> bool {
    let after_owner = owner.canonical_cmp(name) == Ordering::Less;
    let before_next = name.canonical_cmp(next) == Ordering::Less;
    if owner.canonical_cmp(next) == Ordering::Less {
        after_owner && before_next
    } else {
        // Last NSEC of the chain: next is the apex.
        after_owner || before_next
    }
}

impl<'a> NsecSet<'a> {
    /// The NSEC records of `zone` among `records`.
    fn new(zone: &'a Name, records: &'a [Record]) -> NsecSet<'a> {
        let entries = records
            .iter()
            .filter(|r| r.rtype == Rtype::NSEC && r.owner.is_subdomain_of(zone))
            .filter_map(|r| {
                let data = view::Nsec::parse(&r.rdata)?;
                Some(NsecEntry {
                    owner: &r.owner,
                    types: data.types(),
                    next: data.next,
                })
            })
            .collect();
        NsecSet { zone, entries }
    }

    fn owned_by(&self, name: &Name) -> Option<&NsecEntry<'a>> {
        self.entries.iter().find(|e| e.owner.eq_ignore_case(name))
    }

    /// An NSEC that proves `name` does not exist: it covers the name, and
    /// is not the parent side of a cut or a DNAME above it, whose span
    /// says nothing about the names below (RFC 6840 §4.1).
    fn denying(&self, name: &Name) -> Option<&NsecEntry<'a>> {
        self.entries.iter().find(|e| {
            nsec_covers(e.owner, &e.next, name)
                && !(name.is_subdomain_of(e.owner)
                    && (e.types.contains(&Rtype::DNAME) || is_delegation(&e.types)))
        })
    }

    /// The closest encloser of `qname` that the covering NSEC `cover`
    /// shows: the longest ancestor shared with its owner or next name.
    fn closest_encloser(&self, qname: &Name, cover: &NsecEntry<'_>) -> Name {
        let mut candidate = qname.parent();
        while let Some(name) = candidate {
            if !name.is_subdomain_of(self.zone) {
                break;
            }
            if cover.owner.is_subdomain_of(&name) || cover.next.is_subdomain_of(&name) {
                return name;
            }
            candidate = name.parent();
        }
        self.zone.clone()
    }

    /// `qname` covered, and no empty non-terminal at it.
    fn denied(&self, qname: &Name) -> Result<&NsecEntry<'a>, DenialError> {
        if self.owned_by(qname).is_some() {
            return Err(DenialError::NameExists {
                qname: qname.clone(),
                kind: Rtype::NSEC,
            });
        }
        let Some(cover) = self.denying(qname) else {
            return Err(DenialError::NotCovered {
                name: qname.clone(),
                role: Role::Qname,
                qname: qname.clone(),
                kind: Rtype::NSEC,
            });
        };
        if is_strictly_below(&cover.next, qname) {
            return Err(DenialError::EmptyNonTerminal {
                qname: qname.clone(),
                owner: cover.owner.clone(),
                next: cover.next.clone(),
            });
        }
        Ok(cover)
    }

    /// RFC 4035 §5.4, name error: QNAME and the wildcard at its closest
    /// encloser are covered.
    fn name_error(&self, qname: &Name) -> Result<ProofCase, DenialError> {
        let cover = self.denied(qname)?;
        let wildcard = wildcard_of(&self.closest_encloser(qname, cover))?;
        if self.owned_by(&wildcard).is_some() {
            return Err(DenialError::WildcardExists {
                wildcard,
                qname: qname.clone(),
                kind: Rtype::NSEC,
            });
        }
        if self.denying(&wildcard).is_none() {
            return Err(DenialError::NotCovered {
                name: wildcard,
                role: Role::Wildcard,
                qname: qname.clone(),
                kind: Rtype::NSEC,
            });
        }
        Ok(ProofCase::NsecNameError)
    }

    /// RFC 4035 §5.4, NODATA: the NSEC of QNAME, an empty non-terminal, or
    /// a wildcard NODATA.
    fn no_data(&self, qname: &Name, qtype: Rtype) -> Result<ProofCase, DenialError> {
        if let Some(e) = self.owned_by(qname) {
            bitmap_denies(Rtype::NSEC, e.owner, qname, qtype, &e.types)?;
            return Ok(if qtype == Rtype::DS && e.types.contains(&Rtype::NS) {
                ProofCase::NsecNoDs
            } else {
                ProofCase::NsecNoData
            });
        }
        // An empty non-terminal has no NSEC; the one before it has a next
        // name below it.
        if self
            .entries
            .iter()
            .any(|e| nsec_covers(e.owner, &e.next, qname) && is_strictly_below(&e.next, qname))
        {
            return Ok(ProofCase::NsecEmptyNonTerminal);
        }
        let Some(cover) = self.denying(qname) else {
            return Err(DenialError::NsecNoMatch {
                qname: qname.clone(),
                qtype,
            });
        };
        let wildcard = wildcard_of(&self.closest_encloser(qname, cover))?;
        let Some(w) = self.owned_by(&wildcard) else {
            return Err(DenialError::NoWildcardMatch {
                qname: qname.clone(),
                qtype,
                wildcard,
                kind: Rtype::NSEC,
            });
        };
        bitmap_denies(Rtype::NSEC, w.owner, qname, qtype, &w.types)?;
        Ok(ProofCase::NsecWildcardNoData)
    }

    /// RFC 4035 §5.3.4: an NSEC proves that `qname` does not exist, and
    /// the closest encloser it shows is the wildcard's parent `encloser`.
    fn wildcard_answer(&self, qname: &Name, encloser: &Name) -> Result<(), DenialError> {
        let cover = self.denied(qname)?;
        let proved = self.closest_encloser(qname, cover);
        if !proved.eq_ignore_case(encloser) {
            return Err(DenialError::WrongWildcard {
                qname: qname.clone(),
                claimed: encloser.clone(),
                proved,
            });
        }
        Ok(())
    }
}

fn is_strictly_below(name: &Name, ancestor: &Name) -> bool {
    name.is_subdomain_of(ancestor) && !name.eq_ignore_case(ancestor)
}

fn wildcard_of(encloser: &Name) -> Result<Name, DenialError> {
    // `*.` adds two octets; only a name at the 255-octet limit cannot take
    // them, and no covering record can prove anything about such a name.
    encloser
        .wildcard()
        .map_err(|_| DenialError::NoClosestEncloser {
            qname: encloser.clone(),
        })
}

// ---------------------------------------------------------------------------
// NSEC3 (RFC 5155 §8).

struct Nsec3Entry<'a> {
    hash: Vec<u8>,
    data: view::Nsec3<'a>,
    types: Vec<Rtype>,
}

impl Nsec3Entry<'_> {
    /// The hash of `name` with this record's parameters.
    fn hash_of(&self, name: &Name) -> [u8; 20] {
        nsec3::hash(name, self.data.salt, self.data.iterations)
    }

    /// Whether the record's span covers `hash`: strictly between its owner
    /// and next hash, the last record wrapping around.
    fn covers(&self, hash: &[u8]) -> bool {
        let owner = self.hash.as_slice();
        let next = self.data.next_hashed;
        if owner < next {
            owner < hash && hash < next
        } else {
            hash > owner || hash < next
        }
    }
}

struct Nsec3Set<'a> {
    zone: &'a Name,
    entries: Vec<Nsec3Entry<'a>>,
}

/// The closest encloser proof (RFC 5155 §8.3).
struct Encloser<'s, 'a> {
    name: Name,
    next_closer: Name,
    /// The record covering the next closer name.
    cover: &'s Nsec3Entry<'a>,
}

impl<'a> Nsec3Set<'a> {
    /// The usable NSEC3 records of `zone` among `records` (RFC 5155 §8.2:
    /// unknown hash algorithms and flags are ignored).
    fn new(zone: &'a Name, records: &'a [Record]) -> Result<Nsec3Set<'a>, DenialError> {
        let mut skipped = Vec::new();
        let mut entries = Vec::new();
        for r in records.iter().filter(|r| r.rtype == Rtype::NSEC3) {
            if !r.owner.parent().is_some_and(|p| p.eq_ignore_case(zone)) {
                skipped.push(format!("{} is not a hashed name of {zone}", r.owner));
                continue;
            }
            let (Some(hash), Some(data)) =
                (nsec3::hash_of_owner(&r.owner), view::Nsec3::parse(&r.rdata))
            else {
                skipped.push(format!("the NSEC3 at {} cannot be read", r.owner));
                continue;
            };
            if data.hash_algorithm != nsec3::SHA1 {
                skipped.push(format!(
                    "the NSEC3 at {} uses hash algorithm {}, which validators do not know",
                    r.owner, data.hash_algorithm
                ));
                continue;
            }
            if data.flags & !view::Nsec3::OPT_OUT != 0 {
                skipped.push(format!(
                    "the NSEC3 at {} has flags {}, which validators ignore",
                    r.owner, data.flags
                ));
                continue;
            }
            if hash.len() != data.next_hashed.len() {
                skipped.push(format!(
                    "the NSEC3 at {} has an owner hash and a next hash of different lengths",
                    r.owner
                ));
                continue;
            }
            entries.push(Nsec3Entry {
                hash,
                types: data.types(),
                data,
            });
        }
        if entries.is_empty() {
            return Err(DenialError::NoUsableNsec3 {
                why: skipped.join("; "),
            });
        }
        Ok(Nsec3Set { zone, entries })
    }

    /// (iterations, salt length, Opt-Out seen), from the first record.
    fn parameters(&self) -> (u16, usize, bool) {
        let first = &self.entries[0].data;
        (
            first.iterations,
            first.salt.len(),
            self.entries.iter().any(|e| e.data.opt_out()),
        )
    }

    fn matching(&self, name: &Name) -> Option<&Nsec3Entry<'a>> {
        self.entries
            .iter()
            .find(|e| e.hash.as_slice() == e.hash_of(name).as_slice())
    }

    fn covering(&self, name: &Name) -> Option<&Nsec3Entry<'a>> {
        self.entries.iter().find(|e| e.covers(&e.hash_of(name)))
    }

    /// RFC 5155 §8.3: the longest ancestor of `qname` with a matching
    /// NSEC3, which must not be a delegation or DNAME, and the next closer
    /// name covered. `qname` itself must not match (callers check).
    fn closest_encloser(&self, qname: &Name) -> Result<Encloser<'_, 'a>, DenialError> {
        let mut next_closer = qname.clone();
        let mut candidate = qname.parent();
        while let Some(name) = candidate {
            if !name.is_subdomain_of(self.zone) {
                break;
            }
            if let Some(e) = self.matching(&name) {
                if is_delegation(&e.types) {
                    return Err(DenialError::EncloserIsDelegation {
                        encloser: name,
                        qname: qname.clone(),
                        kind: Rtype::NSEC3,
                    });
                }
                if e.types.contains(&Rtype::DNAME) {
                    return Err(DenialError::EncloserIsDname {
                        encloser: name,
                        qname: qname.clone(),
                    });
                }
                let Some(cover) = self.covering(&next_closer) else {
                    return Err(DenialError::NotCovered {
                        name: next_closer,
                        role: Role::NextCloser,
                        qname: qname.clone(),
                        kind: Rtype::NSEC3,
                    });
                };
                return Ok(Encloser {
                    name,
                    next_closer,
                    cover,
                });
            }
            next_closer = name.clone();
            candidate = name.parent();
        }
        Err(DenialError::NoClosestEncloser {
            qname: qname.clone(),
        })
    }

    /// RFC 5155 §8.4. Returns the case and whether the next closer name
    /// lies in an Opt-Out span.
    fn name_error(&self, qname: &Name) -> Result<(ProofCase, bool), DenialError> {
        if self.matching(qname).is_some() {
            return Err(DenialError::NameExists {
                qname: qname.clone(),
                kind: Rtype::NSEC3,
            });
        }
        let encloser = self.closest_encloser(qname)?;
        let wildcard = wildcard_of(&encloser.name)?;
        if self.matching(&wildcard).is_some() {
            return Err(DenialError::WildcardExists {
                wildcard,
                qname: qname.clone(),
                kind: Rtype::NSEC3,
            });
        }
        if self.covering(&wildcard).is_none() {
            return Err(DenialError::NotCovered {
                name: wildcard,
                role: Role::Wildcard,
                qname: qname.clone(),
                kind: Rtype::NSEC3,
            });
        }
        Ok((ProofCase::Nsec3NameError, encloser.cover.data.opt_out()))
    }

    /// RFC 5155 §8.5–8.7 and erratum 3441.
    fn no_data(&self, qname: &Name, qtype: Rtype) -> Result<(ProofCase, bool), DenialError> {
        if let Some(e) = self.matching(qname) {
            bitmap_denies(Rtype::NSEC3, qname, qname, qtype, &e.types)?;
            let case = if qtype == Rtype::DS && e.types.contains(&Rtype::NS) {
                ProofCase::Nsec3NoDs
            } else {
                ProofCase::Nsec3NoData
            };
            return Ok((case, false));
        }
        let encloser = self
            .closest_encloser(qname)
            .map_err(|e| DenialError::Nsec3NoMatch {
                qname: qname.clone(),
                qtype,
                why: e.to_string(),
            })?;
        let opt_out = encloser.cover.data.opt_out();
        // §8.7: the wildcard at the closest encloser matched, without the
        // type.
        let wildcard = wildcard_of(&encloser.name)?;
        if let Some(w) = self.matching(&wildcard) {
            bitmap_denies(Rtype::NSEC3, &wildcard, qname, qtype, &w.types)?;
            return Ok((ProofCase::Nsec3WildcardNoData, opt_out));
        }
        // §8.6 and erratum 3441: the name lies in an Opt-Out span, so it
        // may be an unsigned delegation (or an empty non-terminal above
        // one) that has no NSEC3 of its own.
        if opt_out {
            let case = if qtype == Rtype::DS {
                ProofCase::Nsec3NoDsOptOut
            } else {
                ProofCase::Nsec3OptOutNoData
            };
            return Ok((case, true));
        }
        if qtype == Rtype::DS {
            return Err(DenialError::NotOptOut {
                qname: qname.clone(),
                next_closer: encloser.next_closer,
            });
        }
        Err(DenialError::NoWildcardMatch {
            qname: qname.clone(),
            qtype,
            wildcard,
            kind: Rtype::NSEC3,
        })
    }
}

#[cfg(test)]
mod tests {
    //! The rules peers' zones do not exercise (see tests/denial_peers.rs
    //! for the cases they do): records a validator must refuse although
    //! they are validly signed. The chains here are whole, unsigned
    //! chains built from a list of names, so every record is present and
    //! only the rule decides.

    use super::*;
    use dnslab_zone::rdata::encode_type_bitmap;

    fn name(s: &str) -> Name {
        Name::parse_absolute(s).unwrap()
    }

    /// An NSEC chain over `names` (owner, types), in canonical order.
    fn nsec_chain(names: &[(&str, &[Rtype])]) -> Vec<Record> {
        let mut owners: Vec<(Name, Vec<Rtype>)> = names
            .iter()
            .map(|(n, t)| {
                let mut types = t.to_vec();
                types.extend([Rtype::RRSIG, Rtype::NSEC]);
                types.sort();
                (name(n), types)
            })
            .collect();
        owners.sort_by(|a, b| a.0.canonical_cmp(&b.0));
        (0..owners.len())
            .map(|i| {
                let (owner, types) = &owners[i];
                let next = &owners[(i + 1) % owners.len()].0;
                let mut rdata = next.as_wire().to_vec();
                encode_type_bitmap(types, &mut rdata);
                Record::new(owner.clone(), Rtype::NSEC, 300, rdata)
            })
            .collect()
    }

    /// An NSEC3 chain (no salt, no extra iterations) over `names` in
    /// `zone`, every record with `flags`.
    fn nsec3_chain(zone: &str, names: &[(&str, &[Rtype])], flags: u8) -> Vec<Record> {
        let apex = name(zone);
        let mut hashed: Vec<([u8; 20], Vec<Rtype>)> = names
            .iter()
            .map(|(n, t)| {
                let mut types = t.to_vec();
                // Signers sign every RRset but an unsigned delegation's NS.
                let unsigned_delegation = types.contains(&Rtype::NS)
                    && !types.contains(&Rtype::SOA)
                    && !types.contains(&Rtype::DS);
                if !types.is_empty() && !unsigned_delegation {
                    types.push(Rtype::RRSIG);
                }
                types.sort();
                (nsec3::hash(&name(n), &[], 0), types)
            })
            .collect();
        hashed.sort();
        (0..hashed.len())
            .map(|i| {
                let (hash, types) = &hashed[i];
                let next = hashed[(i + 1) % hashed.len()].0;
                let mut rdata = vec![nsec3::SHA1, flags, 0, 0, 0, 20];
                rdata.extend_from_slice(&next);
                encode_type_bitmap(types, &mut rdata);
                let owner = nsec3::hashed_owner(hash, &apex).unwrap();
                Record::new(owner, Rtype::NSEC3, 300, rdata)
            })
            .collect()
    }

    const SOA_NS: &[Rtype] = &[Rtype::SOA, Rtype::NS];

    #[test]
    fn the_childs_apex_record_cannot_deny_its_ds() {
        // The child's own chain: its apex NSEC has SOA.
        let child = nsec_chain(&[("bob.ne.", SOA_NS), ("www.bob.ne.", &[Rtype::A])]);
        let err = prove(
            &name("bob.ne."),
            &name("bob.ne."),
            Rtype::DS,
            Negative::NoData,
            &child,
        );
        assert!(matches!(err, Err(DenialError::ChildSide { .. })), "{err:?}");
        let child3 = nsec3_chain(
            "bob.ne.",
            &[("bob.ne.", SOA_NS), ("www.bob.ne.", &[Rtype::A])],
            0,
        );
        let err = prove(
            &name("bob.ne."),
            &name("bob.ne."),
            Rtype::DS,
            Negative::NoData,
            &child3,
        );
        assert!(matches!(err, Err(DenialError::ChildSide { .. })), "{err:?}");
    }

    #[test]
    fn the_parent_side_of_a_cut_says_nothing_below_it() {
        let zone = name("ne.");
        let names: &[(&str, &[Rtype])] = &[
            ("ne.", SOA_NS),
            ("bob.ne.", &[Rtype::NS]),
            ("www.ne.", &[Rtype::A]),
        ];
        // x.bob.ne. sorts inside the span bob.ne. -> www.ne., but bob.ne.
        // is a cut: the name belongs to the child (RFC 6840 §4.1).
        let chain = nsec_chain(names);
        let err = prove(
            &zone,
            &name("x.bob.ne."),
            Rtype::A,
            Negative::NxDomain,
            &chain,
        );
        assert!(
            matches!(err, Err(DenialError::NotCovered { .. })),
            "{err:?}"
        );
        let chain3 = nsec3_chain("ne.", names, 0);
        let err = prove(
            &zone,
            &name("x.bob.ne."),
            Rtype::A,
            Negative::NxDomain,
            &chain3,
        );
        assert!(
            matches!(err, Err(DenialError::EncloserIsDelegation { .. })),
            "{err:?}"
        );
        // The same records do prove that the cut has no DS.
        for records in [&chain, &chain3] {
            let proof = prove(
                &zone,
                &name("bob.ne."),
                Rtype::DS,
                Negative::NoData,
                records,
            );
            assert!(proof.is_ok(), "{proof:?}");
        }
    }

    #[test]
    fn below_a_dname_the_answer_is_the_dname() {
        let names: &[(&str, &[Rtype])] = &[
            ("ne.", SOA_NS),
            ("dn.ne.", &[Rtype::DNAME]),
            ("www.ne.", &[Rtype::A]),
        ];
        let err = prove(
            &name("ne."),
            &name("x.dn.ne."),
            Rtype::A,
            Negative::NxDomain,
            &nsec3_chain("ne.", names, 0),
        );
        assert!(
            matches!(err, Err(DenialError::EncloserIsDname { .. })),
            "{err:?}"
        );
        let err = prove(
            &name("ne."),
            &name("x.dn.ne."),
            Rtype::A,
            Negative::NxDomain,
            &nsec_chain(names),
        );
        assert!(err.is_err(), "{err:?}");
    }

    #[test]
    fn a_wildcard_that_exists_is_no_name_error() {
        // The NSEC owned by *.ne. proves the wildcard exists.
        let names: &[(&str, &[Rtype])] = &[
            ("ne.", SOA_NS),
            ("*.ne.", &[Rtype::TXT]),
            ("www.ne.", &[Rtype::A]),
        ];
        for records in [nsec_chain(names), nsec3_chain("ne.", names, 0)] {
            let err = prove(
                &name("ne."),
                &name("nx.ne."),
                Rtype::A,
                Negative::NxDomain,
                &records,
            );
            assert!(
                matches!(err, Err(DenialError::WildcardExists { .. })),
                "{err:?}"
            );
        }
    }

    #[test]
    fn a_cname_in_the_bitmap_is_no_nodata() {
        let names: &[(&str, &[Rtype])] = &[("ne.", SOA_NS), ("c.ne.", &[Rtype::CNAME])];
        for records in [nsec_chain(names), nsec3_chain("ne.", names, 0)] {
            let err = prove(
                &name("ne."),
                &name("c.ne."),
                Rtype::A,
                Negative::NoData,
                &records,
            );
            assert!(
                matches!(err, Err(DenialError::CnameExists { .. })),
                "{err:?}"
            );
        }
    }

    #[test]
    fn nsec3_with_unknown_flags_or_from_another_zone_is_ignored() {
        let names: &[(&str, &[Rtype])] = &[("ne.", SOA_NS), ("www.ne.", &[Rtype::A])];
        let err = prove(
            &name("ne."),
            &name("nx.ne."),
            Rtype::A,
            Negative::NxDomain,
            &nsec3_chain("ne.", names, 0x80),
        );
        assert!(
            matches!(err, Err(DenialError::NoUsableNsec3 { .. })),
            "{err:?}"
        );
        let err = prove(
            &name("ne."),
            &name("nx.ne."),
            Rtype::A,
            Negative::NxDomain,
            &nsec3_chain("other.", names, 0),
        );
        assert!(
            matches!(err, Err(DenialError::NoUsableNsec3 { .. })),
            "{err:?}"
        );
    }

    #[test]
    fn opt_out_proofs_are_valid_but_insecure() {
        // bob.ne. is an unsigned delegation left out of the chain.
        let names: &[(&str, &[Rtype])] = &[("ne.", SOA_NS), ("www.ne.", &[Rtype::A])];
        let zone = name("ne.");
        let proof = prove(
            &zone,
            &name("bob.ne."),
            Rtype::DS,
            Negative::NoData,
            &nsec3_chain("ne.", names, 1),
        )
        .unwrap();
        assert_eq!(proof.case, ProofCase::Nsec3NoDsOptOut);
        assert!(proof.opt_out);
        assert_eq!(proof.label(), "opt-out");
        assert_eq!(proof.case.reference(), "RFC 5155 §8.6");
        // Without the flag the same span proves the name does not exist.
        let err = prove(
            &zone,
            &name("bob.ne."),
            Rtype::DS,
            Negative::NoData,
            &nsec3_chain("ne.", names, 0),
        );
        assert!(matches!(err, Err(DenialError::NotOptOut { .. })), "{err:?}");
        // The message names the RFC 5155 §8.6 rule's parts.
        let text = err.unwrap_err().to_string();
        assert!(
            text.contains("Opt-Out") && text.contains("bob.ne."),
            "{text}"
        );
    }

    #[test]
    fn nsec_cover_wraps_at_the_end_of_the_chain() {
        let (a, m, z) = (name("a.t.ne."), name("m.t.ne."), name("z.t.ne."));
        assert!(nsec_covers(&a, &z, &m));
        assert!(!nsec_covers(&a, &m, &z));
        // Last NSEC: z -> apex covers names after z.
        assert!(nsec_covers(&z, &name("t.ne."), &name("zz.t.ne.")));
        assert!(!nsec_covers(&z, &name("t.ne."), &m));
    }
}
