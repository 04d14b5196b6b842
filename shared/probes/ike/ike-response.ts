import {
  EXCHANGE_IKE_SA_INIT,
  FLAG_RESPONSE,
  IKE_HEADER_LENGTH,
  NOTIFY,
  NOTIFY_ERROR_LIMIT,
  notifyName,
  PAYLOAD,
} from './ike-constants.js';

/**
 * What an answer to our IKE_SA_INIT says. Any of these means the path and the peer's IKE daemon
 * work; the kind only tells what the daemon thought of our (deliberately unusable) request.
 */
export type IkeResponseKind =
  | 'IKE_SA_INIT'
  | 'INVALID_KE_PAYLOAD'
  | 'NO_PROPOSAL_CHOSEN'
  | 'COOKIE'
  /** Another notify, named (e.g. INVALID_SYNTAX, TEMPORARY_FAILURE) or NOTIFY_<n>. */
  | (string & {});

export type IkeResponse =
  | {
      kind: 'answered';
      response: IkeResponseKind;
      responderSpi: Uint8Array;
      /** Every notify type in the message, in order. */
      notifies: number[];
      /** The group the peer asks for, with INVALID_KE_PAYLOAD. */
      requestedDhGroup?: number;
    }
  /** A well-formed IKE message, but not an answer to our request (other SPI, not a response, …). */
  | { kind: 'not-ours'; reason: string }
  | { kind: 'malformed'; reason: string };

export const MAX_IKE_DATAGRAM_BYTES = 65_535;

/**
 * Parses a datagram received in answer to our IKE_SA_INIT. Accepts the UDP 4500 form (non-ESP
 * marker first) too. Never throws: hostile or truncated input becomes `malformed`.
 */
export function parseIkeResponse(datagram: Uint8Array, ourSpi: Uint8Array): IkeResponse {
  // No UDP datagram is larger; anything bigger did not come off the wire as one reply.
  if (datagram.length > MAX_IKE_DATAGRAM_BYTES) {
    return { kind: 'malformed', reason: `${datagram.length} bytes is larger than any UDP datagram` };
  }
  let bytes = datagram;
  if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0 && bytes[3] === 0) {
    bytes = bytes.subarray(4);
  }
  if (bytes.length < IKE_HEADER_LENGTH) return { kind: 'malformed', reason: `only ${bytes.length} bytes` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const majorVersion = bytes[17]! >> 4;
  if (majorVersion !== 2) return { kind: 'malformed', reason: `IKE major version ${majorVersion}` };
  const declaredLength = view.getUint32(24);
  if (declaredLength < IKE_HEADER_LENGTH || declaredLength > bytes.length) {
    return { kind: 'malformed', reason: `header length ${declaredLength} for ${bytes.length} bytes` };
  }
  if (!sameBytes(bytes.subarray(0, 8), ourSpi))
    return { kind: 'not-ours', reason: 'initiator SPI is not ours' };
  if (bytes[18] !== EXCHANGE_IKE_SA_INIT) return { kind: 'not-ours', reason: `exchange type ${bytes[18]}` };
  if ((bytes[19]! & FLAG_RESPONSE) === 0) return { kind: 'not-ours', reason: 'not a response' };
  if (view.getUint32(20) !== 0) return { kind: 'not-ours', reason: 'message id is not 0' };

  const notifies: number[] = [];
  const seen = new Set<number>();
  let requestedDhGroup: number | undefined;
  let next = bytes[16]!;
  let at = IKE_HEADER_LENGTH;
  while (next !== PAYLOAD.none) {
    if (at + 4 > declaredLength)
      return { kind: 'malformed', reason: `payload ${next} runs past the message` };
    const type = next;
    next = bytes[at]!;
    const length = view.getUint16(at + 2);
    if (length < 4 || at + length > declaredLength) {
      return { kind: 'malformed', reason: `payload ${type} has length ${length}` };
    }
    seen.add(type);
    if (type === PAYLOAD.notify) {
      if (length < 8) return { kind: 'malformed', reason: 'notify payload too short' };
      const spiSize = bytes[at + 5]!;
      const notifyType = view.getUint16(at + 6);
      notifies.push(notifyType);
      const dataAt = at + 8 + spiSize;
      if (notifyType === NOTIFY.INVALID_KE_PAYLOAD && dataAt + 2 <= at + length) {
        requestedDhGroup = view.getUint16(dataAt);
      }
    }
    at += length;
  }

  const answered = (response: IkeResponseKind) => ({
    kind: 'answered' as const,
    response,
    responderSpi: bytes.slice(8, 16),
    notifies,
    ...(requestedDhGroup === undefined ? {} : { requestedDhGroup }),
  });
  // An error notify or COOKIE decides the kind; status notifies (NAT-D, …) ride along with a real reply.
  for (const known of [NOTIFY.COOKIE, NOTIFY.INVALID_KE_PAYLOAD, NOTIFY.NO_PROPOSAL_CHOSEN]) {
    if (notifies.includes(known)) return answered(notifyName(known));
  }
  const error = notifies.find((n) => n < NOTIFY_ERROR_LIMIT);
  if (error !== undefined) return answered(notifyName(error));
  if (seen.has(PAYLOAD.sa) && seen.has(PAYLOAD.ke) && seen.has(PAYLOAD.nonce)) return answered('IKE_SA_INIT');
  if (notifies.length > 0) return answered(notifyName(notifies[0]!));
  return { kind: 'malformed', reason: 'response carries neither SA/KE/Nonce nor a notify' };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
