import { describe, expect, it } from 'vitest';
import { NOTIFY, PAYLOAD } from '../../../../shared/probes/ike/ike-constants.js';
import { parseIkeResponse } from '../../../../shared/probes/ike/ike-response.js';

// Synthetic answers, byte by byte, for the rules the captured replies do not reach.
const OURS = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const RESPONDER = Uint8Array.from([9, 9, 9, 9, 9, 9, 9, 9]);

interface Payload {
  type: number;
  body: Uint8Array;
}
const notify = (type: number, data: number[] = [], spiSize = 0): Payload => {
  const body = new Uint8Array(4 + spiSize + data.length);
  body[0] = 1; // protocol IKE
  body[1] = spiSize;
  new DataView(body.buffer).setUint16(2, type);
  body.set(data, 4 + spiSize);
  return { type: PAYLOAD.notify, body };
};
const opaque = (type: number, size = 4): Payload => ({ type, body: new Uint8Array(size) });

function message(
  payloads: Payload[],
  over: { spi?: Uint8Array; exchange?: number; flags?: number; messageId?: number; length?: number } = {},
): Uint8Array {
  const total = 28 + payloads.reduce((n, p) => n + 4 + p.body.length, 0);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(over.spi ?? OURS, 0);
  bytes.set(RESPONDER, 8);
  bytes[16] = payloads[0]?.type ?? PAYLOAD.none;
  bytes[17] = 0x20;
  bytes[18] = over.exchange ?? 34;
  bytes[19] = over.flags ?? 0x20;
  view.setUint32(20, over.messageId ?? 0);
  view.setUint32(24, over.length ?? total);
  let at = 28;
  payloads.forEach((p, i) => {
    bytes[at] = payloads[i + 1]?.type ?? PAYLOAD.none;
    view.setUint16(at + 2, 4 + p.body.length);
    bytes.set(p.body, at + 4);
    at += 4 + p.body.length;
  });
  return bytes;
}

describe('parseIkeResponse, rule by rule', () => {
  it('answers with the full shape of a stateless INVALID_KE_PAYLOAD, on 500 and behind the 4500 marker', () => {
    const reply = message([notify(NOTIFY.INVALID_KE_PAYLOAD, [0, 14])]);
    const expected = {
      kind: 'answered',
      response: 'INVALID_KE_PAYLOAD',
      responderSpi: RESPONDER,
      notifies: [NOTIFY.INVALID_KE_PAYLOAD],
      requestedDhGroup: 14,
    };
    expect(parseIkeResponse(reply, OURS)).toEqual(expected);
    const marked = new Uint8Array(4 + reply.length);
    marked.set(reply, 4);
    expect(parseIkeResponse(marked, OURS)).toEqual(expected);
  });

  it('reads the requested group after a notify SPI, and leaves it out when the data is cut short', () => {
    expect(parseIkeResponse(message([notify(NOTIFY.INVALID_KE_PAYLOAD, [0, 19], 4)]), OURS)).toMatchObject({
      requestedDhGroup: 19,
    });
    const short = parseIkeResponse(message([notify(NOTIFY.INVALID_KE_PAYLOAD, [0])]), OURS);
    expect(short).toMatchObject({ kind: 'answered', response: 'INVALID_KE_PAYLOAD' });
    expect(short).not.toHaveProperty('requestedDhGroup');
  });

  it('lets an error notify name the answer over status notifies, and COOKIE over errors', () => {
    const nat = notify(NOTIFY.NAT_DETECTION_SOURCE_IP, new Array(20).fill(0));
    expect(parseIkeResponse(message([nat, notify(NOTIFY.INVALID_SYNTAX)]), OURS)).toMatchObject({
      response: 'INVALID_SYNTAX',
      notifies: [NOTIFY.NAT_DETECTION_SOURCE_IP, NOTIFY.INVALID_SYNTAX],
    });
    expect(
      parseIkeResponse(
        message([notify(NOTIFY.NO_PROPOSAL_CHOSEN), notify(NOTIFY.COOKIE, [1, 2, 3, 4])]),
        OURS,
      ),
    ).toMatchObject({ response: 'COOKIE' });
    expect(
      parseIkeResponse(message([notify(NOTIFY.TEMPORARY_FAILURE), notify(NOTIFY.NO_PROPOSAL_CHOSEN)]), OURS),
    ).toMatchObject({ response: 'NO_PROPOSAL_CHOSEN' });
    expect(parseIkeResponse(message([notify(NOTIFY.TEMPORARY_FAILURE)]), OURS)).toMatchObject({
      response: 'TEMPORARY_FAILURE',
    });
  });

  it('calls SA + KE + Nonce a full IKE_SA_INIT, with status notifies riding along', () => {
    const full = [
      opaque(PAYLOAD.sa),
      opaque(PAYLOAD.ke),
      opaque(PAYLOAD.nonce, 32),
      notify(NOTIFY.NAT_DETECTION_SOURCE_IP),
    ];
    expect(parseIkeResponse(message(full), OURS)).toMatchObject({ response: 'IKE_SA_INIT' });
    // Without the nonce it is not a full reply: the first status notify names it.
    expect(parseIkeResponse(message([full[0]!, full[1]!, full[3]!]), OURS)).toMatchObject({
      response: 'NAT_DETECTION_SOURCE_IP',
    });
    expect(parseIkeResponse(message([full[1]!, full[2]!]), OURS)).toEqual({
      kind: 'malformed',
      reason: 'response carries neither SA/KE/Nonce nor a notify',
    });
    expect(parseIkeResponse(message([full[0]!, full[2]!]), OURS).kind).toBe('malformed');
    expect(parseIkeResponse(message([]), OURS).kind).toBe('malformed');
  });

  it('names a notify it has no name for by its number', () => {
    expect(parseIkeResponse(message([notify(16500)]), OURS)).toMatchObject({ response: 'NOTIFY_16500' });
  });

  it.each([
    [{ spi: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 9]) }, 'initiator SPI is not ours'],
    [{ exchange: 35 }, 'exchange type 35'],
    [{ flags: 0x08 }, 'not a response'],
    [{ messageId: 1 }, 'message id is not 0'],
  ])('says not-ours for %j', (over, reason) => {
    expect(parseIkeResponse(message([notify(NOTIFY.INVALID_KE_PAYLOAD)], over), OURS)).toEqual({
      kind: 'not-ours',
      reason,
    });
  });

  it('needs our whole SPI, not a prefix of it', () => {
    expect(parseIkeResponse(message([notify(NOTIFY.COOKIE)]), OURS.subarray(0, 4)).kind).toBe('not-ours');
  });

  it('strips the 4500 marker only when all four bytes are zero', () => {
    const reply = message([notify(NOTIFY.COOKIE)]);
    for (const marker of [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]) {
      const bytes = new Uint8Array(4 + reply.length);
      bytes.set(marker);
      bytes.set(reply, 4);
      expect(parseIkeResponse(bytes, OURS).kind, JSON.stringify(marker)).not.toBe('answered');
    }
  });

  it.each([
    [new Uint8Array(27).fill(1), 'only 27 bytes'],
    [new Uint8Array(31), 'only 27 bytes'],
    [
      (() => {
        const m = message([]);
        m[17] = 0x10;
        return m;
      })(),
      'IKE major version 1',
    ],
    [message([notify(NOTIFY.COOKIE)], { length: 27 }), 'header length 27 for 36 bytes'],
    [message([notify(NOTIFY.COOKIE)], { length: 37 }), 'header length 37 for 36 bytes'],
    [message([opaque(PAYLOAD.sa, 0)]).subarray(0, 28), 'header length 32 for 28 bytes'],
    [
      (() => {
        const m = message([opaque(PAYLOAD.sa)]);
        new DataView(m.buffer).setUint16(30, 3);
        return m;
      })(),
      'payload 33 has length 3',
    ],
    [
      (() => {
        const m = message([opaque(PAYLOAD.sa)]);
        new DataView(m.buffer).setUint16(30, 9);
        return m;
      })(),
      'payload 33 has length 9',
    ],
    [
      (() => {
        const m = message([opaque(PAYLOAD.sa)]);
        m[28] = PAYLOAD.ke;
        return m;
      })(),
      'payload 34 runs past the message',
    ],
    [message([{ type: PAYLOAD.notify, body: new Uint8Array(3) }]), 'notify payload too short'],
  ])('malformed %#: %s', (bytes, reason) => {
    expect(parseIkeResponse(bytes, OURS)).toEqual({ kind: 'malformed', reason });
  });

  it('accepts a message whose last payload ends exactly at the declared length', () => {
    expect(parseIkeResponse(message([opaque(PAYLOAD.sa), notify(NOTIFY.COOKIE)]), OURS)).toMatchObject({
      kind: 'answered',
      response: 'COOKIE',
    });
  });
});
