#!/usr/bin/env bash
# Classroom web under load: 40 trainees at the portal at once, each polling
# pages and grading round after round with no pause, while the board is
# open; beside it, in the same run, `dnslab grade` (CLI) and one trainee
# alone on the web (crates/cli/examples/web_load.rs prints the table).
#
#   benches/web.sh [TRAINEES=40] [ROUNDS=10]
#
# Lab on 127.126.0.0/16 port 10053 (no root needed); web on a free
# loopback port. Only loopback.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N=${1:-40}
ROUNDS=${2:-10}
cargo build --release -q -p dnslab --bin dnslab --example web_load
BIN=$PWD/target/release/dnslab
LOAD=$PWD/target/release/examples/web_load
WORK=$(mktemp -d)
export DNSLAB_STATE_DIR=$WORK/state
trap '$BIN down --purge >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
cat > "$WORK/lab.yaml" <<LAB
workshop: bench-web
tlds: [ne, tg, bj, cg, km, mg, ao, bi, zw, gm]
trainees:
  count: $N
zone: "{trainee}.{tld}"
timers: workshop
zoo: false
exercises: [sign-zone, ds-submission]
addresses:
  base: 127.126.0.0/16
port: 10053
LAB
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$BIN up "$WORK/lab.yaml" --detach --web "127.0.0.1:$PORT" >/dev/null
echo "machine: $(nproc) cores, $(uname -r); dnslab $(git rev-parse --short HEAD)"
"$LOAD" "127.0.0.1:$PORT" "$BIN" "$ROUNDS"
