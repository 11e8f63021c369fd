#!/usr/bin/env bash
# Publishes the three programs for one runtime into OUT (default publish/<rid>/):
#   deploy/publish.sh [--rid linux-x64|linux-arm64] [--out DIR] [--framework-dependent]
# Native AOT needs clang and zlib1g-dev (apt-get install clang zlib1g-dev). Building for the Pi
# (linux-arm64) on an x64 Debian machine needs Debian's arm64 libraries as the sysroot and lld:
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install -y clang lld libc6-dev:arm64 zlib1g-dev:arm64
# --framework-dependent needs the .NET 10 runtime on the Pi instead of a native toolchain here.
# Fails if any assembly other than those named in docs/install.md ("Native AOT") carries trim/AOT warnings.
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
case "$rid" in
    linux-x64|linux-arm64) ;;
    *) echo "publish.sh: $rid is not a supported target (linux-x64, linux-arm64; see README, Architectures)" >&2; exit 2 ;;
esac
# Cross-compiling: clang links for the target with lld against the multiarch libraries under /usr/lib/<triple>.
cross=()
host_rid="linux-$(uname -m | sed -e 's/x86_64/x64/' -e 's/aarch64/arm64/')"
if $aot && [ "$rid" != "$host_rid" ]; then
    triple="$([ "$rid" = linux-arm64 ] && echo aarch64-linux-gnu || echo x86_64-linux-gnu)"
    if [ ! -e "/usr/lib/$triple/libc.so" ] || ! command -v ld.lld >/dev/null; then
        echo "publish.sh: cross-building $rid needs /usr/lib/$triple/libc.so and lld: apt-get install -y clang lld libc6-dev:${rid#linux-} zlib1g-dev:${rid#linux-}" >&2
        exit 1
    fi
    cross=(-p:SysRoot=/ -p:LinkerFlavor=lld)
fi
mkdir -p "$out"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

for project in D3kos.ExportManager D3kos.BackupApi D3kos.BackupCli; do
    if $aot; then
        dotnet publish "src/$project" -c Release -r "$rid" -o "$out" --nologo -p:DebugType=none "${cross[@]}" 2>&1 | tee -a "$log"
    else
        dotnet publish "src/$project" -c Release -r "$rid" -o "$out" --nologo --self-contained false -p:PublishAot=false 2>&1 | tee -a "$log"
    fi
done

# IL2104 from Serilog is known and harmless (see docs/install.md, "Native AOT"); anything else is not.
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
