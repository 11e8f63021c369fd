#!/usr/bin/env bash
# Installs the d3kOS data services on a Pi (or into a scratch folder for a test):
#   sudo deploy/install.sh [--root DIR] [--bin DIR] [--rid RID] [--with-nginx-site] [--no-start]
#   sudo deploy/install.sh --rollback        # put the previous binaries back and restart
# --root DIR (or DESTDIR=DIR): install under DIR; no user is created and nothing is started.
# --bin DIR: take published binaries from DIR (deploy/publish.sh output) instead of building.
# --rid RID: the processor the install is for (linux-arm64 on a Pi, linux-x64); by default this
#   machine's. Binaries built for another processor are refused, and so is 32-bit ARM (armv7l).
# --new-token: replace the access token (and its hash); every client then needs the new one.
# Idempotent: running it again upgrades the binaries and keeps data, backups and the access token.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"

root="${DESTDIR:-/}"
bin=""
rid=""
nginx_site=false
start=true
rollback=false
new_token=false
while [ $# -gt 0 ]; do
    case "$1" in
        --root) root="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        --rid) rid="$2"; shift 2 ;;
        --with-nginx-site) nginx_site=true; shift ;;
        --no-start) start=false; shift ;;
        --rollback) rollback=true; shift ;;
        --new-token) new_token=true; shift ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh must run as root (it creates a system user, installs systemd units and owns /opt/d3kos): sudo $0 $*" >&2
    exit 1
fi
root="${root%/}"
live=false
[ -z "$root" ] && live=true
opt="$root/opt/d3kos"
say() { echo "install.sh: $*"; }

# 'systemctl reload nginx' only signals nginx's master and returns; until its old workers have gone, they
# answer with the old configuration (a 404 for the new site). Return only when every worker is of the new
# generation, so the owner's first curl after an install, and the tests, meet the new site.
nginx_workers() {  # the PIDs of the processes whose parent is nginx's master $1
    grep -lsx "PPid:[[:space:]]*$1" /proc/[0-9]*/status | cut -d/ -f3 | sort
}
reload_nginx() {
    if ! systemctl is-active --quiet nginx; then
        systemctl restart nginx  # a start forks workers of the new configuration only
        return
    fi
    local master old pid left
    master="$(systemctl show -p MainPID --value nginx)"
    old="$(nginx_workers "$master")"
    systemctl reload nginx
    for _ in $(seq 600); do
        left=""
        for pid in $old; do [ -e "/proc/$pid" ] && left="$left $pid"; done
        if [ -z "$left" ] && [ -n "$(nginx_workers "$master")" ]; then return 0; fi
        sleep 0.1
    done
    say "nginx still runs workers of the old configuration after 60 s (a long download?); the new site is served once they finish"
}


if $rollback; then
    [ -d "$opt/bin.previous" ] || { echo "install.sh: nothing to roll back to ($opt/bin.previous is missing)" >&2; exit 1; }
    # Binaries and units go back together: an older binary under newer units can misread their settings
    # (a token-hash file read as the token itself).
    [ -d "$opt/bin.previous/units" ] || { echo "install.sh: $opt/bin.previous has no units saved with it; install the previous version with its own install.sh instead" >&2; exit 1; }
    rm -rf "$opt/bin.rollback"
    mv "$opt/bin" "$opt/bin.rollback"
    mv "$opt/bin.previous" "$opt/bin"
    mv "$opt/bin.rollback" "$opt/bin.previous"
    if $live && $start; then systemctl stop d3kos-export-manager.service d3kos-backup-api.service; fi
    install -m 0644 "$opt/bin/units/"*.service "$root/etc/systemd/system/"
    snippet="$root/etc/nginx/snippets/d3kos-data-services.conf"
    if ls "$opt/bin/units/"*.socket >/dev/null 2>&1; then
        install -m 0644 "$opt/bin/units/"*.socket "$root/etc/systemd/system/"
        [ -f "$opt/bin/units/d3kos-data-services.conf" ] && install -m 0644 "$opt/bin/units/d3kos-data-services.conf" "$snippet"
    else
        # A version from before the sockets were systemd's binds its ports itself: free them for it, and point
        # nginx back at them, or the owner's page would answer 502.
        if $live; then systemctl disable --now d3kos-export-manager.socket d3kos-backup-api.socket 2>/dev/null || true; fi
        rm -f "$root/etc/systemd/system/d3kos-export-manager.socket" "$root/etc/systemd/system/d3kos-backup-api.socket"
        [ -f "$snippet" ] && sed -i -e 's|unix:/run/d3kos/export-manager.sock:|127.0.0.1:8094|' -e 's|unix:/run/d3kos/backup-api.sock:|127.0.0.1:8100|' "$snippet"
    fi
    say "binaries and units rolled back (the replaced ones are in $opt/bin.previous)"
    if $live; then systemctl daemon-reload; fi
    if $live && $start; then
        if [ -e "$root/etc/systemd/system/d3kos-backup-api.socket" ]; then systemctl restart d3kos-export-manager.socket d3kos-backup-api.socket; fi
        systemctl restart d3kos-export-manager d3kos-backup-api
        if nginx -t 2>/dev/null; then reload_nginx; fi
    fi
    exit 0
fi

# 1. Binaries: publish unless given, and only for the processor they will run on.
if [ -z "$rid" ]; then
    case "$(uname -m)" in
        aarch64|arm64) rid=linux-arm64 ;;
        x86_64) rid=linux-x64 ;;
        armv6l|armv7l|armv8l)
            echo "install.sh: this is 32-bit ARM ($(uname -m)), which the d3kOS data services do not support: install the 64-bit Raspberry Pi OS (arm64) on this Pi (see README, Architectures)" >&2
            exit 1 ;;
        *) echo "install.sh: unsupported processor $(uname -m) (supported: aarch64, x86_64)" >&2; exit 1 ;;
    esac
fi
case "$rid" in
    linux-x64|linux-arm64) ;;
    *) echo "install.sh: --rid $rid is not supported (linux-arm64, linux-x64)" >&2; exit 2 ;;
esac
if [ -z "$bin" ]; then
    bin="$(mktemp -d)"
    trap 'rm -rf "$bin"' EXIT
    "$repo/deploy/publish.sh" --rid "$rid" --out "$bin"
fi
for program in d3kos-export-manager d3kos-backup-api d3kos-backup; do
    [ -x "$bin/$program" ] || { echo "install.sh: $bin/$program is missing or not executable" >&2; exit 1; }
    built_for="$("$here/elf-rid.sh" "$bin/$program")" || { echo "install.sh: $bin/$program is not a Linux program" >&2; exit 1; }
    if [ "$built_for" != "$rid" ]; then
        echo "install.sh: $bin/$program is built for $built_for, but this install is for $rid: publish with deploy/publish.sh --rid $rid" >&2
        exit 1
    fi
done

# 2. The service user (not in a --root install: that is for inspection, not for running).
if $live && ! getent passwd d3kos >/dev/null; then
    useradd --system --home-dir /home/d3kos --shell /usr/sbin/nologin d3kos
    say "created system user d3kos"
fi
owner=root:root
getent group d3kos >/dev/null && owner=root:d3kos
service_owner=root:root
getent passwd d3kos >/dev/null && service_owner=d3kos:d3kos

# 3. Binaries, keeping the previous set for --rollback; new files go in beside and are renamed in.
install -d -m 0755 "$opt" "$opt/scripts" "$opt/share"
if [ -d "$opt/bin" ]; then
    rm -rf "$opt/bin.previous"
    cp -a "$opt/bin" "$opt/bin.previous"
fi
install -d -m 0755 "$opt/bin"
for file in "$bin"/*; do
    [ -f "$file" ] || continue
    name="$(basename "$file")"
    install -m 0755 "$file" "$opt/bin/.$name.new"
    mv -f "$opt/bin/.$name.new" "$opt/bin/$name"
done
# The units travel with the binaries they were written for (--rollback puts both back).
install -d -m 0755 "$opt/bin/units"
# So does the nginx snippet, which names the sockets the units make.
install -m 0644 "$repo"/deploy/systemd/d3kos-*.service "$repo"/deploy/systemd/d3kos-*.socket "$repo/nginx/d3kos-data-services.conf" "$opt/bin/units/"
install -m 0755 "$repo/deploy/scripts/create-backup.sh" "$repo/deploy/scripts/restore-backup.sh" "$opt/scripts/"
install -m 0644 "$repo/README.md" "$opt/share/README.md"
# The README links into docs/: the task guides travel with it (the units' Documentation= points here too).
install -d -m 0755 "$opt/share/docs"
install -m 0644 "$repo"/docs/*.md "$opt/share/docs/"
install -d -m 0755 "$root/usr/local/bin"
ln -sfn /opt/d3kos/bin/d3kos-backup "$root/usr/local/bin/d3kos-backup"

# 4. Folders: data is the export manager's, backups hold secrets and are root's alone.
install -d -m 0755 -o root -g root "$opt/config" "$opt/data"
install -d -m 0750 "$opt/data/exports"
chown "$service_owner" "$opt/data/exports"
install -d -m 0700 -o root -g root "$opt/backups"
# This Pi's own state, outside every backup source: the browsers' sessions (hashes) and pairing codes.
install -d -m 0755 -o root -g root "$root/var/lib/d3kos"

# 5. The access token: made once with the kernel's random generator. The token itself is root's alone
#    (0600): it opens the root backup API. The export manager, which runs as d3kos, gets only its hash
#    (api-token.sha256, 0640 root:d3kos), enough to check a presented token, not to use one.
token="$opt/config/api-token"
# Before this layout the token was 0640 root:d3kos, readable by every d3kos process: a token that was
# readable by others is replaced, as if --new-token had been given.
if [ -s "$token" ] && [ "$(stat -c %a "$token")" != 600 ]; then
    new_token=true
    say "the access token was readable by group or others ($(stat -c %a "$token")): making a new one"
fi
if [ ! -s "$token" ] || $new_token; then
    (umask 077; head -c 32 /dev/urandom | base64 | tr -d '=+/\n' > "$token.new")
    mv "$token.new" "$token"
    say "created the access token: $token (send it as 'Authorization: Bearer <token>')"
fi
chmod 0600 "$token"
chown root:root "$token"
# The hash is of the token as the services read it (surrounding white space trimmed); its file gets its
# owner and mode before it is renamed in, so a running export manager never meets it unreadable.
(umask 077; printf 'sha256:%s\n' "$(tr -d ' \t\r\n' < "$token" | sha256sum | cut -c1-64)" > "$token.sha256.new")
chmod 0640 "$token.sha256.new"
chown "$owner" "$token.sha256.new"
mv "$token.sha256.new" "$token.sha256"

# 6. systemd units and the nginx snippet.
install -d -m 0755 "$root/etc/systemd/system" "$root/etc/nginx/snippets"
# A socket is restarted only when its unit changed: a restart closes the port for an instant (SECURITY row 40).
sockets_changed=false
for unit in d3kos-export-manager.socket d3kos-backup-api.socket; do
    cmp -s "$repo/deploy/systemd/$unit" "$root/etc/systemd/system/$unit" || sockets_changed=true
done
install -m 0644 "$repo"/deploy/systemd/d3kos-*.service "$repo"/deploy/systemd/d3kos-*.socket "$root/etc/systemd/system/"
install -m 0644 "$repo/nginx/d3kos-data-services.conf" "$root/etc/nginx/snippets/d3kos-data-services.conf"
# The owner's page, outside /var/www/html (a backup source that a restore replaces); new files in beside, renamed in.
install -d -m 0755 "$root/usr/share/d3kos/www"
for file in "$repo"/web/*; do
    install -m 0644 "$file" "$root/usr/share/d3kos/www/.$(basename "$file").new"
    mv -f "$root/usr/share/d3kos/www/.$(basename "$file").new" "$root/usr/share/d3kos/www/$(basename "$file")"
done
if $nginx_site; then
    install -d -m 0755 "$root/etc/nginx/sites-available" "$root/etc/nginx/sites-enabled"
    install -m 0644 "$repo/nginx/d3kos-site.conf" "$root/etc/nginx/sites-available/d3kos"
    ln -sfn ../sites-available/d3kos "$root/etc/nginx/sites-enabled/d3kos"
    rm -f "$root/etc/nginx/sites-enabled/default"
fi

if ! $live; then
    say "installed under $root; nothing was started"
    exit 0
fi
systemctl daemon-reload
if $start; then
    systemctl enable d3kos-export-manager.socket d3kos-backup-api.socket d3kos-export-manager.service d3kos-backup-api.service
    # The services stop first: an earlier version bound its port itself, and a socket unit that changed is
    # restarted only with its service stopped. An unchanged socket stays open, its connections waiting.
    systemctl stop d3kos-export-manager.service d3kos-backup-api.service 2>/dev/null || true
    if $sockets_changed; then
        systemctl restart d3kos-export-manager.socket d3kos-backup-api.socket
    else
        systemctl start d3kos-export-manager.socket d3kos-backup-api.socket
    fi
    systemctl start d3kos-export-manager.service d3kos-backup-api.service
    if nginx -t 2>/dev/null; then reload_nginx; else say "nginx -t failed: include snippets/d3kos-data-services.conf in your server block"; fi
else
    systemctl enable d3kos-export-manager.socket d3kos-backup-api.socket d3kos-export-manager.service d3kos-backup-api.service
fi
say "done: export manager on 127.0.0.1:8094, backup API on 127.0.0.1:8100 (held by systemd; nginx comes in through /run/d3kos/*.sock); token in $token"
say "the owner's page: http://$(hostname).local/d3kos/ (sign a phone in with: sudo d3kos-backup pair)"
