#!/usr/bin/env bash
# Installs everything tunnelwatch's demo and tests need on a fresh Debian 12 machine (run as root):
# the lab's Debian packages and the npm dependencies. (Deploying needs neither: see docs/deploy.md.)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  docker.io iptables nftables iproute2 openssl conntrack                     # the lab's hosts: dockerd per namespace
  strongswan-charon strongswan-libcharon strongswan-swanctl           # the lab's Network Agents
  libstrongswan libstrongswan-standard-plugins libstrongswan-extra-plugins libcharon-extra-plugins
  busybox-static iputils-ping                                        # the lab's agent images
  gcc                                                                # rebuilds the IKE probe program to check its committed bytes
  chromium                                                            # the matrix page's browser test
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]} — run as root to install them" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq
  # docker.io would start its system service on install; the lab runs its own daemons instead.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A worktree whose node_modules links to a shared install must not reinstall it (npm ci would empty it).
if [ ! -L node_modules ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  npm ci --no-audit --no-fund
fi
