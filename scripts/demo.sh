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

for url in "http://127.0.0.1:$export_port/health" "http://127.0.0.1:$backup_port/health"; do
    for _ in $(seq 100); do curl -fs "$url" >/dev/null && break; sleep 0.2; done
done
cat <<MSG

d3kOS demo running on $root
  curl http://127.0.0.1:$export_port/export/status
  curl -OJ http://127.0.0.1:$export_port/export/boatlog/csv
  curl -X POST http://127.0.0.1:$backup_port/api/backup/create
Ctrl-C to stop.
MSG
wait
