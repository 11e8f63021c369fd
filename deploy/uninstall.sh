#!/usr/bin/env bash
# Removes what install.sh added: binaries, scripts, units, nginx snippet and site.
# Never touches /opt/d3kos/config, /opt/d3kos/data or /opt/d3kos/backups (nor the access token).
#   sudo deploy/uninstall.sh [--root DIR]
set -euo pipefail
root="${DESTDIR:-/}"
[ "${1:-}" = "--root" ] && root="$2"
if [ "$(id -u)" -ne 0 ]; then
    echo "uninstall.sh must run as root: sudo $0 $*" >&2
    exit 1
fi
root="${root%/}"
if [ -z "$root" ]; then
    systemctl disable --now d3kos-export-manager.service d3kos-backup-api.service d3kos-export-manager.socket d3kos-backup-api.socket 2>/dev/null || true
fi
rm -f "$root"/etc/systemd/system/d3kos-export-manager.{service,socket} "$root"/etc/systemd/system/d3kos-backup-api.{service,socket}
rm -f "$root/etc/nginx/snippets/d3kos-data-services.conf" "$root/etc/nginx/sites-enabled/d3kos" "$root/etc/nginx/sites-available/d3kos"
rm -rf "$root/opt/d3kos/bin" "$root/opt/d3kos/bin.previous" "$root/opt/d3kos/scripts" "$root/opt/d3kos/share"
rm -f "$root/usr/local/bin/d3kos-backup"
rm -rf "$root/usr/share/d3kos"
if [ -z "$root" ]; then
    systemctl daemon-reload
    nginx -t 2>/dev/null && systemctl reload nginx || true
fi
echo "uninstall.sh: removed the programs; config, data, backups and the token are kept in $root/opt/d3kos"
