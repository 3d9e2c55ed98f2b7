# dnslab development recipes, for the `just` command runner.

# List the recipes.
default:
    @just --list

# Run every test (tests needing a missing peer tool skip and say why).
test:
    cargo test --workspace

# Formatting check and clippy with warnings as errors, as CI runs them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# What CI runs: installs the peer tools (root, Debian 12), lints, tests.
ci:
    bash .ci/run

# Signing benchmark: dnslab beside the peer signers (see docs/benchmarks.md).
bench-sign:
    bash benches/sign.sh

# Grading benchmark: 100 trainees graded on sign-zone (port 53: run as root).
bench-grade:
    bash benches/grade.sh

# The pilot lab on Docker: up and down beside the docker CLI (docs/benchmarks.md).
bench-docker:
    cargo build --release
    benches/docker-up.sh 3
