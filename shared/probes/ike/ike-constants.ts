// IKEv2 numbers from RFC 7296 and the IANA "IKEv2 Parameters" registry, only those tunnelwatch uses.

export const IKE_HEADER_LENGTH = 28;
export const IKE_VERSION_2 = 0x20;
export const EXCHANGE_IKE_SA_INIT = 34;

export const FLAG_INITIATOR = 0x08;
export const FLAG_RESPONSE = 0x20;

export const PAYLOAD = {
  none: 0,
  sa: 33,
  ke: 34,
  nonce: 40,
  notify: 41,
  vendorId: 43,
} as const;

export const TRANSFORM_TYPE = { encr: 1, prf: 2, integ: 3, dh: 4 } as const;
export const ENCR_AES_CBC = 12;
export const PRF_HMAC_SHA2_256 = 5;
export const AUTH_HMAC_SHA2_256_128 = 12;
/** Transform attribute "Key Length", TV format (high bit set). */
export const ATTRIBUTE_KEY_LENGTH = 0x800e;
export const PROTOCOL_IKE = 1;

/** DH groups by number; the lengths are the KE data sizes (RFC 7296 / RFC 5903 / RFC 8031). */
export const DH_GROUP_KE_LENGTH: Readonly<Record<number, number>> = {
  1: 96, // MODP-768: long obsolete, no strongSwan default proposal uses it
  2: 128, // MODP-1024
  5: 192, // MODP-1536
  14: 256, // MODP-2048
  15: 384, // MODP-3072
  19: 64, // ECP-256
  20: 96, // ECP-384
  21: 132, // ECP-521
  31: 32, // Curve25519
};

export const NOTIFY = {
  INVALID_SYNTAX: 7,
  NO_PROPOSAL_CHOSEN: 14,
  INVALID_KE_PAYLOAD: 17,
  AUTHENTICATION_FAILED: 24,
  TEMPORARY_FAILURE: 43,
  NAT_DETECTION_SOURCE_IP: 16388,
  NAT_DETECTION_DESTINATION_IP: 16389,
  COOKIE: 16390,
} as const;

/** Notify types below this number are errors (RFC 7296 §3.10.1). */
export const NOTIFY_ERROR_LIMIT = 16384;

const NOTIFY_NAMES = new Map<number, string>(Object.entries(NOTIFY).map(([name, n]) => [n, name]));

export function notifyName(type: number): string {
  return NOTIFY_NAMES.get(type) ?? `NOTIFY_${type}`;
}
