//! Signing a zone with Knot DNS's offline signer, `kzonesign`, for tests
//! that compare dnslab with a peer implementation.
//!
//! `kzonesign` has no key or policy options of its own: it reads a Knot
//! configuration (the zone's `file:` is its input, the `policy:` decides
//! NSEC or NSEC3 and whether Knot may create and roll keys) and takes the
//! keys from a KASP database. So each call here writes a throw-away
//! configuration and KASP database into a scratch directory beside the
//! output file and runs, for Knot 3.x:
//!
//! ```text
//! keymgr -c DIR/knot.conf ZONE import-bind K<zone>+<alg>+<tag>.key   # each key (kzonesign only)
//! kzonesign -c DIR/knot.conf -o DIR/out ZONE
//! ```
//!
//! `kzonesign -o DIR` writes the signed zone to `DIR/<file name of the
//! zone's file:>`; it is then moved to `out`. The scratch directory is
//! removed afterwards, whether signing worked or not.
//!
//! Knot chooses the signature times itself: inception one and a half hours
//! before now, expiration after the policy's `rrsig-lifetime` (14 days).

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Signs `zone_file` (the zone `origin`) with `kzonesign`, using exactly the
/// BIND-format keys given (`.key` paths, each with its `.private` beside
/// it), and writes the signed zone to `out`.
///
/// Knot's policy is manual (`manual: on`: it neither creates nor rolls
/// keys), and with `nsec3` it uses NSEC3 with 0 extra iterations and no salt
/// (RFC 9276), without opt-out; otherwise NSEC.
pub fn kzonesign(
    zone_file: &Path,
    origin: &str,
    bind_key_files: &[&Path],
    nsec3: bool,
    out: &Path,
) -> Result<(), String> {
    if bind_key_files.is_empty() {
        return Err("kzonesign: no key files given".to_string());
    }
    for key in bind_key_files {
        if !key.is_file() {
            return Err(format!(
                "kzonesign: key file {} does not exist",
                key.display()
            ));
        }
        let private = key.with_extension("private");
        if !private.is_file() {
            return Err(format!(
                "kzonesign: {} has no private key file {} beside it",
                key.display(),
                private.display()
            ));
        }
    }
    let scratch = Scratch::new(out)?;
    let result = (|| {
        let denial = if nsec3 {
            KnotDenial::Nsec3
        } else {
            KnotDenial::Nsec
        };
        let config = scratch.write_config(zone_file, origin, denial, true)?;
        let zone = fqdn(origin);
        let keymgr = tool("keymgr")?;
        for key in bind_key_files {
            let key = absolute(key)?;
            let arg = [
                OsStr::new("-c"),
                config.as_os_str(),
                OsStr::new(&zone),
                OsStr::new("import-bind"),
                key.as_os_str(),
            ];
            run(&keymgr, &arg)?;
        }
        scratch.sign(&config, zone_file, origin, out)
    })();
    scratch.remove();
    result
}

/// Signs `zone_file` (the zone `origin`) with `kzonesign` and keys that Knot
/// makes itself (its automatic policy: a KSK and a ZSK, ECDSAP256SHA256),
/// and writes the signed zone to `out`. For tests that only need some zone
/// signed by Knot. NSEC3 as in [`kzonesign`]. CDS/CDNSKEY are not published.
pub fn kzonesign_with_new_keys(
    zone_file: &Path,
    origin: &str,
    nsec3: bool,
    out: &Path,
) -> Result<(), String> {
    let denial = if nsec3 {
        KnotDenial::Nsec3
    } else {
        KnotDenial::Nsec
    };
    kzonesign_denial(zone_file, origin, denial, out)
}

/// The denial of existence Knot's policy asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnotDenial {
    Nsec,
    /// NSEC3, 0 extra iterations, no salt (RFC 9276), no opt-out.
    Nsec3,
    /// The same with opt-out (`nsec3-opt-out: on`): insecure delegations
    /// get no NSEC3 of their own.
    Nsec3OptOut,
}

/// [`kzonesign_with_new_keys`] with any [`KnotDenial`], opt-out included.
pub fn kzonesign_denial(
    zone_file: &Path,
    origin: &str,
    denial: KnotDenial,
    out: &Path,
) -> Result<(), String> {
    let scratch = Scratch::new(out)?;
    let result = (|| {
        let config = scratch.write_config(zone_file, origin, denial, false)?;
        scratch.sign(&config, zone_file, origin, out)
    })();
    scratch.remove();
    result
}

/// A zone name with its final dot.
fn fqdn(origin: &str) -> String {
    if origin.ends_with('.') {
        origin.to_string()
    } else {
        format!("{origin}.")
    }
}

fn absolute(path: &Path) -> Result<PathBuf, String> {
    std::fs::canonicalize(path)
        .map_err(|e| format!("kzonesign: cannot find {}: {e}", path.display()))
}

/// A Knot configuration string: quoted, refusing what cannot be quoted.
fn quoted(text: &str) -> Result<String, String> {
    if text.contains(['"', '\\', '\n', '\r']) {
        return Err(format!(
            "kzonesign: cannot put {text:?} into a Knot configuration"
        ));
    }
    Ok(format!("\"{text}\""))
}

fn tool(name: &str) -> Result<PathBuf, String> {
    super::find_in_path(name).ok_or_else(|| {
        format!("{name} is not installed (Debian: apt-get install knot-dnssecutils knot)")
    })
}

/// Runs a tool; an error carries the command line, exit status and everything
/// it printed.
fn run(program: &Path, args: &[&OsStr]) -> Result<String, String> {
    let command_line = || {
        let mut line = program.display().to_string();
        for arg in args {
            line.push(' ');
            line.push_str(&arg.to_string_lossy());
        }
        line
    };
    let output = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", command_line()))?;
    let printed = super::printed(&output);
    if !output.status.success() {
        return Err(format!(
            "`{}` failed ({}):\n{}",
            command_line(),
            output.status,
            printed.trim_end()
        ));
    }
    Ok(printed)
}

/// The throw-away directory for one signing: `knot.conf`, the KASP database
/// (`keys/`) and kzonesign's output directory (`out/`).
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(out: &Path) -> Result<Scratch, String> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let stem = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            ".kzonesign-{stem}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let dir = parent.join(name);
        std::fs::create_dir_all(dir.join("out"))
            .map_err(|e| format!("kzonesign: cannot create {}: {e}", dir.display()))?;
        let dir = absolute(&dir)?;
        Ok(Scratch { dir })
    }

    /// Writes `knot.conf`; returns its path.
    fn write_config(
        &self,
        zone_file: &Path,
        origin: &str,
        denial: KnotDenial,
        manual: bool,
    ) -> Result<PathBuf, String> {
        let zone_file = absolute(zone_file)?;
        let dir = self.dir.to_string_lossy();
        let mut conf = String::new();
        let w = |e: std::fmt::Error| e.to_string();
        writeln!(conf, "server:\n    rundir: {}", quoted(&dir)?).map_err(w)?;
        writeln!(conf, "database:\n    storage: {}", quoted(&dir)?).map_err(w)?;
        writeln!(conf, "    kasp-db: {}", quoted(&format!("{dir}/keys"))?).map_err(w)?;
        writeln!(conf, "policy:\n  - id: \"dnslab-test\"").map_err(w)?;
        writeln!(conf, "    algorithm: ecdsap256sha256").map_err(w)?;
        writeln!(conf, "    manual: {}", if manual { "on" } else { "off" }).map_err(w)?;
        writeln!(conf, "    cds-cdnskey-publish: none").map_err(w)?;
        let opt_out = match denial {
            KnotDenial::Nsec => None,
            KnotDenial::Nsec3 => Some("off"),
            KnotDenial::Nsec3OptOut => Some("on"),
        };
        match opt_out {
            Some(opt_out) => writeln!(conf, "    nsec3: on\n    nsec3-iterations: 0\n    nsec3-salt-length: 0\n    nsec3-opt-out: {opt_out}")
                .map_err(w)?,
            None => writeln!(conf, "    nsec3: off").map_err(w)?,
        }
        writeln!(conf, "zone:\n  - domain: {}", quoted(&fqdn(origin))?).map_err(w)?;
        writeln!(conf, "    file: {}", quoted(&zone_file.to_string_lossy())?).map_err(w)?;
        writeln!(
            conf,
            "    dnssec-signing: on\n    dnssec-policy: \"dnslab-test\""
        )
        .map_err(w)?;
        let path = self.dir.join("knot.conf");
        std::fs::write(&path, conf)
            .map_err(|e| format!("kzonesign: cannot write {}: {e}", path.display()))?;
        Ok(path)
    }

    /// Runs kzonesign and moves its output to `out`.
    fn sign(
        &self,
        config: &Path,
        zone_file: &Path,
        origin: &str,
        out: &Path,
    ) -> Result<(), String> {
        let kzonesign = tool("kzonesign")?;
        let outdir = self.dir.join("out");
        let zone = fqdn(origin);
        let args = [
            OsStr::new("-c"),
            config.as_os_str(),
            OsStr::new("-o"),
            outdir.as_os_str(),
            OsStr::new(&zone),
        ];
        let printed = run(&kzonesign, &args)?;
        // kzonesign names its output after the zone's input file.
        let expected = zone_file.file_name().map(|n| outdir.join(n));
        let signed = match expected.filter(|p| p.is_file()) {
            Some(p) => p,
            None => {
                let mut files: Vec<PathBuf> = std::fs::read_dir(&outdir)
                    .map_err(|e| format!("kzonesign: cannot list {}: {e}", outdir.display()))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file())
                    .collect();
                if files.len() != 1 {
                    return Err(format!(
                        "kzonesign exited 0 but wrote {} files to {} (expected one signed zone); it printed:\n{}",
                        files.len(),
                        outdir.display(),
                        printed.trim_end()
                    ));
                }
                files.remove(0)
            }
        };
        std::fs::rename(&signed, out)
            .or_else(|_| std::fs::copy(&signed, out).map(|_| ()))
            .map_err(|e| {
                format!(
                    "kzonesign: cannot move {} to {}: {e}",
                    signed.display(),
                    out.display()
                )
            })
    }

    fn remove(&self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZONE: &str = "$ORIGIN example.\n$TTL 3600\n\
        @ IN SOA ns1.example. hostmaster.example. 1 7200 3600 1209600 3600\n\
        @ IN NS ns1.example.\n\
        ns1 IN A 192.0.2.1\n\
        www IN A 192.0.2.2\n\
        www IN AAAA 2001:db8::2\n\
        sub IN NS ns.sub.example.\n\
        ns.sub IN A 192.0.2.3\n";

    fn temp_dir(name: &str) -> PathBuf {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("dnslab-knot-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn keygen(keygen: &Path, dir: &Path, ksk: bool) -> PathBuf {
        let dir_arg = dir.to_str().unwrap();
        let mut args = vec!["-a", "ECDSAP256SHA256", "-K", dir_arg];
        if ksk {
            args.extend(["-f", "KSK"]);
        }
        args.push("example.");
        let output = crate::run(keygen, &args);
        assert!(
            output.status.success(),
            "dnssec-keygen failed: {}",
            crate::printed(&output)
        );
        let base = String::from_utf8_lossy(&output.stdout).trim().to_string();
        dir.join(format!("{base}.key"))
    }

    fn check(kzonecheck: &Path, signed: &Path) {
        let output = crate::run(
            kzonecheck,
            &["-o", "example.", "-d", "on", signed.to_str().unwrap()],
        );
        assert!(
            output.status.success(),
            "kzonecheck rejects {}: {}",
            signed.display(),
            crate::printed(&output)
        );
    }

    #[test]
    fn kzonesign_with_bind_keys_passes_kzonecheck() {
        let Some([_, _, dnssec_keygen, kzonecheck]) =
            crate::peers(["kzonesign", "keymgr", "dnssec-keygen", "kzonecheck"])
        else {
            return;
        };
        let dir = temp_dir("bind-keys");
        let zone = dir.join("example.zone");
        std::fs::write(&zone, ZONE).unwrap();
        let ksk = keygen(&dnssec_keygen, &dir, true);
        let zsk = keygen(&dnssec_keygen, &dir, false);
        for nsec3 in [true, false] {
            let out = dir.join(if nsec3 { "nsec3.signed" } else { "nsec.signed" });
            kzonesign(&zone, "example.", &[&ksk, &zsk], nsec3, &out).unwrap();
            check(&kzonecheck, &out);
            let text = std::fs::read_to_string(&out).unwrap();
            assert_eq!(text.contains("NSEC3PARAM"), nsec3, "{text}");
            // Both imported keys are in the zone and sign: the KSK the
            // DNSKEY RRset, the ZSK the rest.
            for key in [&ksk, &zsk] {
                let name = key.file_name().unwrap().to_str().unwrap();
                let tag = name.rsplit('+').next().unwrap().trim_end_matches(".key");
                let tag = tag.trim_start_matches('0');
                assert!(
                    text.lines()
                        .any(|l| l.contains("RRSIG") && l.split_whitespace().any(|w| w == tag)),
                    "no signature by key {tag} in:\n{text}"
                );
            }
        }
        // No scratch directories are left behind.
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".kzonesign"))
            .collect();
        assert!(left.is_empty(), "scratch directories left: {left:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn kzonesign_with_new_keys_passes_kzonecheck() {
        let Some([_, kzonecheck]) = crate::peers(["kzonesign", "kzonecheck"]) else {
            return;
        };
        let dir = temp_dir("new-keys");
        let zone = dir.join("example.zone");
        std::fs::write(&zone, ZONE).unwrap();
        let out = dir.join("example.signed");
        kzonesign_with_new_keys(&zone, "example", true, &out).unwrap();
        check(&kzonecheck, &out);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn errors_carry_the_tools_complaint() {
        let Some(_) = crate::peers(["kzonesign"]) else {
            return;
        };
        let dir = temp_dir("errors");
        let zone = dir.join("broken.zone");
        std::fs::write(
            &zone,
            "$ORIGIN example.\n@ 3600 IN SOA ns1 host 1 2 3 4 5\nwww 3600 IN A not-an-address\n",
        )
        .unwrap();
        let err = kzonesign_with_new_keys(&zone, "example.", false, &dir.join("out")).unwrap_err();
        assert!(err.contains("kzonesign"), "{err}");
        let missing = dir.join("Kexample.+013+00001.key");
        let err = kzonesign(&zone, "example.", &[&missing], false, &dir.join("out")).unwrap_err();
        assert!(err.contains("does not exist"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
