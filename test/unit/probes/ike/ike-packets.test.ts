import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Ipv4 } from '../../../../shared/domain/ipv4.js';
import { NOTIFY } from '../../../../shared/probes/ike/ike-constants.js';
import { parseIkeResponse } from '../../../../shared/probes/ike/ike-response.js';
import {
  buildIkeSaInitRequest,
  ikeRequestStamp,
  ikeSaInitRequestTemplate,
  OFFERED_DH_GROUPS,
  PROBE_KE_GROUP,
} from '../../../../shared/probes/ike/ike-sa-init-request.js';

const fixture = (name: string) =>
  Uint8Array.from(
    Buffer.from(
      readFileSync(new URL(`../../../fixtures/ike/${name}.hex`, import.meta.url), 'utf8').trim(),
      'hex',
    ),
  );

const spi = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const nonce = new Uint8Array(32).fill(0xab);

describe('buildIkeSaInitRequest', () => {
  const msg = buildIkeSaInitRequest({ spi, nonce });
  const view = new DataView(msg.buffer);

  it('writes an IKEv2 IKE_SA_INIT header from the initiator with our SPI and the true length', () => {
    expect([...msg.subarray(0, 8)]).toEqual([...spi]);
    expect([...msg.subarray(8, 16)]).toEqual(new Array(8).fill(0));
    expect(msg[16]).toBe(33); // first payload: SA
    expect(msg[17]).toBe(0x20); // version 2.0
    expect(msg[18]).toBe(34); // IKE_SA_INIT
    expect(msg[19]).toBe(0x08); // initiator, request
    expect(view.getUint32(20)).toBe(0); // message id
    expect(view.getUint32(24)).toBe(msg.length);
  });

  it('chains SA → KE → Nonce with one proposal: AES-CBC-128, PRF-SHA256, HMAC-SHA256-128 and the DH list', () => {
    const payloads = walk(msg);
    expect(payloads.map((p) => p.type)).toEqual([33, 34, 40]);
    const sa = payloads[0]!.body;
    expect(sa[0]).toBe(0); // last (only) proposal
    expect(sa[5]).toBe(1); // protocol IKE
    expect(sa[7]).toBe(3 + OFFERED_DH_GROUPS.length);
    const transforms = transformsOf(sa.subarray(8));
    expect(transforms.slice(0, 3)).toEqual([
      { type: 1, id: 12, attributes: '800e0080' },
      { type: 2, id: 5, attributes: '' },
      { type: 3, id: 12, attributes: '' },
    ]);
    expect(transforms.slice(3).map((t) => [t.type, t.id])).toEqual(OFFERED_DH_GROUPS.map((g) => [4, g]));
    const ke = payloads[1]!.body;
    expect(new DataView(ke.buffer, ke.byteOffset).getUint16(0)).toBe(PROBE_KE_GROUP);
    expect(OFFERED_DH_GROUPS).not.toContain(PROBE_KE_GROUP);
    expect(ke.length).toBe(4 + 96); // MODP-768 public value size
    expect([...payloads[2]!.body]).toEqual([...nonce]);
  });

  it('reproduces byte for byte the request charon answered in the fixture, given the same SPI and nonce', () => {
    const captured = fixture('udp500-invalid-ke.request');
    const rebuilt = buildIkeSaInitRequest({
      spi: captured.subarray(0, 8),
      nonce: walk(captured).find((p) => p.type === 40)!.body,
    });
    expect(Buffer.from(rebuilt).toString('hex')).toBe(Buffer.from(captured).toString('hex'));
  });

  it('adds NAT-D notifies hashing SPIs, address and port (RFC 7296 §2.23)', () => {
    const ip = '198.18.0.11' as Ipv4;
    const withNatD = buildIkeSaInitRequest({
      spi,
      nonce,
      natDetection: {
        sourceIp: ip,
        sourcePort: 500,
        destinationIp: '198.18.0.12' as Ipv4,
        destinationPort: 500,
      },
    });
    const notifies = walk(withNatD).filter((p) => p.type === 41);
    expect(notifies.map((n) => new DataView(n.body.buffer, n.body.byteOffset).getUint16(2))).toEqual([
      NOTIFY.NAT_DETECTION_SOURCE_IP,
      NOTIFY.NAT_DETECTION_DESTINATION_IP,
    ]);
    expect(notifies.every((n) => n.body.length === 4 + 20)).toBe(true);
    expect(new DataView(withNatD.buffer).getUint32(24)).toBe(withNatD.length);
    // SHA-1 of SPIi | SPIr (zero) | IPv4 address (4 bytes) | port, as the peer recomputes it.
    const expected = (address: number[], port: number) =>
      createHash('sha1')
        .update(spi)
        .update(new Uint8Array(8))
        .update(new Uint8Array(address))
        .update(new Uint8Array([port >> 8, port & 0xff]))
        .digest();
    expect(Buffer.from(notifies[0]!.body.subarray(4))).toEqual(expected([198, 18, 0, 11], 500));
    expect(Buffer.from(notifies[1]!.body.subarray(4))).toEqual(expected([198, 18, 0, 12], 500));
  });

  it('takes any SPI that is not all zero, and nonces of 16 to 256 bytes', () => {
    const withZeroByte = Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 0]);
    expect(() => buildIkeSaInitRequest({ spi: withZeroByte, nonce })).not.toThrow();
    expect(() => ikeRequestStamp(withZeroByte, nonce, 32)).not.toThrow();
    for (const length of [16, 256])
      expect(() => buildIkeSaInitRequest({ spi, nonce: new Uint8Array(length) }), `${length}`).not.toThrow();
    for (const length of [15, 257])
      expect(() => buildIkeSaInitRequest({ spi, nonce: new Uint8Array(length) }), `${length}`).toThrow(
        'nonce must be 16..256 bytes',
      );
  });

  it('marks every transform but the last as followed by another (the "more" flag, 3)', () => {
    const sa = walk(buildIkeSaInitRequest({ spi, nonce })).find((p) => p.type === 33)!;
    // Proposal header (8 bytes), then the transforms: each starts with its "last or more" byte.
    const flags: number[] = [];
    for (let at = 8; at < sa.body.length; ) {
      flags.push(sa.body[at]!);
      at += new DataView(sa.body.buffer, sa.body.byteOffset).getUint16(at + 2);
    }
    expect(flags.at(-1)).toBe(0);
    expect(flags.slice(0, -1).every((f) => f === 3)).toBe(true);
    expect(flags.length).toBeGreaterThan(3);
    // Building twice gives the same bytes: the transforms are not changed in place.
    expect(buildIkeSaInitRequest({ spi, nonce })).toEqual(buildIkeSaInitRequest({ spi, nonce }));
  });

  it.each([
    ['a zero SPI', { spi: new Uint8Array(8), nonce }, /spi/],
    ['a short SPI', { spi: new Uint8Array(4).fill(1), nonce }, /spi/],
    ['a short nonce', { spi, nonce: new Uint8Array(8) }, /nonce/],
    ['an unknown KE group', { spi, nonce, keGroup: 99 }, /KE group 99/],
    ['KE data of the wrong size', { spi, nonce, keGroup: 14, keData: new Uint8Array(10) }, /256 bytes/],
    ['no DH groups', { spi, nonce, dhGroups: [] }, /dhGroups/],
  ])('refuses %s', (_name, options, message) => {
    expect(() => buildIkeSaInitRequest(options)).toThrow(message);
  });
});

describe('ikeSaInitRequestTemplate and ikeRequestStamp (what ike-probe.c makes each request from)', () => {
  // Built in the tests, not when the file loads: a mutant that makes the builder throw fails a test.
  const template = () => ikeSaInitRequestTemplate({ nonceLength: 32 });
  // What the program does with a stamp: its SPI over the template's first 8 bytes, its nonce over the last.
  const stamped = (stamp: Uint8Array) => {
    const request = template().slice();
    request.set(stamp.subarray(0, 8), 0);
    request.set(stamp.subarray(8), request.length - (stamp.length - 8));
    return request;
  };

  it('gives, stamped, the same bytes as building each request, for every SPI and nonce', () => {
    // 28 header, 88 SA, 104 KE (MODP-768's 96 zero bytes), 36 nonce: the template the argv carries once.
    expect(template()).toHaveLength(256);
    for (const seed of [1, 7, 0xfe]) {
      const s = new Uint8Array(8).map((_, i) => (seed + i * 13) & 0xff);
      const n = new Uint8Array(32).map((_, i) => (seed * 3 + i) & 0xff);
      const stamp = ikeRequestStamp(s, n, 32);
      expect(stamp).toEqual(Uint8Array.from([...s, ...n]));
      expect(stamped(stamp)).toEqual(buildIkeSaInitRequest({ spi: s, nonce: n }));
    }
  });

  it('is the request of its own options: another nonce length moves the nonce, not the rest', () => {
    const longer = ikeSaInitRequestTemplate({ nonceLength: 64 });
    expect(longer.length).toBe(template().length + 32);
    expect(longer).toEqual(
      buildIkeSaInitRequest({ spi: new Uint8Array(8).fill(1), nonce: new Uint8Array(64) }),
    );
  });

  it('refuses a zero SPI and a nonce of another length', () => {
    expect(() => ikeRequestStamp(new Uint8Array(8), nonce, 32)).toThrow(/spi/);
    expect(() => ikeRequestStamp(Uint8Array.from([1, 2, 3]), nonce, 32)).toThrow(/spi/);
    expect(() => ikeRequestStamp(spi, new Uint8Array(16), 32)).toThrow('nonce must be 32 bytes');
  });
});

describe('parseIkeResponse on replies captured from charon', () => {
  it.each([
    ['udp500-invalid-ke', 'INVALID_KE_PAYLOAD', [17]],
    ['udp4500-invalid-ke', 'INVALID_KE_PAYLOAD', [17]],
    ['udp500-no-proposal-chosen', 'NO_PROPOSAL_CHOSEN', [14]],
    ['udp500-cookie', 'COOKIE', [16390]],
    ['udp500-ike-sa-init', 'IKE_SA_INIT', [16418, 16404]],
  ])('%s → answered %s', (name, response, notifies) => {
    const parsed = parseIkeResponse(fixture(`${name}.reply`), fixture(`${name}.spi`));
    expect(parsed).toMatchObject({ kind: 'answered', response, notifies });
  });

  it('reads the group charon asks for from INVALID_KE_PAYLOAD', () => {
    const parsed = parseIkeResponse(fixture('udp500-invalid-ke.reply'), fixture('udp500-invalid-ke.spi'));
    expect(parsed).toMatchObject({ requestedDhGroup: 14 });
  });

  it('keeps the responder SPI of a full reply (zero with a stateless notify)', () => {
    const full = parseIkeResponse(fixture('udp500-ike-sa-init.reply'), fixture('udp500-ike-sa-init.spi'));
    const stateless = parseIkeResponse(fixture('udp500-invalid-ke.reply'), fixture('udp500-invalid-ke.spi'));
    expect(full.kind === 'answered' && full.responderSpi.some((b) => b !== 0)).toBe(true);
    expect(stateless.kind === 'answered' && stateless.responderSpi.every((b) => b === 0)).toBe(true);
  });

  it('says not-ours for a reply to someone else’s SPI', () => {
    expect(parseIkeResponse(fixture('udp500-invalid-ke.reply'), spi)).toMatchObject({ kind: 'not-ours' });
  });

  it('says not-ours for our own request echoed back (not a response)', () => {
    const request = buildIkeSaInitRequest({ spi, nonce });
    expect(parseIkeResponse(request, spi)).toEqual({ kind: 'not-ours', reason: 'not a response' });
  });
});

describe('parseIkeResponse on hostile bytes', () => {
  it('refuses more bytes than one UDP datagram can hold, unread', () => {
    const ours = fixture('udp500-invalid-ke.spi');
    expect(parseIkeResponse(new Uint8Array(65_536), ours)).toEqual({
      kind: 'malformed',
      reason: '65536 bytes is larger than any UDP datagram',
    });
    const atTheLimit = new Uint8Array(65_535);
    atTheLimit.set(fixture('udp500-invalid-ke.reply'));
    expect(parseIkeResponse(atTheLimit, ours).kind).not.toBe('malformed');
  });

  const good = fixture('udp500-invalid-ke.reply');
  const ours = fixture('udp500-invalid-ke.spi');
  const mutate = (edit: (b: Uint8Array, v: DataView) => void) => {
    const b = good.slice();
    edit(b, new DataView(b.buffer));
    return b;
  };

  it.each([
    ['empty', new Uint8Array(0)],
    ['only the marker', new Uint8Array(4)],
    ['a truncated header', good.subarray(0, 20)],
    ['IKEv1', mutate((b) => (b[17] = 0x10))],
    ['a header length past the datagram', mutate((_b, v) => v.setUint32(24, 4000))],
    ['a header length below 28', mutate((_b, v) => v.setUint32(24, 3))],
    ['a payload length of 0', mutate((_b, v) => v.setUint16(30, 0))],
    ['a payload running past the message', mutate((_b, v) => v.setUint16(30, 200))],
    ['a chain naming a payload after the last', mutate((b) => (b[28] = 41))],
    ['a truncated reply', good.subarray(0, good.length - 4)],
  ])('%s → malformed, no throw', (_name, bytes) => {
    expect(parseIkeResponse(bytes, ours).kind).toBe('malformed');
  });

  it('never throws on 2000 random datagrams', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let i = 0; i < 2000; i++) {
      const bytes = new Uint8Array(next() % 120);
      for (let j = 0; j < bytes.length; j++) bytes[j] = next() & 0xff;
      if (i % 2 === 0) bytes.set(ours.subarray(0, Math.min(8, bytes.length))); // get past the SPI check
      if (bytes.length > 28 && i % 4 === 0) new DataView(bytes.buffer).setUint32(24, bytes.length);
      expect(['answered', 'not-ours', 'malformed']).toContain(parseIkeResponse(bytes, ours).kind);
    }
  });
});

function walk(msg: Uint8Array): Array<{ type: number; body: Uint8Array }> {
  const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const out: Array<{ type: number; body: Uint8Array }> = [];
  let type = msg[16]!;
  let at = 28;
  while (type !== 0) {
    const length = view.getUint16(at + 2);
    out.push({ type, body: msg.subarray(at + 4, at + length) });
    type = msg[at]!;
    at += length;
  }
  return out;
}

function transformsOf(bytes: Uint8Array): Array<{ type: number; id: number; attributes: string }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Array<{ type: number; id: number; attributes: string }> = [];
  for (let at = 0; at < bytes.length; ) {
    const length = view.getUint16(at + 2);
    out.push({
      type: bytes[at + 4]!,
      id: view.getUint16(at + 6),
      attributes: Buffer.from(bytes.subarray(at + 8, at + length)).toString('hex'),
    });
    at += length;
  }
  return out;
}
