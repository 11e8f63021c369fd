#!/usr/bin/env bash
# Restores a d3kOS backup: without a file it lists the backups; without --yes it asks on the terminal.
# A thin wrapper: all the work is in d3kos-backup (same library as the API).
set -euo pipefail
exec "${D3KOS_BACKUP_BIN:-/opt/d3kos/bin/d3kos-backup}" restore "$@"
