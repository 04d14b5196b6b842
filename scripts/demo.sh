#!/usr/bin/env bash
# The demo: a real 3-host Rancher-style IPsec overlay (test/lab/), a healthy sweep, UDP 4500 blocked
# between h1 and h2, a sweep that names the broken paths and why, heal, a last sweep, teardown.
# Run as root on a fresh Debian 12 machine: it installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

lab() { npx tsx test/lab/cli.ts "$@"; }
tunnelwatch() { node bin/tunnelwatch.js "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

config=$(mktemp /tmp/tunnelwatch-demo-XXXXXX.json)
cleanup() {
  say "tearing the lab down"
  lab down || true
  rm -f "$config"
}
trap cleanup EXIT

say "1. bringing up 3 hosts: network namespaces, a dockerd each (TLS on :2376), strongSwan Network Agents"
lab up --hosts 3
lab config --out "$config" >/dev/null
lab status

say "2. a sweep of the healthy mesh (exit code 0 = all up)"
tunnelwatch sweep --config "$config" && rc=0 || rc=$?
echo "exit code: $rc"

say "3. fault: UDP 4500 (ESP-in-UDP) dropped between h1 and h2"
lab fault block-udp4500 h1 h2
tunnelwatch sweep --config "$config" && rc=0 || rc=$?
echo "exit code: $rc (2 = down)"

say "4. heal, and sweep again"
lab heal --wait 90 --reconnect
tunnelwatch sweep --config "$config" && rc=0 || rc=$?
echo "exit code: $rc"
