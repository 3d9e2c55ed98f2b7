//! Encoding responses: name compression (RFC 1035 §4.1.4), EDNS
//! (RFC 6891) and truncation (RFC 2181 §9, RFC 9471).
//!
//! Names are compressed in owner names and in the data of the RFC 1035
//! types that allow it (NS, CNAME, SOA, PTR, MX); never inside RRSIG,
//! NSEC or other later types (RFC 3597 §4). When the answer or authority
//! section does not fit the size limit, the response carries only the
//! question (and OPT) with TC set, and the client retries over TCP; the
//! additional section is filled with whole RRsets while they fit.

use crate::answer::{Answer, Rr};
use crate::query::Query;
use dnslab_zone::{Name, Record, Rtype};

/// Our EDNS UDP payload size (the DNS Flag Day 2020 value).
pub const EDNS_PAYLOAD: u16 = 1232;
/// Size of an OPT record without options.
const OPT_LEN: usize = 11;

/// The size limit for a response to `query` over UDP.
pub fn udp_limit(query: &Query) -> usize {
    match query.edns {
        Some(e) => usize::from(e.payload.clamp(512, EDNS_PAYLOAD)),
        None => 512,
    }
}

/// Types whose data holds names that may be compressed (RFC 3597 §4).
fn compressible_names(rtype: Rtype) -> &'static [usize] {
    // Offsets are not fixed for SOA (two names); handled below.
    match rtype {
        Rtype::NS | Rtype::CNAME | Rtype::PTR => &[0],
        Rtype::MX => &[2],
        _ => &[],
    }
}

/// A response being written.
struct Writer {
    buf: Vec<u8>,
    /// Offsets where names (and their suffixes) were written, for pointers.
    names: Vec<u16>,
    limit: usize,
}

impl Writer {
    fn new(limit: usize) -> Writer {
        Writer {
            buf: Vec::with_capacity(limit.min(4096)),
            names: Vec::with_capacity(32),
            limit,
        }
    }

    /// Reads the (possibly compressed) name at `at` in the buffer and checks
    /// whether it equals `wire` ignoring case.
    fn name_at_equals(&self, mut at: usize, wire: &[u8]) -> bool {
        let mut i = 0;
        for _ in 0..128 {
            let Some(&len) = self.buf.get(at) else {
                return false;
            };
            if len & 0xc0 == 0xc0 {
                let Some(&low) = self.buf.get(at + 1) else {
                    return false;
                };
                at = (usize::from(len & 0x3f) << 8) | usize::from(low);
                continue;
            }
            let len = usize::from(len);
            let Some(label) = self.buf.get(at..at + 1 + len) else {
                return false;
            };
            let Some(theirs) = wire.get(i..i + 1 + len) else {
                return false;
            };
            if !label.eq_ignore_ascii_case(theirs) {
                return false;
            }
            if len == 0 {
                return i + 1 == wire.len();
            }
            i += 1 + len;
            at += 1 + len;
        }
        false
    }

    /// Writes a name, compressed against the names already written.
    fn name(&mut self, name: &Name, compress: bool) {
        let wire = name.as_wire();
        let mut at = 0;
        while wire[at] != 0 {
            if compress
                && let Some(&target) = self
                    .names
                    .iter()
                    .find(|&&o| self.name_at_equals(usize::from(o), &wire[at..]))
            {
                self.buf.extend_from_slice(&(0xc000 | target).to_be_bytes());
                return;
            }
            if self.buf.len() < 0x3fff {
                self.names.push(self.buf.len() as u16);
            }
            let len = usize::from(wire[at]);
            self.buf.extend_from_slice(&wire[at..at + 1 + len]);
            at += 1 + len;
        }
        self.buf.push(0);
    }

    fn record(&mut self, record: &Record) {
        self.name(&record.owner, true);
        self.buf.extend_from_slice(&record.rtype.0.to_be_bytes());
        self.buf.extend_from_slice(&record.class.0.to_be_bytes());
        self.buf.extend_from_slice(&record.ttl.to_be_bytes());
        let len_at = self.buf.len();
        self.buf.extend_from_slice(&[0, 0]);
        let data = &record.rdata;
        match record.rtype {
            Rtype::SOA => {
                // Two names, then 20 octets of numbers.
                let names = Name::read_wire(data)
                    .ok()
                    .and_then(|(m, a)| Some((m, a, Name::read_wire(&data[a..]).ok()?)));
                match names {
                    Some((mname, a, (rname, b))) => {
                        self.name(&mname, true);
                        self.name(&rname, true);
                        self.buf.extend_from_slice(&data[a + b..]);
                    }
                    None => self.buf.extend_from_slice(data),
                }
            }
            rtype => match compressible_names(rtype).first() {
                Some(&offset) if data.len() > offset => match Name::read_wire(&data[offset..]) {
                    Ok((name, used)) => {
                        self.buf.extend_from_slice(&data[..offset]);
                        self.name(&name, true);
                        self.buf.extend_from_slice(&data[offset + used..]);
                    }
                    Err(_) => self.buf.extend_from_slice(data),
                },
                _ => self.buf.extend_from_slice(data),
            },
        }
        let rdlen = (self.buf.len() - len_at - 2) as u16;
        self.buf[len_at..len_at + 2].copy_from_slice(&rdlen.to_be_bytes());
    }

    /// Writes a section; `false` (and nothing written) if it does not fit.
    fn section(&mut self, records: &[Rr<'_>], reserve: usize) -> Result<u16, ()> {
        let mark = (self.buf.len(), self.names.len());
        for rr in records {
            self.record(rr.record());
        }
        if self.buf.len() + reserve > self.limit {
            self.rollback(mark);
            return Err(());
        }
        Ok(records.len() as u16)
    }

    /// Writes whole RRsets of the additional section while they fit.
    fn additional(
        &mut self,
        records: &[Rr<'_>],
        required: usize,
        reserve: usize,
    ) -> Result<u16, ()> {
        let mut written = 0u16;
        let mut i = 0;
        while i < records.len() {
            // An RRset with its signatures: same owner, same (covered) type.
            let first = records[i].record();
            let key = first.covered_type().unwrap_or(first.rtype);
            let mut end = i + 1;
            while end < records.len() {
                let r = records[end].record();
                if !(r.owner.eq_ignore_case(&first.owner)
                    && r.covered_type().unwrap_or(r.rtype) == key)
                {
                    break;
                }
                end += 1;
            }
            let mark = (self.buf.len(), self.names.len());
            for rr in &records[i..end] {
                self.record(rr.record());
            }
            if self.buf.len() + reserve > self.limit {
                self.rollback(mark);
                return if i < required { Err(()) } else { Ok(written) };
            }
            written += (end - i) as u16;
            i = end;
        }
        Ok(written)
    }

    fn rollback(&mut self, (len, names): (usize, usize)) {
        self.buf.truncate(len);
        self.names.truncate(names);
    }
}

fn header(buf: &mut Vec<u8>, query: &Query, rcode: u16, aa: bool, tc: bool) {
    let mut flags: u16 = 0x8000 | (u16::from(query.opcode) << 11) | (rcode & 0xf);
    if aa {
        flags |= 0x0400;
    }
    if tc {
        flags |= 0x0200;
    }
    if query.recursion_desired {
        flags |= 0x0100;
    }
    if query.checking_disabled {
        flags |= 0x0010;
    }
    buf.extend_from_slice(&query.id.to_be_bytes());
    buf.extend_from_slice(&flags.to_be_bytes());
    buf.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]);
}

fn opt(buf: &mut Vec<u8>, query: &Query, rcode: u16) {
    let dnssec_ok = query.dnssec_ok();
    buf.push(0);
    buf.extend_from_slice(&Rtype::OPT.0.to_be_bytes());
    buf.extend_from_slice(&EDNS_PAYLOAD.to_be_bytes());
    buf.push((rcode >> 4) as u8);
    buf.push(0);
    buf.extend_from_slice(&(if dnssec_ok { 0x8000u16 } else { 0 }).to_be_bytes());
    buf.extend_from_slice(&[0, 0]);
}

fn set_count(buf: &mut [u8], index: usize, count: u16) {
    buf[4 + 2 * index..6 + 2 * index].copy_from_slice(&count.to_be_bytes());
}

/// Encodes an answer within `limit` octets (use [`udp_limit`] for UDP,
/// 65535 for TCP).
pub fn encode(query: &Query, answer: &Answer<'_>, limit: usize) -> Vec<u8> {
    let with_opt = query.edns.is_some();
    let reserve = if with_opt { OPT_LEN } else { 0 };
    let mut w = Writer::new(limit);
    header(&mut w.buf, query, answer.rcode, answer.authoritative, false);
    // The question is written as sent; its labels become compression targets.
    w.name(&query.qname, false);
    w.buf.extend_from_slice(&query.qtype.0.to_be_bytes());
    w.buf.extend_from_slice(&query.qclass.to_be_bytes());
    let question_end = (w.buf.len(), w.names.len());
    let counts = (|| {
        let an = w.section(&answer.answer, reserve)?;
        let ns = w.section(&answer.authority, reserve)?;
        let ar = w.additional(&answer.additional, answer.required_additional, reserve)?;
        Ok::<_, ()>((an, ns, ar))
    })();
    let (an, ns, ar) = match counts {
        Ok(c) => c,
        Err(()) => {
            w.rollback(question_end);
            w.buf[2] |= 0x02;
            (0, 0, 0)
        }
    };
    set_count(&mut w.buf, 1, an);
    set_count(&mut w.buf, 2, ns);
    set_count(&mut w.buf, 3, ar + u16::from(with_opt));
    if with_opt {
        opt(&mut w.buf, query, answer.rcode);
    }
    w.buf
}

/// A response with only a header (and the question when known): FORMERR,
/// NOTIMP and friends.
pub fn error_response(
    id: u16,
    opcode: u8,
    rd: bool,
    question: Option<(&Name, Rtype, u16)>,
    code: u16,
) -> Vec<u8> {
    let mut buf = Vec::with_capacity(64);
    let mut flags: u16 = 0x8000 | (u16::from(opcode) << 11) | (code & 0xf);
    if rd {
        flags |= 0x0100;
    }
    buf.extend_from_slice(&id.to_be_bytes());
    buf.extend_from_slice(&flags.to_be_bytes());
    buf.extend_from_slice(&[0, u8::from(question.is_some()), 0, 0, 0, 0, 0, 0]);
    if let Some((name, qtype, qclass)) = question {
        buf.extend_from_slice(name.as_wire());
        buf.extend_from_slice(&qtype.0.to_be_bytes());
        buf.extend_from_slice(&qclass.to_be_bytes());
    }
    buf
}
