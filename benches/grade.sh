#!/usr/bin/env bash
# Grading benchmark: `dnslab grade --exercise sign-zone` of 100 trainees
# whose zones are signed, beside the same zone-wide check done with BIND's
# tools (AXFR with dig, then dnssec-verify) for each trainee in turn.
#
#   benches/grade.sh [TRAINEES=100] [RUNS=3]
#
# Runs a lab on 127.140.0.0/16 port 53 (run as root); only loopback.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N=${1:-100}
RUNS=${2:-3}
cargo build --release -q -p dnslab
BIN=$PWD/target/release/dnslab
WORK=$(mktemp -d)
export DNSLAB_STATE_DIR=$WORK/state
trap '$BIN down --purge >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
cat > "$WORK/lab.yaml" <<LAB
workshop: bench-grade
tlds: [ne, tg, bj, cg, km, mg, ao, bi, zw, gm]
trainees:
  count: $N
zone: "{trainee}.{tld}"
timers: workshop
zoo: false
nodes:
  resolver: false
exercises: [sign-zone]
addresses:
  base: 127.140.0.0/16
port: 53
LAB
$BIN up "$WORK/lab.yaml" --detach >/dev/null
# Sign every trainee zone with dnslab, as trainees would.
status=$($BIN status --format json)
echo "$status" | python3 -c '
import json,sys
for t in json.load(sys.stdin)["trainees"]:
    print(t["name"], t["zone"], t["workspace"], t["auth"])' > "$WORK/trainees"
while read -r name zone ws auth; do
    (cd "$ws" && mkdir -p keys \
        && $BIN key generate --zone "$zone" --ksk --dir keys >/dev/null \
        && $BIN key generate --zone "$zone" --dir keys >/dev/null \
        && $BIN zone sign "${zone%.}.zone" --origin "$zone" --keys keys -o "${zone%.}.zone.signed" >/dev/null)
done < "$WORK/trainees"
sleep 2

echo "trainees: $N; machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); dnslab $(git rev-parse --short HEAD)"
echo "run  dnslab grade s  passed  BIND dig+dnssec-verify s"
for run in $(seq "$RUNS"); do
    start=$(date +%s.%N)
    $BIN grade --exercise sign-zone --format json -o "$WORK/report.json" || true
    end=$(date +%s.%N)
    passed=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(sum(x["passed"] for x in r), "/", len(r))' "$WORK/report.json")
    pstart=$(date +%s.%N)
    while read -r name zone ws auth; do
        dig +noall +answer -b 127.0.0.1 "@${auth%:*}" -p "${auth##*:}" "$zone" AXFR > "$WORK/axfr.zone"
        dnssec-verify -q -o "$zone" "$WORK/axfr.zone" >/dev/null 2>&1 || echo "dnssec-verify failed for $zone"
    done < "$WORK/trainees"
    pend=$(date +%s.%N)
    printf '%-4s %-15.3f %-7s %.3f\n' "$run" "$(awk "BEGIN{print $end - $start}")" "$passed" "$(awk "BEGIN{print $pend - $pstart}")"
done
echo "commands: $BIN grade --exercise sign-zone --format json -o FILE (12 checks a trainee: probes, AXFR, zone verify);"
echo "          peer: for each trainee, dig AXFR | dnssec-verify -o ZONE (the zone-verifies check alone, sequential)"
