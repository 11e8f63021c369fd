#!/usr/bin/env bash
# Installs, with apt-get, what the end-to-end tests need and a fresh Debian 12 lacks:
# nginx (the real proxy), clang and zlib1g-dev (Native AOT), jq and curl (the user's tools),
# systemd (systemd-analyze verify), and for the Pi's processor: Debian's arm64 libraries as the
# cross-compiling sysroot (libc6-dev:arm64, zlib1g-dev:arm64, libgcc-12-dev:arm64), lld, and qemu-user-static to run
# the arm64 binaries; debootstrap and systemd-container (systemd-nspawn) for the stage that boots a real
# systemd; gnupg (gpg opens the encrypted copies, as the owner would) and dosfstools and e2fsprogs (FAT
# and ext4 images mounted as USB drives); chromium and chromium-driver (the owner's page in a real headless
# browser, driven by Selenium through Debian's own driver, so nothing is downloaded); radosgw, ceph-mon,
# ceph-osd and ceph-common (a throw-away Ceph cluster whose S3 gateway the S3 copies are tested against);
# restic (writes the repository copies, and reads them back as the owner's laptop would);
# python3-aiosmtpd (a real SMTP server on loopback for the email notifications); nodejs and, through npm,
# signalk-server 2.23.0 in /opt/d3kos-test/signalk-server (the helm's real Signal K server, started headless
# by the notification tests; 2.23.0 is the newest that runs on Node 20, later ones need Node 22).
# Does nothing when everything is there already.
set -euo pipefail
need=()
command -v nginx >/dev/null || need+=(nginx)
command -v clang >/dev/null || need+=(clang)
command -v ld.lld >/dev/null || need+=(lld)
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
[ -e /usr/lib/aarch64-linux-gnu/libc.so ] || need+=(libc6-dev:arm64)
[ -e /usr/lib/aarch64-linux-gnu/libz.so ] || need+=(zlib1g-dev:arm64)
[ -e /usr/lib/gcc/aarch64-linux-gnu/12/crtbeginS.o ] || need+=(libgcc-12-dev:arm64)
command -v qemu-aarch64-static >/dev/null || need+=(qemu-user-static)
command -v jq >/dev/null || need+=(jq)
command -v sqlite3 >/dev/null || need+=(sqlite3)
command -v curl >/dev/null || need+=(curl)
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v tar >/dev/null || need+=(tar)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v systemd-nspawn >/dev/null || need+=(systemd-container)
command -v gpg >/dev/null || need+=(gnupg)
command -v mkfs.vfat >/dev/null || need+=(dosfstools)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
command -v radosgw >/dev/null || need+=(radosgw)
command -v ceph-mon >/dev/null || need+=(ceph-mon)
command -v ceph-osd >/dev/null || need+=(ceph-osd)
command -v ceph >/dev/null || need+=(ceph-common)
[ -x /usr/bin/restic ] || need+=(restic)
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || need+=(python3-aiosmtpd)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
signalk_dir=/opt/d3kos-test/signalk-server
install_signalk() {
    if [ ! -x "$signalk_dir/node_modules/signalk-server/bin/signalk-server" ]; then
        mkdir -p "$signalk_dir"
        npm install --prefix "$signalk_dir" --no-audit --no-fund --loglevel=error signalk-server@2.23.0 >/dev/null
    fi
    # The server serves its admin UI from its own node_modules, where a global install puts it; installed as a
    # dependency here, npm hoists it one level up, so it is linked back where the server looks.
    mkdir -p "$signalk_dir/node_modules/signalk-server/node_modules/@signalk"
    ln -sfn ../../../@signalk/server-admin-ui "$signalk_dir/node_modules/signalk-server/node_modules/@signalk/server-admin-ui"
}
if [ ${#need[@]} -eq 0 ]; then
    install_signalk
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "install-test-deps: missing ${need[*]}; run as root on Debian/Ubuntu, or install them yourself" >&2
    exit 1
fi
updated="${D3KOS_APT_UPDATED:-0}"
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
    updated=0  # the package lists must now include arm64
fi
[ "$updated" = 1 ] || apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
install_signalk
