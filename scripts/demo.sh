#!/usr/bin/env bash
# Starts both services on an embedded demo root: no Pi, no root, no network.
#   export manager: http://127.0.0.1:8094   backup API: http://127.0.0.1:8100
# Ctrl-C stops both. D3KOS_DEMO_ROOT chooses the root (default .demo-root/, seeded on first run);
# DEMO_EXPORT_PORT and DEMO_BACKUP_PORT change the ports.
set -euo pipefail
cd "$(dirname "$0")/.."
root="${D3KOS_DEMO_ROOT:-$PWD/.demo-root}"
export_port="${DEMO_EXPORT_PORT:-8094}"
backup_port="${DEMO_BACKUP_PORT:-8100}"

dotnet build D3kos.sln -c Release --nologo -v quiet
if [ ! -f "$root/opt/d3kos/config/license.json" ]; then
    dotnet src/D3kos.Demo/bin/Release/net10.0/d3kos-demo-seed.dll "$root"
fi

export D3KOS_FS_ROOT="$root"
# There is no systemd here: a restore records the stop/start it would run instead of running it.
export Backup__ServiceCommand="$PWD/scripts/demo-service-command.sh"
export Auth__AllowUnauthenticatedLoopback=true

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
dotnet src/D3kos.ExportManager/bin/Release/net10.0/d3kos-export-manager.dll --urls "http://127.0.0.1:$export_port" &
pids+=($!)
dotnet src/D3kos.BackupApi/bin/Release/net10.0/d3kos-backup-api.dll --urls "http://127.0.0.1:$backup_port" &
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
cat <<MSG

d3kOS demo running on $root
  curl http://127.0.0.1:$export_port/export/status
  curl -OJ http://127.0.0.1:$export_port/export/boatlog/csv
  curl -X POST http://127.0.0.1:$backup_port/api/backup/create
The CLI on the same root (from $PWD):
  D3KOS_FS_ROOT=$root Backup__ServiceCommand=$Backup__ServiceCommand dotnet src/D3kos.BackupCli/bin/Release/net10.0/d3kos-backup.dll list
Ctrl-C to stop.
MSG
wait
