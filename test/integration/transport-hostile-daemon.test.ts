import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DockerodeHostClient, MAX_EXEC_OUTPUT_BYTES } from '../../shared/transport/dockerode-host-client.js';
import { MultiplexedStreamDecoder } from '../../shared/transport/multiplexed-stream.js';
import {
  fakeAgent,
  type HostileDaemon,
  type HostileDaemonOptions,
  startHostileDaemon,
} from '../support/hostile-docker-daemon.js';

// The transport edge against a Docker daemon that misbehaves on purpose: every answer is bounded
// in bytes and time and becomes a typed TransportError, never a crash, a hang or a memory spike.

const dir = mkdtempSync(join(tmpdir(), 'h12a-hostile-'));
const agent = fakeAgent(1, '100.64.0.2');
const open: { daemon: HostileDaemon; client: DockerodeHostClient }[] = [];
let seq = 0;

async function hostile(options: HostileDaemonOptions) {
  const daemon = await startHostileDaemon({
    socketPath: join(dir, `d${++seq}.sock`),
    containers: [agent],
    ...options,
  });
  const client = new DockerodeHostClient({ scheme: 'unix', socketPath: daemon.socketPath! });
  open.push({ daemon, client });
  return { daemon, client };
}

afterEach(async () => {
  for (const { daemon, client } of open.splice(0)) {
    await client.close();
    await daemon.close();
  }
});
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

describe('exec output from a hostile daemon', () => {
  it('decodes a burst of 4,000 one-byte frames (docker-modem recursed once per frame and overflowed the stack)', async () => {
    const { client } = await hostile({
      misbehave: { 'exec-start': 'one-byte-frames' },
      oneByteFrames: 4000,
    });
    const out = await client.exec(agent.id, ['true'], { deadlineMs: 5000 });
    expect(out.stdout).toBe('a'.repeat(4000));
    expect(out.exitCode).toBe(0);
  });

  it('joins and decodes the output once, though the stream reports both its end and its close', async () => {
    const { client } = await hostile({
      misbehave: { 'exec-start': 'one-byte-frames' },
      oneByteFrames: 100,
    });
    const ends = vi.spyOn(MultiplexedStreamDecoder.prototype, 'end');
    try {
      const out = await client.exec(agent.id, ['true'], { deadlineMs: 5000 });
      expect(out.stdout).toBe('a'.repeat(100));
      // The socket's close comes after its end: give it the time to arrive before counting.
      await new Promise((r) => setTimeout(r, 50));
      expect(ends).toHaveBeenCalledTimes(1);
    } finally {
      ends.mockRestore();
    }
  });

  it('refuses output that is not a multiplexed stream instead of passing it through as stdout', async () => {
    const { client } = await hostile({ misbehave: { 'exec-start': 'garbage-frames' } });
    await expect(client.exec(agent.id, ['true'], { deadlineMs: 5000 })).rejects.toMatchObject({
      name: 'TransportError',
      kind: 'protocol',
    });
  });

  it('refuses a frame header announcing 4 GiB at once, without waiting for the deadline', async () => {
    const { client } = await hostile({ misbehave: { 'exec-start': 'huge-frame' } });
    // A 'timeout' would mean it waited for the payload.
    await expect(client.exec(agent.id, ['true'], { deadlineMs: 30_000 })).rejects.toMatchObject({
      kind: 'response-too-large',
    });
  });

  it('stops endless output at the cap with response-too-large, having read little more than the cap', async () => {
    const { client, daemon } = await hostile({ misbehave: { 'exec-start': 'endless-body' } });
    await expect(client.exec(agent.id, ['true'], { deadlineMs: 30_000 })).rejects.toMatchObject({
      kind: 'response-too-large',
    });
    // What the daemon managed to push before the connection was cut: socket buffers, not gigabytes.
    expect(daemon.bytesSent()).toBeLessThan(MAX_EXEC_OUTPUT_BYTES * 4);
  });

  it('gives up on a daemon that trickles forever at the call deadline', async () => {
    const { client } = await hostile({ misbehave: { 'exec-start': 'trickle' } });
    await expect(client.exec(agent.id, ['true'], { deadlineMs: 600 })).rejects.toMatchObject({
      kind: 'timeout',
    });
  });
});

describe('API answers from a hostile daemon', () => {
  it('cuts an endless /containers/json at the byte cap with response-too-large', async () => {
    const { client, daemon } = await hostile({ misbehave: { list: 'endless-body' } });
    const error = await client.listContainers({ deadlineMs: 30_000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TransportError', kind: 'response-too-large' });
    expect((error as Error).message).toContain(`unix://${daemon.socketPath}`);
    expect(daemon.bytesSent()).toBeLessThan(64 * 1024 * 1024);
  });

  it('times out on a black hole at the call deadline', async () => {
    const { client } = await hostile({ misbehave: { list: 'black-hole' } });
    await expect(client.listContainers({ deadlineMs: 500 })).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('keeps terminal escapes and control characters of a daemon error out of the message', async () => {
    const { client } = await hostile({ misbehave: { inspect: 'error-with-escapes' } });
    const error = (await client
      .inspectContainer(agent.id, { deadlineMs: 5000 })
      .catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ kind: 'protocol', statusCode: 500 });
    expect(error.message).toContain('daemon exploded');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point of the test
    expect(error.message).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(error.message.length).toBeLessThan(600);
  });

  it('does not follow a redirect to another address', async () => {
    const elsewhere = await startHostileDaemon({ containers: [agent] });
    try {
      const redirecting = await startHostileDaemon({
        misbehave: { list: 'redirect' },
        redirectTo: `http://127.0.0.1:${elsewhere.port}/containers/json`,
      });
      const client = new DockerodeHostClient({
        scheme: 'tcp',
        host: '127.0.0.1',
        port: redirecting.port!,
        tls: null,
        connectTimeoutMs: 3000,
      });
      open.push({ daemon: redirecting, client });
      await expect(client.listContainers({ deadlineMs: 5000 })).rejects.toMatchObject({
        name: 'TransportError',
      });
      // A followed redirect is sent after the 307 is seen: give it time to arrive.
      await new Promise((r) => setTimeout(r, 300));
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });
});
