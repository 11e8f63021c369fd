#!/usr/bin/env bash
# Stands in for systemctl in the demo: records "stop|start SERVICE" next to the demo root.
echo "$(date -u +%FT%TZ) $1 $2" >> "${D3KOS_FS_ROOT:-.}/demo-service-commands.log"
