import { type OverlayIp, parseIpv4 } from '../domain/ipv4.js';

// `ip -o -4 addr show` (iproute2 and BusyBox): "2: eth0    inet 10.42.7.3/16 brd … scope global eth0\ …"
// The name excludes '@' so it and the "@link" part cannot both match the same text: linear time.
const ADDR_LINE = /^\d{1,10}:\s+([^\s:@]+)(?:@\S+)?\s+inet\s+(\d{1,3}(?:\.\d{1,3}){3})\/\d{1,2}\b/;
/** Host text: a real `ip -o -4 addr` is a few hundred bytes per interface. */
export const MAX_IP_ADDR_OUTPUT_CHARS = 64 * 1024;
// Interfaces that never carry the agent's managed overlay address.
const NOT_OVERLAY = /^(lo|ipsec\d*|tun\d*|docker\d*)$/;

/**
 * Picks the agent's overlay IP from `ip -o -4 addr` run inside the agent, for agents without the
 * overlay label. Rule: ignore loopback and tunnel devices and every address Docker assigned itself
 * (Rancher adds the managed IP next to Docker's own on eth0); the first remaining address wins.
 * Returns null when nothing is left: better no overlay IP than probing Docker's bridge address.
 */
export function pickOverlayIp(ipAddrOutput: string, dockerIps: readonly string[]): OverlayIp | null {
  for (const line of ipAddrOutput.slice(0, MAX_IP_ADDR_OUTPUT_CHARS).split('\n')) {
    const m = ADDR_LINE.exec(line.trim());
    if (!m || NOT_OVERLAY.test(m[1]!)) continue;
    const ip = parseIpv4(m[2]!);
    if (ip && !dockerIps.includes(ip)) return ip;
  }
  return null;
}
