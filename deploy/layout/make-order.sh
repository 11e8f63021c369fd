#!/usr/bin/env bash
# Writes deploy/layout/<program>.order: the methods a service runs from its start through 200 /health
# requests, then through its read endpoints and one export or backup, in the order they first run. The build places them
# first and in that order (StartupLayout.props), so what a service touches at idle sits in a few hundred
# KiB of its binary instead of pages spread over all of it (see BENCHMARKS.md, "Idle memory").
#   deploy/layout/make-order.sh export-manager|backup-api
# Run it again when the start or the endpoints change much: names no longer in the program are skipped
# by the compiler, and methods not in the file are placed after the listed ones, so a stale file costs
# memory, never correctness. Needs what deploy/publish.sh needs, plus cc (gcc or clang) and curl. x86-64.
set -euo pipefail
cd "$(dirname "$0")/../.."
service=${1:?export-manager or backup-api}
case "$service" in
    export-manager) project=D3kos.ExportManager; reads=(/export/status /export/history /export/queue /export/boatlog/csv /openapi/v1.json)
        writes=(/export/boatlog /export/generate) ;;
    backup-api) project=D3kos.BackupApi; reads=(/api/backup/list /api/backup/session /openapi/v1.json); writes=(/api/backup/create) ;;
    *) echo "make-order.sh: unknown service $service" >&2; exit 2 ;;
esac
[ "$(uname -m)" = x86_64 ] || { echo "make-order.sh: the tracer is x86-64 only" >&2; exit 1; }
work=$(mktemp -d /tmp/d3kos-order-XXXXXX)
trap '[ -n "${ORDER_KEEP:-}" ] || rm -rf "$work"' EXIT
program="$work/bin/d3kos-$service"
port=${ORDER_PORT:-18440}

# A build with its symbol table, laid out as shipped: the method names are what the order file lists. Its
# own native folder, so that a stripped binary from an earlier publish is never taken as up to date.
dotnet publish "src/$project" -c Release -r linux-x64 -o "$work/bin" --nologo -p:DebugType=none -p:StripSymbols=false \
    -p:NativeIntermediateOutputPath="$work/native/" >"$work/publish.log" 2>&1 \
    || { cat "$work/publish.log"; exit 1; }
cc -O2 -shared -fPIC -o "$work/entry-trace.so" deploy/layout/entry-trace.c -ldl

# Every method entry (the managed code and unboxing stubs), as offsets from the load address; nm's
# addresses are 16 hex digits, so comparing them as strings compares them as numbers.
ranges=()
while read -r address size; do
    ranges+=("$address" "$(printf '%016x' $((16#$address + 16#$size)))")
done < <(readelf -SW "$program" | sed 's/^ *\[ *[0-9]*\]//' | awk '$1 == "__managedcode" || $1 == "__unbox" { print $3, $5 }')
nm --defined-only "$program" | awk -v r="${ranges[*]}" '
    BEGIN { n = split(r, a, " ") }
    $2 ~ /^[tT]$/ && $3 !~ /^__(start|stop)_/ { for (i = 1; i < n; i += 2) if (($1 "") >= a[i] && ($1 "") < a[i + 1]) { print $1, $3; break } }' \
    | sort >"$work/names"
cut -d' ' -f1 "$work/names" | uniq >"$work/entries"

# A small boat: the demo seed, as the benchmarks use.
dotnet build src/D3kos.Demo -c Release --nologo -v q >/dev/null
dotnet src/D3kos.Demo/bin/Release/net10.0/d3kos-demo-seed.dll "$work/root" --entries 100 --images-mb 0 >/dev/null
export D3KOS_FS_ROOT="$work/root" Auth__AllowUnauthenticatedLoopback=true Backup__ServiceCommand=/bin/true
run() {  # run [traced]: starts the service on the root and waits until it answers
    if [ "${1:-}" = traced ]; then
        env TRACE_ENTRIES="$work/entries" TRACE_OUT="$work/hits" LD_PRELOAD="$work/entry-trace.so" "$program" --urls "http://127.0.0.1:$port" >"$work/service.log" 2>&1 &
    else
        "$program" --urls "http://127.0.0.1:$port" >"$work/service.log" 2>&1 &
    fi
    pid=$!
    for _ in $(seq 600); do curl -s -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.05; done
}
# A service that has run before starts along other paths (its backups folder, queue and history exist), as on
# every Pi after the first day: one untraced run with an export or a backup first.
run
for path in "${writes[@]}"; do curl -s -o /dev/null -X POST "http://127.0.0.1:$port$path"; done
kill "$pid"; wait "$pid" || true
run traced
for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$port/health"; done
sleep 2
for path in "${reads[@]}"; do curl -s -o /dev/null "http://127.0.0.1:$port$path"; done
for path in "${writes[@]}"; do curl -s -o /dev/null -X POST "http://127.0.0.1:$port$path"; done
kill "$pid"; wait "$pid" || true
[ -s "$work/hits" ] || { cat "$work/service.log"; echo "make-order.sh: the traced run recorded nothing" >&2; exit 1; }

out="deploy/layout/d3kos-$service.order"
awk 'NR == FNR { if ($1 in names) names[$1] = names[$1] "\n" $2; else names[$1] = $2; next } { print names[$1] }' "$work/names" "$work/hits" >"$out"
echo "make-order.sh: $(wc -l <"$out") methods in $out"
