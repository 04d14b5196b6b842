// TLS material for the hosts' Docker APIs: one lab CA, a server certificate per host (SAN = its
// underlay address) and one client certificate for the monitor. EC P-256 keys: generated in milliseconds.
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostPlan } from './address-plan.js';
import { LAB_RUN_DIR } from './address-plan.js';
import { run } from './command.js';

export const CERT_DIR = `${LAB_RUN_DIR}/certs`;

export interface ClientTls {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface ServerTls extends ClientTls {}

export const clientTls = (dir = CERT_DIR): ClientTls => ({
  caFile: join(dir, 'ca.pem'),
  certFile: join(dir, 'client-cert.pem'),
  keyFile: join(dir, 'client-key.pem'),
});

export const serverTls = (host: HostPlan, dir = CERT_DIR): ServerTls => ({
  caFile: join(dir, 'ca.pem'),
  certFile: join(dir, `${host.name}-server-cert.pem`),
  keyFile: join(dir, `${host.name}-server-key.pem`),
});

const DAYS = '30';

async function keyAndCsr(keyFile: string, csrFile: string, subject: string): Promise<void> {
  await run(['openssl', 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyFile]);
  await chmod(keyFile, 0o600);
  await run(['openssl', 'req', '-new', '-key', keyFile, '-subj', subject, '-out', csrFile]);
}

async function sign(dir: string, csr: string, out: string, extFile: string): Promise<void> {
  await run([
    'openssl',
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    join(dir, 'ca.pem'),
    '-CAkey',
    join(dir, 'ca-key.pem'),
    '-CAcreateserial',
    '-days',
    DAYS,
    '-sha256',
    '-extfile',
    extFile,
    '-out',
    out,
  ]);
}

/** Creates the CA and client certificate once, and a server certificate for each host that lacks one. */
export async function ensureCerts(hosts: readonly HostPlan[], dir = CERT_DIR): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = join(dir, 'ca.pem');
  if (!existsSync(ca)) {
    const caKey = join(dir, 'ca-key.pem');
    await run(['openssl', 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey]);
    await chmod(caKey, 0o600);
    await run([
      'openssl',
      'req',
      '-x509',
      '-new',
      '-key',
      caKey,
      '-subj',
      '/CN=tunnelwatch-lab-ca',
      '-days',
      DAYS,
      '-sha256',
      '-out',
      ca,
    ]);
  }
  const client = clientTls(dir);
  if (!existsSync(client.certFile)) {
    const csr = join(dir, 'client.csr');
    const ext = join(dir, 'client.ext');
    await keyAndCsr(client.keyFile, csr, '/CN=tunnelwatch-monitor');
    await writeFile(ext, 'extendedKeyUsage = clientAuth\n');
    await sign(dir, csr, client.certFile, ext);
    await rm(csr);
    await rm(ext);
  }
  for (const host of hosts) {
    const server = serverTls(host, dir);
    if (existsSync(server.certFile)) continue;
    const csr = join(dir, `${host.name}.csr`);
    const ext = join(dir, `${host.name}.ext`);
    await keyAndCsr(server.keyFile, csr, `/CN=${host.name}`);
    await writeFile(ext, `subjectAltName = IP:${host.underlayIp}\nextendedKeyUsage = serverAuth\n`);
    await sign(dir, csr, server.certFile, ext);
    await rm(csr);
    await rm(ext);
  }
}
