//! What the chain walk saw at each zone, kept for the chain-of-trust
//! picture ([`crate::picture::chain_svg`]): the zone's keys, the DS
//! records that point at it and which key each matches, who signs the
//! DNSKEY RRset and the DS RRset, and how the link into the zone went.
//!
//! The walk ([`crate::chain::walk`]) fills these in as it goes, from the
//! answers and the judgements it makes anyway (`ds_matches`,
//! `check_rrset`): drawing the picture asks nothing and judges nothing
//! again.

use crate::chain::{Chain, Hop, ds_matches};
use crate::rrset::{KeyInfo, RrsetCheck, SigCheck};
use dnslab_zone::rdata::view;
use dnslab_zone::{Algorithm, Name, Record};

/// One DS record for a zone: the trust anchor's for the first zone, else
/// the parent's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsNode {
    pub key_tag: u16,
    pub algorithm: Algorithm,
    pub digest_type: u8,
    /// The index in [`HopView::keys`] of the key this DS is the digest of;
    /// `None`: it matches no key the zone serves (or the keys were not
    /// fetched).
    pub matches: Option<usize>,
}

/// Where the link into a zone broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Break {
    /// A server did not answer (the parent for the DS, or the zone for
    /// its DNSKEY RRset).
    Unreachable,
    /// The parent's DS RRset for the zone has no valid signature.
    DsNotSigned,
    /// The zone serves no DNSKEY RRset.
    NoDnskey,
    /// No DNSKEY of the zone matches a DS record.
    NoKeyMatchesDs,
    /// A key the DS vouches for exists but does not sign the DNSKEY RRset.
    DnskeyNotSignedByDsKey,
}

/// How the link from the parent (or the trust anchor) into a zone went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkStatus {
    /// The DS vouches for a key that signs the zone's DNSKEY RRset.
    Secure,
    /// The parent proves that there is no DS: the zone is insecure.
    Insecure,
    /// The chain breaks here.
    Broken(Break),
    /// The walk stopped above this zone.
    NotReached,
}

/// One zone of the chain as the walk saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HopView {
    pub zone: Name,
    /// The lab node asked (`root`, `tld-ne`, `t01-auth`).
    pub node: String,
    /// The zone's DNSKEY RRset as served (empty: none, or not asked).
    pub keys: Vec<KeyInfo>,
    /// The DS records for the zone: the trust anchor's for the first
    /// zone, else the parent's (empty: none, or not asked).
    pub ds_at_parent: Vec<DsNode>,
    /// The RRSIGs over the parent's DS RRset for the zone, judged with the
    /// parent's keys (empty for the trust anchor).
    pub ds_signers: Vec<SigCheck>,
    /// The RRSIGs over the zone's DNSKEY RRset, judged with its keys.
    pub dnskey_signers: Vec<SigCheck>,
    pub link: LinkStatus,
}

impl HopView {
    pub(crate) fn new(hop: &Hop) -> HopView {
        HopView {
            zone: hop.zone.clone(),
            node: hop.node.clone(),
            keys: Vec::new(),
            ds_at_parent: Vec::new(),
            ds_signers: Vec::new(),
            dnskey_signers: Vec::new(),
            link: LinkStatus::NotReached,
        }
    }

    /// The DS set (before the keys are known: nothing matches yet).
    fn see_ds(&mut self, ds_set: &[Record]) {
        self.ds_at_parent = ds_set
            .iter()
            .filter_map(|r| view::Ds::parse(&r.rdata))
            .map(|ds| DsNode {
                key_tag: ds.key_tag,
                algorithm: ds.algorithm,
                digest_type: ds.digest_type,
                matches: None,
            })
            .collect();
    }

    /// Whether the key at `index` signs the DNSKEY RRset validly.
    pub fn signs_dnskey(&self, index: usize) -> bool {
        self.keys.get(index).is_some_and(|k| {
            self.dnskey_signers
                .iter()
                .any(|s| s.is_valid() && s.key_tag == k.tag && s.algorithm == k.algorithm)
        })
    }
}

impl Chain {
    fn hop_view(&mut self, i: usize) -> Option<&mut HopView> {
        self.hops.get_mut(i)
    }

    pub(crate) fn set_link(&mut self, i: usize, link: LinkStatus) {
        if let Some(v) = self.hop_view(i) {
            v.link = link;
        }
    }

    /// The DS RRset for hop `i` (the trust anchor, or the parent's with
    /// the check of its signatures).
    pub(crate) fn see_ds(&mut self, i: usize, ds_set: &[Record], check: Option<&RrsetCheck>) {
        if let Some(v) = self.hop_view(i) {
            v.see_ds(ds_set);
            v.ds_signers = check.map(|c| c.signatures.clone()).unwrap_or_default();
        }
    }

    /// Hop `i`'s keys, and which DS of `ds_set` (the one the walk
    /// validates them with) matches which.
    pub(crate) fn see_keys(&mut self, i: usize, keys: &[KeyInfo], ds_set: &[Record]) {
        let Some(v) = self.hop_view(i) else {
            return;
        };
        v.see_ds(ds_set);
        let ds_views: Vec<view::Ds<'_>> = ds_set
            .iter()
            .filter_map(|r| view::Ds::parse(&r.rdata))
            .collect();
        for (node, ds) in v.ds_at_parent.iter_mut().zip(&ds_views) {
            node.matches = keys.iter().position(|k| ds_matches(&v.zone, ds, k));
        }
        v.keys = keys.to_vec();
    }

    pub(crate) fn see_dnskey_signatures(&mut self, i: usize, check: &RrsetCheck) {
        if let Some(v) = self.hop_view(i) {
            v.dnskey_signers = check.signatures.clone();
        }
    }
}
