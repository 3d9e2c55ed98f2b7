#!/usr/bin/env bash
# The pilot lab (10 TLDs, 20 trainees: 53 containers) on the Docker
# backend: `dnslab up --backend docker` and `dnslab down`, beside the docker
# CLI starting and removing the very same containers one `docker run` at a
# time (the peer: what a hand-written script would do), in the same run.
# Also the node image's size and each container's memory.
#
#   cargo build --release && benches/docker-up.sh [ROUNDS]
#
# Needs a Docker engine; talks to nothing but it and 127.0.0.1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN=${DNSLAB:-target/release/dnslab}
LAB=labs/cctld-pilot.yaml
ROUNDS=${1:-3}
WORKSHOP=cctld-pilot
STATE=$(mktemp -d)
trap '"$BIN" down --state-dir "$STATE" >/dev/null 2>&1 || true; rm -rf "$STATE"' EXIT

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }

"$BIN" down --workshop "$WORKSHOP" --state-dir "$STATE" >/dev/null 2>&1 || true
"$BIN" image build node >/dev/null
printf 'node image: %s bytes\n' "$(docker image inspect --format '{{.Size}}' dnslab-node:0.1.0)"

for round in $(seq "$ROUNDS"); do
    t0=$(now)
    "$BIN" up "$LAB" --backend docker --detach --state-dir "$STATE" >/dev/null
    t1=$(now)
    n=$(docker ps -q --filter "label=dnslab.workshop=$WORKSHOP" | wc -l)
    if [ "$round" = 1 ]; then
        sleep 5
        docker stats --no-stream --format '{{.MemUsage}}' \
            $(docker ps -q --filter "label=dnslab.workshop=$WORKSHOP") |
            awk '{ v=$1; if (v ~ /MiB$/) { sub(/MiB$/,"",v) } else if (v ~ /KiB$/) { sub(/KiB$/,"",v); v/=1024 } s+=v; if (v>m) m=v } END { printf "memory per container: mean %.1f MiB, max %.1f MiB over %d containers\n", s/NR, m, NR }'
        # The same containers, as docker run command lines, for the peer.
        SUBNET=$(docker network inspect --format '{{range .IPAM.Config}}{{.Subnet}}{{end}}' "dnslab-$WORKSHOP")
        GATEWAY=$(docker network inspect --format '{{range .IPAM.Config}}{{.Gateway}}{{end}}' "dnslab-$WORKSHOP")
        docker inspect --format \
'docker run -d --name peer-{{.Name}} --network peer-net --ip {{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}} --user {{.Config.User}} --read-only --cap-drop ALL --cap-add NET_BIND_SERVICE --sysctl net.ipv4.ip_unprivileged_port_start=0 --memory 256m --pids-limit 256 --security-opt no-new-privileges{{range .HostConfig.Binds}} -v {{.}}{{end}} -p 127.0.0.1::53/udp -p 127.0.0.1::53/tcp {{.Config.Image}}{{range .Config.Cmd}} {{.}}{{end}}' \
            $(docker ps -q --filter "label=dnslab.workshop=$WORKSHOP") | sed 's|peer-/|peer-|' > "$STATE/peer-run.sh"
    fi
    t2=$(now)
    "$BIN" down --state-dir "$STATE" >/dev/null
    t3=$(now)
    printf 'round %s: dnslab up %.2f s (%s containers answering), down %.2f s\n' \
        "$round" "$(secs "$t0" "$t1")" "$n" "$(secs "$t2" "$t3")"

    # Peer: the docker CLI, one container at a time (no health checks).
    docker network create --subnet "$SUBNET" --gateway "$GATEWAY" peer-net >/dev/null
    t4=$(now)
    bash "$STATE/peer-run.sh" >/dev/null
    t5=$(now)
    docker rm -f $(docker ps -aq --filter name=peer-) >/dev/null
    docker network rm peer-net >/dev/null
    t6=$(now)
    printf 'round %s: peer docker run x%s %.2f s, docker rm -f %.2f s\n' \
        "$round" "$(wc -l < "$STATE/peer-run.sh")" "$(secs "$t4" "$t5")" "$(secs "$t5" "$t6")"
done
