#!/usr/bin/env bash
# Builds the root filesystem of the IKE probe sidecar image (tunnelwatch/ike-probe): Debian's static
# bash (for /dev/udp and $EPOCHREALTIME) plus static BusyBox (dd, sleep, xxd, tr, grep, mkdir).
# No libraries, no package manager, ~3 MB. tunnelwatch imports the tarball onto a host through the
# Docker API only when the image is missing there, so nothing is installed on hosts by hand.
# Usage: scripts/build-probe-image.sh [OUTPUT.tar]   (default dist/probe-image/ike-probe-rootfs.tar)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist/probe-image/ike-probe-rootfs.tar}

for f in /bin/bash-static /bin/busybox; do
  [ -x "$f" ] || { echo "build-probe-image: $f missing — apt-get install -y bash-static busybox-static" >&2; exit 1; }
done

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"
mkdir -p "$root/bin" "$root/tmp"
chmod 1777 "$root/tmp"
cp /bin/bash-static "$root/bin/bash"
cp /bin/busybox "$root/bin/busybox"
for applet in sh dd sleep xxd tr grep mkdir cat; do ln -s busybox "$root/bin/$applet"; done

mkdir -p "$(dirname "$out")"
# Fixed owner and mtime so the same inputs give the same tarball.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2024-01-01 00:00:00Z' -C "$root" -cf "$out" .
echo "build-probe-image: wrote $out ($(du -k "$out" | cut -f1) KiB)" >&2
