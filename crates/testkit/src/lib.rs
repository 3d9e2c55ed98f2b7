//! Test support shared by dnslab's crates.
//!
//! Tests that need a peer tool call [`peer`]: it returns the tool's path,
//! or `None` after printing why the test is skipped. With
//! `DNSLAB_REQUIRE_PEERS=1` a missing tool fails the test instead, so CI
//! never skips silently. [`docker`] does the same for the Docker engine
//! with `DNSLAB_REQUIRE_DOCKER=1`.

pub mod classroom;
pub mod http;
pub mod knot;
pub mod webdriver;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn required(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1")
}

/// Skips the calling test where the person running `cargo test` sees it,
/// or fails it when `require_var` (`DNSLAB_REQUIRE_PEERS`,
/// `DNSLAB_REQUIRE_DOCKER`) is `1`.
///
/// The line goes to the process's stderr itself: the test harness captures
/// only what `print!` and `eprint!` write, and shows it only for failing
/// tests, so an `eprintln!` skip would be invisible without `--nocapture`.
/// It names the test (the harness names each test's thread after it).
pub fn skip(require_var: &str, why: &str) {
    if required(require_var) {
        panic!("{why} (required: {require_var}=1)");
    }
    use std::io::Write as _;
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {why} (set {require_var}=1 to fail instead)"
    );
}

fn find_in_path(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain(
            ["/usr/sbin", "/sbin", "/usr/local/sbin"]
                .iter()
                .map(PathBuf::from),
        )
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file())
}

/// The path of a peer tool, or `None` (test skipped, reason printed).
/// Panics when the tool is missing and `DNSLAB_REQUIRE_PEERS=1`.
pub fn peer(tool: &str) -> Option<PathBuf> {
    match find_in_path(tool) {
        Some(p) => Some(p),
        None => {
            skip(
                "DNSLAB_REQUIRE_PEERS",
                &format!("peer tool {tool} is not installed (see README: Peer tools)"),
            );
            None
        }
    }
}

/// Several peer tools at once; `None` if any is missing.
pub fn peers<const N: usize>(tools: [&str; N]) -> Option<[PathBuf; N]> {
    let found: Vec<PathBuf> = tools.iter().filter_map(|t| peer(t)).collect();
    found.try_into().ok()
}

/// Whether the Docker engine answers; panics when it does not and
/// `DNSLAB_REQUIRE_DOCKER=1`.
pub fn docker() -> bool {
    let ok = Command::new("docker")
        .arg("info")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        skip(
            "DNSLAB_REQUIRE_DOCKER",
            "the Docker engine does not answer `docker info`",
        );
    }
    ok
}

/// Runs a command and returns its output, panicking with everything it
/// printed if it could not start.
pub fn run(program: &Path, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
}

/// Stdout and stderr together, for assertion messages.
pub fn printed(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The `dnslab` binary built for this test run, when called from a test of
/// the `dnslab` package (Cargo sets `CARGO_BIN_EXE_dnslab` there); other
/// crates find it next to their own test binary.
pub fn dnslab_bin() -> PathBuf {
    if let Some(p) = option_env!("CARGO_BIN_EXE_dnslab") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    dir.join("dnslab")
}
