#!/usr/bin/env bash
# Benchmarks the shipped (Native AOT) programs against the public tools they replace or compete
# with, side by side in one run, and prints a table of ratios. Deterministic workload, scratch root.
#   bench/run.sh [--quick | --scale] [--bin DIR] [--out FILE]
#     default: ~170 MB tree (1,000,000 boat-log entries, 40 MB of images)
#     --quick: 100,000 entries, 4 MB of images        --scale: 6,000,000 entries, 240 MB (~1 GB tree)
#     --signalk N: also a Signal K plugin tree of N small files (0.2–6 KB), backed up and restored alone
#     --signalk-only: only that part       --signalk-on DIR: that tree (and tar's copy) in DIR, e.g. /dev/shm
#     --signalk-card: that tree on a journalled ext4 image mounted here, as a Pi's card is formatted (root):
#                     the build machines' own disk is ext4 without a journal, where creating files soon after
#                     deleting as many costs far more (the allocator skips recently deleted inodes)
#     --csv-only: only the boat-log CSV downloads (in and out of time order)
#     --backup-only: only backup create, verify, restore and the encrypted copies (to a drive; to S3 storage
#                    and back when radosgw is installed: apt-get install -y radosgw ceph-mon ceph-osd ceph-common;
#                    repository copies too when restic and python3 are: apt-get install -y restic)
# Needs: hyperfine pigz sqlite3 curl jq nginx (apt-get install -y hyperfine pigz sqlite3 curl jq nginx)
# and, unless --bin is given, what deploy/publish.sh needs (clang zlib1g-dev).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
entries=1000000; images=40; runs=5; mode=full; bin=""; out=""; signalk=0; signalk_only=false; signalk_on=""; signalk_card=false; csv_only=false; backup_only=false
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) entries=100000; images=4; runs=3; mode=quick; shift ;;
        --scale) entries=6000000; images=240; runs=2; mode=scale; shift ;;
        --bin) bin="$2"; shift 2 ;;
        --signalk) signalk="$2"; shift 2 ;;
        --signalk-only) signalk_only=true; shift ;;
        --signalk-on) signalk_on="$2"; shift 2 ;;
        --signalk-card) signalk_card=true; shift ;;
        --csv-only) csv_only=true; shift ;;
        --backup-only) backup_only=true; shift ;;
        --out) out="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
for tool in hyperfine pigz sqlite3 curl jq nginx tar; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install -y $tool)" >&2; exit 1; }
done
work="$(mktemp -d /tmp/d3kos-bench-XXXXXX)"
pids=()
mounted=()
cleanup() {
    for mount in "${mounted[@]}"; do umount -l "$mount" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
    wait 2>/dev/null || true
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
rows=()
row() { rows+=("| $1 | $2 | $3 | $4 |"); printf '  %-44s %-26s %-26s %s\n' "$1" "$2" "$3" "$4"; }
mean() { jq -r ".results[$2].mean" "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
secs() { awk -v a="$1" 'BEGIN { printf "%.3f s", a }'; }
mb() { awk -v a="$1" 'BEGIN { printf "%.1f MB", a / 1000000 }'; }
kib() { awk -v a="$1" 'BEGIN { printf "%.1f MB", a / 1024 }'; }  # KiB as the idle rows count (VmRSS / 1024)
# The restore's own lines give its phases: restore_phases OUTPUT prints "<downtime s> <answered after s> <safety backup s>":
# the services' downtime, the time until the restore answered with the services back, and the safety backup
# of the replaced state written after that (with the removal of the set-aside copy).
restore_phases() {
    local down answered kept
    read -r down answered < <(sed -n 's/.*down for \([0-9.]*\) s; the restore answered after \([0-9.]*\) s.*/\1 \2/p' <<<"$1")
    kept=$(sed -n 's/^Safety backup .* written in \([0-9.]*\) s.*/\1/p' <<<"$1")
    echo "$down $answered $kept"
}
peak_kb() {  # peak_kb CMD...: runs it and prints the most memory it held (VmHWM, KiB)
    "$@" >/dev/null 2>&1 &
    local pid=$! hwm=0 h
    while kill -0 "$pid" 2>/dev/null; do
        h=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null)
        [ -n "$h" ] && hwm=$h
        sleep 0.02
    done
    wait "$pid"
    echo "$hwm"
}
peak_tree_kb() {  # peak_tree_kb CMD...: runs it and prints the most memory it and its children (restic) held at once (sum of VmRSS, KiB)
    "$@" >/dev/null 2>&1 &
    local pid=$! peak=0 sum
    while kill -0 "$pid" 2>/dev/null; do
        sum=$(for p in $pid $(pgrep -P "$pid") $(pgrep -P "$(pgrep -P "$pid" | tr '\n' ',' | sed 's/,$//')" 2>/dev/null); do awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null; done | awk '{s += $1} END {print s + 0}')
        [ "$sum" -gt "$peak" ] && peak=$sum
        sleep 0.02
    done
    wait "$pid"
    echo "$peak"
}
# 2e. Repository copies (restic) to the S3 gateway of 2d, through a counting proxy: the first copy of the backup,
# then the next day's backup after the boat log grew by 10,000 entries, against 2d's whole-archive OpenPGP copy.
# The next day's backup is named a day later, so it is that day's snapshot (retention forgets none of the
# first week's). Then both kinds of copy of a third day's backup through a proxy held to a marina's Wi-Fi.
repository_rows() {
    python3 "$repo/bench/lib/counting-proxy.py" $((s3_port + 2)) "$s3_port" "$work/sent" & pids+=($!)
    # A marina's Wi-Fi: 2 MB/s up (16 Mbit/s), shared by every connection of the copy.
    python3 "$repo/bench/lib/counting-proxy.py" $((s3_port + 3)) "$s3_port" "$work/sent-wifi" 2000000 & pids+=($!)
    for _ in $(seq 100); do [ -f "$work/sent" ] && [ -f "$work/sent-wifi" ] && break; sleep 0.05; done
    repository_target() {  # repository_target N NAME PORT PREFIX [FORMAT]
        export "Backup__Targets__$1__Name=$2" "Backup__Targets__$1__Kind=s3" "Backup__Targets__$1__Format=${5:-repository}" \
            "Backup__Targets__$1__Endpoint=http://127.0.0.1:$3" "Backup__Targets__$1__Bucket=bench" "Backup__Targets__$1__Prefix=$4" \
            "Backup__Targets__$1__AccessKey=$s3_key" "Backup__Targets__$1__PathStyle=true"
        echo "$s3_secret" | "$bin/d3kos-backup" secret set "$2" >/dev/null
    }
    repository_target 2 vault $((s3_port + 2)) boats/repository/
    repository_target 3 fresh $((s3_port + 2)) boats/repository-peak/
    repository_target 4 vault-wifi $((s3_port + 3)) boats/repository/
    repository_target 5 shore-wifi $((s3_port + 3)) boats/wifi/ openpgp-file
    timed_copy() {  # timed_copy BACKUP TARGET COUNT_FILE: sets t (seconds) and b (bytes sent)
        local before start
        before=$(cat "$3"); start=$(date +%s.%N)
        "$bin/d3kos-backup" copy "$1" --to "$2" >/dev/null
        t=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }'); b=$(($(cat "$3") - before))
    }
    next_day() {  # next_day DAYS: the boat log grows by 10,000 entries; a backup named (so dated) DAYS after the first, as that day's is
        sqlite3 "$root/opt/d3kos/data/boatlog/boatlog.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
            INSERT INTO boatlog_entries SELECT (SELECT max(entry_id) FROM boatlog_entries) + i, '2026-10-01T08:00:00', 'position',
            'Entry ' || i || ' of the new day, under way at 6.2 knots', 43.55 + i / 1e5, -79.52, 'calm' FROM n;"
        "$bin/d3kos-backup" create >/dev/null
        local made; made=$(basename "$(ls -t "$backups"/d3kos_backup_*.tar.gz | head -1)")
        day=$(date -u -d "$(echo "$name" | sed -E 's/d3kos_backup_([0-9]{8})_([0-9]{2})([0-9]{2})([0-9]{2}).*/\1 \2:\3:\4/') UTC + $1 day" +d3kos_backup_%Y%m%d_%H%M%S.tar.gz)
        mv "$backups/$made" "$backups/$day"; mv "$backups/$made.sha256" "$backups/$day.sha256" 2>/dev/null || true
    }
    local t b t_r1 t_r2 b_r1 b_r2 next r1_kb r2_kb day t_wo b_wo t_wr b_wr
    timed_copy "$name" vault "$work/sent"; t_r1=$t; b_r1=$b
    next_day 1; next=$day
    timed_copy "$next" vault "$work/sent"; t_r2=$t; b_r2=$b
    row "repository copy to S3, first (restic; sent)" "ours $(secs "$t_r1"), $(mb "$b_r1")" "OpenPGP copy $(secs "$t_pc"), $(mb "$s_ours")" "$(ratio "$t_r1" "$t_pc") time (target <= 1.30x), $(ratio "$b_r1" "$s_ours") size (target <= 1.10x)"
    row "repository copy, next day (+10,000 entries)" "ours $(secs "$t_r2"), $(mb "$b_r2")" "first $(mb "$b_r1")" "$(ratio "$b_r2" "$b_r1") of its bytes (target <= 0.05x), $(ratio "$t_r2" "$t_pc") of the OpenPGP copy's time (target <= 0.50x)"
    # The same two copies into a new repository, for the peak of the copy and restic together (polling
    # the processes every 20 ms costs CPU, so the times above are from runs without it). The staging
    # folder goes first, so the first copy unpacks the whole backup again, as a first copy does.
    rm -rf "$backups/.restic-staging"
    r1_kb=$(peak_tree_kb "$bin/d3kos-backup" copy "$name" --to fresh)
    r2_kb=$(peak_tree_kb "$bin/d3kos-backup" copy "$next" --to fresh)
    row "repository copy peak RSS, CLI + restic" "$((r1_kb / 1024)) MB / $((r2_kb / 1024)) MB" "" "first / next day, target <= 128 MB"
    # Over the marina's Wi-Fi: the day after, the whole-archive OpenPGP copy against the repository's copy.
    next_day 2
    timed_copy "$day" shore-wifi "$work/sent-wifi"; t_wo=$t; b_wo=$b
    timed_copy "$day" vault-wifi "$work/sent-wifi"; t_wr=$t; b_wr=$b
    row "over 16 Mbit/s Wi-Fi: a day's copy to S3" "repository $(secs "$t_wr"), $(mb "$b_wr")" "OpenPGP copy $(secs "$t_wo"), $(mb "$b_wo")" "$(ratio "$t_wr" "$t_wo") of the OpenPGP copy's time (target <= 0.50x)"
    for n in 2 3 4 5; do
        unset "Backup__Targets__${n}__Name" "Backup__Targets__${n}__Kind" "Backup__Targets__${n}__Format" "Backup__Targets__${n}__Endpoint" \
            "Backup__Targets__${n}__Bucket" "Backup__Targets__${n}__Prefix" "Backup__Targets__${n}__AccessKey" "Backup__Targets__${n}__PathStyle"
    done
}
wait_port() { for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$1/health" && return 0; sleep 0.05; done; return 1; }

echo "bench: building ($mode: $entries entries, $images MB of images)"
dotnet build "$repo/D3kos.sln" -c Release --nologo -v quiet >/dev/null
if [ -z "$bin" ]; then
    bin="$work/bin"
    "$repo/deploy/publish.sh" --out "$bin" >"$work/publish.log" 2>&1 || { cat "$work/publish.log"; exit 1; }
fi
root="$work/root"
dotnet "$repo/src/D3kos.Demo/bin/Release/net10.0/d3kos-demo-seed.dll" "$root" --entries "$entries" --images-mb "$images" >/dev/null
tree_bytes=$(du -sb "$root" | cut -f1)
export D3KOS_FS_ROOT="$root" Backup__ServiceCommand=/bin/true Backup__Keep=100 Auth__AllowUnauthenticatedLoopback=true
backups="$root/opt/d3kos/backups"
echo "bench: machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "bench: tree $(mb "$tree_bytes")"
echo

if ! $signalk_only && ! $csv_only; then
# 1. Backup create against tar czf and tar -I pigz, same tree, same run.
cd "$root"
hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/backup.json" \
    --prepare "rm -rf $work/t.tgz $work/p.tgz $backups" \
    "tar czf $work/t.tgz opt var home" \
    "tar -I pigz -cf $work/p.tgz opt var home" \
    "$bin/d3kos-backup create" >"$work/hyperfine-backup.txt" 2>&1
# hyperfine's --prepare removed the other commands' archives: make each once more for the sizes.
rm -rf "$backups"
tar czf "$work/t.tgz" opt var home
tar -I pigz -cf "$work/p.tgz" opt var home
"$bin/d3kos-backup" create >/dev/null
cd "$repo"
ours=$(ls "$backups"/d3kos_backup_*.tar.gz | head -1)
t_tar=$(mean "$work/backup.json" 0); t_pigz=$(mean "$work/backup.json" 1); t_ours=$(mean "$work/backup.json" 2)
s_tar=$(stat -c %s "$work/t.tgz"); s_pigz=$(stat -c %s "$work/p.tgz"); s_ours=$(stat -c %s "$ours")
row "backup create, wall time" "ours $(secs "$t_ours")" "pigz $(secs "$t_pigz"), tar czf $(secs "$t_tar")" "$(ratio "$t_ours" "$t_pigz") of pigz (target <= 1.00x), $(ratio "$t_tar" "$t_ours") faster than tar czf (target >= 2.5x)"
row "backup create, archive size" "ours $(mb "$s_ours")" "tar czf $(mb "$s_tar"), pigz $(mb "$s_pigz")" "$(ratio "$s_ours" "$s_tar") of tar czf (target <= 1.02x)"

# 2. Verify and restore against tar xzf of the same archive.
name=$(basename "$ours")
hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/restore.json" \
    --prepare "bash -c 'rm -rf $work/x; mkdir $work/x'" \
    "tar xzf $ours -C $work/x" \
    "$bin/d3kos-backup verify $name" \
    "$bin/d3kos-backup restore $name --yes" \
    "bash -c 'tar xzf $ours -C $work/x && sync'" >"$work/hyperfine-restore.txt" 2>&1
t_x=$(mean "$work/restore.json" 0); t_v=$(mean "$work/restore.json" 1); t_r=$(mean "$work/restore.json" 2); t_xs=$(mean "$work/restore.json" 3)
row "verify (all checksums)" "ours $(secs "$t_v")" "tar xzf $(secs "$t_x")" "$(ratio "$t_v" "$t_x") of tar xzf"
# A restore answers once its files are on disk (syncfs); tar xzf does not wait for that, tar xzf && sync does.
# The command ends once the safety backup of the replaced state is written too: that is the whole restore.
# The owner has the boat back when the restore answers (its own line says when), three runs, the median.
answered=(); downs=(); keeps=()
for _ in 1 2 3; do
    sync
    read -r r_down r_answered r_kept < <(restore_phases "$("$bin/d3kos-backup" restore "$name" --yes)")
    answered+=("$r_answered"); downs+=("$r_down"); keeps+=("$r_kept")
done
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
r_answered=$(median "${answered[@]}"); r_down=$(median "${downs[@]}"); r_kept=$(median "${keeps[@]}")
row "restore, until answered with the services back" "ours $(secs "$r_answered")" "tar xzf $(secs "$t_x"), && sync $(secs "$t_xs")" "$(ratio "$r_answered" "$t_x") of tar xzf (target <= 1.30x), $(ratio "$r_answered" "$t_xs") of tar xzf && sync"
row "restore, whole (with the durable safety backup)" "ours $(secs "$t_r")" "tar xzf $(secs "$t_x"), && sync $(secs "$t_xs")" "$(ratio "$t_r" "$t_x") of tar xzf, $(ratio "$t_r" "$t_xs") of tar xzf && sync; safety backup $(secs "$r_kept") after the answer"
row "restore: services down" "$(secs "$r_down")" "" "target < 1 s"

# 2b. Peak memory of backup and restore at this size (the backup API's unit: MemoryMax=256M).
create_kb=$(peak_kb "$bin/d3kos-backup" create)
newest=$(basename "$(ls -t "$backups"/d3kos_backup_*.tar.gz | head -1)")
restore_kb=$(peak_kb "$bin/d3kos-backup" restore "$newest" --yes)
row "backup create / restore peak RSS (CLI)" "$((create_kb / 1024)) MB / $((restore_kb / 1024)) MB" "" "unit MemoryMax=256M"

# 2c. An encrypted copy to a USB drive (a tmpfs mounted as one) against gpg encrypting and decrypting the
# same backup: the copy reads its file back from the drive and decrypts it to check it, so gpg does both.
if [ "$(id -u)" = 0 ]; then
    drive="$root/media/usb"; mkdir -p "$drive" && mount -t tmpfs -o size=2g tmpfs "$drive" && mounted+=("$drive")
    export Backup__Targets__0__Name=usb Backup__Targets__0__Path=/media/usb Backup__Targets__0__Keep=100
    echo "bench passphrase for the copies" | "$bin/d3kos-backup" key set >/dev/null
    mkdir -m 700 -p "$work/gnupg"
    gpg_both="gpg --homedir $work/gnupg --batch --yes --pinentry-mode loopback --passphrase x -z 0 --cipher-algo AES256 --symmetric -o $drive/ref.gpg $ours && gpg --homedir $work/gnupg --batch --pinentry-mode loopback --passphrase x -d $drive/ref.gpg > /dev/null 2>&1"
    hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/copy.json" \
        "bash -c '$gpg_both'" \
        "$bin/d3kos-backup copy $name --to usb" >"$work/hyperfine-copy.txt" 2>&1
    t_g=$(mean "$work/copy.json" 0); t_c=$(mean "$work/copy.json" 1)
    row "encrypted copy to a drive (write, read back, check)" "ours $(secs "$t_c")" "gpg encrypt + decrypt $(secs "$t_g")" "$(ratio "$t_c" "$t_g") of gpg"
    copy_kb=$(peak_kb "$bin/d3kos-backup" copy "$name" --to usb)
    import_kb=$(peak_kb "$bin/d3kos-backup" import "$drive/d3kos-backups/$name.gpg")
    row "encrypted copy / import peak RSS (CLI), $(mb "$s_ours") backup" "$((copy_kb / 1024)) MB / $((import_kb / 1024)) MB" "" "unit MemoryMax=256M"

    # 2d. The same backup to S3 storage (a throw-away Ceph RADOS Gateway on loopback) and back, against
    # gpg + curl doing the same: encrypt and PUT; GET and decrypt. Ours also stages the encrypted copy on
    # the card (so a dropped line resumes), sends it in 16 MiB parts with their MD5s and checks the object.
    if [ -x /usr/bin/radosgw ]; then
        s3_port=${BENCH_S3_PORT:-$((20000 + RANDOM % 20000))} s3_key=BENCHACCESSKEY s3_secret=bench-secret-key-0123456789
        if "$repo/tests/lib/ceph-rgw.sh" start "$work/ceph" "$s3_port" $((s3_port + 1)) "$s3_key" "$s3_secret" >/dev/null; then
            sigv4=(curl -fsS --aws-sigv4 "aws:amz:us-east-1:s3" --user "$s3_key:$s3_secret")
            empty=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            "${sigv4[@]}" -H "x-amz-content-sha256: $empty" -X PUT "http://127.0.0.1:$s3_port/bench" >/dev/null
            export Backup__Targets__1__Name=shore Backup__Targets__1__Kind=s3 Backup__Targets__1__Endpoint="http://127.0.0.1:$s3_port" \
                Backup__Targets__1__Bucket=bench Backup__Targets__1__Prefix=boats/bench/ Backup__Targets__1__AccessKey="$s3_key" \
                Backup__Targets__1__PathStyle=true Backup__Targets__1__Keep=100 Backup__Targets__1__Format=openpgp-file
            echo "$s3_secret" | "$bin/d3kos-backup" secret set shore >/dev/null
            # curl signs the body as UNSIGNED-PAYLOAD, as the SDK's parts are sent with their MD5 instead.
            put_ref="gpg --homedir $work/gnupg --batch --yes --pinentry-mode loopback --passphrase x -z 0 --cipher-algo AES256 --symmetric -o $work/ref-s3.gpg $ours && ${sigv4[*]} -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -T $work/ref-s3.gpg http://127.0.0.1:$s3_port/bench/ref/ref.gpg >/dev/null"
            get_ref="${sigv4[*]} -H 'x-amz-content-sha256: $empty' http://127.0.0.1:$s3_port/bench/ref/ref.gpg | gpg --homedir $work/gnupg --batch --pinentry-mode loopback --passphrase x -d > /dev/null 2>&1"
            address="s3://bench/boats/bench/$name.gpg"
            hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/s3.json" \
                "bash -c \"$put_ref\"" \
                "$bin/d3kos-backup copy $name --to shore" \
                "bash -c \"$get_ref\"" \
                "$bin/d3kos-backup import $address" >"$work/hyperfine-s3.txt" 2>&1
            t_pr=$(mean "$work/s3.json" 0); t_pc=$(mean "$work/s3.json" 1); t_gr=$(mean "$work/s3.json" 2); t_gi=$(mean "$work/s3.json" 3)
            row "encrypted copy to S3 (Ceph; stage, send, check)" "ours $(secs "$t_pc")" "gpg + curl PUT $(secs "$t_pr")" "$(ratio "$t_pc" "$t_pr") of gpg + curl"
            row "import from S3 (fetch, check, decrypt, verify)" "ours $(secs "$t_gi")" "curl GET + gpg $(secs "$t_gr")" "$(ratio "$t_gi" "$t_gr") of curl + gpg"
            s3copy_kb=$(peak_kb "$bin/d3kos-backup" copy "$name" --to shore)
            s3import_kb=$(peak_kb "$bin/d3kos-backup" import "$address")
            row "S3 copy / import peak RSS (CLI), $(mb "$s_ours") backup" "$((s3copy_kb / 1024)) MB / $((s3import_kb / 1024)) MB" "" "unit MemoryMax=256M"
            [ -x /usr/bin/restic ] && repository_rows
            "$repo/tests/lib/ceph-rgw.sh" stop "$work/ceph"
            unset Backup__Targets__1__Name Backup__Targets__1__Kind Backup__Targets__1__Endpoint Backup__Targets__1__Bucket \
                Backup__Targets__1__Prefix Backup__Targets__1__AccessKey Backup__Targets__1__PathStyle Backup__Targets__1__Keep Backup__Targets__1__Format
        else
            echo "bench: the Ceph gateway did not start; S3 rows skipped" >&2
        fi
    fi
    gpgconf --homedir "$work/gnupg" --kill gpg-agent 2>/dev/null
    unset Backup__Targets__0__Name Backup__Targets__0__Path Backup__Targets__0__Keep
fi

fi

# 2c. A Signal K plugin tree: many small files, where per-file costs and per-file memory dominate.
# The restore's own lines give its phases: until it answered with the services back (set against tar xzf, and
# against tar xzf && sync, since the restore's files are durable when it answers), and the safety backup of
# the replaced state written after that, with the removal of the set-aside copy: the whole restore.
if [ "$signalk" -gt 0 ]; then
    if $signalk_card; then
        truncate -s 8G "$work/card.img" && mkfs.ext4 -q -F "$work/card.img" && mkdir -p "$work/card" \
            && mount -o loop "$work/card.img" "$work/card" && mounted+=("$work/card") && signalk_on="$work/card"
    fi
    skwork="${signalk_on:-$work}"
    [ -z "$signalk_on" ] || skwork="$(mktemp -d "$signalk_on/d3kos-bench-XXXXXX")"
    for files in "$signalk" 100000; do
        sk="$skwork/signalk-$files"
        dotnet "$repo/src/D3kos.Demo/bin/Release/net10.0/d3kos-demo-seed.dll" "$sk" --entries 100 --images-mb 0 --signalk-files "$files" >/dev/null
        skc_kb=$(peak_kb env D3KOS_FS_ROOT="$sk" "$bin/d3kos-backup" create)
        skname=$(basename "$(ls -t "$sk"/opt/d3kos/backups/d3kos_backup_*.tar.gz | head -1)")
        skr_kb=$(peak_kb env D3KOS_FS_ROOT="$sk" "$bin/d3kos-backup" restore "$skname" --yes)
        row "Signal K tree, $files files: peak RSS create / restore" "$((skc_kb / 1024)) MB / $((skr_kb / 1024)) MB" "" "issue 19 target <= 64 MB"
        [ "$files" = "$signalk" ] || { rm -rf "$sk"; continue; }

        cd "$sk"
        hyperfine -N --warmup 1 --runs 3 --export-json "$work/sk.json" \
            --prepare "bash -c 'rm -rf $skwork/sk.tgz $sk/opt/d3kos/backups; sync'" \
            "bash -c 'tar cf - opt var home | pigz > $skwork/sk.tgz'" \
            "env D3KOS_FS_ROOT=$sk $bin/d3kos-backup create" >"$work/hyperfine-sk.txt" 2>&1
        cd "$repo"
        t_skp=$(mean "$work/sk.json" 0); t_skc=$(mean "$work/sk.json" 1)
        row "Signal K tree, $files files: create" "ours $(secs "$t_skc")" "tar + pigz $(secs "$t_skp")" "$(ratio "$t_skc" "$t_skp") (issue 19 target <= 1.00x)"
        tar -I pigz -cf "$skwork/sk.tgz" -C "$sk" opt var home
        skname=$(basename "$(ls -t "$sk"/opt/d3kos/backups/d3kos_backup_*.tar.gz | head -1)")
        # Side by side, three rounds, each after a sync: tar xzf into an empty folder, then the same with
        # sync, then our restore (answered, and whole). The medians go in the table.
        tx=(); txs=(); tans=(); twhole=(); tdown=(); tkept=()
        for _ in 1 2 3; do
            rm -rf "$skwork/skx"; mkdir "$skwork/skx"; sync
            t0=$(date +%s%N); tar xzf "$skwork/sk.tgz" -C "$skwork/skx"; tx+=($(( $(date +%s%N) - t0 )))
            rm -rf "$skwork/skx"; mkdir "$skwork/skx"; sync
            t0=$(date +%s%N); tar xzf "$skwork/sk.tgz" -C "$skwork/skx" && sync; txs+=($(( $(date +%s%N) - t0 )))
            rm -rf "$skwork/skx"; sync
            t0=$(date +%s%N)
            read -r down answered kept < <(restore_phases "$(env D3KOS_FS_ROOT="$sk" "$bin/d3kos-backup" restore "$skname" --yes)")
            twhole+=($(( $(date +%s%N) - t0 ))); tans+=("$answered"); tdown+=("$down"); tkept+=("$kept")
        done
        median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
        ns() { awk -v n="$1" 'BEGIN {print n / 1e9}'; }
        m_x=$(ns "$(median "${tx[@]}")"); m_xs=$(ns "$(median "${txs[@]}")"); m_whole=$(ns "$(median "${twhole[@]}")")
        m_ans=$(median "${tans[@]}"); m_down=$(median "${tdown[@]}"); m_kept=$(median "${tkept[@]}")
        row "Signal K tree, $files files: restore, until answered" "ours $(secs "$m_ans")" "tar xzf $(secs "$m_x"), && sync $(secs "$m_xs")" "$(ratio "$m_ans" "$m_x") of tar xzf, $(ratio "$m_ans" "$m_xs") of tar xzf && sync (target <= 1.50x)"
        row "Signal K tree, $files files: restore, whole" "ours $(secs "$m_whole")" "tar xzf $(secs "$m_x"), && sync $(secs "$m_xs")" "$(ratio "$m_whole" "$m_x") of tar xzf; safety backup and removal $(secs "$m_kept") after the answer"
        row "Signal K tree, $files files: services down" "$(secs "$m_down")" "" "issue 19 target < 1 s"
    done
    [ -z "$signalk_on" ] || rm -rf "$skwork"
fi

if ! $signalk_only && ! $backup_only; then
# 3. Boat-log CSV from the running service against the sqlite3 shell, same ordered query.
query='SELECT timestamp AS Timestamp, entry_type AS Type, content AS Content, latitude AS Latitude, longitude AS Longitude FROM boatlog_entries ORDER BY timestamp'
# Round trip: every CSV longitude parsed (correctly rounded) and compared with the stored double.
lost() { dotnet "$repo/src/D3kos.Demo/bin/Release/net10.0/d3kos-demo-seed.dll" --check-roundtrip "$1" "$2"; }
csv_download() {  # csv_download ROOT PORT LABEL: the service on ROOT against sqlite3 on its log, rows added
    local croot=$1 port=$2 label=$3 cdb="$1/opt/d3kos/data/boatlog/boatlog.db" pid hwm t_c t_s
    env D3KOS_FS_ROOT="$croot" "$bin/d3kos-export-manager" --urls "http://127.0.0.1:$port" >"$work/export-$port.log" 2>&1 &
    pid=$!; pids+=("$pid")
    wait_port "$port"
    hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/csv-$port.json" \
        "curl -s -o $work/ours-$port.csv http://127.0.0.1:$port/export/boatlog/csv" \
        "sqlite3 -csv -header -cmd '.output $work/sqlite-$port.csv' $cdb \"$query\"" >"$work/hyperfine-csv-$port.txt" 2>&1
    t_c=$(mean "$work/csv-$port.json" 0); t_s=$(mean "$work/csv-$port.json" 1)
    hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    row "boat-log CSV, $entries rows$label" "ours $(secs "$t_c")" "sqlite3 -csv $(secs "$t_s")" "$(ratio "$t_c" "$t_s") of sqlite3 (target <= 1.15x)"
    row "CSV service peak RSS (whole run)$label" "$((hwm / 1024)) MB" "" "target <= 64 MB"
    row "longitudes that do not round-trip$label" "ours $(lost "$work/ours-$port.csv" "$cdb")" "sqlite3 $(lost "$work/sqlite-$port.csv" "$cdb")" "target: ours 0"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}
csv_download "$root" 18494 ""
# 3a. The same download from a log whose rows were written out of time order (merged from another
# device): the timestamp index is walked in order, the table at random.
dotnet "$repo/src/D3kos.Demo/bin/Release/net10.0/d3kos-demo-seed.dll" "$work/unordered" --entries "$entries" --images-mb 0 --unordered >/dev/null
csv_download "$work/unordered" 18492 ", out of time order"
rm -rf "$work/unordered"

if ! $csv_only; then
db="$root/opt/d3kos/data/boatlog/boatlog.db"
# 3b. Exports of the whole log: POST /export/boatlog (stream → gzip → fsync → queue → outbox link)
# against sqlite3 -json of the same table; peak RSS over boatlog and generate; bytes on the card.
rm -rf "$root/opt/d3kos/data/exports"
env "$bin/d3kos-export-manager" --urls http://127.0.0.1:18493 >"$work/export2.log" 2>&1 &
pid=$!; pids+=("$pid")
wait_port 18493
hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/export.json" \
    "curl -sf -o /dev/null -X POST http://127.0.0.1:18493/export/boatlog" \
    "sqlite3 -json -cmd '.output $work/sqlite.json' $db 'SELECT * FROM boatlog_entries ORDER BY timestamp'" >"$work/hyperfine-export.txt" 2>&1
curl -sf -o /dev/null -X POST http://127.0.0.1:18493/export/generate
until [ "$(curl -s http://127.0.0.1:18493/export/status | jq '.queue.pending + .queue.retry')" = 0 ]; do sleep 0.1; done
t_e=$(mean "$work/export.json" 0); t_j=$(mean "$work/export.json" 1)
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
kill "$pid"; wait "$pid" 2>/dev/null || true
exports_dir="$root/opt/d3kos/data/exports"
one=$(ls "$exports_dir"/exports/boatlog_*.json.gz | head -1)
stored=$(stat -c %s "$one"); plain=$(gzip -dc "$one" | wc -c)
count=$(ls "$exports_dir"/exports/*.json.gz | wc -l)
card=$(du -sb "$exports_dir/exports" "$exports_dir/outbox" | awk '{s+=$1} END {print s}')  # du counts a hard link once
row "export of the boat log (POST /export/boatlog), $entries rows" "ours $(secs "$t_e")" "sqlite3 -json $(secs "$t_j")" "$(ratio "$t_e" "$t_j") of sqlite3 -json (target <= 1.50x)"
row "export manager peak RSS (boatlog x$((runs + 1)) + generate)" "$((hwm / 1024)) MB" "" "target <= 64 MB (unit MemoryMax=160M)"
row "bytes stored and sent per export" "$(mb "$stored") gzip" "JSON $(mb "$plain")" "$(ratio "$stored" "$plain") (target <= 0.15x)"
row "bytes on the card per export, outbox included" "$(mb $((card / count)))" "one export file $(mb "$stored")" "$(ratio $((card / count)) "$stored") of one file (outbox is a hard link)"

# 4. Memory and start-up as shipped (AOT), with the same service run under the JIT as the anchor.
startup() {  # startup PORT CMD... -> "ready_ms rss_kb binary_kb anon_kb": binary_kb is the program file's resident pages
    local port=$1; shift
    local start end pid program
    start=$(date +%s%N)
    "$@" --urls "http://127.0.0.1:$port" >/dev/null 2>&1 &
    pid=$!
    until curl -s -o /dev/null "http://127.0.0.1:$port/health"; do :; done
    end=$(date +%s%N)
    for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$port/health"; done
    sleep 2
    # From smaps: the pages of the program's own file (its code and data; for the JIT, the dotnet host), and
    # all anonymous memory (GC heap, malloc, stacks, relocated data).
    program=$(readlink "/proc/$pid/exe")
    echo "$(( (end - start) / 1000000 )) $(awk '/VmRSS/ {print $2}' "/proc/$pid/status")" \
        "$(awk -v p="$program" '/^[0-9a-f]+-[0-9a-f]+ / {cur=$6} /^Rss:/ {if (cur == p) s+=$2} END {print s+0}' "/proc/$pid/smaps")" \
        "$(awk '/^Anonymous:/ {s+=$2} END {print s+0}' "/proc/$pid/smaps")"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}
for service in export-manager backup-api; do
    best_ms=999999; rss=0
    for _ in 1 2 3; do
        read -r ms kb binary_kb anon_kb < <(startup 18495 "$bin/d3kos-$service")
        [ "$ms" -lt "$best_ms" ] && best_ms=$ms; rss=$kb
    done
    project=$([ $service = export-manager ] && echo D3kos.ExportManager || echo D3kos.BackupApi)
    read -r jit_ms jit_kb _ _ < <(startup 18496 dotnet "$repo/src/$project/bin/Release/net10.0/d3kos-$service.dll")
    row "$service idle RSS after 200 requests" "AOT $((rss / 1024)) MB" "JIT $((jit_kb / 1024)) MB" "$(ratio "$rss" "$jit_kb") of JIT (target <= 30 MB)"
    row "$service idle: binary resident / anonymous" "$(kib "$binary_kb") / $(kib "$anon_kb")" "file $(kib $(($(stat -c %s "$bin/d3kos-$service") / 1024)))" "the rest: libc, libm, ld.so"
    row "$service exec to port answering" "AOT ${best_ms} ms" "JIT ${jit_ms} ms" "target <= 150 ms"
done

# 5. The queue: status with 0, 1,000 and 10,000 entries; durable enqueue; processing throughput.
queue_file() {  # queue_file N STATUS -> a queue document with N entries
    awk -v n="$1" -v st="$2" 'BEGIN {
        printf "{\"format_version\":1,\"entries\":["
        for (i = 0; i < n; i++) {
            printf "%s{\"id\":\"bench_%d\",\"type\":\"boatlog\",\"data\":{\"export_id\":\"e%d\",\"export_file\":\"bench_%d.json\",\"size_bytes\":2,\"sha256\":\"%064d\"},\"timestamp\":\"2026-01-01T00:00:00+00:00\",\"attempts\":%d,\"status\":\"%s\",\"next_retry\":%s,\"last_error\":null}", (i ? "," : ""), i, i, i, 0, (st == "retry" ? 1 : 0), st, (st == "retry" ? "\"2099-01-01T00:00:00+00:00\"" : "null")
        }
        printf "]}"
    }'
}
small="$work/small"
dotnet "$repo/src/D3kos.Demo/bin/Release/net10.0/d3kos-demo-seed.dll" "$small" --entries 100 --images-mb 0 >/dev/null
mkdir -p "$small/opt/d3kos/data/exports/exports"
status_times=()
for n in 0 1000 10000; do
    queue_file "$n" retry > "$small/opt/d3kos/data/exports/export_queue.json"
    env D3KOS_FS_ROOT="$small" Central__Url=http://127.0.0.1:9/ "$bin/d3kos-export-manager" --urls http://127.0.0.1:18497 >/dev/null 2>&1 &
    pid=$!; pids+=("$pid"); wait_port 18497
    hyperfine -N --warmup 20 --runs 300 --export-json "$work/status-$n.json" "curl -s -o /dev/null http://127.0.0.1:18497/export/status" >/dev/null 2>&1
    status_times+=("$(mean "$work/status-$n.json" 0)")
    if [ "$n" = 10000 ] || [ "$n" = 0 ]; then
        : > "$work/enqueue-$n.txt"
        for _ in $(seq 200); do curl -s -o /dev/null -w '%{time_total}\n' -X POST http://127.0.0.1:18497/export/boatlog >> "$work/enqueue-$n.txt"; done
    fi
    kill "$pid"; wait "$pid" 2>/dev/null || true
done
row "queue status, 10,000 vs 0 entries" "$(awk -v a="${status_times[2]}" 'BEGIN {printf "%.2f ms", a*1000}')" "$(awk -v a="${status_times[0]}" 'BEGIN {printf "%.2f ms", a*1000}') (1,000: $(awk -v a="${status_times[1]}" 'BEGIN {printf "%.2f ms", a*1000}'))" "$(ratio "${status_times[2]}" "${status_times[0]}") (target <= 2x)"
for n in 0 10000; do
    p=$(sort -n "$work/enqueue-$n.txt" | awk '{a[NR]=$1} END {printf "p50 %.1f ms, p99 %.1f ms", a[int(NR*0.5)]*1000, a[int(NR*0.99)]*1000}')
    row "durable enqueue (POST /export/boatlog), $n queued" "$p" "" "fsync of export file, queue file and folder"
done
# Throughput: 1,000 pending exports uploaded to a loopback nginx that answers 200.
mkdir -p "$work/nginx"
cat > "$work/nginx.conf" <<CONF
worker_processes 1; pid $work/nginx.pid; error_log $work/nginx-error.log;
events { worker_connections 256; }
http { access_log off; client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy;
       fastcgi_temp_path $work/nginx/f; uwsgi_temp_path $work/nginx/u; scgi_temp_path $work/nginx/s;
       server { listen 127.0.0.1:18498; location / { return 200; } } }
CONF
nginx -c "$work/nginx.conf" -p "$work/nginx"
queue_file 1000 pending > "$small/opt/d3kos/data/exports/export_queue.json"
rm -f "$small/opt/d3kos/data/exports/export_history.json"
for i in $(seq 0 999); do printf '{"bench":%d,"padding":"%01000d"}' "$i" 0 > "$small/opt/d3kos/data/exports/exports/bench_$i.json"; done
start=$(date +%s%N)
env D3KOS_FS_ROOT="$small" Central__Url=http://127.0.0.1:18498/upload "$bin/d3kos-export-manager" --urls http://127.0.0.1:18497 >/dev/null 2>&1 &
pid=$!; pids+=("$pid"); wait_port 18497
until [ "$(curl -s http://127.0.0.1:18497/export/status | jq .queue.completed)" -ge 1000 ]; do sleep 0.05; done
end=$(date +%s%N)
kill "$pid"; wait "$pid" 2>/dev/null || true
row "queue processing, 1,000 uploads to loopback" "$(awk -v ms="$(( (end - start) / 1000000 ))" 'BEGIN {printf "%.0f uploads/s", 1000 / (ms / 1000)}')" "" "each result fsynced to queue and history"
fi
fi

{
    echo "| measure | ours | reference | ratio / target |"
    echo "| --- | --- | --- | --- |"
    printf '%s\n' "${rows[@]}"
} > "${out:-$work/table.md}"
echo
cat "${out:-$work/table.md}"
