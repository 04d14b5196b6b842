import { createHash } from 'node:crypto';
import type { Ipv4 } from '../../domain/ipv4.js';
import {
  ATTRIBUTE_KEY_LENGTH,
  AUTH_HMAC_SHA2_256_128,
  DH_GROUP_KE_LENGTH,
  ENCR_AES_CBC,
  EXCHANGE_IKE_SA_INIT,
  FLAG_INITIATOR,
  IKE_HEADER_LENGTH,
  IKE_VERSION_2,
  NOTIFY,
  PAYLOAD,
  PRF_HMAC_SHA2_256,
  PROTOCOL_IKE,
  TRANSFORM_TYPE,
} from './ike-constants.js';

/**
 * The groups we offer in the SA payload, strongest common ones first. The peer picks one of
 * these; our KE payload deliberately uses another, so the peer answers INVALID_KE_PAYLOAD and
 * keeps no state (it never computes a shared secret or allocates a half-open IKE SA).
 */
export const OFFERED_DH_GROUPS = [31, 19, 20, 21, 14, 15] as const;
/** MODP-768: never offered, never configured, so never the peer's pick. */
export const PROBE_KE_GROUP = 1;

export interface NatDetectionEndpoints {
  sourceIp: Ipv4;
  sourcePort: number;
  destinationIp: Ipv4;
  destinationPort: number;
}

export interface IkeSaInitRequestOptions {
  /** Our initiator SPI: 8 bytes, not all zero. */
  spi: Uint8Array;
  /** 16..256 bytes (RFC 7296); 32 is the usual size. */
  nonce: Uint8Array;
  /** The group named in the KE payload. Defaults to PROBE_KE_GROUP. */
  keGroup?: number;
  /** KE data; zero-filled (an invalid public value, refused by any peer) unless given. */
  keData?: Uint8Array;
  /** Groups offered in the proposal. Defaults to OFFERED_DH_GROUPS. */
  dhGroups?: readonly number[];
  /** AES-CBC key length offered, bits. Defaults to 128. */
  aesKeyBits?: 128 | 192 | 256;
  /** Adds NAT_DETECTION_SOURCE_IP / _DESTINATION_IP notifies, as a real initiator would. */
  natDetection?: NatDetectionEndpoints;
}

/** A well-formed IKEv2 IKE_SA_INIT request: header, SA (one IKE proposal), KE, Ni [, NAT-D notifies]. */
export function buildIkeSaInitRequest(options: IkeSaInitRequestOptions): Uint8Array {
  const { spi, nonce } = options;
  if (spi.length !== 8 || spi.every((b) => b === 0))
    throw new RangeError('spi must be 8 bytes, not all zero');
  if (nonce.length < 16 || nonce.length > 256) throw new RangeError('nonce must be 16..256 bytes');
  const keGroup = options.keGroup ?? PROBE_KE_GROUP;
  const keLength = DH_GROUP_KE_LENGTH[keGroup];
  if (keLength === undefined) throw new RangeError(`unsupported KE group ${keGroup}`);
  const keData = options.keData ?? new Uint8Array(keLength);
  if (keData.length !== keLength)
    throw new RangeError(`KE data for group ${keGroup} must be ${keLength} bytes`);
  const dhGroups = options.dhGroups ?? OFFERED_DH_GROUPS;
  if (dhGroups.length === 0) throw new RangeError('dhGroups must not be empty');

  const transforms: Uint8Array[] = [
    transform(TRANSFORM_TYPE.encr, ENCR_AES_CBC, u16(ATTRIBUTE_KEY_LENGTH, options.aesKeyBits ?? 128)),
    transform(TRANSFORM_TYPE.prf, PRF_HMAC_SHA2_256),
    transform(TRANSFORM_TYPE.integ, AUTH_HMAC_SHA2_256_128),
    ...dhGroups.map((g) => transform(TRANSFORM_TYPE.dh, g)),
  ];
  const proposalBody = concat(transforms.map((t, i) => withMoreFlag(t, i < transforms.length - 1 ? 3 : 0)));
  const proposal = concat([
    new Uint8Array([0, 0]), // last proposal, reserved
    u16(8 + proposalBody.length),
    new Uint8Array([1, PROTOCOL_IKE, 0, transforms.length]), // number 1, IKE, no SPI
    proposalBody,
  ]);

  const payloads: Array<{ type: number; body: Uint8Array }> = [
    { type: PAYLOAD.sa, body: proposal },
    { type: PAYLOAD.ke, body: concat([u16(keGroup, 0), keData]) },
    { type: PAYLOAD.nonce, body: nonce },
  ];
  if (options.natDetection) {
    const n = options.natDetection;
    payloads.push(
      {
        type: PAYLOAD.notify,
        body: notify(NOTIFY.NAT_DETECTION_SOURCE_IP, natHash(spi, n.sourceIp, n.sourcePort)),
      },
      {
        type: PAYLOAD.notify,
        body: notify(NOTIFY.NAT_DETECTION_DESTINATION_IP, natHash(spi, n.destinationIp, n.destinationPort)),
      },
    );
  }

  const chained = payloads.map((p, i) =>
    concat([new Uint8Array([payloads[i + 1]?.type ?? PAYLOAD.none, 0]), u16(4 + p.body.length), p.body]),
  );
  const body = concat(chained);
  const header = new Uint8Array(IKE_HEADER_LENGTH);
  header.set(spi, 0); // responder SPI stays zero
  header[16] = payloads[0]!.type;
  header[17] = IKE_VERSION_2;
  header[18] = EXCHANGE_IKE_SA_INIT;
  header[19] = FLAG_INITIATOR;
  // message id 0
  new DataView(header.buffer).setUint32(24, IKE_HEADER_LENGTH + body.length);
  return concat([header, body]);
}

/**
 * What every probe's request is made from, for ike-probe.c to stamp: a sweep sends two requests per
 * ordered pair (79,600 for 200 hosts) and they differ only in SPI and nonce, so the exec carries this
 * once and a stamp per probe (ikeRequestStamp), not every datagram whole. Without NAT-D notifies the
 * nonce payload is the last one, so the nonce ends the message: the program puts a stamp's SPI at
 * the start and its nonce at the end, and gets the bytes buildIkeSaInitRequest gives for them.
 */
export function ikeSaInitRequestTemplate(
  options: Omit<IkeSaInitRequestOptions, 'spi' | 'nonce' | 'natDetection'> & { nonceLength: number },
): Uint8Array {
  const { nonceLength, ...rest } = options;
  return buildIkeSaInitRequest({
    ...rest,
    spi: new Uint8Array(8).fill(1),
    nonce: new Uint8Array(nonceLength),
  });
}

/** One probe's stamp, as ike-probe.c takes it: its SPI (8 bytes, not all zero), then its nonce. */
export function ikeRequestStamp(spi: Uint8Array, nonce: Uint8Array, nonceLength: number): Uint8Array {
  if (spi.length !== 8 || spi.every((b) => b === 0))
    throw new RangeError('spi must be 8 bytes, not all zero');
  if (nonce.length !== nonceLength) throw new RangeError(`nonce must be ${nonceLength} bytes`);
  return concat([spi, nonce]);
}

function transform(type: number, id: number, attributes: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat([
    new Uint8Array([0, 0]),
    u16(8 + attributes.length),
    new Uint8Array([type, 0]),
    u16(id),
    attributes,
  ]);
}

function withMoreFlag(t: Uint8Array, flag: number): Uint8Array {
  // Stryker disable next-line MethodExpression: equivalent, every transform is built afresh for each request
  const copy = t.slice();
  copy[0] = flag;
  return copy;
}

function notify(type: number, data: Uint8Array): Uint8Array {
  return concat([new Uint8Array([0, 0]), u16(type), data]); // protocol 0, no SPI
}

function natHash(spi: Uint8Array, ip: Ipv4, port: number): Uint8Array {
  const address = new Uint8Array(ip.split('.').map(Number));
  return new Uint8Array(
    createHash('sha1').update(spi).update(new Uint8Array(8)).update(address).update(u16(port)).digest(),
  );
}

function u16(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    view.setUint16(i * 2, v);
  });
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
