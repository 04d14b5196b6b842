#!/usr/bin/env bash
# The demo: a real 3-host IPsec overlay laid out like Rancher 1.6 (test/lab/), a healthy sweep, then the
# two failures the Rancher-on-Azure guides warn about: UDP 4500 blocked between h1 and h2, and h2
# registered with a NAT'd address instead of its internal one; each swept, named and healed.
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

say "1. bringing up 3 hosts in Rancher 1.6's layout: a dockerd each (TLS on :2376), rancher-agent, ipsec router"
lab up --hosts 3 --rancher 1.6
lab config --out "$config" >/dev/null
lab status

say "2. a sweep of the healthy mesh (exit code 0 = all up)"
tunnelwatch sweep --config "$config" && rc=0 || rc=$?
echo "exit code: $rc"

say "3. fault: UDP 4500 (ESP-in-UDP) dropped between h1 and h2"
lab fault block-udp4500 h1 h2
tunnelwatch sweep --config "$config" && rc=0 || rc=$?
echo "exit code: $rc (2 = down)"

say "4. heal, then: h2 re-registered with Rancher under a NAT'd address (CATTLE_AGENT_IP=198.18.0.250)"
lab heal --wait 90 --reconnect
lab fault wrong-agent-ip h2
tunnelwatch discover --config "$config" || true
tunnelwatch sweep --config "$config" && rc=0 || rc=$?
echo "exit code: $rc (2 = down)"

say "5. heal, and sweep again"
lab heal --wait 90 --reconnect
tunnelwatch sweep --config "$config" && rc=0 || rc=$?
echo "exit code: $rc"
