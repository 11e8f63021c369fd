#!/usr/bin/env bash
# How to feed restic a backup, measured on the season's tree (the decision in docs/copies.md rests on it):
#   A. restic backup --stdin of the backup's tar (its gzip undone as it is read): one file per snapshot;
#   B. restic backup of the sources staged from the backup (tar xzf into a folder; with --ignore-inode and
#      --ignore-ctime, so its file cache skips the files a new staging did not change).
# Each way: a first copy, then the second after the boat log grew by 10,000 entries; bytes sent to the
# bucket (a counting proxy in front of a throw-away Ceph RADOS Gateway) and wall time, plus restic's peak RSS.
#   bench/restic-feeding.sh [--entries N] [--images-mb N]     (default: the season's tree, 1,000,000 and 40)
# Needs root, restic, sqlite3, python3, radosgw ceph-mon ceph-osd ceph-common.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
entries=1000000; images=40
while [ $# -gt 0 ]; do
    case "$1" in
        --entries) entries="$2"; shift 2 ;;
        --images-mb) images="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
work="$(mktemp -d /tmp/d3kos-feeding-XXXXXX)"
proxy_pid=""
cleanup() {
    [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null
    "$repo/tests/lib/ceph-rgw.sh" stop "$work/ceph" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
s3_port=${BENCH_S3_PORT:-$((20000 + RANDOM % 20000))} key=FEEDINGACCESSKEY secret=feeding-secret-key-0123456789
dotnet build "$repo/D3kos.sln" -c Release --nologo -v quiet >/dev/null
root="$work/root"
dotnet "$repo/src/D3kos.Demo/bin/Release/net10.0/d3kos-demo-seed.dll" "$root" --entries "$entries" --images-mb "$images" >/dev/null
cli=(env D3KOS_FS_ROOT="$root" Backup__ServiceCommand=/bin/true Backup__Keep=100 dotnet "$repo/src/D3kos.BackupCli/bin/Release/net10.0/d3kos-backup.dll")
"${cli[@]}" create >/dev/null
first=$(ls "$root"/opt/d3kos/backups/d3kos_backup_*.tar.gz | head -1)
sleep 1 # the next backup's name is a second later
db=$(find "$root" -name boatlog.db | head -1)
sqlite3 "$db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
    INSERT INTO boatlog_entries SELECT (SELECT max(entry_id) FROM boatlog_entries) + i, '2026-10-01T08:00:00', 'position',
    'Entry ' || i || ' of the new day, under way at 6.2 knots', 43.55 + i / 1e5, -79.52, 'calm' FROM n;"
"${cli[@]}" create >/dev/null
second=$(ls "$root"/opt/d3kos/backups/d3kos_backup_*.tar.gz | tail -1)
"$repo/tests/lib/ceph-rgw.sh" start "$work/ceph" "$s3_port" $((s3_port + 1)) "$key" "$secret" >/dev/null
python3 "$repo/bench/lib/counting-proxy.py" $((s3_port + 2)) "$s3_port" "$work/sent" & proxy_pid=$!
for _ in $(seq 100); do [ -f "$work/sent" ] && break; sleep 0.05; done
export AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" RESTIC_PASSWORD=feeding-bench-passphrase
url="s3:http://127.0.0.1:$((s3_port + 2))/feeding"
curl -fsS --aws-sigv4 "aws:amz:us-east-1:s3" --user "$key:$secret" -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
    -X PUT "http://127.0.0.1:$s3_port/feeding" >/dev/null
mb() { awk -v a="$1" 'BEGIN { printf "%.1f MB", a / 1000000 }'; }
# measure LABEL CMD: runs CMD, prints "seconds bytes-sent peak-KB-of-restic"
measure() {
    local before after start end
    before=$(cat "$work/sent"); start=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$work/rss" bash -c "$1" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    end=$(date +%s.%N); after=$(cat "$work/sent")
    echo "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') $((after - before)) $(tail -1 "$work/rss")"
}
restic -r "$url/stdin" init --repository-version 2 -q
restic -r "$url/staged" init --repository-version 2 -q
stdin_copy() { echo "zcat $1 | restic -r $url/stdin --cache-dir $work/cache backup -q --stdin --stdin-filename $(basename "$1" .gz)"; }
staged_copy() { echo "rm -rf $work/stage && mkdir $work/stage && tar xzf $1 -C $work/stage && cd $work/stage && restic -r $url/staged --cache-dir $work/cache backup -q --ignore-inode --ignore-ctime --host feeding ."; }
read -r a1t a1b a1m < <(measure "$(stdin_copy "$first")")
read -r a2t a2b a2m < <(measure "$(stdin_copy "$second")")
read -r b1t b1b b1m < <(measure "$(staged_copy "$first")")
read -r b2t b2b b2m < <(measure "$(staged_copy "$second")")
echo "feeding: tree $(du -sb "$root" --exclude=opt/d3kos/backups | cut -f1 | xargs -I{} awk -v a={} 'BEGIN { printf "%.1f MB", a / 1000000 }'), backup $(mb "$(stat -c %s "$first")"), $(nproc) cores"
echo "| way of feeding restic | first copy: sent, time | second copy (+10,000 boat-log entries): sent, time | restic peak RSS |"
echo "| --- | --- | --- | --- |"
echo "| A. --stdin, the backup's tar | $(mb "$a1b"), $a1t s | $(mb "$a2b") ($(awk -v a="$a2b" -v b="$a1b" 'BEGIN { printf "%.1f%%", 100 * a / b }')), $a2t s | $((a1m / 1024)) / $((a2m / 1024)) MB |"
echo "| B. the sources staged from the backup | $(mb "$b1b"), $b1t s | $(mb "$b2b") ($(awk -v a="$b2b" -v b="$b1b" 'BEGIN { printf "%.1f%%", 100 * a / b }')), $b2t s | $((b1m / 1024)) / $((b2m / 1024)) MB |"
