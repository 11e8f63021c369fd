#!/usr/bin/env bash
# Writes an nginx configuration that serves the project's snippet on a loopback port from a scratch folder,
# as the helm's site does, for the demo and the tests (no /etc/nginx changes, nothing outside WORK):
#   scripts/scratch-nginx-conf.sh WORK PORT EXPORT_SOCKET BACKUP_SOCKET PAGE_FOLDER [EXTRA_CONF]
# EXPORT_SOCKET and BACKUP_SOCKET are the Unix sockets the services listen on for nginx (give each service
# --urls "http://127.0.0.1:PORT;http://unix:SOCKET"), as systemd's /run/d3kos/*.sock on the Pi.
# It writes WORK/snippet.conf (the snippet pointed at those sockets and the page folder) and WORK/nginx.conf
# (EXTRA_CONF, when given, is included inside http { }: another site, say). D3KOS_SNIPPET names the snippet
# to use (default the repository's; the end-to-end run gives the installed one). Start it with
#   nginx -c WORK/nginx.conf -p WORK/nginx      and stop it with the pid in WORK/nginx.pid.
set -euo pipefail
work="$1" port="$2" export_socket="$3" backup_socket="$4" page="$5" extra="${6:-}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$work/nginx"
sed -e "s|unix:/run/d3kos/export-manager.sock:|unix:$export_socket:|" -e "s|unix:/run/d3kos/backup-api.sock:|unix:$backup_socket:|" \
    -e "s|alias /usr/share/d3kos/www/|alias \"${page%/}/\"|" "${D3KOS_SNIPPET:-$repo/nginx/d3kos-data-services.conf}" > "$work/snippet.conf"
# As root, workers run as root too: the scratch folders are 0700 temp folders nginx's usual user cannot enter.
cat > "$work/nginx.conf" <<CONF
$([ "$(id -u)" -eq 0 ] && echo "user root;")
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    access_log $work/nginx-access.log;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server {
        listen 127.0.0.1:$port;
        include $work/snippet.conf;
    }
$([ -n "$extra" ] && echo "    include $extra;")
}
CONF
