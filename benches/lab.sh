#!/usr/bin/env bash
# Lab bring-up benchmark: `dnslab up --detach` of a lab file until every
# node answers, the supervisor's memory, and `down`.
#
#   benches/lab.sh [LABFILE=labs/cctld-pilot.yaml] [RUNS=5]
#
# Binds the lab's addresses (port 53 for the pilot lab: run as root).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
LAB=${1:-labs/cctld-pilot.yaml}
RUNS=${2:-5}
cargo build --release -q -p dnslab
BIN=target/release/dnslab
STATE=$(mktemp -d)
trap 'DNSLAB_STATE_DIR=$STATE $BIN down --purge >/dev/null 2>&1 || true; rm -rf "$STATE"' EXIT
export DNSLAB_STATE_DIR=$STATE

echo "lab: $LAB; machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); dnslab $(git rev-parse --short HEAD)"
echo "run  up(first)  wall s  nodes  supervisor RSS MB  down s"
for run in $(seq "$RUNS"); do
    first=no
    [ "$run" = 1 ] && first=yes
    start=$(date +%s.%N)
    out=$($BIN up "$LAB" --detach)
    end=$(date +%s.%N)
    nodes=$(echo "$out" | sed -n 's/.*: \([0-9]*\) nodes answering.*/\1/p')
    pid=$(cat "$STATE/supervisor.pid")
    sleep 1
    rss=$(awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$pid/status")
    dstart=$(date +%s.%N)
    $BIN down >/dev/null
    dend=$(date +%s.%N)
    printf '%-4s %-9s %-7.3f %-6s %-18s %.3f\n' "$run" "$first" "$(awk "BEGIN{print $end - $start}")" "$nodes" "$rss" "$(awk "BEGIN{print $dend - $dstart}")"
done
echo "(run 1 generates the lab keys; later runs resume with them)"
echo "command: $BIN up $LAB --detach; RSS from /proc/<supervisor>/status one second after ready"
