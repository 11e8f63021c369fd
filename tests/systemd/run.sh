#!/usr/bin/env bash
# The product under a real systemd: a Debian bookworm root made with debootstrap, booted with
# systemd-nspawn (systemd as PID 1, its own journald, private network), the real installer run inside
# it with the AOT binaries, then the units' sandbox (ProtectSystem=strict, the d3kos user, ReadWritePaths)
# meets the product: backup, restore, export and a WAL-mode boat log through the container's nginx,
# Restart=on-failure after kill -9, errors found with journalctl -p err, and a power-cycle.
#   tests/systemd/run.sh --bin DIR [--base DIR]
# DIR: linux-x64 binaries from deploy/publish.sh. --base: an already debootstrapped root to copy
# (saves ~3 minutes when iterating). Prints "systemd: N passed, N failed" (", 1 skipped" and the reason
# when this host cannot boot a container: never counted as passed). Needs root, debootstrap,
# systemd-container (systemd-nspawn) and the Debian mirror the host's apt uses.
set -uo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
bin=""
base=""
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) bin="$2"; shift 2 ;;
        --base) base="$2"; shift 2 ;;
        *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
# A run killed outright (SIGKILL) leaves its ~300 MB root behind: clear those first.
rm -rf /tmp/d3kos-systemd-*
work="$(mktemp -d /tmp/d3kos-systemd-XXXXXX)"
machine="$work/root"
passed=0
failed=0
nspawn=""
leader=""

stop_container() {  # poweroff from inside, then TERM, then KILL: never more than ~80 s
    [ -n "$nspawn" ] || return 0
    if kill -0 "$nspawn" 2>/dev/null && [ -n "$leader" ]; then
        timeout 10 nsenter -t "$leader" -a systemctl poweroff >/dev/null 2>&1
        for _ in $(seq 300); do kill -0 "$nspawn" 2>/dev/null || break; sleep 0.2; done
    fi
    if kill -0 "$nspawn" 2>/dev/null; then
        kill -TERM "$nspawn" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$nspawn" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$nspawn" 2>/dev/null
    fi
    wait "$nspawn" 2>/dev/null
    nspawn=""
}
cleanup() {
    stop_container
    rm -rf "$work"
}
trap cleanup EXIT

skip() { echo "systemd: skipped: $1"; echo "systemd: 0 passed, 0 failed, 1 skipped"; exit 0; }
source "$repo/tests/lib/checks.sh"
finish() { echo "systemd: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
inside() { nsenter -t "$leader" -a "$@"; }

[ "$(id -u)" -eq 0 ] || skip "needs root to boot a container"
for tool in systemd-nspawn debootstrap nsenter; do
    command -v "$tool" >/dev/null || skip "$tool is missing (apt-get install -y debootstrap systemd-container)"
done
[ -n "$bin" ] && [ -x "$bin/d3kos-backup-api" ] || { echo "run.sh: --bin DIR with the linux-x64 binaries is required" >&2; exit 2; }

# 1. A bookworm root, from the mirror the host's apt already uses.
echo "systemd: making a bookworm root"
if [ -n "$base" ]; then
    cp -a "$base" "$machine"
else
    # Debian's own archive among the configured sources (not -security, not a third party's repository).
    mirror="$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
        | awk '{print $2}' | grep -E '/debian/?$' | grep -v security | head -1)"
    mirror="${mirror:-http://deb.debian.org/debian}"
    timeout 900 debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,nginx,curl,jq,sqlite3 bookworm "$machine" "$mirror" \
        >"$work/debootstrap.log" 2>&1 || { tail -5 "$work/debootstrap.log"; echo "systemd: debootstrap of bookworm from $mirror failed (see above)"; echo "systemd: 0 passed, 1 failed"; exit 1; }
fi

# 2. The product and a boat's data, as an owner would have them before installing.
mkdir -p "$machine/root/d3kos/bin"
cp -a "$repo/deploy" "$repo/nginx" "$repo/web" "$repo/README.md" "$repo/docs" "$machine/root/d3kos/"
cp -a "$bin"/. "$machine/root/d3kos/bin/"
# A season's boat log: the exports below run inside the unit's MemoryMax=160M.
rows=1000000
dotnet "$repo/src/D3kos.Demo/bin/Release/net10.0/d3kos-demo-seed.dll" "$machine" --entries "$rows" --images-mb 4 >/dev/null
# The boat log's writer uses WAL, and has closed: no -shm is left, and the folder is root's (read-only to d3kos).
chroot "$machine" sqlite3 /opt/d3kos/data/boatlog/boatlog.db 'PRAGMA journal_mode=WAL;' >/dev/null

boot() {  # boot NAME: start the container and wait until systemd says it is up
    systemd-nspawn -b -D "$machine" --register=no --keep-unit --private-network --console=passive >"$work/nspawn-$1.log" 2>&1 &
    nspawn=$!
    leader=""
    for _ in $(seq 100); do
        for child in $(pgrep -P "$nspawn") $(pgrep -P "$(pgrep -P "$nspawn" | head -1)" 2>/dev/null); do
            [ "$(cat "/proc/$child/comm" 2>/dev/null)" = systemd ] && leader=$child
        done
        [ -n "$leader" ] && break
        sleep 0.1
    done
    [ -n "$leader" ] || return 1
    for _ in $(seq 120); do
        state="$(inside systemctl is-system-running 2>/dev/null)"
        case "$state" in running|degraded) return 0 ;; esac
        sleep 0.5
    done
    return 1
}

echo "systemd: booting"
start=$(date +%s%N)
if ! boot first; then
    tail -20 "$work/nspawn-first.log"
    skip "this host cannot boot a container with systemd-nspawn (cgroup or namespace limits); see the log above"
fi
echo "systemd: up in $(( ($(date +%s%N) - start) / 1000000 )) ms"

# 3. The real installer, as on a Pi.
check "the installer runs under systemd and starts both units" inside /root/d3kos/deploy/install.sh --bin /root/d3kos/bin --with-nginx-site
check "both units are active (Type=notify reached READY)" inside systemctl is-active d3kos-export-manager d3kos-backup-api nginx
token="$(cat "$machine/opt/d3kos/config/api-token")"
auth="Authorization: Bearer $token"
base_url="http://127.0.0.1"
check "the export manager's process runs as d3kos" bash -c \
    "[ \"\$(nsenter -t $leader -a sh -c 'stat -c %U /proc/\$(systemctl show -p MainPID --value d3kos-export-manager)')\" = d3kos ]"

# 4a. The ports are PID 1's (the .socket units): while a service restarts, a process of another user keeps
# trying to take its port and never gets it, and a request sent meanwhile is answered by the service.
cat > "$machine/usr/local/lib/take-ports.pl" <<'PERL'
use IO::Socket::INET;
$| = 1; print "trying\n";
my $end = time + 7; my $bound = 0;
while (time < $end) {
    for my $port (8094, 8100) {
        my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $port, Listen => 5, ReuseAddr => 1);
        if ($s) { print "took $port\n"; $bound = 1; close $s; }
    }
    select(undef, undef, undef, 0.001);
}
exit $bound;
PERL
# A request the old process accepted as it stopped is closed unanswered (curl 52): curl retries, as a
# client of a restarting service does; no other process can be the one that answers.
check "while both restart, a process of another user never takes their ports and a request is answered by the service" bash -c \
    "nsenter -t $leader -a setpriv --reuid=nobody --regid=nogroup --clear-groups perl /usr/local/lib/take-ports.pl > $work/take-ports.out 2>&1 & taker=\$!; \
     for i in \$(seq 100); do grep -q trying $work/take-ports.out && break; sleep 0.05; done; \
     grep -q trying $work/take-ports.out || { cat $work/take-ports.out; exit 1; }; \
     nsenter -t $leader -a systemctl restart d3kos-backup-api d3kos-export-manager & restart=\$!; r=0; \
     nsenter -t $leader -a curl -fsS --retry 10 --retry-all-errors --max-time 60 http://127.0.0.1:8100/health | grep -q backup-api || r=1; \
     nsenter -t $leader -a curl -fsS --retry 10 --retry-all-errors --max-time 60 http://127.0.0.1:8094/health | grep -q export-manager || r=1; \
     wait \$restart || r=1; wait \$taker || { cat $work/take-ports.out; r=1; }; [ \$r = 0 ] && ! grep -q took $work/take-ports.out"
# 4b. A flood of half-sent requests on the loopback port, as nobody: the backup API's memory stays flat and
# the owner's page, through nginx, is answered all the while (ServiceListening, ConnectionCaps).
cat > "$machine/usr/local/lib/flood.pl" <<'PERL'
use IO::Socket::INET; $SIG{PIPE} = 'IGNORE'; $| = 1;
my $headers = "GET /api/backup/list HTTP/1.1\r\nHost: helm\r\n" . join("", map { "X-Filler-$_: " . ("a" x 1000) . "\r\n" } 1 .. 24);
my @held;
my $refused = 0;
for my $n (1 .. 4000) {
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => 8100, Timeout => 2);
    if (!$s) { $refused++; next; }
    print $s $headers; push @held, $s;
    print "connected $n at " . time . ", $refused refused\n" if $n % 500 == 0;
}
print "flooding\n"; sleep 6;
PERL
check "4000 half-sent requests as nobody: the backup API stays within half its MemoryMax and nginx answers" bash -c \
    "pid=\$(nsenter -t $leader -a systemctl show -p MainPID --value d3kos-backup-api) && \
     before=\$(nsenter -t $leader -a awk '/VmHWM/ {print \$2}' /proc/\$pid/status) && [ -n \"\$before\" ] || exit 1; \
     nsenter -t $leader -a setpriv --reuid=nobody --regid=nogroup --clear-groups prlimit --nofile=8192 perl /usr/local/lib/flood.pl > $work/flood.out 2>&1 & flood=\$!; \
     for i in \$(seq 600); do grep -q flooding $work/flood.out && break; sleep 0.1; done; \
     grep -q flooding $work/flood.out || { echo 'the flood did not get going:'; cat $work/flood.out; nsenter -t $leader -a systemctl status --no-pager d3kos-backup-api | head -5; exit 1; }; \
     nsenter -t $leader -a curl -fsS --max-time 30 $base_url/api/backup/list | jq -e 'type == \"array\"' >/dev/null || exit 1; \
     after=\$(nsenter -t $leader -a awk '/VmHWM/ {print \$2}' /proc/\$pid/status) && [ -n \"\$after\" ] || exit 1; \
     wait \$flood; echo \"backup API peak RSS \$((before / 1024)) MB idle, \$((after / 1024)) MB in the flood\"; \
     [ \"\$after\" -lt 131072 ]"
check "nginx's ways in are sockets only root and nginx's group may open" bash -c \
    "[ \"\$(nsenter -t $leader -a stat -c '%a %U %G' /run/d3kos/backup-api.sock /run/d3kos/export-manager.sock | sort -u)\" = '660 root www-data' ]"

# 4. The product through the container's nginx, inside the units' sandbox.
check "status through nginx" bash -c "nsenter -t $leader -a curl -fsS --max-time 120 $base_url/export/status | jq -e '.success and .can_export'"
check "the owner's page is served by the container's nginx from /usr/share/d3kos/www" bash -c "nsenter -t $leader -a curl -fsS --max-time 60 $base_url/d3kos/ | grep 'Data &amp; Backups' >/dev/null"
# The session is a file the root backup API writes and the export manager (d3kos, sandboxed) must be able to read.
check "a pairing link signs in; the export manager (user d3kos) accepts the root backup API's session" bash -c \
    "code=\$(nsenter -t $leader -a d3kos-backup pair $base_url | grep -o 'pair=[A-Za-z0-9_-]*' | cut -d= -f2) && \
     nsenter -t $leader -a curl -fsS --max-time 60 -c /tmp/browser-cookies -H 'Content-Type: application/json' -d \"{\\\"pairing_code\\\":\\\"\$code\\\"}\" $base_url/api/backup/session > $work/session.json && jq -e .signed_in $work/session.json && \
     nsenter -t $leader -a curl -fsS --max-time 120 -b /tmp/browser-cookies -o /tmp/browser.csv \"$base_url/export/boatlog/csv?key=\$(jq -r .page_keys.export $work/session.json)\" && \
     nsenter -t $leader -a head -1 /tmp/browser.csv | grep -q '^Timestamp,Type'"
check "a full export of a WAL-mode boat log (no -shm, folder read-only to d3kos) has every row and no warnings" bash -c \
    "nsenter -t $leader -a curl -fsS --max-time 120 -X POST -H '$auth' $base_url/export/generate > $work/generate.json && jq -e '.success and (.warnings | length == 0)' $work/generate.json && \
     gzip -dc '$machine/opt/d3kos/data/exports/exports/'\$(jq -r .export_file $work/generate.json) | jq -e '.data.boatlog.entry_count == $rows'"
check "the boat-log CSV of that WAL log through nginx has every row" bash -c \
    "[ \$(nsenter -t $leader -a curl -fsS --max-time 120 -H '$auth' $base_url/export/boatlog/csv | grep -c \$'\\r\$') -eq $((rows + 1)) ]"
check "the boat log's folder got no -shm or -wal from the reader" bash -c "[ ! -e '$machine/opt/d3kos/data/boatlog/boatlog.db-shm' ] && [ ! -e '$machine/opt/d3kos/data/boatlog/boatlog.db-wal' ]"
# A Signal K plugin's database as on a Pi: the d3kos user's, in the d3kos user's home. The backup API reads
# it with that user's file rights (setfsuid on one thread, CAP_SETUID and CAP_SETGID in the unit): a unit
# without them fails the backup below.
chroot "$machine" sqlite3 /home/d3kos/.signalk/plugin.db 'PRAGMA journal_mode=WAL; CREATE TABLE t(v); INSERT INTO t VALUES (42);' >/dev/null
inside chown -R d3kos:d3kos /home/d3kos
check "backup create through nginx" bash -c "nsenter -t $leader -a curl -fsS --max-time 120 -X POST -H '$auth' $base_url/api/backup/create > $work/create.json && jq -e '.success' $work/create.json"
name="$(jq -r .backup_file "$work/create.json" 2>/dev/null)"
check "the backup is listed, downloads byte-identical and verifies, through nginx" bash -c \
    "nsenter -t $leader -a curl -fsS --max-time 120 $base_url/api/backup/list | jq -e --arg n '$name' '.[0].filename == \$n' && \
     nsenter -t $leader -a curl -fsS --max-time 120 -H '$auth' $base_url/api/backup/download/$name > $work/download.tar.gz && cmp $work/download.tar.gz '$machine/opt/d3kos/backups/$name' && \
     nsenter -t $leader -a curl -fsS --max-time 120 -H '$auth' $base_url/api/backup/verify/$name | jq -e '.valid'"
check "the d3kos user's plugin database is in the backup as a snapshot, read with the user's rights" bash -c \
    "tar -xzOf $work/download.tar.gz d3kos-backup.json | jq -e '[.files[] | select(.path == \"home/d3kos/.signalk/plugin.db\" and .sqlite_snapshot)] | length == 1'"
check "last export warnings are empty in the status" bash -c "nsenter -t $leader -a curl -fsS --max-time 120 $base_url/export/status | jq -e '.last_export_warnings == []'"
echo "changed after the backup" > "$machine/var/www/html/index.html"
check "restore through nginx, stopping and starting the export manager with systemctl" bash -c \
    "nsenter -t $leader -a curl -fsS --max-time 120 -H '$auth' -H 'Content-Type: application/json' -d '{\"backup_file\":\"$name\",\"confirm\":true}' $base_url/api/backup/restore > $work/restore.json && jq -e '.success' $work/restore.json && ! grep -q 'changed after the backup' '$machine/var/www/html/index.html'"
check "the export manager is running again after the restore" inside systemctl is-active d3kos-export-manager

# A USB stick mounted after the unit started (a tmpfs here), a copy target in /etc/d3kos/backup.json (the
# settings file the API and the CLI share): the copy is written through the unit's sandbox
# (ProtectSystem=strict, ReadWritePaths=-/media).
mkdir -p "$machine/etc/d3kos"
printf '{ "Backup": { "Targets": [ { "Name": "usb", "Path": "/media/usb" } ] } }\n' > "$machine/etc/d3kos/backup.json"
check "the backup API restarts with a copy target; the CLI sees the same target" bash -c \
    "nsenter -t $leader -a sh -c 'systemctl restart d3kos-backup-api && systemctl is-active d3kos-backup-api && /opt/d3kos/bin/d3kos-backup status' > $work/cli-status.out && grep -q '^Target usb: drive at /media/usb' $work/cli-status.out"
check "a stick mounted at /media/usb after the start takes an encrypted copy through nginx" bash -c \
    "nsenter -t $leader -a sh -c 'mkdir -p /media/usb && mount -t tmpfs -o size=1g tmpfs /media/usb' && \
     nsenter -t $leader -a curl -fsS --max-time 120 -X PUT -H '$auth' -H 'Content-Type: application/json' -d '{\"passphrase\":\"systemd stage passphrase\"}' $base_url/api/backup/passphrase | jq -e '.passphrase_set' && \
     nsenter -t $leader -a curl -fsS --max-time 120 -H '$auth' -H 'Content-Type: application/json' -d '{\"backup_file\":\"$name\",\"target\":\"usb\"}' $base_url/api/backup/copy > $work/copy.json && jq -e '.success and .encrypted' $work/copy.json && \
     nsenter -t $leader -a test -s /media/usb/d3kos-backups/$name.gpg"
check "the status shows the copy and the next automatic run" bash -c \
    "nsenter -t $leader -a curl -fsS --max-time 120 -H '$auth' $base_url/api/backup/status | jq -e '.targets[0].last_copy.succeeded and (.schedule.next_run | type == \"string\")'"

# 5. Restart=on-failure, and errors in the journal at their priority.
restarts_before="$(inside systemctl show -p NRestarts --value d3kos-export-manager)"
inside systemctl kill -s KILL d3kos-export-manager
check "kill -9 of the export manager: systemd restarts it" bash -c \
    "for i in \$(seq 60); do n=\$(nsenter -t $leader -a systemctl show -p NRestarts --value d3kos-export-manager); s=\$(nsenter -t $leader -a systemctl is-active d3kos-export-manager); [ \"\$n\" -gt $restarts_before ] && [ \"\$s\" = active ] && exit 0; sleep 0.5; done; exit 1"
echo '{ this is not a queue' > "$machine/opt/d3kos/data/exports/export_queue.json"
inside systemctl restart d3kos-export-manager
check "an error (a broken queue file) is found with journalctl -p err" bash -c \
    "for i in \$(seq 20); do nsenter -t $leader -a journalctl -p err -u d3kos-export-manager --no-pager | grep -q 'Queue file was broken' && exit 0; sleep 0.5; done; exit 1"
check "information lines are not at priority err" bash -c \
    "! nsenter -t $leader -a journalctl -p err -u d3kos-export-manager --no-pager | grep -q 'Queue loaded'"
check "a bad setting stops the unit for good (exit 78, RestartPreventExitStatus), naming the key" bash -c \
    "nsenter -t $leader -a mkdir -p /etc/systemd/system/d3kos-backup-api.service.d && \
     printf '[Service]\nEnvironment=Backup__Keep=abc\n' > '$machine/etc/systemd/system/d3kos-backup-api.service.d/bad.conf' && \
     nsenter -t $leader -a systemctl daemon-reload && { nsenter -t $leader -a systemctl restart d3kos-backup-api; sleep 2; \
     [ \"\$(nsenter -t $leader -a systemctl show -p ExecMainStatus --value d3kos-backup-api)\" = 78 ] && \
     nsenter -t $leader -a journalctl -p err -u d3kos-backup-api --no-pager | grep -q 'Invalid setting Backup:Keep'; }; r=\$?; \
     rm -f '$machine/etc/systemd/system/d3kos-backup-api.service.d/bad.conf'; nsenter -t $leader -a systemctl daemon-reload; \
     nsenter -t $leader -a systemctl reset-failed d3kos-backup-api; nsenter -t $leader -a systemctl start d3kos-backup-api; exit \$r"
# Exports to a fleet's bucket: the unit (user d3kos, sandboxed) must read the key root wrote for it, and
# stop for good, saying how to set it, while there is none. The endpoint is nobody's: only the start counts.
check "exports to s3://: without its secret key the export manager stops (78) saying how to set it; with it (0640 root:d3kos) the d3kos unit starts" bash -c \
    "nsenter -t $leader -a mkdir -p /etc/systemd/system/d3kos-export-manager.service.d && \
     printf '[Service]\nEnvironment=Central__Url=s3://fleet-exports/boats Central__Endpoint=http://127.0.0.1:9 Central__AccessKey=SYSTEMDSTAGEKEY\n' > '$machine/etc/systemd/system/d3kos-export-manager.service.d/s3.conf' && \
     nsenter -t $leader -a systemctl daemon-reload && { nsenter -t $leader -a systemctl restart d3kos-export-manager; sleep 2; \
     [ \"\$(nsenter -t $leader -a systemctl show -p ExecMainStatus --value d3kos-export-manager)\" = 78 ] && \
     nsenter -t $leader -a journalctl -p err -u d3kos-export-manager --no-pager | grep -q 'd3kos-backup central-secret set' && \
     echo 'systemd-stage-secret-key-0123' | nsenter -t $leader -a d3kos-backup central-secret set >/dev/null && \
     [ \"\$(nsenter -t $leader -a stat -c '%a %U %G' /var/lib/d3kos/central-secret-key)\" = '640 root d3kos' ] && \
     nsenter -t $leader -a systemctl reset-failed d3kos-export-manager && nsenter -t $leader -a systemctl start d3kos-export-manager && sleep 2 && \
     nsenter -t $leader -a systemctl is-active d3kos-export-manager; }; r=\$?; \
     rm -f '$machine/etc/systemd/system/d3kos-export-manager.service.d/s3.conf' '$machine/var/lib/d3kos/central-secret-key'; nsenter -t $leader -a systemctl daemon-reload; \
     nsenter -t $leader -a systemctl reset-failed d3kos-export-manager; nsenter -t $leader -a systemctl restart d3kos-export-manager; exit \$r"
check "the memory limits are the units' (MemoryMax 160M and 256M)" bash -c \
    "[ \"\$(nsenter -t $leader -a systemctl show -p MemoryMax --value d3kos-export-manager)\" = 167772160 ] && [ \"\$(nsenter -t $leader -a systemctl show -p MemoryMax --value d3kos-backup-api)\" = 268435456 ]"
if [[ "$(inside systemctl show -p MemoryCurrent --value d3kos-export-manager)" =~ ^[0-9]+$ ]]; then
    restarts="$(inside systemctl show -p NRestarts --value d3kos-export-manager)"
    check "a season's boat-log export ($rows rows) runs inside the unit's MemoryMax=160M: no OOM kill, no restart" bash -c \
        "nsenter -t $leader -a curl -fsS --max-time 120 -X POST -H '$auth' $base_url/export/boatlog | jq -e '.entry_count == $rows' && \
         [ \"\$(nsenter -t $leader -a systemctl show -p NRestarts --value d3kos-export-manager)\" = '$restarts' ] && \
         nsenter -t $leader -a systemctl is-active d3kos-export-manager"
else
    echo "systemd: no memory accounting in this container: MemoryMax is set but not enforced here (not counted)"
fi

# 6. Power-cycle: both come back by themselves.
inside systemctl poweroff >/dev/null 2>&1
for _ in $(seq 300); do kill -0 "$nspawn" 2>/dev/null || break; sleep 0.2; done
check "the container powered off within 60 s" bash -c "! kill -0 $nspawn 2>/dev/null"
stop_container
start=$(date +%s%N)
if boot second; then
    check "after a power-cycle both answer through nginx without any command" bash -c \
        "for i in \$(seq 60); do nsenter -t $leader -a curl -fsS --max-time 120 $base_url/export/status >/dev/null && nsenter -t $leader -a curl -fsS --max-time 120 $base_url/api/backup/list >/dev/null && exit 0; sleep 0.5; done; exit 1"
    echo "systemd: answering $(( ($(date +%s%N) - start) / 1000000 )) ms after the second boot began"
else
    failed=$((failed + 1)); echo "  FAIL  the container boots a second time"
fi
stop_container
finish
