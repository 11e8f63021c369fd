#!/usr/bin/env bash
# End-to-end, as a user meets the product: the Native AOT binaries, installed with deploy/install.sh
# into a scratch root, started on loopback, behind a real nginx with the project's snippet, driven
# with curl and jq. Prints "e2e: N passed, N failed" and exits non-zero when anything failed.
#   tests/e2e/run.sh [--bin DIR] [--rid RID]
# DIR: binaries from deploy/publish.sh (otherwise published here). RID linux-arm64 runs them under
# qemu-user, pinned to one core: .NET under qemu-user 7.2 hangs when it can use more than one.
# The closing line names the RID: "e2e linux-arm64: N passed, N failed".
set -uo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d /tmp/d3kos-e2e-XXXXXX)"
root="$work/root"
export_port="${E2E_EXPORT_PORT:-18094}"
backup_port="${E2E_BACKUP_PORT:-18100}"
nginx_port="${E2E_NGINX_PORT:-18080}"
bin=""
rid="linux-x64"
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) bin="$2"; shift 2 ;;
        --rid) rid="$2"; shift 2 ;;
        *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
run=()   # how a program of the target runs here
if [ "$rid" = linux-arm64 ] && [ "$(uname -m)" != aarch64 ]; then
    run=(taskset -c 0 qemu-aarch64-static)
    # Emulated start-up and work are slower: give every wait room.
    export_port=$((export_port + 10)); backup_port=$((backup_port + 10)); nginx_port=$((nginx_port + 10))
fi
passed=0
failed=0
pids=()
mounted=()

cleanup() {
    for mount in "${mounted[@]}"; do umount -l "$mount" 2>/dev/null; done
    [ -d "$work/gnupg" ] && gpgconf --homedir "$work/gnupg" --kill gpg-agent 2>/dev/null
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

source "$repo/tests/lib/checks.sh"
finish() { echo "e2e $rid: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

echo "e2e $rid: publishing and installing"
if [ -z "$bin" ]; then
    bin="$work/publish"
    "$repo/deploy/publish.sh" --rid "$rid" --out "$bin" >"$work/publish.log" 2>&1 || { cat "$work/publish.log"; failed=1; finish; }
fi
check "the binaries are built for $rid (ELF e_machine)" test "$("$repo/deploy/elf-rid.sh" "$bin/d3kos-backup")" = "$rid"
other_rid="$([ "$rid" = linux-arm64 ] && echo linux-x64 || echo linux-arm64)"
check "installer refuses binaries built for another processor" bash -c "out=\$('$repo/deploy/install.sh' --root '$work/wrong' --bin '$bin' --rid $other_rid 2>&1); [ \$? -ne 0 ] && echo \"\$out\" | grep -q 'is built for $rid, but this install is for $other_rid' && [ ! -e '$work/wrong/opt/d3kos/bin' ]"
mkdir -p "$work/armv7l-bin" && printf '#!/bin/sh\n[ "$1" = -m ] && echo armv7l || exec /bin/uname "$@"\n' > "$work/armv7l-bin/uname" && chmod +x "$work/armv7l-bin/uname"
check "installer refuses 32-bit ARM (armv7l) with a sentence" bash -c "out=\$(PATH='$work/armv7l-bin':\$PATH '$repo/deploy/install.sh' --root '$work/arm32' --bin '$bin' 2>&1); [ \$? -ne 0 ] && echo \"\$out\" | grep -q '32-bit ARM (armv7l), which the d3kOS data services do not support' && [ ! -e '$work/arm32/opt/d3kos/bin' ]"
check "installer runs into a scratch root" "$repo/deploy/install.sh" --root "$root" --bin "$bin" --rid "$rid"
[ -x "$root/opt/d3kos/bin/d3kos-export-manager" ] || finish
check "installer is idempotent and keeps the token" bash -c "t=\$(cat '$root/opt/d3kos/config/api-token'); '$repo/deploy/install.sh' --root '$root' --bin '$bin' --rid '$rid' && [ \"\$t\" = \"\$(cat '$root/opt/d3kos/config/api-token')\" ]"
check "the token is root's alone (0600); the export manager's group gets only its hash (0640)" bash -c "[ \$(stat -c %a '$root/opt/d3kos/config/api-token') = 600 ] && [ \$(stat -c %a '$root/opt/d3kos/config/api-token.sha256') = 640 ] && [ \"\$(cat '$root/opt/d3kos/config/api-token.sha256')\" = \"sha256:\$(tr -d '\\n' < '$root/opt/d3kos/config/api-token' | sha256sum | cut -c1-64)\" ]"
check "installer refuses clearly when not root" bash -c "out=\$(setpriv --reuid=65534 --regid=65534 --clear-groups '$repo/deploy/install.sh' --root '$work/never' --bin '$bin' 2>&1); [ \$? -ne 0 ] && echo \"\$out\" | grep -q 'must run as root' && [ ! -e '$work/never' ]"
check "installer keeps the previous binaries and --rollback swaps them back" bash -c "[ -x '$root/opt/d3kos/bin.previous/d3kos-backup' ] && '$repo/deploy/install.sh' --root '$root' --rollback && [ -x '$root/opt/d3kos/bin/d3kos-backup' ] && '$repo/deploy/install.sh' --root '$root' --rollback"
token="$(cat "$root/opt/d3kos/config/api-token")"

# systemd-analyze verify resolves units and their binaries inside the root: give it the unit library and
# the programs the units call (install, and sh for the export manager's wait during a restore's swap).
mkdir -p "$root/usr/lib" "$root/usr/bin" "$root/bin"
cp -a /usr/lib/systemd "$root/usr/lib/" && cp /usr/bin/install "$root/usr/bin/" && cp /bin/sh "$root/bin/"
ln -sfn usr/lib "$root/lib"
check "systemd-analyze verify passes on both units, silently" bash -c \
    "out=\$(systemd-analyze verify --root='$root' /etc/systemd/system/d3kos-export-manager.service /etc/systemd/system/d3kos-backup-api.service /etc/systemd/system/d3kos-export-manager.socket /etc/systemd/system/d3kos-backup-api.socket 2>&1) && [ -z \"\$out\" ] || { echo \"\$out\"; exit 1; }"

dotnet "$repo/src/D3kos.Demo/bin/Release/net10.0/d3kos-demo-seed.dll" "$root" >/dev/null
printf '#!/bin/sh\necho "$1 $2" >> %s\n' "$work/services.log" > "$work/record-service.sh"
chmod +x "$work/record-service.sh"

echo "e2e: starting the services and nginx"
# As the unit runs it: the export manager checks the token against its hash file only.
env D3KOS_FS_ROOT="$root" Auth__TokenFile=/opt/d3kos/config/api-token.sha256 "${run[@]}" "$root/opt/d3kos/bin/d3kos-export-manager" --urls "http://127.0.0.1:$export_port;http://unix:$work/export-manager.sock" >"$work/export.log" 2>&1 &
pids+=($!)
env D3KOS_FS_ROOT="$root" Backup__ServiceCommand="$work/record-service.sh" \
    "${run[@]}" "$root/opt/d3kos/bin/d3kos-backup-api" --urls "http://127.0.0.1:$backup_port;http://unix:$work/backup-api.sock" >"$work/backup.log" 2>&1 &
pids+=($!)
# The installed snippet, pointed at these services' sockets and at the installed page (scripts/scratch-nginx-conf.sh).
D3KOS_SNIPPET="$root/etc/nginx/snippets/d3kos-data-services.conf" \
    "$repo/scripts/scratch-nginx-conf.sh" "$work" "$nginx_port" "$work/export-manager.sock" "$work/backup-api.sock" "$root/usr/share/d3kos/www"
check "nginx -t accepts the snippet" nginx -t -c "$work/nginx.conf" -p "$work/nginx"
nginx -c "$work/nginx.conf" -p "$work/nginx"
for port in "$export_port" "$backup_port" "$nginx_port"; do
    for _ in $(seq 600); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
done

base="http://127.0.0.1:$nginx_port"
auth=(-H "Authorization: Bearer $token")
echo "e2e: checks through nginx"
check "the owner's page is installed outside /var/www/html and served with its content policy" bash -c "[ -f '$root/usr/share/d3kos/www/index.html' ] && curl -fsS -D $work/page.headers -o $work/page.html $base/d3kos/ && grep -q 'Data &amp; Backups' $work/page.html && grep -qi \"content-security-policy: default-src 'self'\" $work/page.headers && curl -fsS -o $work/app.js $base/d3kos/app.js && grep -q X-D3kos-Request $work/app.js"
check "a pairing link from the CLI signs a browser in once; cookie and page key open the CSV, the cookie alone does not" bash -c "code=\$(env D3KOS_FS_ROOT='$root' ${run[*]} '$root/opt/d3kos/bin/d3kos-backup' pair $base | grep -o 'pair=[A-Za-z0-9_-]*' | cut -d= -f2) && curl -fsS -c $work/cookies -H 'Content-Type: application/json' -d \"{\\\"pairing_code\\\":\\\"\$code\\\"}\" $base/api/backup/session > $work/session.json && jq -e .signed_in $work/session.json && [ \$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d \"{\\\"pairing_code\\\":\\\"\$code\\\"}\" $base/api/backup/session) = 401 ] && curl -fsS -b $work/cookies -o $work/cookie.csv \"$base/export/boatlog/csv?key=\$(jq -r .page_keys.export $work/session.json)\" && head -1 $work/cookie.csv | grep -q '^Timestamp,Type' && [ \$(curl -s -o /dev/null -w '%{http_code}' -b $work/cookies $base/export/boatlog/csv) = 403 ]"
check "a change by cookie without the page's key is refused (403), with it allowed" bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' -b $work/cookies -X POST $base/export/queue/process) = 403 ] && curl -fsS -b $work/cookies -H \"X-D3kos-Request: \$(jq -r .page_keys.export $work/session.json)\" -X POST $base/export/queue/process | jq -e .success"
check "status shows tier and queue stats" bash -c "curl -fsS $base/export/status | jq -e '.success and .tier == 1 and .can_export and (.queue | has(\"pending\") and has(\"total\"))'"
check "generate without the token is 401" bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' -X POST $base/export/generate) = 401 ]"
check "generate returns export_id and queue_id" bash -c "curl -fsS -X POST ${auth[*]@Q} $base/export/generate | tee $work/generate.json | jq -e '.success and (.export_id | length > 0) and (.queue_id | length > 0) and .category_count == 6'"
check "the queued id is in the queue or the history" bash -c "id=\$(jq -r .queue_id $work/generate.json); (curl -fsS $base/export/queue; curl -fsS $base/export/history) | jq -se --arg id \"\$id\" '[.[].entries[].id] | index(\$id) != null'"
check "manual processing answers what it did" bash -c "curl -fsS -X POST ${auth[*]@Q} $base/export/queue/process | jq -e '.success and (.processed >= 0) and has(\"completed\") and has(\"retrying\") and has(\"failed\")'"
check "the export reached the outbox, gzip that GNU gzip reads" bash -c "id=\$(jq -r .queue_id $work/generate.json); f='$root/opt/d3kos/data/exports/outbox/'\$id.json.gz; for i in \$(seq 300); do [ -f \$f ] && break; sleep 0.1; done; gzip -dc \$f | jq -e '.format_version == \"1.0\" and (.data.boatlog.entry_count > 0)'"
check "the outbox file is a hard link to the export, not a second copy" bash -c "id=\$(jq -r .queue_id $work/generate.json); [ \$(stat -c %h '$root/opt/d3kos/data/exports/outbox/'\$id.json.gz) = 2 ]"
check "boat-log CSV downloads with the header and negative longitudes" bash -c "curl -fsS ${auth[*]@Q} -D $work/csv.headers $base/export/boatlog/csv -o $work/boatlog.csv && head -1 $work/boatlog.csv | grep -q '^Timestamp,Type,Content,Latitude,Longitude' && grep -q ',-79\.' $work/boatlog.csv && grep -qi 'content-disposition: attachment; filename=boatlog.csv' $work/csv.headers"
check "backup create through nginx" bash -c "curl -fsS -X POST ${auth[*]@Q} $base/api/backup/create | tee $work/create.json | jq -e '.success and .file_count > 0'"
name="$(jq -r .backup_file "$work/create.json" 2>/dev/null)"
check "backup list shows it with its checksum" bash -c "curl -fsS $base/api/backup/list | jq -e --arg n '$name' '.[0].filename == \$n and (.[0].sha256 | length == 64)'"
check "download through nginx is byte-identical" bash -c "curl -fsS ${auth[*]@Q} $base/api/backup/download/$name -o $work/download.tar.gz && cmp $work/download.tar.gz '$root/opt/d3kos/backups/$name'"
check "a Range request through nginx returns 206 and the right bytes" bash -c "code=\$(curl -sS ${auth[*]@Q} -r 100-1099 -o $work/range.bin -w '%{http_code}' $base/api/backup/download/$name) && [ \$code = 206 ] && cmp $work/range.bin <(tail -c +101 '$root/opt/d3kos/backups/$name' | head -c 1000)"
check "HEAD on a download answers 200 with its length and no body" bash -c "out=\$(curl -sS -I ${auth[*]@Q} -w '%{http_code} %{size_download}' -o $work/head.txt $base/api/backup/download/$name) && [ \"\$out\" = '200 0' ] && grep -qi \"^content-length: \$(stat -c %s '$root/opt/d3kos/backups/$name')\" $work/head.txt"
check "GNU tar lists the downloaded archive, manifest first" bash -c "[ \"\$(tar tzf $work/download.tar.gz | head -1)\" = d3kos-backup.json ]"
check "nginx's access log keeps no page key of a download link (?key=), and logs the other requests" bash -c \
    "[ -s $work/nginx-access.log ] && ! grep -q 'key=' $work/nginx-access.log && grep -q '/export/status' $work/nginx-access.log"
check "traversal through nginx gets no file" bash -c "code=\$(curl -s ${auth[*]@Q} -o $work/trav.out -w '%{http_code}' '$base/api/backup/download/..%2F..%2Fconfig%2Fapi-token'); [ \$code = 400 ] || [ \$code = 404 ]; ! grep -q '$token' $work/trav.out"
check "verify says valid" bash -c "curl -fsS ${auth[*]@Q} $base/api/backup/verify/$name | jq -e '.valid and .files_checked > 0'"
check "restore without confirm is 400" bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' ${auth[*]@Q} -H 'Content-Type: application/json' -d '{\"backup_file\":\"$name\"}' $base/api/backup/restore) = 400 ]"
echo "changed after the backup" > "$root/var/www/html/index.html"
check "restore of that backup through nginx" bash -c "curl -fsS ${auth[*]@Q} -H 'Content-Type: application/json' -d '{\"backup_file\":\"$name\",\"confirm\":true}' $base/api/backup/restore | jq -e '.success and (.safety_backup | startswith(\"d3kos_prerestore_\"))'"
check "restore brought the file back" bash -c "! grep -q 'changed after the backup' '$root/var/www/html/index.html'"
check "restore stopped and started the services" bash -c "grep -q '^stop d3kos-export-manager' $work/services.log && grep -q '^start d3kos-export-manager' $work/services.log"
# The restore answered with the services back; the replaced state is kept after that, then its folders go.
check "the replaced state is kept in a safety backup that verifies, then set-aside folders go" bash -c \
    "for _ in \$(seq 600); do curl -fsS ${auth[*]@Q} $base/api/backup/status | jq -e 'has(\"old_state\") | not' >/dev/null && break; sleep 0.1; done; \
     safety=\$(ls $root/opt/d3kos/backups | grep '^d3kos_prerestore_.*\\.tar\\.gz\$' | tail -1); [ -n \"\$safety\" ] && \
     curl -fsS ${auth[*]@Q} $base/api/backup/verify/\$safety | jq -e '.valid' && ! ls -d $root/var/www/.d3kos-restore-* 2>/dev/null"
cli=(env D3KOS_FS_ROOT="$root" "${run[@]}" "$root/opt/d3kos/bin/d3kos-backup")
# A Signal K plugin's database as on a Pi: a user's, in a folder that user owns (nobody here). Root reads it
# with the owner's file rights on one thread (setfsuid), which this processor's binary must do too.
if [ "$(id -u)" -eq 0 ]; then
    chmod 755 "$work" "$root" "$root/home"
    sqlite3 "$root/home/d3kos/.signalk/plugin.db" 'PRAGMA journal_mode=WAL; CREATE TABLE t(v); INSERT INTO t VALUES (42);' >/dev/null
    chown -R 65534:65534 "$root/home/d3kos"
    chmod 755 "$root/home/d3kos"
fi
# Output goes to a file before it is searched: "cmd | grep -q" under pipefail fails when grep quits
# early and the writer gets SIGPIPE, which the slower emulated run hits.
check "CLI create makes a backup next to the API's" bash -c "${cli[*]@Q} create > $work/cli-create.out && grep -q '^Backup created: .*/opt/d3kos/backups/d3kos_backup_[0-9_]*\.tar\.gz$' $work/cli-create.out"
cli_name="$(sed -n 's|^Backup created: .*/||p' "$work/cli-create.out" 2>/dev/null)"
if [ "$(id -u)" -eq 0 ]; then
    check "the user's plugin database is in the CLI's backup as a snapshot" bash -c \
        "tar -xzOf '$root/opt/d3kos/backups/$cli_name' d3kos-backup.json | jq -e '[.files[] | select(.path == \"home/d3kos/.signalk/plugin.db\" and .sqlite_snapshot)] | length == 1'"
fi
check "CLI list shows both backups, newest first" bash -c "${cli[*]@Q} list > $work/cli-list.out && sed -n 1p $work/cli-list.out | grep -q '^$cli_name ' && grep -q '$name' $work/cli-list.out"
check "CLI verify checks every file" bash -c "${cli[*]@Q} verify $cli_name > $work/cli-verify.out && grep -q '^OK: [0-9]* files match the manifest' $work/cli-verify.out"
check "CLI import of a missing file: one sentence, exit 6" bash -c "out=\$(${cli[*]@Q} import /missing.tar.gz 2>&1); [ \$? -eq 6 ] && [ \"\$out\" = 'Error: No such file: /missing.tar.gz.' ]"
# A USB stick: a small tmpfs mounted where the copy target points (root only; CI runs as root).
if [ "$(id -u)" = 0 ] && mkdir -p "$root/media/usb" && mount -t tmpfs -o size=64m tmpfs "$root/media/usb"; then
    mounted+=("$root/media/usb")
    mkdir -m 700 -p "$work/gnupg"
    copy_cli=(env D3KOS_FS_ROOT="$root" Backup__Targets__0__Name=usb Backup__Targets__0__Path=/media/usb "${run[@]}" "$root/opt/d3kos/bin/d3kos-backup")
    check "CLI key set stores the passphrase owner-only" bash -c "echo 'e2e passphrase for the boat' | ${copy_cli[*]@Q} key set >/dev/null && [ \$(stat -c %a '$root/opt/d3kos/config/backup-passphrase') = 600 ]"
    check "CLI copy to the drive: encrypted, read back and checked" bash -c "${copy_cli[*]@Q} copy $cli_name --to usb > $work/cli-copy.out && grep -q 'encrypted, read back and checked' $work/cli-copy.out"
    check "gpg opens the copy and it is the backup, byte for byte" bash -c "gpg --homedir $work/gnupg --batch --pinentry-mode loopback --passphrase 'e2e passphrase for the boat' -o $work/opened.tar.gz -d '$root/media/usb/d3kos-backups/$cli_name.gpg' 2>/dev/null && cmp -s $work/opened.tar.gz '$root/opt/d3kos/backups/$cli_name'"
    check "the backup API's status shows the next automatic run and the passphrase, through nginx" bash -c "curl -fsS ${auth[*]@Q} $base/api/backup/status | jq -e '.schedule.enabled and .passphrase_set and (.schedule.next_run | type == \"string\")'"
    umount -l "$root/media/usb"
    # S3: a throw-away Ceph RADOS Gateway on loopback (tests/lib/ceph-rgw.sh); the Pi's binary sends, curl fetches.
    if command -v radosgw >/dev/null; then
        s3_port=$((nginx_port + 3)) s3_key=E2EACCESSKEY s3_secret=e2e-secret-key-0123456789
        if "$repo/tests/lib/ceph-rgw.sh" start "$work/ceph" "$s3_port" $((nginx_port + 4)) "$s3_key" "$s3_secret" >/dev/null; then
            sigv4=(curl -fsS --aws-sigv4 "aws:amz:us-east-1:s3" --user "$s3_key:$s3_secret" -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            "${sigv4[@]}" -X PUT "http://127.0.0.1:$s3_port/e2e-boats" >/dev/null
            s3_cli=(env D3KOS_FS_ROOT="$root" Backup__Targets__0__Name=shore Backup__Targets__0__Kind=s3 Backup__Targets__0__Endpoint="http://127.0.0.1:$s3_port"
                Backup__Targets__0__Bucket=e2e-boats Backup__Targets__0__Prefix=boats/e2e/ Backup__Targets__0__AccessKey="$s3_key" Backup__Targets__0__PathStyle=true
                Backup__Targets__0__PartSizeMiB=5 Backup__Targets__0__Format=openpgp-file "${run[@]}" "$root/opt/d3kos/bin/d3kos-backup")
            check "CLI copy to S3 (Ceph): the secret key stored owner-only, the copy sent in parts and checked" bash -c "echo '$s3_secret' | ${s3_cli[*]@Q} secret set shore >/dev/null && [ \$(stat -c %a '$root/var/lib/d3kos/copy-secrets/shore') = 600 ] && ${s3_cli[*]@Q} copy $cli_name --to shore > $work/s3-copy.out && grep -q 'sent and checked' $work/s3-copy.out"
            check "the object in the bucket opens with gpg and is the backup, byte for byte" bash -c "${sigv4[*]@Q} -o $work/from-s3.gpg 'http://127.0.0.1:$s3_port/e2e-boats/boats/e2e/$cli_name.gpg' && gpg --homedir $work/gnupg --batch --pinentry-mode loopback --passphrase 'e2e passphrase for the boat' -o $work/from-s3.tar.gz -d $work/from-s3.gpg 2>/dev/null && cmp -s $work/from-s3.tar.gz '$root/opt/d3kos/backups/$cli_name'"
            check "CLI copies lists the bucket's copy; import s3:// brings it back, checked and decrypted, byte for byte" bash -c "${s3_cli[*]@Q} copies shore > $work/s3-copies.out && grep -q 's3://e2e-boats/boats/e2e/$cli_name.gpg\$' $work/s3-copies.out && ${s3_cli[*]@Q} import s3://e2e-boats/boats/e2e/$cli_name.gpg > $work/s3-import.out && imported=\$(sed -n 's/^Imported as \\([^ ]*\\) .*/\\1/p' $work/s3-import.out) && cmp -s '$root/opt/d3kos/backups/'\$imported '$root/opt/d3kos/backups/$cli_name'"
            # A repository target (restic), as a new S3 target is by default, on the same gateway: Debian's restic for
            # this RID (for arm64: restic:arm64 unpacked beside the build, run under qemu as the build is); this
            # machine's restic then reads it back as the owner's laptop would, with the passphrase alone.
            restic_bin=/usr/bin/restic
            if [ "$rid" = linux-arm64 ] && [ "$(uname -m)" != aarch64 ]; then
                (cd "$work" && apt-get download -qq restic:arm64 >/dev/null 2>&1) && dpkg-deb -x "$work"/restic_*_arm64.deb "$work/restic-arm64" \
                    && printf '#!/bin/sh\nexec taskset -c 0 qemu-aarch64-static %s "$@"\n' "$work/restic-arm64/usr/bin/restic" >"$work/restic-arm64.sh" \
                    && chmod +x "$work/restic-arm64.sh" && restic_bin="$work/restic-arm64.sh"
                check "Debian's restic:arm64 is unpacked beside the arm64 build" test "$restic_bin" = "$work/restic-arm64.sh"
            fi
            vault_cli=(env D3KOS_FS_ROOT="$root" Backup__Restic="$restic_bin" Backup__Targets__0__Name=vault Backup__Targets__0__Kind=s3
                Backup__Targets__0__Endpoint="http://127.0.0.1:$s3_port" Backup__Targets__0__Bucket=e2e-boats Backup__Targets__0__Prefix=boats/e2e-repository/
                Backup__Targets__0__AccessKey="$s3_key" Backup__Targets__0__PathStyle=true "${run[@]}" "$root/opt/d3kos/bin/d3kos-backup")
            laptop=(env RESTIC_PASSWORD='e2e passphrase for the boat' AWS_ACCESS_KEY_ID="$s3_key" AWS_SECRET_ACCESS_KEY="$s3_secret"
                restic --no-cache -r "s3:http://127.0.0.1:$s3_port/e2e-boats/boats/e2e-repository")
            check "CLI copy to a repository target (a new S3 target's default) sends a restic snapshot" bash -c "echo '$s3_secret' | ${vault_cli[*]@Q} secret set vault >/dev/null && ${vault_cli[*]@Q} copy $cli_name --to vault > $work/vault-copy.out && grep -q 'as the snapshot vault:[0-9a-f]\{8\} ' $work/vault-copy.out"
            check "the laptop's restic lists it, reads every byte back (check --read-data) and restores every file of the backup, byte for byte" bash -c "${laptop[*]@Q} snapshots --json | jq -e 'length == 1' >/dev/null && ${laptop[*]@Q} check --read-data >/dev/null 2>&1 && ${laptop[*]@Q} restore latest --target $work/laptop >/dev/null && mkdir -p $work/unpacked && tar -xzf '$root/opt/d3kos/backups/$cli_name' -C $work/unpacked && diff -r --no-dereference $work/unpacked $work/laptop >/dev/null"
            check "CLI copies lists the snapshot; import vault:ID brings it back, verified with its manifest" bash -c "${vault_cli[*]@Q} copies vault > $work/vault-copies.out && address=\$(grep -o 'vault:[0-9a-f]\{8\}' $work/vault-copies.out | head -1) && ${vault_cli[*]@Q} import \$address > $work/vault-import.out && grep -q '^Imported as d3kos_imported_' $work/vault-import.out"
            # Exports to the fleet's bucket: a second export manager of this build, Central:Url=s3://. The worker
            # takes a new entry by itself within a second; a manual "process" meeting it at work answers 409.
            s3_export_port=$((nginx_port + 5))
            check "CLI central-secret set keeps the exports' secret key from others (0640 with the services' group; 0600 where there is no d3kos group)" bash -c "echo '$s3_secret' | env D3KOS_FS_ROOT='$root' ${run[*]} '$root/opt/d3kos/bin/d3kos-backup' central-secret set >/dev/null && [ \"\$(stat -c '%a %g' '$root/var/lib/d3kos/central-secret-key')\" = \"\$(stat -c %g '$root/opt/d3kos/config/api-token.sha256' | sed 's/^0\$/600 0/; s/^[1-9][0-9]*\$/640 &/')\" ]"
            env D3KOS_FS_ROOT="$root" Auth__TokenFile=/opt/d3kos/config/api-token.sha256 Central__Url=s3://e2e-boats/fleet Central__Endpoint="http://127.0.0.1:$s3_port" \
                Central__AccessKey="$s3_key" Central__PathStyle=true "${run[@]}" "$root/opt/d3kos/bin/d3kos-export-manager" --urls "http://127.0.0.1:$s3_export_port" >"$work/export-s3.log" 2>&1 &
            pids+=($!)
            for _ in $(seq 600); do curl -s -o /dev/null "http://127.0.0.1:$s3_export_port/" && break; sleep 0.1; done
            installation_id=$(jq -r .installation_id "$root/opt/d3kos/config/license.json")
            check "the export manager puts an export into the bucket as <installation_id>/full_export/<queue id>.json, gzip that curl opens" bash -c "id=\$(curl -fsS -X POST ${auth[*]@Q} http://127.0.0.1:$s3_export_port/export/generate | jq -r .queue_id) && { curl -sS -o /dev/null -X POST ${auth[*]@Q} http://127.0.0.1:$s3_export_port/export/queue/process; true; } && for i in \$(seq 300); do ${sigv4[*]@Q} --compressed -o $work/s3-export.json \"http://127.0.0.1:$s3_port/e2e-boats/fleet/$installation_id/full_export/\$id.json\" 2>/dev/null && break; sleep 0.2; done; jq -e '.format_version == \"1.0\" and (.data.boatlog.entry_count > 0)' $work/s3-export.json"
            check "CLI copy to S3 with a wrong secret: one sentence, exit 10, the secret not in it" bash -c "echo 'wrong-secret-000000000000' | ${s3_cli[*]@Q} secret set shore >/dev/null; out=\$(${s3_cli[*]@Q} copy $cli_name --to shore 2>&1); [ \$? -eq 10 ] && echo \"\$out\" | grep -q 'refused the credentials' && ! echo \"\$out\" | grep -q wrong-secret"
            "$repo/tests/lib/ceph-rgw.sh" stop "$work/ceph"
        else
            check "the Ceph RADOS Gateway starts" false
        fi
    else
        echo "e2e $rid: S3 copy skipped (radosgw not installed)"
    fi
    check "CLI copy to a drive that is not mounted: one sentence, exit 10, nothing written" bash -c "out=\$(${copy_cli[*]@Q} copy $cli_name --to usb 2>&1); [ \$? -eq 10 ] && echo \"\$out\" | grep -q 'not a mounted drive' && [ -z \"\$(ls -A '$root/media/usb')\" ]"
else
    echo "e2e $rid: copy to a drive skipped (needs root to mount)"
fi
check "a service with an invalid setting exits 78 with one sentence" bash -c "out=\$(env D3KOS_FS_ROOT='$root' Export__MaxAttempts=abc ${run[*]@Q} '$root/opt/d3kos/bin/d3kos-export-manager' --urls http://127.0.0.1:1 2>&1 >/dev/null); [ \$? -eq 78 ] && [ \"\$out\" = \"d3kos-export-manager cannot run: Invalid setting Export:MaxAttempts: 'abc' is not a whole number.\" ]"
# nginx sees this client as 127.0.0.2 while the service sees nginx at 127.0.0.1: the log must name the former.
curl -s -o /dev/null --interface 127.0.0.2 -X POST -H "Authorization: Bearer wrong-guess-0000000000" "$base/export/generate"
check "failed attempts are logged with the forwarded client address, not the token" bash -c "grep -q 'from 127.0.0.2' $work/export.log && ! grep -q '$token' $work/export.log $work/backup.log"
check "uninstaller removes the programs and keeps config, data, backups and the token" bash -c "'$repo/deploy/uninstall.sh' --root '$root' && [ ! -e '$root/opt/d3kos/bin' ] && [ ! -e '$root/etc/systemd/system/d3kos-backup-api.service' ] && [ -s '$root/opt/d3kos/config/api-token' ] && [ -f '$root/opt/d3kos/backups/$name' ] && [ -d '$root/opt/d3kos/data' ]"
finish
