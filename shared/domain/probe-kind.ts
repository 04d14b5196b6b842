/** Every kind of path evidence a sweep can gather, in report order. */
export const PROBE_KINDS = [
  'overlay-icmp',
  'underlay-icmp',
  'ike-udp500',
  'ike-udp4500',
  'ipsec-sa',
] as const;
export type ProbeKind = (typeof PROBE_KINDS)[number];
