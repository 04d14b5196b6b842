// One agent's swanctl.conf: an IKEv2 PSK tunnel to every peer, UDP encapsulation forced (as Rancher
// does), DPD on. Only the lower-numbered host of a pair initiates: with both sides initiating, charon
// ends up with duplicate SAs. keyingtries=0 because the default (1) gives up forever after one failure.
import type { Ipv4 } from '../../shared/domain/ipv4.js';
import type { HostPlan } from './address-plan.js';
import type { RancherVersion } from './lab-state.js';

export interface PeerEndpoint {
  host: HostPlan;
  /** The peer's ADVERTISED agent address (its CATTLE_AGENT_IP), which is what Rancher points tunnels at. */
  advertisedIp: Ipv4;
}

/**
 * Both layouts follow Rancher's ipsec template (rancher/ipsec backend/ipsec/templates.go): ESP always
 * UDP-encapsulated, DPD every 10 s, unlimited keying tries, remote_addrs = the peer's registered agent IP.
 * In 1.6 DPD restarts the tunnel on both sides, as Rancher's template says; in the 1.1 layout only the
 * initiator restarts (the lab's historic setting).
 */
export function renderSwanctlConf(
  self: HostPlan,
  peers: readonly PeerEndpoint[],
  psk: string,
  rancher: RancherVersion = '1.6',
): string {
  if (!/^[A-Za-z0-9]{16,128}$/.test(psk)) throw new Error('internal: PSK must be 16..128 alphanumerics');
  const conns = peers
    .filter((p) => p.host.index !== self.index)
    .map(({ host: peer, advertisedIp }) => {
      const initiator = self.index < peer.index;
      const name = `${self.name}-${peer.name}`;
      return [
        `  ${name} {`,
        '    version = 2',
        `    remote_addrs = ${advertisedIp}`,
        '    encap = yes',
        '    dpd_delay = 10s',
        '    keyingtries = 0',
        '    unique = replace',
        '    proposals = aes128-sha256-modp2048',
        '    local {',
        '      auth = psk',
        `      id = ${self.name}`,
        '    }',
        '    remote {',
        '      auth = psk',
        `      id = ${peer.name}`,
        '    }',
        '    children {',
        `      ${name} {`,
        `        local_ts = ${self.overlaySubnet}`,
        `        remote_ts = ${peer.overlaySubnet}`,
        '        esp_proposals = aes128-sha256',
        `        start_action = ${initiator ? 'start' : 'none'}`,
        `        dpd_action = ${initiator || rancher === '1.6' ? 'restart' : 'clear'}`,
        `        close_action = ${initiator ? 'restart' : 'none'}`,
        '      }',
        '    }',
        '  }',
      ].join('\n');
    });
  return [
    'connections {',
    ...conns,
    '}',
    'secrets {',
    '  ike-lab {',
    `    secret = ${psk}`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The charon configuration baked into the agent image. kernel-libipsec: this kernel has no ESP. */
export const AGENT_STRONGSWAN_CONF = `charon {
  load_modular = no
  load = random nonce aes sha1 sha2 hmac kdf gmp openssl pem pkcs1 x509 pubkey kernel-libipsec kernel-netlink socket-default vici
  install_routes = yes
  filelog {
    charon-log {
      path = /var/log/charon.log
      default = 1
      time_format = %H:%M:%S
    }
  }
}
swanctl {
  load = random nonce pem pkcs1 x509 pubkey openssl
}
`;

/** PID 1's child: overlay address, charon, then wait; on TERM charon is stopped so it sends DELETEs. */
export const AGENT_RUN_SH = `#!/bin/sh
ip addr add "$TW_OVERLAY_IP/32" dev eth0 2>/dev/null
/agent/start-ike.sh
stop() { [ -f /run/charon.pid ] && kill -TERM "$(cat /run/charon.pid)" 2>/dev/null; sleep 1; exit 0; }
trap stop TERM INT
while true; do sleep 3600 & wait $!; done
`;

/** Idempotent: starts charon when it is not running, waits for VICI, loads the config. */
export const AGENT_START_IKE_SH = `#!/bin/sh
running() { [ -f /run/charon.pid ] && kill -0 "$(cat /run/charon.pid)" 2>/dev/null; }
if ! running; then
  rm -f /run/charon.pid /run/charon.vici
  /usr/lib/ipsec/charon </dev/null >/var/log/charon.out 2>&1 &
fi
i=0
while [ ! -S /run/charon.vici ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
swanctl --load-all --noprompt >/var/log/swanctl-load.log 2>&1
`;

/** Kills charon without letting it say goodbye (no DELETE), as a crash would. */
export const AGENT_KILL_IKE_SH = `#!/bin/sh
[ -f /run/charon.pid ] || exit 1
kill -KILL "$(cat /run/charon.pid)"
`;
