#!/usr/bin/env bash
# The pilot lab on Docker with SSH access (issue 15): 20 trainee
# workstations running sshd beside the 53 nodes, `dnslab up` (until every
# node answers and every sshd shows its version line on its published
# port) and `dnslab down`, beside the pilot without workstations, in the
# same run. Also the time of one SSH login with a password.
#
#   cargo build --release && benches/docker-ssh-up.sh [ROUNDS]
#
# Needs a Docker engine, the trainee image with openssh-server (`dnslab
# image build trainee --rootfs DIR`), sshpass and ssh. Talks to nothing
# but the engine and 127.0.0.1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN=${DNSLAB:-target/release/dnslab}
ROUNDS=${1:-3}
WORKSHOP=cctld-pilot
PORT_BASE=${PORT_BASE:-22000}
WORK=$(mktemp -d)
trap '"$BIN" down --workshop "$WORKSHOP" --state-dir "$WORK/plain" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }

cp labs/cctld-pilot.yaml "$WORK/plain.yaml"
{
    cat labs/cctld-pilot.yaml
    printf '\naccess:\n  ssh: true\n  port_base: %s\n' "$PORT_BASE"
} >"$WORK/ssh.yaml"

"$BIN" down --workshop "$WORKSHOP" --state-dir "$WORK/plain" >/dev/null 2>&1 || true
"$BIN" image build node >/dev/null

for round in $(seq "$ROUNDS"); do
    for kind in plain ssh; do
        state="$WORK/$kind"
        t0=$(now)
        "$BIN" up "$WORK/$kind.yaml" --backend docker --detach --state-dir "$state" >/dev/null
        t1=$(now)
        n=$(docker ps -q --filter "label=dnslab.workshop=$WORKSHOP" | wc -l)
        login=""
        if [ "$kind" = ssh ]; then
            password=$("$BIN" access list --format json --state-dir "$state" |
                python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["password"])')
            l0=$(now)
            SSHPASS=$password sshpass -e ssh -F /dev/null -o StrictHostKeyChecking=no \
                -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o PubkeyAuthentication=no \
                -p $((PORT_BASE + 1)) t01@127.0.0.1 true
            l1=$(now)
            login=$(printf ', one password login %.2f s' "$(secs "$l0" "$l1")")
        fi
        t2=$(now)
        "$BIN" down --state-dir "$state" >/dev/null
        t3=$(now)
        printf 'round %s %-5s: up %.2f s (%s containers), down %.2f s%s\n' \
            "$round" "$kind" "$(secs "$t0" "$t1")" "$n" "$(secs "$t2" "$t3")" "$login"
    done
done
