//! Resource records.

use crate::name::Name;
use crate::rdata;
use crate::rtype::{Class, Rtype};
use std::cmp::Ordering;
use std::fmt;

/// One resource record, its data in uncompressed wire form.
///
/// Keeping data as wire bytes makes canonical ordering, signing and
/// verification work on exactly the octets that RFC 4034 defines, and keeps a
/// signed zone of half a million records small in memory. Conversion to
/// hickory-proto's `Record` happens at the network boundary
/// ([`crate::hickory`]).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Record {
    pub owner: Name,
    pub rtype: Rtype,
    pub class: Class,
    pub ttl: u32,
    pub rdata: Box<[u8]>,
}

impl Record {
    pub fn new(owner: Name, rtype: Rtype, ttl: u32, rdata: impl Into<Box<[u8]>>) -> Self {
        Record {
            owner,
            rtype,
            class: Class::IN,
            ttl,
            rdata: rdata.into(),
        }
    }

    /// Zone order: owners in canonical order (RFC 4034 §6.1), then types,
    /// each RRSIG right after the RRset it covers, then the canonical form of
    /// the data (RFC 4034 §6.3). An RRset, and the RRSIGs over it, are
    /// contiguous runs.
    pub fn zone_cmp(&self, other: &Record) -> Ordering {
        self.owner
            .canonical_cmp(&other.owner)
            .then_with(|| self.class.cmp(&other.class))
            .then_with(|| self.type_key().cmp(&other.type_key()))
            .then_with(|| {
                rdata::canonical(self.rtype, &self.rdata)
                    .cmp(&rdata::canonical(other.rtype, &other.rdata))
            })
    }

    /// Sorts an RRSIG just after the type it covers.
    fn type_key(&self) -> (u16, bool) {
        match self.covered_type() {
            Some(covered) => (covered.0, true),
            None => (self.rtype.0, false),
        }
    }

    /// Same owner (ignoring case), class and type.
    pub fn same_rrset(&self, other: &Record) -> bool {
        self.rtype == other.rtype
            && self.class == other.class
            && self.owner.eq_ignore_case(&other.owner)
    }

    /// The RRSIG type covered, for an RRSIG record.
    pub fn covered_type(&self) -> Option<Rtype> {
        (self.rtype == Rtype::RRSIG && self.rdata.len() >= 2)
            .then(|| Rtype(u16::from_be_bytes([self.rdata[0], self.rdata[1]])))
    }

    /// The data in presentation format.
    pub fn rdata_text(&self) -> String {
        let mut out = String::new();
        rdata::write(self.rtype, &self.rdata, &mut out);
        out
    }
}

impl Record {
    /// Appends one zone-file line, `owner TTL class type data` and a
    /// newline, to `out` without intermediate strings.
    pub fn write_line(&self, out: &mut String) {
        use std::fmt::Write as _;
        self.owner.write_to(out);
        let _ = write!(out, "\t{}\t{}\t{}\t", self.ttl, self.class, self.rtype);
        rdata::write(self.rtype, &self.rdata, out);
        out.push('\n');
    }
}

/// One line of a zone file: `owner TTL class type data`.
impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = String::with_capacity(64 + self.rdata.len() * 2);
        self.write_line(&mut line);
        line.pop();
        f.write_str(&line)
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
