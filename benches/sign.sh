#!/usr/bin/env bash
# Signing benchmark: dnslab beside BIND (dnssec-signzone), ldns
# (ldns-signzone) and Knot DNS (kzonesign), all signing the same generated
# zone with the same two keys; then dnslab and the peer verifiers and parsers
# reading dnslab's signed zone. See benches/README.md.
#
# Usage: benches/sign.sh [NAMES] [--nsec3|--nsec]
#   NAMES      owner names in the generated zone (default 100000; NAMES=N works too)
#   --nsec3    NSEC3, 0 extra iterations, no salt, no opt-out (default)
#   --nsec     NSEC
# Environment:
#   BENCH_MD=path        also write the Markdown table to this file
#   BENCH_RUNS=n         run every timed command n times, report the fastest (default 1)
#   BENCH_NO_BUILD=1     do not run cargo build (use the binaries already built)
#   BENCH_KEEP=1         keep the work directory (its path is printed)
#   DNSLAB_BIN, GEN_ZONE_BIN   use these binaries instead of the ones in target/release
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

NAMES="${NAMES:-100000}"
DENIAL=nsec3
for arg in "$@"; do
    case "$arg" in
        --nsec3) DENIAL=nsec3 ;;
        --nsec) DENIAL=nsec ;;
        -h | --help) usage; exit 0 ;;
        NAMES=*) NAMES="${arg#NAMES=}" ;;
        *) NAMES="$arg" ;;
    esac
done
if ! [[ "$NAMES" =~ ^[1-9][0-9]*$ ]]; then
    echo "sign.sh: NAMES must be a positive number, not '$NAMES'" >&2
    usage >&2
    exit 2
fi
RUNS="${BENCH_RUNS:-1}"
if ! [[ "$RUNS" =~ ^[1-9][0-9]*$ ]]; then
    echo "sign.sh: BENCH_RUNS must be a positive number, not '$RUNS'" >&2
    exit 2
fi

die() {
    echo "sign.sh: error: $*" >&2
    exit 1
}

# Peer tools live partly in /usr/sbin (keymgr).
export PATH="$PATH:/usr/sbin:/sbin:/usr/local/sbin"
TIME=/usr/bin/time
[[ -x "$TIME" ]] || die "$TIME is missing (Debian: apt-get install time); the shell's time keyword cannot report memory"
for tool in dnssec-signzone dnssec-verify named-checkzone ldns-signzone ldns-verify-zone kzonesign kzonecheck keymgr; do
    command -v "$tool" >/dev/null || die "$tool is not installed (Debian: apt-get install bind9-utils ldnsutils knot-dnssecutils knot)"
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

WORK="$(mktemp -d "${TMPDIR:-/tmp}/dnslab-bench.XXXXXX")"
if [[ "${BENCH_KEEP:-}" == 1 ]]; then
    echo "== keeping the work directory $WORK" >&2
else
    trap 'rm -rf "$WORK"' EXIT
fi

ORIGIN=bench.
ZONE="$WORK/bench.zone"
KEYS="$WORK/keys"
NPROC="$(nproc)"
# The same signature validity for every signer that lets us choose it.
INCEPTION="$(date -u -d '-1 hour' +%Y%m%d%H%M%S)"
EXPIRATION="$(date -u -d '+30 days' +%Y%m%d%H%M%S)"

echo "== generating $ORIGIN with $NAMES names" >&2
"$GEN_ZONE" "$ORIGIN" "$NAMES" >"$ZONE" || die "gen_zone failed"

echo "== generating one KSK and one ZSK (ECDSAP256SHA256) with dnslab" >&2
mkdir -p "$KEYS"
KSK="$("$DNSLAB" key generate --zone "$ORIGIN" --algorithm ECDSAP256SHA256 --ksk --dir "$KEYS")" ||
    die "dnslab key generate --ksk failed"
ZSK="$("$DNSLAB" key generate --zone "$ORIGIN" --algorithm ECDSAP256SHA256 --dir "$KEYS")" ||
    die "dnslab key generate failed"
for base in "$KSK" "$ZSK"; do
    [[ -f "$KEYS/$base.key" && -f "$KEYS/$base.private" ]] ||
        die "dnslab key generate printed '$base' but $KEYS/$base.key/.private do not exist"
done

# ---------------------------------------------------------------------------
# Timing: every command runs under GNU time; a failure stops the benchmark
# with the command's output.

ROWS=()     # tool|task|wall|cpu|rss_mb|wall spread
COMMANDS=() # tool|task|command line
RUN=0

# timed TOOL TASK COMMAND... : runs COMMAND (RUNS times, keeping the fastest).
timed() {
    local tool="$1" task="$2"
    shift 2
    local best_wall="" worst_wall="" best_cpu="" best_rss="" i
    COMMANDS+=("$tool|$task|$(printf '%q ' "$@" | sed "s|$WORK|\$WORK|g; s/ $//")")
    for ((i = 1; i <= RUNS; i++)); do
        RUN=$((RUN + 1))
        local log="$WORK/run$RUN.log" tf="$WORK/run$RUN.time"
        if ((RUNS > 1)); then echo "== $tool: $task (run $i/$RUNS)" >&2; else echo "== $tool: $task" >&2; fi
        local status=0
        "$TIME" -f '%e %U %S %M' -o "$tf" "$@" >"$log" 2>&1 || status=$?
        if ((status != 0)); then
            echo "sign.sh: FAILED ($tool, $task): exit status $status" >&2
            echo "  command: $*" >&2
            echo "  its output (last 40 lines of $log; BENCH_KEEP=1 keeps the work directory):" >&2
            tail -n 40 "$log" | sed 's/^/    /' >&2
            exit 1
        fi
        local wall user sys rss
        read -r wall user sys rss < <(tail -n 1 "$tf")
        local cpu
        cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
        if [[ -z "$best_wall" ]] || awk -v a="$wall" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then
            best_wall="$wall" best_cpu="$cpu" best_rss="$rss"
        fi
        if [[ -z "$worst_wall" ]] || awk -v a="$wall" -v b="$worst_wall" 'BEGIN { exit !(a > b) }'; then
            worst_wall="$wall"
        fi
    done
    local spread="-"
    if ((RUNS > 1)); then spread="$best_wall-$worst_wall"; fi
    ROWS+=("$tool|$task|$best_wall|$best_cpu|$(awk -v k="$best_rss" 'BEGIN { printf "%.1f", k / 1024 }')|$spread")
}

# check_signed FILE TOOL: the signer wrote a non-empty zone with signatures.
check_signed() {
    [[ -s "$1" ]] || die "$2 exited 0 but wrote no signed zone at $1"
    grep -q RRSIG "$1" || die "$2 exited 0 but $1 holds no RRSIG"
    if [[ "$DENIAL" == nsec3 ]]; then
        grep -q NSEC3PARAM "$1" || die "$2 exited 0 but $1 holds no NSEC3PARAM"
    fi
}

# ---------------------------------------------------------------------------
# Signing, all with KSK + ZSK from $KEYS.

DNSLAB_NSEC3=()
BIND_NSEC3=()
LDNS_NSEC3=()
if [[ "$DENIAL" == nsec3 ]]; then
    DNSLAB_NSEC3=(--nsec3 --iterations 0 --salt -)
    BIND_NSEC3=(-3 - -H 0)
    LDNS_NSEC3=(-n -t 0)
fi

timed dnslab "sign ($DENIAL)" "$DNSLAB" zone sign "$ZONE" --origin "$ORIGIN" --keys "$KEYS" \
    "${DNSLAB_NSEC3[@]}" --inception "$INCEPTION" --expiration "$EXPIRATION" --serial keep \
    -o "$WORK/dnslab.signed"
check_signed "$WORK/dnslab.signed" dnslab

# -S: smart signing with the keys in -K (BIND wants the DNSKEYs in the zone
# otherwise); -P: no post-signing verification (verification is timed below).
timed dnssec-signzone "sign ($DENIAL)" dnssec-signzone -S -K "$KEYS" -d "$WORK" -P -o "$ORIGIN" -N keep \
    -s "$INCEPTION" -e "$EXPIRATION" "${BIND_NSEC3[@]}" -f "$WORK/bind.signed" "$ZONE"
check_signed "$WORK/bind.signed" dnssec-signzone

timed ldns-signzone "sign ($DENIAL)" ldns-signzone "${LDNS_NSEC3[@]}" -o "$ORIGIN" \
    -i "$INCEPTION" -e "$EXPIRATION" -f "$WORK/ldns.signed" "$ZONE" "$KEYS/$KSK" "$KEYS/$ZSK"
check_signed "$WORK/ldns.signed" ldns-signzone

# Knot: a throw-away configuration and KASP database with the same two keys
# imported (manual key management), signing threads = cores.
KNOT="$WORK/knot"
mkdir -p "$KNOT/out"
KNOT_NSEC3="nsec3: off"
if [[ "$DENIAL" == nsec3 ]]; then
    KNOT_NSEC3=$'nsec3: on\n    nsec3-iterations: 0\n    nsec3-salt-length: 0\n    nsec3-opt-out: off'
fi
cat >"$KNOT/knot.conf" <<EOF
server:
    rundir: "$KNOT"
database:
    storage: "$KNOT"
    kasp-db: "$KNOT/keys"
policy:
  - id: "bench"
    manual: on
    algorithm: ecdsap256sha256
    signing-threads: $NPROC
    rrsig-lifetime: 30d
    cds-cdnskey-publish: none
    $KNOT_NSEC3
zone:
  - domain: "$ORIGIN"
    file: "$ZONE"
    dnssec-signing: on
    dnssec-policy: "bench"
EOF
for base in "$KSK" "$ZSK"; do
    keymgr -c "$KNOT/knot.conf" "$ORIGIN" import-bind "$KEYS/$base.key" >"$KNOT/import.log" 2>&1 || {
        cat "$KNOT/import.log" >&2
        die "keymgr import-bind $KEYS/$base.key failed"
    }
done
KNOT_KEYS="$(keymgr -c "$KNOT/knot.conf" "$ORIGIN" list 2>&1)" || die "keymgr list failed: $KNOT_KEYS"
[[ "$(grep -c ECDSAP256SHA256 <<<"$KNOT_KEYS")" == 2 ]] || die "keymgr did not import both keys: $KNOT_KEYS"
timed kzonesign "sign ($DENIAL)" kzonesign -c "$KNOT/knot.conf" -o "$KNOT/out" "$ORIGIN"
# kzonesign -o DIR names its output after the zone's input file.
mv "$KNOT/out/$(basename "$ZONE")" "$WORK/knot.signed" 2>/dev/null ||
    die "kzonesign exited 0 but wrote no $KNOT/out/$(basename "$ZONE")"
check_signed "$WORK/knot.signed" kzonesign

# ---------------------------------------------------------------------------
# Verifying dnslab's signed zone.

SIGNED="$WORK/dnslab.signed"
timed dnslab verify "$DNSLAB" zone verify "$SIGNED" --origin "$ORIGIN"
timed dnssec-verify verify dnssec-verify -o "$ORIGIN" "$SIGNED"
timed kzonecheck verify kzonecheck -o "$ORIGIN" -d on "$SIGNED"
timed ldns-verify-zone verify ldns-verify-zone "$SIGNED"

# Parsing dnslab's signed zone (zone-file reading and basic checks, no DNSSEC).
timed dnslab parse "$DNSLAB" zone check "$SIGNED" --origin "$ORIGIN"
timed named-checkzone parse named-checkzone "$ORIGIN" "$SIGNED"
timed kzonecheck parse kzonecheck -o "$ORIGIN" -d off "$SIGNED"
if command -v nsd-checkzone >/dev/null; then
    timed nsd-checkzone parse nsd-checkzone "$ORIGIN" "$SIGNED"
fi

# ---------------------------------------------------------------------------
# Report.

field() { cut -d'|' -f"$2" <<<"$1"; }

# The wall time of dnslab's row for the same kind of task.
dnslab_wall() {
    local row
    for row in "${ROWS[@]}"; do
        if [[ "$(field "$row" 1)" == dnslab && "$(field "$row" 2)" == "$1" ]]; then
            field "$row" 3
            return
        fi
    done
}

ratio() { # peer_wall dnslab_wall
    awk -v p="$1" -v d="$2" 'BEGIN { if (d > 0) printf "%.1fx", p / d; else print "n/a" }'
}

kind() { # the dnslab task a task is compared with
    case "$1" in sign*) echo "sign ($DENIAL)" ;; verify) echo verify ;; parse) echo parse ;; *) echo "" ;; esac
}

cpu_model="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
mem_total="$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
rustc_version="$(rustc --version 2>/dev/null || echo 'rustc: unknown')"
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'unknown commit')"
if [[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
    commit="$commit (with uncommitted changes)"
fi
zone_records="$(grep -cv '^\s*\($\|;\|\$\)' "$ZONE")"
# RRSIG records (the type field), not lines that merely mention RRSIG in a bitmap.
signed_records() { awk '$3 == "RRSIG" || $4 == "RRSIG" { n++ } END { print n + 0 }' "$1"; }

first_line() { "$@" 2>&1 | grep -v '^\s*$' | tail -n 1; }

echo
echo "dnslab signing benchmark: $NAMES names ($zone_records lines of records), $DENIAL, KSK + ZSK ECDSAP256SHA256"
echo "machine: $NPROC cores ($cpu_model), $mem_total RAM, $(uname -sr)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), runs per command: $RUNS (fastest shown)"
echo "build: $rustc_version, dnslab $commit"
echo
printf '%-17s %-13s %8s %8s %11s %12s  %s\n' tool task "wall s" "CPU s" "max RSS MB" "wall min-max" "wall vs dnslab"
for row in "${ROWS[@]}"; do
    tool="$(field "$row" 1)" task="$(field "$row" 2)" wall="$(field "$row" 3)"
    k="$(kind "$task")" rel=""
    if [[ -n "$k" ]]; then
        if [[ "$tool" == dnslab ]]; then rel="1.0x"; else rel="$(ratio "$wall" "$(dnslab_wall "$k")")"; fi
    fi
    printf '%-17s %-13s %8s %8s %11s %12s  %s\n' "$tool" "$task" "$wall" "$(field "$row" 4)" "$(field "$row" 5)" "$(field "$row" 6)" "$rel"
done
echo
for row in "${ROWS[@]}"; do
    tool="$(field "$row" 1)" task="$(field "$row" 2)"
    k="$(kind "$task")"
    if [[ -n "$k" && "$tool" != dnslab ]]; then
        echo "$tool / dnslab ($k, wall) = $(ratio "$(field "$row" 3)" "$(dnslab_wall "$k")")"
    fi
done
echo
echo "signatures written: dnslab $(signed_records "$WORK/dnslab.signed"), dnssec-signzone $(signed_records "$WORK/bind.signed"), ldns-signzone $(signed_records "$WORK/ldns.signed"), kzonesign $(signed_records "$WORK/knot.signed")"
echo "signature validity: $INCEPTION to $EXPIRATION (UTC) for dnslab, dnssec-signzone and ldns-signzone;"
echo "  kzonesign chooses its own: $(grep -m1 -o 'RRSIG[[:space:]]*SOA.*' "$WORK/knot.signed" | awk '{ print $7, "to", $6 }') (inception now-1.5h, rrsig-lifetime 30d)"
echo "threads: dnslab all cores (rayon), dnssec-signzone all cores (-n default), kzonesign signing-threads: $NPROC, ldns-signzone 1"
echo
echo "versions:"
echo "  dnslab:           $(first_line "$DNSLAB" --version)"
echo "  dnssec-signzone:  $(first_line dnssec-signzone -V)"
echo "  dnssec-verify:    $(first_line dnssec-verify -V)"
echo "  ldns-signzone:    $(first_line ldns-signzone -v)"
echo "  ldns-verify-zone: $(first_line ldns-verify-zone -v)"
echo "  kzonesign:        $(first_line kzonesign -V)"
echo "  kzonecheck:       $(first_line kzonecheck -V)"
echo "  named-checkzone:  $(first_line named-checkzone -v)"
if command -v nsd-checkzone >/dev/null; then
    echo "  nsd-checkzone:    $(nsd-checkzone -h 2>&1 | grep -m1 '^Version' || echo unknown)"
fi
echo
echo "commands (\$WORK is the temporary work directory):"
echo "  $GEN_ZONE $ORIGIN $NAMES > \$WORK/bench.zone" | sed "s|$ROOT/||"
echo "  $DNSLAB key generate --zone $ORIGIN --algorithm ECDSAP256SHA256 --ksk --dir \$WORK/keys   # $KSK" | sed "s|$ROOT/||"
echo "  $DNSLAB key generate --zone $ORIGIN --algorithm ECDSAP256SHA256 --dir \$WORK/keys   # $ZSK" | sed "s|$ROOT/||"
echo "  keymgr -c \$WORK/knot/knot.conf $ORIGIN import-bind \$WORK/keys/$KSK.key   # and the same for $ZSK.key"
for c in "${COMMANDS[@]}"; do
    echo "  $(field "$c" 3- | sed "s|$ROOT/||g")"
done
echo "  (Knot configuration: policy manual: on, signing-threads: $NPROC, rrsig-lifetime: 30d, $(tr '\n' ' ' <<<"$KNOT_NSEC3" | tr -s ' ' | sed 's/ $//'))"

markdown() {
    echo "| tool | task | wall s | CPU s | max RSS MB | wall min-max | wall vs dnslab |"
    echo "|---|---|--:|--:|--:|--:|--:|"
    for row in "${ROWS[@]}"; do
        tool="$(field "$row" 1)" task="$(field "$row" 2)" wall="$(field "$row" 3)"
        k="$(kind "$task")" rel=""
        if [[ -n "$k" ]]; then
            if [[ "$tool" == dnslab ]]; then rel="1.0x"; else rel="$(ratio "$wall" "$(dnslab_wall "$k")")"; fi
        fi
        echo "| $tool | $task | $wall | $(field "$row" 4) | $(field "$row" 5) | $(field "$row" 6) | $rel |"
    done
    echo
    echo "$NAMES names, $DENIAL, KSK + ZSK ECDSAP256SHA256; $NPROC cores ($cpu_model), $mem_total RAM;"
    echo "$rustc_version; dnslab $commit; runs per command: $RUNS (fastest shown). Verifiers and parsers read dnslab's signed zone."
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
