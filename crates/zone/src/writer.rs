//! Zone-file writer: one record a line, in zone order, apex SOA first.
//!
//! The output reads back to the same records (see the round-trip tests) and
//! loads in BIND, NSD, Knot and ldns: absolute owner names, explicit TTL
//! and class on every line, no parentheses.

use crate::record::Record;
use crate::rtype::Rtype;
use std::io::{self, Write};
use std::path::Path;

/// Writes records in the order given, one a line.
pub fn write_records<'a, W: Write + ?Sized>(
    out: &mut W,
    records: impl IntoIterator<Item = &'a Record>,
) -> io::Result<()> {
    let mut line = String::with_capacity(256);
    for record in records {
        line.clear();
        record.write_line(&mut line);
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Sorts records into zone order with the apex SOA (and its RRSIGs) first,
/// then writes them.
pub fn write_zone<W: Write + ?Sized>(out: &mut W, records: &[Record]) -> io::Result<()> {
    let mut sorted: Vec<&Record> = records.iter().collect();
    if !records.windows(2).all(|w| w[0].zone_cmp(&w[1]).is_le()) {
        sorted.sort_by(|a, b| a.zone_cmp(b));
    }
    let is_soa_set = |r: &Record| r.rtype == Rtype::SOA || r.covered_type() == Some(Rtype::SOA);
    let apex = sorted
        .iter()
        .find(|r| r.rtype == Rtype::SOA)
        .map(|r| r.owner.clone());
    let (first, rest): (Vec<&Record>, Vec<&Record>) = sorted
        .into_iter()
        .partition(|r| is_soa_set(r) && apex.as_ref().is_some_and(|a| a.eq_ignore_case(&r.owner)));
    let mut buffered = io::BufWriter::with_capacity(1 << 20, out);
    write_records(&mut buffered, first)?;
    write_in_parallel(&mut buffered, &rest)?;
    buffered.flush()
}

/// Formats batches of records on all cores and writes them in order; the
/// batch size bounds the memory used for text.
fn write_in_parallel<W: Write + ?Sized>(out: &mut W, records: &[&Record]) -> io::Result<()> {
    use rayon::prelude::*;
    const CHUNK: usize = 4096;
    const BATCH: usize = CHUNK * 16;
    for batch in records.chunks(BATCH) {
        let texts: Vec<String> = batch
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut text = String::with_capacity(chunk.len() * 128);
                for record in chunk {
                    record.write_line(&mut text);
                }
                text
            })
            .collect();
        for text in texts {
            out.write_all(text.as_bytes())?;
        }
    }
    Ok(())
}

/// Writes a file atomically: a temporary file in the same directory,
/// renamed over the target only when complete, so a failure leaves nothing
/// half-written.
pub fn write_file_atomically(
    path: &Path,
    contents: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    write_file_atomically_with_mode(path, None, contents)
}

/// As [`write_file_atomically`], creating the file with `mode` (Unix
/// permission bits) from the start, for private keys.
pub fn write_file_atomically_with_mode(
    path: &Path,
    mode: Option<u32>,
    contents: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".dnslab-").suffix(".tmp");
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut tmp = builder.tempfile_in(dir)?;
    contents(tmp.as_file_mut())?;
    tmp.as_file_mut().flush()?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
