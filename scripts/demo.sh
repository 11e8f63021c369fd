#!/usr/bin/env bash
# Starts both services on an embedded demo root: no Pi, no root, no network.
#   export manager: http://127.0.0.1:8094   backup API: http://127.0.0.1:8100
#   the owner's page through nginx, as on the helm: http://127.0.0.1:8080/d3kos/ (a pairing link is printed)
# Ctrl-C stops everything. D3KOS_DEMO_ROOT chooses the root (default .demo-root/, seeded on first run);
# DEMO_EXPORT_PORT, DEMO_BACKUP_PORT and DEMO_WEB_PORT change the ports. nginx is installed when missing
# and this runs as root on Debian; without it the services still run, and the page is not served.
set -euo pipefail
cd "$(dirname "$0")/.."
root="${D3KOS_DEMO_ROOT:-$PWD/.demo-root}"
export_port="${DEMO_EXPORT_PORT:-8094}"
backup_port="${DEMO_BACKUP_PORT:-8100}"
web_port="${DEMO_WEB_PORT:-8080}"
if ! command -v nginx >/dev/null && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "demo: installing nginx for the owner's page"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx) >/dev/null
fi

# The first build restores packages and compiles every project: about a minute and a half on two cores.
echo "demo: building the services, the CLI and the seeder (the first build takes a minute or two; later ones a few seconds)"
dotnet build D3kos.sln -c Release --nologo -v quiet -clp:NoSummary
if [ ! -f "$root/opt/d3kos/config/license.json" ]; then
    echo "demo: seeding $root as a boat (configuration, a boat log, a Signal K and a Node-RED folder)"
    dotnet src/D3kos.Demo/bin/Release/net10.0/d3kos-demo-seed.dll "$root"
fi
echo "demo: starting the export manager on :$export_port and the backup API on :$backup_port"

export D3KOS_FS_ROOT="$root"
# There is no systemd here: a restore records the stop/start it would run instead of running it.
export Backup__ServiceCommand="$PWD/scripts/demo-service-command.sh"
# The demo's own access token, as the installer makes one on the Pi: the page signs in with a pairing link.
token_file="$root/opt/d3kos/config/api-token"
if [ ! -s "$token_file" ]; then
    (umask 077; head -c 32 /dev/urandom | base64 | tr -d '=+/\n' > "$token_file")
fi
token="$(cat "$token_file")"

pids=()
work="$(mktemp -d)"
trap 'kill "${pids[@]}" 2>/dev/null; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT INT TERM
# Each also listens on a Unix socket for nginx, as systemd's sockets give them on the Pi.
dotnet src/D3kos.ExportManager/bin/Release/net10.0/d3kos-export-manager.dll --urls "http://127.0.0.1:$export_port;http://unix:$work/export-manager.sock" &
pids+=($!)
dotnet src/D3kos.BackupApi/bin/Release/net10.0/d3kos-backup-api.dll --urls "http://127.0.0.1:$backup_port;http://unix:$work/backup-api.sock" &
pids+=($!)

# Each service must answer its own health check: a port taken by another program answers too, so
# the check also asks that our process is still alive (a service that cannot bind exits with a sentence).
wait_for() {  # wait_for NAME PID PORT VARIABLE SERVICE-ID
    for _ in $(seq 150); do
        kill -0 "$2" 2>/dev/null || { echo "demo: the $1 could not start (is port $3 in use? set DEMO_${4}_PORT); see its message above" >&2; exit 1; }
        curl -fs "http://127.0.0.1:$3/health" 2>/dev/null | grep -q "\"service\":\"$5\"" && kill -0 "$2" 2>/dev/null && return 0
        sleep 0.2
    done
    echo "demo: the $1 did not answer on port $3 within 30 s" >&2
    exit 1
}
wait_for "export manager" "${pids[0]}" "$export_port" EXPORT export-manager
wait_for "backup API" "${pids[1]}" "$backup_port" BACKUP backup-api

# The page as the helm serves it: the project's nginx snippet, pointed at the demo's ports and at web/.
page=""
if command -v nginx >/dev/null; then
    scripts/scratch-nginx-conf.sh "$work" "$web_port" "$work/export-manager.sock" "$work/backup-api.sock" "$PWD/web"
    if nginx -c "$work/nginx.conf" -p "$work/nginx" 2>"$work/nginx-start.log"; then
        link="$(D3KOS_FS_ROOT="$root" dotnet src/D3kos.BackupCli/bin/Release/net10.0/d3kos-backup.dll pair "http://127.0.0.1:$web_port" | grep '#pair=' | tr -d ' ' || true)"
        [ -n "$link" ] || link="(no link: 'd3kos-backup pair' failed; sign in on the page with the token below)"
        page="The owner's page: open this one-time sign-in link in a browser (it works once, for 10 minutes;
'dotnet src/D3kos.BackupCli/bin/Release/net10.0/d3kos-backup.dll pair http://127.0.0.1:$web_port' with D3KOS_FS_ROOT=$root makes another):
  $link
"
    else
        page="The owner's page is not served: nginx did not start on port $web_port (set DEMO_WEB_PORT): $(cat "$work/nginx-start.log")
"
    fi
else
    page="The owner's page needs nginx (apt-get install nginx), as on the helm; the services run without it.
"
fi
cat <<MSG

d3kOS demo running on $root
${page}The API with the demo's token:
  curl http://127.0.0.1:$export_port/export/status
  curl --fail -OJ -H 'Authorization: Bearer $token' http://127.0.0.1:$export_port/export/boatlog/csv
  curl -X POST -H 'Authorization: Bearer $token' http://127.0.0.1:$backup_port/api/backup/create
The CLI on the same root (from $PWD):
  D3KOS_FS_ROOT=$root Backup__ServiceCommand=$Backup__ServiceCommand dotnet src/D3kos.BackupCli/bin/Release/net10.0/d3kos-backup.dll list
Ctrl-C to stop.
MSG
wait
