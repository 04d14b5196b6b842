import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IKE_PROBE_SCRIPT } from '../../../../shared/probes/ike/ike-probe-script.js';

// The sidecar image's bash (Debian bash-static, installed by scripts/setup.sh). Most runs send no
// packet: they only exercise the script's parsing and its argument checks. One sends to loopback.
const BASH = '/bin/bash-static';
const TMPDIR = mkdtempSync(join(tmpdir(), 'tw-ike-script-'));
afterAll(() => rmSync(TMPDIR, { recursive: true, force: true }));
// The image's PATH: BusyBox applets only (scripts/build-probe-image.sh links the same ones).
const imageBin = () => {
  const bin = join(TMPDIR, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const applet of ['sh', 'dd', 'sleep', 'xxd', 'tr', 'grep', 'mkdir', 'cat']) {
    if (!existsSync(join(bin, applet))) symlinkSync('/bin/busybox', join(bin, applet));
  }
  return bin;
};
const run = (...args: string[]) =>
  spawnSync(BASH, ['-c', IKE_PROBE_SCRIPT, 'ike-probe', ...args], {
    encoding: 'utf8',
    env: { PATH: '/nonexistent', TMPDIR },
  });

describe('IKE_PROBE_SCRIPT', () => {
  it('is valid bash', () => {
    const check = spawnSync(BASH, ['-n'], { input: IKE_PROBE_SCRIPT, encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('refuses a malformed timeout before doing anything', () => {
    const r = run('1; rm -rf /', 'p0-500', '198.18.0.12', '500', 'aa');
    expect(r.stdout.trim()).toBe('- error bad-timeout');
    expect(r.status).toBe(2);
  });

  it.each([
    [['p0-500', '198.18.0.12;id', '500', 'aabb'], 'p0-500 error bad-ip'],
    [['p0-500', '198.18.0.12', '22', 'aabb'], 'p0-500 error bad-port'],
    [['p0-500', '198.18.0.12', '500', 'aa$(id)'], 'p0-500 error bad-hex'],
    [['p0-500', '198.18.0.12', '500', 'aab'], 'p0-500 error bad-hex'],
    [['P0;x', '198.18.0.12', '500', 'aabb'], '- error bad-id'],
  ])('re-checks every target (%j) and skips bad ones', (target, line) => {
    const r = spawnSync(BASH, ['-c', IKE_PROBE_SCRIPT, 'ike-probe', '0.100', ...target], {
      encoding: 'utf8',
      env: { PATH: '/bin', TMPDIR },
    });
    expect(r.stdout.trim()).toBe(line);
  });

  it('sends each request as ONE datagram, even when it contains newline bytes', async () => {
    // Bash line-buffers stdout, so a printf straight into the socket split requests at every 0x0a.
    const responder = createSocket('udp4');
    const bound = await new Promise<boolean>((resolve) => {
      responder.once('error', () => resolve(false));
      responder.bind(4500, '127.0.0.1', () => resolve(true));
    });
    if (!bound) {
      responder.close();
      console.warn('skipped: 127.0.0.1:4500 is in use');
      return;
    }
    const sizes: number[] = [];
    responder.on('message', (msg, rinfo) => {
      sizes.push(msg.length);
      responder.send(msg.subarray(0, 8), rinfo.port, rinfo.address);
    });
    const request = Buffer.alloc(300, 0x0a);
    request.write('0000000011223344', 0, 'hex');
    try {
      const stdout = await new Promise<string>((resolve, reject) => {
        const child = spawn(
          BASH,
          [
            '-c',
            IKE_PROBE_SCRIPT,
            'ike-probe',
            '2.000',
            'p0-4500',
            '127.0.0.1',
            '4500',
            request.toString('hex'),
          ],
          { env: { PATH: imageBin(), TMPDIR } },
        );
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
        });
        child.on('error', reject);
        child.on('close', () => resolve(out));
      });
      expect(stdout).toMatch(/^p0-4500 answered \d+ 0000000011223344\n$/);
      expect(sizes).toEqual([300]);
    } finally {
      responder.close();
    }
  });
});
