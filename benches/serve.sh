#!/usr/bin/env bash
# Serving benchmark: dnslab serve beside NSD and Knot DNS, each with one
# worker thread, serving the same NSEC3-signed generated zone on its own
# 127.x address, loaded by dnsperf with a DO=1 query mix (80% existing
# names, 10% NODATA, 10% NXDOMAIN). Reports queries per second, memory after
# the load and the zone load time. See benches/serve.md.
#
# Usage: benches/serve.sh [SECONDS] [NAMES]
#   SECONDS    dnsperf run per server (default 20)
#   NAMES      owner names in the generated zone (default 100000)
# Environment:
#   BENCH_MD=path          also write the Markdown table to this file
#   BENCH_NO_BUILD=1       do not run cargo build (use the binaries already built)
#   BENCH_KEEP=1           keep the work directory (its path is printed)
#   BENCH_CLIENTS=n        dnsperf -c (default 10)
#   BENCH_OUTSTANDING=n    dnsperf -q (default 100)
#   BENCH_NO_PIN=1         do not pin server and dnsperf to different CPUs
#   BENCH_SERVERS="dnslab nsd knot"   which servers to run (in this order)
#   DNSLAB_BIN, GEN_ZONE_BIN          use these binaries instead of target/release
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

SECONDS_RUN=20
NAMES=100000
positional=0
for arg in "$@"; do
    case "$arg" in
        -h | --help) usage; exit 0 ;;
        *)
            positional=$((positional + 1))
            case "$positional" in
                1) SECONDS_RUN="$arg" ;;
                2) NAMES="$arg" ;;
                *) echo "serve.sh: too many arguments" >&2; usage >&2; exit 2 ;;
            esac
            ;;
    esac
done
for v in SECONDS_RUN NAMES; do
    if ! [[ "${!v}" =~ ^[1-9][0-9]*$ ]]; then
        echo "serve.sh: $v must be a positive number, not '${!v}'" >&2
        usage >&2
        exit 2
    fi
done
CLIENTS="${BENCH_CLIENTS:-10}"
OUTSTANDING="${BENCH_OUTSTANDING:-100}"
SERVERS="${BENCH_SERVERS:-dnslab nsd knot dnslab-hickory-udp}"

die() {
    echo "serve.sh: error: $*" >&2
    exit 1
}

export PATH="$PATH:/usr/sbin:/sbin:/usr/local/sbin"
for tool in dnsperf python3 ps; do
    command -v "$tool" >/dev/null || die "$tool is not installed (Debian: apt-get install dnsperf python3 procps)"
done
for s in $SERVERS; do
    case "$s" in
        dnslab | dnslab-hickory-udp) ;;
        nsd) command -v nsd >/dev/null || die "nsd is not installed (Debian: apt-get install nsd)" ;;
        knot) command -v knotd >/dev/null || die "knotd is not installed (Debian: apt-get install knot)" ;;
        *) die "unknown server '$s' in BENCH_SERVERS (dnslab, dnslab-hickory-udp, nsd, knot)" ;;
    esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
if [[ "${BENCH_NO_BUILD:-}" != 1 ]]; then
    echo "== cargo build --release -p dnslab -p dnslab-zone --examples --bins" >&2
    cargo build --release -p dnslab -p dnslab-zone --examples --bins >&2 || die "cargo build failed"
fi
DNSLAB="${DNSLAB_BIN:-$TARGET/release/dnslab}"
GEN_ZONE="${GEN_ZONE_BIN:-$TARGET/release/examples/gen_zone}"
[[ -x "$DNSLAB" ]] || die "no dnslab binary at $DNSLAB"
[[ -x "$GEN_ZONE" ]] || die "no gen_zone example at $GEN_ZONE"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/dnslab-serve-bench.XXXXXX")"
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [[ "${BENCH_KEEP:-}" == 1 ]]; then
        echo "== kept the work directory $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

# Pinning: on two or more cores the server runs on CPU 1 and dnsperf on
# CPU 0, so that they do not compete for one core.
NPROC="$(nproc)"
SERVER_PIN=()
PERF_PIN=()
PINNING="none"
if [[ "${BENCH_NO_PIN:-}" != 1 ]] && command -v taskset >/dev/null && ((NPROC >= 2)); then
    SERVER_PIN=(taskset -c 1)
    PERF_PIN=(taskset -c 0)
    PINNING="server on CPU 1, dnsperf on CPU 0 (taskset)"
fi

ORIGIN=bench.
ZONE="$WORK/bench.zone"
SIGNED="$WORK/bench.signed"
KEYS="$WORK/keys"
QUERIES="$WORK/queries"

echo "== generating $ORIGIN with $NAMES names" >&2
"$GEN_ZONE" "$ORIGIN" "$NAMES" >"$ZONE" || die "gen_zone failed"
mkdir -p "$KEYS"
"$DNSLAB" key generate --zone "$ORIGIN" --algorithm ECDSAP256SHA256 --ksk --dir "$KEYS" >/dev/null ||
    die "dnslab key generate --ksk failed"
"$DNSLAB" key generate --zone "$ORIGIN" --algorithm ECDSAP256SHA256 --dir "$KEYS" >/dev/null ||
    die "dnslab key generate failed"
echo "== signing with NSEC3 (dnslab zone sign --nsec3)" >&2
"$DNSLAB" zone sign "$ZONE" --origin "$ORIGIN" --keys "$KEYS" --nsec3 -o "$SIGNED" >"$WORK/sign.log" 2>&1 ||
    { cat "$WORK/sign.log" >&2; die "dnslab zone sign failed"; }
# NSD and Knot may run as other users in some setups; the zone is public data.
chmod 644 "$SIGNED"

# The query mix, the same file for every server (fixed seed): of the
# existing names, 60% A, 25% AAAA (hostN with N % 3 == 0), 15% TXT (N % 10
# == 0); NODATA is MX at an existing name; NXDOMAIN is a name that gen_zone
# never writes.
echo "== writing the query mix" >&2
awk -v n="$NAMES" -v origin="$ORIGIN" 'BEGIN {
    srand(20261127)
    for (q = 0; q < 200000; q++) {
        r = q % 10
        i = int(rand() * n)
        if (r < 8) {
            t = rand()
            if (t < 0.60) { print "host" i "." origin " A" }
            else if (t < 0.85) { i -= i % 3; print "host" i "." origin " AAAA" }
            else { i -= i % 10; print "host" i "." origin " TXT" }
        } else if (r == 8) {
            print "host" i "." origin " MX"
        } else {
            print "nx" i "-" int(rand() * 1000000) "." origin " A"
        }
    }
}' >"$QUERIES"

# free_port IP: a port free on IP for UDP and TCP.
free_port() {
    python3 - "$1" <<'EOF'
import random, socket, sys
ip = sys.argv[1]
for _ in range(200):
    port = random.randint(20000, 60000)
    try:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((ip, port))
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.bind((ip, port))
        u.close(); t.close()
        print(port)
        sys.exit(0)
    except OSError:
        pass
sys.exit("no free port on " + ip)
EOF
}

# wait_soa IP PORT START PID: waits until the server answers the SOA query
# with NOERROR and an answer; prints the seconds since START (epoch seconds,
# fractional). Gives up after 300 s or when PID exits.
wait_soa() {
    python3 - "$@" "$ORIGIN" <<'EOF'
import os, random, socket, struct, sys, time
ip, port, start, pid, origin = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
qname = b"".join(bytes([len(l)]) + l.encode() for l in origin.strip(".").split(".")) + b"\0"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.05)
while time.time() - start < 300:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the server exited before answering")
    qid = random.randrange(65536)
    try:
        s.sendto(struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + qname + b"\0\x06\0\x01", (ip, port))
        data = s.recv(4096)
    except OSError:
        time.sleep(0.01)
        continue
    if len(data) >= 12:
        rid, flags, _, an = struct.unpack(">HHHH", data[:8])
        if rid == qid and flags & 0xF == 0 and an > 0:
            print("%.2f" % (time.time() - start))
            sys.exit(0)
sys.exit("no SOA answer within 300 s")
EOF
}

# tree_pids PID: PID and all its descendants.
tree_pids() {
    local p c
    for p in "$@"; do
        echo "$p"
        for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do
            tree_pids "$c"
        done
    done
}

# pss_mb PID: proportional set size of PID and its descendants, in MB
# (counts memory shared between NSD's processes once).
pss_mb() {
    local total=0 p kb
    for p in $(tree_pids "$1"); do
        kb="$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)"
        total=$((total + ${kb:-0}))
    done
    awk -v k="$total" 'BEGIN { printf "%.1f", k / 1024 }'
}

# cpu_ticks PID: user + system clock ticks of PID and its descendants.
cpu_ticks() {
    local total=0 p t
    for p in $(tree_pids "$1"); do
        # Fields after the command name, which may hold spaces ("nsd: server 1").
        t="$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }' || echo 0)"
        total=$((total + ${t:-0}))
    done
    echo "$total"
}
HZ="$(getconf CLK_TCK)"

rss_mb() {
    awk -v k="$(ps -o rss= -p "$1" | tr -d ' ')" 'BEGIN { printf "%.1f", k / 1024 }'
}

ROWS=()     # server|qps|lost|codes|latency|rss|pss|load|reply size|server CPU %
COMMANDS=() # server|command line
ADDRS=()

# bench NAME IP PORT CMD...: starts the server, measures load time, runs
# dnsperf, measures memory, stops the server.
bench() {
    local name="$1" ip="$2" port="$3"
    shift 3
    local log="$WORK/$name.log" out="$WORK/$name.dnsperf"
    COMMANDS+=("$name|$(printf '%q ' "${SERVER_PIN[@]}" "$@" | sed "s|$WORK|\$WORK|g; s|$ROOT/||g; s/ $//")")
    ADDRS+=("$name $ip@$port")
    echo "== $name: starting on $ip port $port" >&2
    local start
    start="$(date +%s.%N)"
    "${SERVER_PIN[@]}" "$@" >"$log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    local load
    load="$(wait_soa "$ip" "$port" "$start" "$pid")" || {
        tail -n 30 "$log" | sed 's/^/    /' >&2
        die "$name did not answer the SOA query"
    }
    echo "== $name: zone loaded and answering after $load s; dnsperf for $SECONDS_RUN s" >&2
    local perf=("${PERF_PIN[@]}" dnsperf -s "$ip" -p "$port" -d "$QUERIES" -l "$SECONDS_RUN"
        -c "$CLIENTS" -q "$OUTSTANDING" -D)
    PERF_CMD="dnsperf -s IP -p PORT -d \$WORK/queries -l $SECONDS_RUN -c $CLIENTS -q $OUTSTANDING -D"
    local ticks0 t0
    ticks0="$(cpu_ticks "$pid")"
    t0="$(date +%s.%N)"
    "${perf[@]}" >"$out" 2>&1 || {
        cat "$out" >&2
        die "dnsperf against $name failed"
    }
    # Server CPU use during the run: near 100% means the server (one
    # thread) was the bottleneck, not dnsperf.
    local cpu
    cpu="$(awk -v a="$ticks0" -v b="$(cpu_ticks "$pid")" -v hz="$HZ" -v t0="$t0" -v t1="$(date +%s.%N)" \
        'BEGIN { printf "%.0f", 100 * (b - a) / hz / (t1 - t0) }')"
    local rss pss
    rss="$(rss_mb "$pid")"
    pss="$(pss_mb "$pid")"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    local qps lost codes latency reply
    qps="$(awk '/Queries per second:/ { printf "%.0f", $4 }' "$out")"
    lost="$(awk '/Queries lost:/ { print $3 " " $4 }' "$out")"
    codes="$(sed -n 's/^ *Response codes: *//p' "$out")"
    latency="$(awk '/Average Latency/ { printf "%.3f", $4 * 1000 }' "$out")"
    reply="$(sed -n 's/.*Average packet size:.*\(reply\|response\) \([0-9]*\).*/\2/p' "$out")"
    [[ -n "$qps" ]] || { cat "$out" >&2; die "no 'Queries per second' in dnsperf's output for $name"; }
    ROWS+=("$name|$qps|$lost|$codes|$latency|$rss|$pss|$load|$reply|$cpu")
}

IP_DNSLAB=127.84.0.1
# The same answer logic over hickory-server's UDP path (--udp-via-hickory),
# kept to measure why dnslab runs its own UDP loop (docs/architecture.md).
IP_HICKORY=127.84.0.4
IP_NSD=127.84.0.2
IP_KNOT=127.84.0.3

for s in $SERVERS; do
    case "$s" in
        dnslab)
            port="$(free_port "$IP_DNSLAB")"
            bench dnslab "$IP_DNSLAB" "$port" "$DNSLAB" serve --zone "$ORIGIN=$SIGNED" \
                --listen "$IP_DNSLAB:$port" --threads 1
            ;;
        dnslab-hickory-udp)
            port="$(free_port "$IP_HICKORY")"
            bench dnslab-hickory-udp "$IP_HICKORY" "$port" "$DNSLAB" serve --zone "$ORIGIN=$SIGNED" \
                --listen "$IP_HICKORY:$port" --threads 1 --udp-via-hickory
            ;;
        nsd)
            port="$(free_port "$IP_NSD")"
            mkdir -p "$WORK/nsd"
            cat >"$WORK/nsd/nsd.conf" <<EOF
server:
    ip-address: $IP_NSD@$port
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "$WORK"
    pidfile: "$WORK/nsd/nsd.pid"
    xfrdfile: "$WORK/nsd/xfrd.state"
    zonelistfile: "$WORK/nsd/zone.list"
    database: ""
    logfile: "$WORK/nsd/nsd.log"
    verbosity: 0
    # Debian's NSD rate-limits (RRL) by default: 200 qps per source.
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
    # Like dnslab and Knot: no NS RRset in the authority section of answers.
    minimal-responses: yes
remote-control:
    control-enable: no
zone:
    name: "$ORIGIN"
    zonefile: "$SIGNED"
EOF
            bench nsd "$IP_NSD" "$port" nsd -d -c "$WORK/nsd/nsd.conf"
            ;;
        knot)
            port="$(free_port "$IP_KNOT")"
            mkdir -p "$WORK/knot"
            cat >"$WORK/knot/knot.conf" <<EOF
server:
    rundir: "$WORK/knot"
    listen: $IP_KNOT@$port
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$WORK/knot"
log:
  - target: stderr
    any: warning
zone:
  - domain: "$ORIGIN"
    file: "$SIGNED"
    storage: "$WORK/knot"
    zonefile-load: whole
    zonefile-sync: -1
    journal-content: none
    dnssec-signing: off
EOF
            bench knot "$IP_KNOT" "$port" knotd -c "$WORK/knot/knot.conf"
            ;;
    esac
done

# ---------------------------------------------------------------------------
# Report.

field() { cut -d'|' -f"$2" <<<"$1"; }

nsd_qps() {
    local row
    for row in "${ROWS[@]}"; do
        if [[ "$(field "$row" 1)" == nsd ]]; then field "$row" 2; return; fi
    done
}
NSD_QPS="$(nsd_qps)"
vs_nsd() {
    if [[ -z "$NSD_QPS" ]]; then echo "n/a"; return; fi
    awk -v a="$1" -v b="$NSD_QPS" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'
}

first_line() { "$@" 2>&1 | grep -v '^\s*$' | head -n 1; }
cpu_model="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
mem_total="$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
rustc_version="$(rustc --version 2>/dev/null || echo 'rustc: unknown')"
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'unknown commit')"
if [[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
    commit="$commit (with uncommitted changes)"
fi
signed_records="$(grep -cv '^\s*\($\|;\|\$\)' "$SIGNED")"
signed_mb="$(awk -v b="$(stat -c %s "$SIGNED")" 'BEGIN { printf "%.0f", b / 1048576 }')"

echo
echo "dnslab serving benchmark: $NAMES names, NSEC3 (0 iterations, no salt), KSK + ZSK ECDSAP256SHA256;"
echo "  signed zone: $signed_records records, $signed_mb MB; one worker thread per server"
echo "machine: $NPROC cores ($cpu_model), $mem_total RAM, $(uname -sr)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); pinning: $PINNING"
echo "build: $rustc_version, dnslab $commit"
echo "load: dnsperf -c $CLIENTS -q $OUTSTANDING -D (DO=1) for $SECONDS_RUN s per server; mix 80% existing (A/AAAA/TXT), 10% NODATA (MX), 10% NXDOMAIN"
echo
printf '%-7s %9s %8s %6s %11s %9s %9s %8s %11s  %s\n' server QPS "vs NSD" "CPU %" "latency ms" "RSS MB" "PSS MB" "load s" "reply bytes" "lost; response codes"
for row in "${ROWS[@]}"; do
    printf '%-7s %9s %8s %6s %11s %9s %9s %8s %11s  %s\n' "$(field "$row" 1)" "$(field "$row" 2)" \
        "$(vs_nsd "$(field "$row" 2)")" "$(field "$row" 10)" "$(field "$row" 5)" "$(field "$row" 6)" "$(field "$row" 7)" \
        "$(field "$row" 8)" "$(field "$row" 9)" "$(field "$row" 3); $(field "$row" 4)"
done
echo
echo "QPS: dnsperf's 'Queries per second'. CPU %: the server's CPU use during the run (100 = one core busy)."
echo "RSS: ps -o rss of the main process after the load."
echo "PSS: proportional set size of the process and its children (NSD forks; shared pages counted once)."
echo "load s: from process start until it answers the SOA query (zone read and indexed)."
echo
echo "versions:"
echo "  dnslab:  $(first_line "$DNSLAB" --version)"
command -v nsd >/dev/null && echo "  nsd:     $(first_line nsd -v)"
command -v knotd >/dev/null && echo "  knotd:   $(first_line knotd -V)"
echo "  dnsperf: $(dnsperf -h 2>&1 | grep -m1 '^Version' || echo unknown)"
echo
echo "commands (\$WORK is the temporary work directory; IP and PORT per server below):"
echo "  $GEN_ZONE $ORIGIN $NAMES > \$WORK/bench.zone" | sed "s|$ROOT/||"
echo "  $DNSLAB key generate --zone $ORIGIN --algorithm ECDSAP256SHA256 [--ksk] --dir \$WORK/keys" | sed "s|$ROOT/||"
echo "  $DNSLAB zone sign \$WORK/bench.zone --origin $ORIGIN --keys \$WORK/keys --nsec3 -o \$WORK/bench.signed" | sed "s|$ROOT/||"
for c in "${COMMANDS[@]}"; do
    echo "  $(field "$c" 1): $(field "$c" 2-)"
done
echo "  load: ${PERF_PIN[*]:+${PERF_PIN[*]} }$PERF_CMD"
for a in "${ADDRS[@]}"; do
    echo "  address: $a"
done
echo "  (NSD: server-count: 1, database: \"\", rrl-ratelimit: 0, minimal-responses: yes; Knot: udp-workers: 1, tcp-workers: 1, background-workers: 1,"
echo "   zonefile-load: whole, journal-content: none, zonefile-sync: -1, dnssec-signing: off)"

markdown() {
    echo "| server | QPS | vs NSD | server CPU % | latency ms | RSS MB | PSS MB | load s | reply bytes | lost | response codes |"
    echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"
    for row in "${ROWS[@]}"; do
        echo "| $(field "$row" 1) | $(field "$row" 2) | $(vs_nsd "$(field "$row" 2)") | $(field "$row" 10) | $(field "$row" 5) | $(field "$row" 6) | $(field "$row" 7) | $(field "$row" 8) | $(field "$row" 9) | $(field "$row" 3) | $(field "$row" 4) |"
    done
    echo
    echo "$NAMES names, NSEC3, ECDSAP256SHA256 ($signed_records records); one worker thread per server; dnsperf -c $CLIENTS -q $OUTSTANDING -D for $SECONDS_RUN s;"
    echo "$NPROC cores ($cpu_model), $mem_total RAM; pinning: $PINNING; $rustc_version; dnslab $commit."
}

echo
echo "Markdown:"
echo
markdown
if [[ -n "${BENCH_MD:-}" ]]; then
    markdown >"$BENCH_MD"
    echo
    echo "(Markdown table also written to $BENCH_MD)"
fi
