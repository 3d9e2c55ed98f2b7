//! Key files against the tools that write and read them for real.
//!
//! - Keys made by `dnssec-keygen` (BIND) and `ldns-keygen` (ldns) load with
//!   the tag, algorithm, flags and timing their files state, and sign.
//! - Keys written by dnslab are read by `dnssec-dsfromkey`, `ldns-key2ds`,
//!   `dnssec-settime` (the `.private` file too) and `ldns-signzone`, and
//!   their DS records equal dnslab's.
//! - Every file of the malformed corpus in `tests/data/keys/` is refused
//!   with an error naming the file (and `:line:column` for syntax errors),
//!   never with a panic.
//!
//! A peer tool that is not installed skips its test with a printed reason
//! (`DNSLAB_REQUIRE_PEERS=1` turns that into a failure).

use dnslab_testkit::{peer, printed};
use dnslab_zone::keys::crypto::verify;
use dnslab_zone::keys::ds::{DigestType, ds_rdata};
use dnslab_zone::keys::{Key, KeyFileError, KeyFilePaths, KeyTiming, load_key_dir};
use dnslab_zone::parser::{ParseOptions, parse_bytes};
use dnslab_zone::rdata::time::{now, parse_timestamp};
use dnslab_zone::{Algorithm, Name, Rtype};
use std::path::{Path, PathBuf};
use std::process::Command;

fn example() -> Name {
    Name::parse_absolute("example.").unwrap()
}

/// Runs a key generator in `dir`; returns the base name it prints.
fn generate_with(tool: &Path, dir: &Path, args: &[&str]) -> PathBuf {
    let output = Command::new(tool)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    assert!(
        output.status.success(),
        "{} {args:?} failed:\n{}",
        tool.display(),
        printed(&output)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let base = stdout.lines().last().unwrap_or_default().trim();
    assert!(base.starts_with('K'), "no base name printed: {stdout}");
    dir.join(base)
}

/// The algorithm and tag a BIND base name states: `Kexample.+013+10168`.
fn named_algorithm_and_tag(base: &Path) -> (u8, u16) {
    let name = base.file_name().unwrap().to_str().unwrap();
    let mut parts = name.rsplitn(3, '+');
    let tag = parts.next().unwrap().parse().unwrap();
    let algorithm = parts.next().unwrap().parse().unwrap();
    (algorithm, tag)
}

/// Loads a generated key and checks what every loaded key must satisfy.
fn load_and_check(base: &Path, algorithm: Algorithm, flags: u16) -> Key {
    let key = Key::read(base).unwrap_or_else(|e| panic!("{e}"));
    let (named_algorithm, named_tag) = named_algorithm_and_tag(base);
    assert_eq!(key.tag(), named_tag, "{}", base.display());
    assert_eq!(key.algorithm.0, named_algorithm);
    assert_eq!(key.algorithm, algorithm);
    assert_eq!(key.flags, flags);
    assert!(key.owner.eq_ignore_case(&example()));
    let message = b"signed by a key another tool generated";
    let signature = key.sign(message).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        verify(key.algorithm, &key.public_key, message, &signature),
        "{}: signature does not verify",
        base.display()
    );
    key
}

fn time(stamp: &str) -> Option<i64> {
    parse_timestamp(stamp.as_bytes())
}

/// Generation took place within the last few minutes.
fn assert_recent(created: Option<i64>) {
    let created = created.expect("a Created time");
    assert!((now() - created).abs() < 600, "Created {created}");
}

#[test]
fn dnssec_keygen_keys_load_with_tag_algorithm_flags_and_timing() {
    let Some(keygen) = peer("dnssec-keygen") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], Algorithm, u16); 4] = [
        (&["-a", "ECDSAP256SHA256"], Algorithm::ECDSAP256SHA256, 256),
        (
            &["-a", "ECDSAP384SHA384", "-f", "KSK"],
            Algorithm::ECDSAP384SHA384,
            257,
        ),
        (&["-a", "ED25519"], Algorithm::ED25519, 256),
        (
            &["-a", "RSASHA256", "-b", "2048"],
            Algorithm::RSASHA256,
            256,
        ),
    ];
    for (args, algorithm, flags) in cases {
        let args: Vec<&str> = args.iter().copied().chain(["example."]).collect();
        let base = generate_with(&keygen, dir.path(), &args);
        let key = load_and_check(&base, algorithm, flags);
        assert!(key.private.is_some());
        assert_recent(key.timing.created);
        assert_eq!(key.timing.publish, key.timing.created);
        assert_eq!(key.timing.activate, key.timing.created);
    }
    let loaded = load_key_dir(dir.path(), &example()).unwrap();
    assert_eq!(loaded.len(), 4);
    assert!(
        loaded
            .windows(2)
            .all(|w| (w[0].algorithm, w[0].tag()) <= (w[1].algorithm, w[1].tag()))
    );
}

#[test]
fn dnssec_keygen_timing_options_load_from_private_and_key_files() {
    let Some(keygen) = peer("dnssec-keygen") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "-a",
        "ED25519",
        "-f",
        "KSK",
        "-P",
        "20260101000000",
        "-A",
        "20260102000000",
        "-R",
        "20260201000000",
        "-I",
        "20260301000000",
        "-D",
        "20260401000000",
        "-Psync",
        "20260103000000",
        "-Dsync",
        "20260402000000",
        "example.",
    ];
    let base = generate_with(&keygen, dir.path(), &args);
    let key = load_and_check(&base, Algorithm::ED25519, 257);
    let expected = KeyTiming {
        created: key.timing.created,
        publish: time("20260101000000"),
        activate: time("20260102000000"),
        revoke: time("20260201000000"),
        inactive: time("20260301000000"),
        delete: time("20260401000000"),
        sync_publish: time("20260103000000"),
        sync_delete: time("20260402000000"),
    };
    assert_recent(key.timing.created);
    assert_eq!(key.timing, expected);
    // The same schedule from the .key comments alone.
    let paths = KeyFilePaths::for_base(base.clone());
    std::fs::remove_file(&paths.private).unwrap();
    let public_only = Key::read(&paths.public).unwrap();
    assert!(public_only.private.is_none());
    assert_eq!(public_only.timing, expected);
}

#[test]
fn ldns_keygen_keys_load_with_tag_algorithm_and_flags() {
    let Some(keygen) = peer("ldns-keygen") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], Algorithm, u16); 3] = [
        (&["-a", "ECDSAP256SHA256"], Algorithm::ECDSAP256SHA256, 256),
        (
            &["-a", "RSASHA256", "-b", "2048", "-k"],
            Algorithm::RSASHA256,
            257,
        ),
        (&["-a", "ED25519"], Algorithm::ED25519, 256),
    ];
    for (args, algorithm, flags) in cases {
        let args: Vec<&str> = args.iter().copied().chain(["example."]).collect();
        let base = generate_with(&keygen, dir.path(), &args);
        let key = load_and_check(&base, algorithm, flags);
        // ldns writes no timing metadata.
        assert_eq!(key.timing, KeyTiming::default());
    }
}

/// The single DS record a tool printed.
fn printed_ds(output: &std::process::Output) -> Vec<u8> {
    assert!(output.status.success(), "{}", printed(output));
    let options = ParseOptions {
        origin: None,
        default_ttl: Some(3600),
    };
    let records = parse_bytes(&output.stdout, Path::new("<tool output>"), &options)
        .unwrap_or_else(|e| panic!("{e}\n{}", printed(output)));
    let ds: Vec<_> = records.iter().filter(|r| r.rtype == Rtype::DS).collect();
    assert_eq!(ds.len(), 1, "{}", printed(output));
    assert!(ds[0].owner.eq_ignore_case(&example()));
    ds[0].rdata.to_vec()
}

fn run_on(tool: &Path, args: &[&str], file: &Path) -> std::process::Output {
    Command::new(tool)
        .args(args)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()))
}

#[test]
fn dnslab_keys_give_the_same_ds_in_bind_and_ldns() {
    let Some([dsfromkey, key2ds]) = dnslab_testkit::peers(["dnssec-dsfromkey", "ldns-key2ds"])
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for algorithm in [
        Algorithm::ECDSAP256SHA256,
        Algorithm::ECDSAP384SHA384,
        Algorithm::ED25519,
    ] {
        let key = Key::generate(example(), algorithm, true, now()).unwrap();
        let public = KeyFilePaths::for_base(key.write(dir.path()).unwrap()).public;
        let sha256 = ds_rdata(&key.owner, &key.dnskey_rdata(), DigestType::Sha256);
        let sha384 = ds_rdata(&key.owner, &key.dnskey_rdata(), DigestType::Sha384);
        assert_eq!(printed_ds(&run_on(&dsfromkey, &["-2"], &public)), sha256);
        assert_eq!(
            printed_ds(&run_on(&dsfromkey, &["-a", "SHA-384"], &public)),
            sha384
        );
        assert_eq!(printed_ds(&run_on(&key2ds, &["-n", "-2"], &public)), sha256);
    }
}

#[test]
fn dnssec_keygen_key_ds_equals_ours() {
    let Some([keygen, dsfromkey]) = dnslab_testkit::peers(["dnssec-keygen", "dnssec-dsfromkey"])
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let base = generate_with(
        &keygen,
        dir.path(),
        &["-a", "ECDSAP256SHA256", "-f", "KSK", "example."],
    );
    let key = load_and_check(&base, Algorithm::ECDSAP256SHA256, 257);
    let public = KeyFilePaths::for_base(base).public;
    assert_eq!(
        printed_ds(&run_on(&dsfromkey, &["-2"], &public)),
        ds_rdata(&key.owner, &key.dnskey_rdata(), DigestType::Sha256)
    );
}

#[test]
fn bind_reads_the_private_files_dnslab_writes() {
    let Some(settime) = peer("dnssec-settime") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut key = Key::generate(example(), Algorithm::ECDSAP256SHA256, false, now()).unwrap();
    key.timing.inactive = time("20300101000000");
    key.timing.sync_publish = time("20270101000000");
    let base = key.write(dir.path()).unwrap();
    // `-p all` loads the key (both files) and prints its times.
    let output = Command::new(&settime)
        .args(["-u", "-p", "all"])
        .arg(&base)
        .output()
        .unwrap();
    let text = printed(&output);
    assert!(output.status.success(), "{text}");
    let epoch = |stamp: &str| time(stamp).unwrap().to_string();
    assert!(
        text.contains(&format!("Inactive: {}", epoch("20300101000000"))),
        "{text}"
    );
    assert!(
        text.contains(&format!("SYNC Publish: {}", epoch("20270101000000"))),
        "{text}"
    );
    // A change made by BIND reads back.
    let output = Command::new(&settime)
        .args(["-D", "20310101000000"])
        .arg(&base)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", printed(&output));
    let again = Key::read(&base).unwrap();
    assert_eq!(again.timing.delete, time("20310101000000"));
    assert_eq!(again.timing.inactive, time("20300101000000"));
    assert!(again.private.is_some());
}

#[test]
fn ldns_signs_with_the_private_files_dnslab_writes() {
    let Some(signzone) = peer("ldns-signzone") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let key = Key::generate(example(), Algorithm::ECDSAP256SHA256, true, now()).unwrap();
    let base = key.write(dir.path()).unwrap();
    let zone = dir.path().join("example.zone");
    std::fs::write(
        &zone,
        "example. 3600 IN SOA ns.example. admin.example. 1 7200 3600 1209600 3600\n\
         example. 3600 IN NS ns.example.\n\
         ns.example. 3600 IN A 192.0.2.1\n",
    )
    .unwrap();
    let output = Command::new(&signzone)
        .arg("-n")
        .arg(&zone)
        .arg(&base)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", printed(&output));
    let signed_path = dir.path().join("example.zone.signed");
    let signed = std::fs::read(&signed_path).unwrap();
    let records = parse_bytes(&signed, &signed_path, &ParseOptions::default()).unwrap();
    let dnskey = records.iter().find(|r| r.rtype == Rtype::DNSKEY).unwrap();
    assert_eq!(&dnskey.rdata[..], &key.dnskey_rdata()[..]);
    let tags: Vec<u16> = records
        .iter()
        .filter(|r| r.rtype == Rtype::RRSIG)
        .map(|r| u16::from_be_bytes([r.rdata[16], r.rdata[17]]))
        .collect();
    assert!(!tags.is_empty() && tags.iter().all(|&t| t == key.tag()));
}

// ---------------------------------------------------------------------------
// The malformed corpus

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/keys")
}

/// Each broken file, and where a syntax error must point (`None` for
/// errors about the file as a whole). For `.private` cases the `.key`
/// beside it is sound.
const CORPUS: &[(&str, Option<(u32, u32)>)] = &[
    ("empty.key", Some((1, 1))),
    ("garbage.key", Some((1, 1))),
    ("bad-base64.key", Some((5, 29))),
    ("wrong-type.key", Some((5, 13))),
    ("truncated.key", Some((5, 25))),
    ("unclosed-paren.key", Some((5, 29))),
    ("relative-owner.key", Some((5, 1))),
    ("bad-protocol.key", Some((5, 24))),
    ("two-records.key", Some((6, 1))),
    ("bad-comment-date.key", Some((3, 12))),
    ("short-public-key.key", Some((5, 29))),
    ("wrong-class.key", Some((5, 10))),
    ("Kexample.+013+00001.key", None),
    ("wrong-algorithm.private", Some((2, 12))),
    ("missing-privatekey.private", None),
    ("mismatched.private", None),
    ("bad-date.private", Some((6, 11))),
    ("unknown-version.private", Some((1, 21))),
    ("private-bad-base64.private", Some((3, 13))),
    ("private-truncated.private", Some((3, 21))),
    ("private-garbage.private", Some((1, 1))),
    ("private-empty.private", Some((1, 1))),
    ("short-ed25519-seed.private", Some((3, 13))),
    ("duplicate-field.private", Some((6, 1))),
    ("rsa-missing-prime.private", None),
    ("unknown-field.private", Some((4, 1))),
    ("no-algorithm.private", Some((6, 1))),
    ("unsupported-algorithm.private", None),
];

fn read_without_panicking(path: &Path) -> Result<Key, KeyFileError> {
    std::panic::catch_unwind(|| Key::read(path))
        .unwrap_or_else(|_| panic!("{} made Key::read panic", path.display()))
}

#[test]
fn malformed_key_files_are_refused_with_file_line_and_column() {
    let dir = corpus_dir();
    for (file, position) in CORPUS {
        let path = dir.join(file);
        assert!(path.is_file(), "corpus file {file} is missing");
        let error = match read_without_panicking(&path) {
            Ok(_) => panic!("{file}: loaded, but it is broken"),
            Err(e) => e,
        };
        let shown = error.to_string();
        assert!(
            shown.contains(file),
            "{file}: error does not name it: {shown}"
        );
        assert_eq!(error.path(), path, "{shown}");
        if let Some((line, column)) = position {
            let place = format!("{file}:{line}:{column}: ");
            assert!(
                shown.contains(&place),
                "{file}: expected {place} in {shown}"
            );
        }
    }
}

#[test]
fn malformed_corpus_errors_say_what_is_wrong() {
    let dir = corpus_dir();
    let error = |file: &str| read_without_panicking(&dir.join(file)).unwrap_err();
    assert!(matches!(
        error("mismatched.private"),
        KeyFileError::KeyMismatch { .. }
    ));
    assert!(matches!(
        error("missing-privatekey.private"),
        KeyFileError::MissingField {
            field: "PrivateKey",
            ..
        }
    ));
    assert!(matches!(
        error("rsa-missing-prime.private"),
        KeyFileError::MissingField {
            field: "Prime2",
            ..
        }
    ));
    assert!(matches!(
        error("wrong-algorithm.private"),
        KeyFileError::AlgorithmMismatch {
            private: Algorithm::ED25519,
            public: Algorithm::ECDSAP256SHA256,
            ..
        }
    ));
    assert!(matches!(
        error("unsupported-algorithm.private"),
        KeyFileError::UnsupportedAlgorithm {
            algorithm: Algorithm::ED448,
            ..
        }
    ));
    assert!(matches!(
        error("Kexample.+013+00001.key"),
        KeyFileError::FileNameMismatch { .. }
    ));
    // Errors about key material never show it.
    let shown = error("private-bad-base64.private").to_string();
    assert!(!shown.contains("Aqb"), "{shown}");
}

#[test]
fn every_corpus_file_is_a_listed_case_or_its_companion() {
    let listed_stems: Vec<&str> = CORPUS
        .iter()
        .map(|(file, _)| file.rsplit_once('.').map_or(*file, |(stem, _)| stem))
        .collect();
    for entry in std::fs::read_dir(corpus_dir()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let stem = name
            .rsplit_once('.')
            .map_or(name.as_str(), |(stem, _)| stem);
        if stem == "good-ecdsa" || name == "README" {
            continue;
        }
        assert!(listed_stems.contains(&stem), "{name} is not in CORPUS");
    }
}

#[test]
fn the_corpus_base_key_loads() {
    // The broken files are edits of this key; it must load, so that each
    // case fails for its own defect.
    let key = Key::read(&corpus_dir().join("good-ecdsa.key")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(key.tag(), 12022);
    assert!(key.private.is_some());
}
