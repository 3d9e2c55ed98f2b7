//! Writes the benchmark zone: N owner names under the origin, A for all,
//! AAAA for a third, TXT for a tenth, plus a few delegations.
//!
//! `cargo run --release -p dnslab-zone --example gen_zone -- ORIGIN N > FILE`

use std::io::{BufWriter, Write};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let origin = args.next().unwrap_or_else(|| "bench.".into());
    let count: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let out = std::io::stdout();
    let mut w = BufWriter::new(out.lock());
    writeln!(w, "$ORIGIN {origin}\n$TTL 3600")?;
    writeln!(w, "@ IN SOA ns1 hostmaster 2026112701 3600 900 1209600 300")?;
    writeln!(
        w,
        "@ IN NS ns1\n@ IN NS ns2\nns1 IN A 192.0.2.1\nns2 IN A 192.0.2.2"
    )?;
    for i in 0..count {
        writeln!(
            w,
            "host{i} IN A 10.{}.{}.{}",
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        )?;
        if i % 3 == 0 {
            writeln!(
                w,
                "host{i} IN AAAA 2001:db8::{:x}:{:x}",
                i >> 16,
                i & 0xffff
            )?;
        }
        if i % 10 == 0 {
            writeln!(w, "host{i} IN TXT \"benchmark record {i}\"")?;
        }
    }
    w.flush()
}
