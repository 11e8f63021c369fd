#!/usr/bin/env bash
# Publishes the three programs for one runtime into OUT (default publish/<rid>/):
#   deploy/publish.sh [--rid linux-x64|linux-arm64] [--out DIR] [--framework-dependent]
# Native AOT needs clang and zlib1g-dev (apt-get install clang zlib1g-dev); cross-building for the
# Pi from x64 needs the arm64 sysroot, so build linux-arm64 on the Pi itself, or use
# --framework-dependent (needs the .NET 10 runtime on the Pi) where no native toolchain is available.
# Fails if any assembly other than the two named in the README carries trim/AOT warnings.
set -euo pipefail
cd "$(dirname "$0")/.."
rid=linux-x64
out=""
aot=true
while [ $# -gt 0 ]; do
    case "$1" in
        --rid) rid="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --framework-dependent) aot=false; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
out="${out:-publish/$rid}"
mkdir -p "$out"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

for project in D3kos.ExportManager D3kos.BackupApi D3kos.BackupCli; do
    if $aot; then
        dotnet publish "src/$project" -c Release -r "$rid" -o "$out" --nologo -p:DebugType=none 2>&1 | tee -a "$log"
    else
        dotnet publish "src/$project" -c Release -r "$rid" -o "$out" --nologo --self-contained false -p:PublishAot=false 2>&1 | tee -a "$log"
    fi
done

# IL2104 from Serilog is known and harmless (see README, "Native AOT"); anything else is not.
unexpected=$(grep -E 'warning IL[0-9]+' "$log" | grep -vE "Assembly 'Serilog' produced trim warnings" || true)
if [ -n "$unexpected" ]; then
    echo "Unexpected trim/AOT warnings:" >&2
    echo "$unexpected" | sort -u >&2
    exit 1
fi
# Symbols (*.dbg, *.pdb) stay out of what is installed on the card.
rm -f "$out"/*.pdb "$out"/*.dbg "$out"/*.staticwebassets.endpoints.json
echo "Published to $out:"
ls -la "$out"
