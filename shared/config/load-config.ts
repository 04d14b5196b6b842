import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { DEFAULT_ENVIRONMENT, type EnvironmentName } from '../domain/environment-name.js';
import type { HostName } from '../domain/host-name.js';
import { type Ipv4, parseIpv4 } from '../domain/ipv4.js';
import { type NcrontabSchedule, parseNcrontab } from '../schedule/ncrontab.js';
import { APP_SETTINGS } from './app-settings.js';
import { type ConfigIssue, type ConfigResult, fromZodIssue } from './config-issue.js';
import { type EnvironmentFile, multiEnvironmentSchema, singleEnvironmentSchema } from './config-schema.js';
import { readPemSetting, TLS_SETTINGS } from './credential-settings.js';
import { type DockerEndpoint, parseDockerEndpoint } from './docker-endpoint.js';
import { parseJsonConfig, parseYamlConfig } from './parse-config-text.js';
import { Secret } from './secret.js';
import type { DockerConnection, HostConfig, MonitorConfig, TunnelwatchConfig } from './tunnelwatch-config.js';

export interface ConfigSource {
  /** `--config PATH` from the command line; wins over the app setting. */
  path?: string;
  /** Environment / app settings (TUNNELWATCH_CONFIG: a file path, or inline JSON starting with "{"). */
  env?: Readonly<Record<string, string | undefined>>;
}

export async function loadConfig(source: ConfigSource): Promise<ConfigResult<MonitorConfig>> {
  const setting = source.env?.[APP_SETTINGS.config]?.trim();
  if (source.path === undefined && (setting === undefined || setting === '')) {
    return fail(
      '(config)',
      `no config given: pass --config PATH or set ${APP_SETTINGS.config} (a file path or inline JSON)`,
    );
  }
  if (source.path === undefined && setting?.startsWith('{')) {
    const parsed = parseJsonConfig(setting);
    if (!parsed.ok) return fail(APP_SETTINGS.config, `inline ${parsed.message}`);
    // Relative key file paths in an app setting resolve against the working directory.
    return parseConfig(parsed.raw, process.cwd(), source.env);
  }
  const path = resolve(source.path ?? setting!);
  const origin = source.path !== undefined ? '--config' : APP_SETTINGS.config;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return fail(origin, `cannot read config file ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const isJson = extname(path).toLowerCase() === '.json';
  const parsed = isJson ? parseJsonConfig(text) : parseYamlConfig(text);
  if (!parsed.ok) return fail(path, isJson ? `not valid ${parsed.message}` : parsed.message);
  return parseConfig(parsed.raw, dirname(path), source.env);
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Validates a parsed document and reads the key files it names (relative to `baseDir`) and, for
 * hosts with `"fromAppSettings": true`, the credential app settings in `env`. A document with
 * `environments` lists named environments; one with top-level `hosts` is the environment "default".
 */
export async function parseConfig(
  raw: unknown,
  baseDir: string,
  env: Env = {},
): Promise<ConfigResult<MonitorConfig>> {
  const listed = typeof raw === 'object' && raw !== null && 'environments' in raw;
  const named: {
    at: string;
    name: EnvironmentName;
    schedule: NcrontabSchedule | null;
    file: EnvironmentFile;
  }[] = [];
  if (listed) {
    const parsed = multiEnvironmentSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, issues: parsed.error.issues.map(fromZodIssue) };
    for (const [i, { name, schedule, ...file }] of parsed.data.environments.entries()) {
      named.push({
        at: `environments[${i}].`,
        name: name as EnvironmentName,
        // The schema already rejected a schedule that does not parse.
        schedule: schedule === undefined ? null : (parseNcrontab(schedule) as NcrontabSchedule),
        file,
      });
    }
  } else {
    const parsed = singleEnvironmentSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, issues: parsed.error.issues.map(fromZodIssue) };
    named.push({ at: '', name: DEFAULT_ENVIRONMENT, schedule: null, file: parsed.data });
  }
  const issues: ConfigIssue[] = [];
  const environments: TunnelwatchConfig[] = [];
  for (const { at, name, schedule, file } of named) {
    const hosts: HostConfig[] = [];
    for (const [i, host] of file.hosts.entries()) {
      const docker = await resolveConnection(
        host.docker,
        `${at}hosts[${i}].docker`,
        file.sweep.connectTimeoutMs,
        baseDir,
        env,
        issues,
      );
      if (docker) {
        hosts.push({
          name: host.name as HostName,
          underlayIp: host.underlayIp === undefined ? null : (parseIpv4(host.underlayIp) as Ipv4),
          docker,
        });
      }
    }
    const { agent, probes, sweep: sweepFile } = file;
    const selector = { ...agent, selectorLabel: agent.selectorLabel ?? null };
    const { sampling, shardSources, ...limits } = sweepFile;
    const sweep = {
      ...limits,
      ...(sampling ? { sampling } : {}),
      ...(shardSources !== undefined ? { shardSources } : {}),
    };
    environments.push({ environment: name, schedule, hosts, agent: selector, probes, sweep });
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, config: { environments } };
}

async function resolveConnection(
  docker: EnvironmentFile['hosts'][number]['docker'],
  at: string,
  connectTimeoutMs: number,
  baseDir: string,
  env: Env,
  issues: ConfigIssue[],
): Promise<DockerConnection | null> {
  // The schema already rejected malformed endpoints.
  const endpoint = parseDockerEndpoint(docker.endpoint) as DockerEndpoint;
  const read = async (file: string, field: string): Promise<string | null> => {
    const full = resolve(baseDir, file);
    try {
      return await readFile(full, 'utf8');
    } catch (e) {
      issues.push({
        path: `${at}.${field}`,
        message: `cannot read ${full} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      });
      return null;
    }
  };
  const setting = (name: string, field: string): string | null => {
    const read = readPemSetting(env, name);
    if (read.ok) return read.value;
    issues.push({ path: `${at}.${field}`, message: read.message });
    return null;
  };
  switch (endpoint.scheme) {
    case 'unix':
      return endpoint;
    case 'tcp': {
      const tls = docker.tls;
      if (!tls) return { ...endpoint, tls: null, connectTimeoutMs };
      if (tls.fromAppSettings === true) {
        const ca = setting(TLS_SETTINGS.ca, 'tls.fromAppSettings');
        const cert = setting(TLS_SETTINGS.cert, 'tls.fromAppSettings');
        const key = setting(TLS_SETTINGS.key, 'tls.fromAppSettings');
        if (ca === null || cert === null || key === null) return null;
        return { ...endpoint, tls: { ca, cert, key: new Secret(key) }, connectTimeoutMs };
      }
      const ca = tls.ca ?? (await read(tls.caFile!, 'tls.caFile'));
      const cert = tls.cert ?? (await read(tls.certFile!, 'tls.certFile'));
      const key = tls.key ?? (await read(tls.keyFile!, 'tls.keyFile'));
      if (ca === null || cert === null || key === null) return null;
      return { ...endpoint, tls: { ca, cert, key: new Secret(key) }, connectTimeoutMs };
    }
    case 'ssh': {
      const ssh = docker.ssh;
      let privateKey: string | null = ssh?.privateKey ?? null;
      if (ssh?.fromAppSettings === true) {
        privateKey = setting(APP_SETTINGS.dockerSshKey, 'ssh.fromAppSettings');
        if (privateKey === null) return null;
      }
      if (ssh?.privateKeyFile !== undefined) {
        privateKey = await read(ssh.privateKeyFile, 'ssh.privateKeyFile');
        if (privateKey === null) return null;
      }
      let knownHosts: string | null = null;
      if (ssh?.knownHostsFile !== undefined) {
        knownHosts = await read(ssh.knownHostsFile, 'ssh.knownHostsFile');
        if (knownHosts === null) return null;
      } else {
        // The operator's own trust, as the docker CLI's ssh would use it; absent means none.
        knownHosts = await readFile(join(homedir(), '.ssh', 'known_hosts'), 'utf8').catch(() => null);
      }
      return {
        ...endpoint,
        privateKey: privateKey === null ? null : new Secret(privateKey),
        passphrase: ssh?.passphrase === undefined ? null : new Secret(ssh.passphrase),
        hostKeys: { knownHosts, sha256: ssh?.hostKeySha256 ?? [] },
        connectTimeoutMs,
      };
    }
  }
}

function fail(path: string, message: string): ConfigResult<never> {
  return { ok: false, issues: [{ path, message }] };
}
