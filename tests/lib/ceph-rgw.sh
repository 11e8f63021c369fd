#!/usr/bin/env bash
# A throw-away single-node Ceph cluster with its S3 gateway on loopback, for the tests of the S3 target:
#   tests/lib/ceph-rgw.sh start DIR S3_PORT MON_PORT ACCESS_KEY SECRET_KEY    (ready in about 13 s)
#   tests/lib/ceph-rgw.sh stop DIR
# One monitor, one OSD on memstore (nothing on disk), radosgw with beast on 127.0.0.1:S3_PORT, no cephx
# (auth none works only with "ms mon client mode = crc"), pools of size one. Daemons run as processes
# under DIR and are stopped by their pid files. Needs Debian's radosgw, ceph-mon, ceph-osd, ceph-common.
set -euo pipefail
command="$1" dir="$2"
if [ "$command" = stop ]; then
    # Throw-away (memstore): killed outright, as an OSD waits for its monitor to let it go.
    for pid in "$dir"/run/*.pid; do [ -f "$pid" ] && kill -9 "$(cat "$pid")" 2>/dev/null || true; done
    exit 0
fi
s3_port="$3" mon_port="$4" access="$5" secret="$6"
mkdir -p "$dir"/{mon,osd,run,log,rgw}
fsid="$(cat /proc/sys/kernel/random/uuid)"
cat > "$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
mon initial members = a
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
mon max pg per osd = 1000
run dir = $dir/run
log file = $dir/log/\$name.log
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
[mon.a]
mon data = $dir/mon
[osd.0]
osd data = $dir/osd
osd objectstore = memstore
memstore device bytes = 2147483648
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$s3_port
rgw data = $dir/rgw
CONF
monmaptool --create --add a "v2:127.0.0.1:$mon_port" --fsid "$fsid" "$dir/monmap" >/dev/null
ceph-mon -c "$dir/ceph.conf" --mkfs -i a --monmap "$dir/monmap" 2>>"$dir/log/setup.log"
ceph-mon -c "$dir/ceph.conf" -i a 2>>"$dir/log/setup.log"
timeout 60 ceph -c "$dir/ceph.conf" osd create >/dev/null 2>>"$dir/log/setup.log"
ceph-osd -c "$dir/ceph.conf" -i 0 --mkfs >/dev/null 2>>"$dir/log/setup.log"
ceph-osd -c "$dir/ceph.conf" -i 0 2>>"$dir/log/setup.log"
radosgw -c "$dir/ceph.conf" -n client.rgw.a 2>>"$dir/log/setup.log"
for _ in $(seq 600); do curl -s -o /dev/null "http://127.0.0.1:$s3_port/" && break; sleep 0.1; done
timeout 60 radosgw-admin -c "$dir/ceph.conf" user create --uid=d3kos-test --display-name=d3kos-test \
    --access-key="$access" --secret-key="$secret" >/dev/null 2>>"$dir/log/setup.log"
echo "ceph-rgw: S3 on http://127.0.0.1:$s3_port"
