//! Conversion to and from hickory-proto records, for the network side.
//!
//! dnslab keeps record data as wire octets ([`Record`]); the server hands
//! hickory-proto `Record<RData>`s to hickory-server. Conversion goes through
//! the wire format, so hickory decodes exactly the octets dnslab signed.
//! Built without hickory's DNSSEC feature, DNSKEY/RRSIG/NSEC/NSEC3/DS data
//! become opaque `RData::Unknown` octets: an authoritative server of
//! pre-signed zones only has to copy them, and must not rewrite them.

use crate::name::Name;
use crate::record::Record;
use crate::rtype::{Class, Rtype};
use hickory_proto::rr::Record as HickoryRecord;
use hickory_proto::serialize::binary::{
    BinDecodable, BinDecoder, BinEncodable, BinEncoder, NameEncoding,
};

/// Why a record could not cross the boundary.
#[derive(Debug, thiserror::Error)]
pub enum HickoryError {
    #[error("hickory-proto cannot decode {rtype} data of {owner}: {reason}")]
    Decode {
        owner: Name,
        rtype: Rtype,
        reason: String,
    },
    #[error("hickory-proto cannot encode a record: {0}")]
    Encode(String),
    #[error("hickory-proto produced a malformed record")]
    Malformed,
}

/// The uncompressed wire form of a whole record.
pub fn record_wire(record: &Record, out: &mut Vec<u8>) {
    out.extend_from_slice(record.owner.as_wire());
    out.extend_from_slice(&record.rtype.0.to_be_bytes());
    out.extend_from_slice(&record.class.0.to_be_bytes());
    out.extend_from_slice(&record.ttl.to_be_bytes());
    out.extend_from_slice(&(record.rdata.len() as u16).to_be_bytes());
    out.extend_from_slice(&record.rdata);
}

pub fn to_hickory(record: &Record) -> Result<HickoryRecord, HickoryError> {
    let mut wire = Vec::with_capacity(record.owner.as_wire().len() + 10 + record.rdata.len());
    record_wire(record, &mut wire);
    let mut decoder = BinDecoder::new(&wire);
    HickoryRecord::read(&mut decoder).map_err(|e| HickoryError::Decode {
        owner: record.owner.clone(),
        rtype: record.rtype,
        reason: e.to_string(),
    })
}

pub fn from_hickory(record: &HickoryRecord) -> Result<Record, HickoryError> {
    let mut wire = Vec::with_capacity(128);
    {
        let mut encoder = BinEncoder::new(&mut wire);
        encoder.set_name_encoding(NameEncoding::Uncompressed);
        record
            .emit(&mut encoder)
            .map_err(|e| HickoryError::Encode(e.to_string()))?;
    }
    let (owner, at) = Name::read_wire(&wire).map_err(|_| HickoryError::Malformed)?;
    let field = |i: usize| {
        wire.get(at + i..at + i + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or(HickoryError::Malformed)
    };
    let rtype = Rtype(field(0)?);
    let class = Class(field(2)?);
    let ttl = (u32::from(field(4)?) << 16) | u32::from(field(6)?);
    let len = usize::from(field(8)?);
    let rdata = wire
        .get(at + 10..at + 10 + len)
        .ok_or(HickoryError::Malformed)?;
    Ok(Record {
        owner,
        rtype,
        class,
        ttl,
        rdata: rdata.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::{ParseOptions, parse_bytes};

    #[test]
    fn every_type_crosses_unchanged() {
        let text = "\
$TTL 300
@ SOA ns1 hostmaster 1 3600 900 604800 300
@ NS ns1
@ MX 10 mail
@ TXT \"v=spf1 -all\" \"second\"
@ CAA 0 issue \"ca.example\"
@ DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==
@ RRSIG SOA 13 1 300 20261201000000 20261120000000 12345 example. c2lnbmF0dXJl
@ NSEC3PARAM 1 0 0 -
@ SVCB 1 svc alpn=h2 port=8443
ns1 A 192.0.2.1
ns1 AAAA 2001:db8::1
www CNAME ns1
d DNAME other.example.
sub NS ns.sub
sub DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
_sip._udp SRV 0 5 5060 ns1
x NSEC y A RRSIG NSEC
x TYPE65534 \\# 3 010203
x ZONEMD 1 1 1 00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF
";
        let origin = Name::parse_absolute("Example.").unwrap();
        let records = parse_bytes(
            text.as_bytes(),
            "t".as_ref(),
            &ParseOptions {
                origin: Some(origin),
                default_ttl: None,
            },
        )
        .unwrap();
        for record in &records {
            let h = to_hickory(record).unwrap_or_else(|e| panic!("{record}: {e}"));
            assert_eq!(u16::from(h.record_type()), record.rtype.0);
            let back = from_hickory(&h).unwrap();
            assert_eq!(&back, record, "round trip through hickory-proto");
        }
    }
}
