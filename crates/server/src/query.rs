//! Reading a query message (RFC 1035 §4.1, EDNS RFC 6891).
//!
//! The reader takes only what answering needs and never trusts a length:
//! every read is bounds-checked, and a malformed message becomes a
//! [`QueryError`] that says whether a FORMERR can be sent (the header was
//! readable) or the packet must be dropped.

use dnslab_zone::{Name, Rtype};

/// EDNS(0) data of a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edns {
    /// Requestor's UDP payload size, at least 512.
    pub payload: u16,
    pub version: u8,
    /// DNSSEC OK (RFC 3225).
    pub dnssec_ok: bool,
}

/// A query, as far as answering needs it.
#[derive(Debug, Clone)]
pub struct Query {
    pub id: u16,
    pub opcode: u8,
    pub recursion_desired: bool,
    pub checking_disabled: bool,
    /// The question name exactly as sent (letter case kept, RFC 0x20 use).
    pub qname: Name,
    pub qtype: Rtype,
    pub qclass: u16,
    pub edns: Option<Edns>,
}

impl Query {
    pub fn dnssec_ok(&self) -> bool {
        self.edns.is_some_and(|e| e.dnssec_ok)
    }
}

/// Why a message is not a query dnslab answers normally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// Not worth a reply: too short for a header, or a response (QR set).
    Drop,
    /// Answer FORMERR (RFC 1035 §4.1.1) with the header fields known so far.
    FormErr {
        id: u16,
        opcode: u8,
        rd: bool,
        question: Option<(Name, Rtype, u16)>,
    },
    /// Answer NOTIMP: an opcode other than QUERY.
    NotImp { id: u16, opcode: u8, rd: bool },
}

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn u8(&mut self) -> Option<u8> {
        let v = *self.data.get(self.at)?;
        self.at += 1;
        Some(v)
    }

    fn u16(&mut self) -> Option<u16> {
        let v = u16::from_be_bytes([*self.data.get(self.at)?, *self.data.get(self.at + 1)?]);
        self.at += 2;
        Some(v)
    }

    fn skip(&mut self, n: usize) -> Option<()> {
        if self.at + n > self.data.len() {
            return None;
        }
        self.at += n;
        Some(())
    }

    /// An uncompressed name (questions cannot usefully be compressed).
    fn name(&mut self) -> Option<Name> {
        let start = self.at;
        loop {
            let len = self.u8()? as usize;
            if len == 0 {
                break;
            }
            if len > 63 {
                return None;
            }
            self.skip(len)?;
        }
        Name::from_wire(&self.data[start..self.at]).ok()
    }

    /// Skips a possibly compressed name; returns whether it was the root.
    fn skip_name(&mut self) -> Option<bool> {
        let mut root = true;
        loop {
            let len = self.u8()?;
            match len {
                0 => return Some(root),
                0xc0..=0xff => {
                    self.skip(1)?;
                    return Some(false);
                }
                64..=0xbf => return None,
                n => {
                    root = false;
                    self.skip(n as usize)?;
                }
            }
        }
    }
}

/// Reads a query message.
pub fn parse(message: &[u8]) -> Result<Query, QueryError> {
    let mut r = Reader {
        data: message,
        at: 0,
    };
    let header = (|| Some((r.u16()?, r.u16()?, r.u16()?, r.u16()?, r.u16()?, r.u16()?)))();
    let Some((id, flags, qdcount, ancount, nscount, arcount)) = header else {
        return Err(QueryError::Drop);
    };
    if flags & 0x8000 != 0 {
        return Err(QueryError::Drop);
    }
    let opcode = ((flags >> 11) & 0xf) as u8;
    let rd = flags & 0x0100 != 0;
    let formerr = |question| QueryError::FormErr {
        id,
        opcode,
        rd,
        question,
    };
    if opcode != 0 {
        return Err(QueryError::NotImp { id, opcode, rd });
    }
    if qdcount != 1 {
        return Err(formerr(None));
    }
    let question = (|| Some((r.name()?, Rtype(r.u16()?), r.u16()?)))();
    let Some((qname, qtype, qclass)) = question else {
        return Err(formerr(None));
    };
    let known = Some((qname.clone(), qtype, qclass));
    // Records in the answer and authority sections of a query are skipped.
    let mut edns = None;
    for i in 0..(u32::from(ancount) + u32::from(nscount) + u32::from(arcount)) {
        let in_additional = i >= u32::from(ancount) + u32::from(nscount);
        let rr = (|| {
            let root = r.skip_name()?;
            let rtype = r.u16()?;
            let class = r.u16()?;
            let ttl_high = r.u16()?;
            let ttl_low = r.u16()?;
            let rdlength = r.u16()? as usize;
            r.skip(rdlength)?;
            Some((root, rtype, class, ttl_high, ttl_low))
        })();
        let Some((root, rtype, class, ttl_high, ttl_low)) = rr else {
            return Err(formerr(known));
        };
        if in_additional && rtype == Rtype::OPT.0 {
            // RFC 6891 §6.1.1: one OPT, owned by the root. The TTL field holds
            // the extended RCODE, the version and the DO bit (RFC 3225).
            if edns.is_some() || !root {
                return Err(formerr(known));
            }
            edns = Some(Edns {
                payload: class.max(512),
                version: (ttl_high & 0xff) as u8,
                dnssec_ok: ttl_low & 0x8000 != 0,
            });
        }
    }
    if r.at != message.len() {
        return Err(formerr(known));
    }
    Ok(Query {
        id,
        opcode,
        recursion_desired: rd,
        checking_disabled: flags & 0x0010 != 0,
        qname,
        qtype,
        qclass,
        edns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(qname: &[u8], qtype: u16, opt: Option<(u16, u8, bool)>) -> Vec<u8> {
        let mut m = vec![
            0x12,
            0x34,
            0x01,
            0x00,
            0,
            1,
            0,
            0,
            0,
            0,
            0,
            u8::from(opt.is_some()),
        ];
        m.extend_from_slice(qname);
        m.extend_from_slice(&qtype.to_be_bytes());
        m.extend_from_slice(&[0, 1]);
        if let Some((payload, version, dnssec_ok)) = opt {
            m.extend_from_slice(&[0, 0, 41]);
            m.extend_from_slice(&payload.to_be_bytes());
            m.extend_from_slice(&[0, version, if dnssec_ok { 0x80 } else { 0 }, 0, 0, 0]);
        }
        m
    }

    #[test]
    fn reads_question_and_edns() {
        let q = parse(&query(b"\x03WwW\x07example\x00", 1, Some((1232, 0, true)))).unwrap();
        assert_eq!(q.id, 0x1234);
        assert!(q.recursion_desired);
        assert_eq!(q.qname.to_string(), "WwW.example.");
        assert_eq!(q.qtype, Rtype::A);
        assert_eq!(
            q.edns,
            Some(Edns {
                payload: 1232,
                version: 0,
                dnssec_ok: true
            })
        );
        let q = parse(&query(b"\x00", 6, Some((100, 1, false)))).unwrap();
        assert_eq!(
            q.edns,
            Some(Edns {
                payload: 512,
                version: 1,
                dnssec_ok: false
            })
        );
        assert_eq!(parse(&query(b"\x00", 6, None)).unwrap().edns, None);
    }

    #[test]
    fn malformed_queries() {
        assert_eq!(parse(&[0; 5]).unwrap_err(), QueryError::Drop);
        let mut response = query(b"\x00", 1, None);
        response[2] |= 0x80;
        assert_eq!(parse(&response).unwrap_err(), QueryError::Drop);
        let mut notify = query(b"\x00", 6, None);
        notify[2] |= 4 << 3;
        assert!(matches!(
            parse(&notify).unwrap_err(),
            QueryError::NotImp { opcode: 4, .. }
        ));
        let truncated = &query(b"\x03www\x00", 1, None)[..15];
        assert!(matches!(
            parse(truncated).unwrap_err(),
            QueryError::FormErr { question: None, .. }
        ));
        let mut two_opts = query(b"\x00", 1, Some((1232, 0, false)));
        two_opts[11] = 2;
        two_opts.extend_from_slice(&[0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0]);
        assert!(matches!(
            parse(&two_opts).unwrap_err(),
            QueryError::FormErr {
                question: Some(_),
                ..
            }
        ));
        let mut trailing = query(b"\x00", 1, None);
        trailing.push(0);
        assert!(matches!(
            parse(&trailing).unwrap_err(),
            QueryError::FormErr { .. }
        ));
    }
}
