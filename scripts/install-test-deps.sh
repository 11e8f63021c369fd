#!/usr/bin/env bash
# Installs, with apt-get, what the end-to-end test needs and a fresh Debian 12 lacks:
# nginx (the real proxy), clang and zlib1g-dev (Native AOT), jq and curl (the user's tools),
# systemd (systemd-analyze verify). Does nothing when everything is there already.
set -euo pipefail
need=()
command -v nginx >/dev/null || need+=(nginx)
command -v clang >/dev/null || need+=(clang)
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
command -v jq >/dev/null || need+=(jq)
command -v curl >/dev/null || need+=(curl)
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v tar >/dev/null || need+=(tar)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "install-test-deps: missing ${need[*]}; run as root on Debian/Ubuntu, or install them yourself" >&2
    exit 1
fi
[ "${D3KOS_APT_UPDATED:-0}" = 1 ] || apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
