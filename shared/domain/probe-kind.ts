/** Every kind of path evidence a sweep can gather, in report order. */
export const PROBE_KINDS = [
  'overlay-icmp',
  'underlay-icmp',
  'ike-udp500',
  'ike-udp4500',
  'ipsec-sa',
  /** Sized overlay pings (the MTU ladder): the largest overlay packet that passes, `pmtu`. */
  'overlay-mtu',
] as const;
export type ProbeKind = (typeof PROBE_KINDS)[number];
