#!/usr/bin/env bash
# Creates a d3kOS backup. A thin wrapper: all the work is in d3kos-backup (same library as the API).
set -euo pipefail
exec "${D3KOS_BACKUP_BIN:-/opt/d3kos/bin/d3kos-backup}" create "$@"
