import { z } from 'zod';
import { ENVIRONMENT_NAME_RULE, parseEnvironmentName } from '../domain/environment-name.js';
import { HOST_NAME_RULE, parseHostName } from '../domain/host-name.js';
import { parseIpv4 } from '../domain/ipv4.js';
import { parseNcrontab } from '../schedule/ncrontab.js';
import { parseDockerEndpoint } from './docker-endpoint.js';
import { type PingSetting, pingSettingIssue } from './ping-limits.js';
import { AGENT_PRESETS, DISCOVERY_SHARE } from './tunnelwatch-config.js';

/**
 * The config file as written by an operator (see README). Strict: unknown fields are errors, so a
 * typo never silently falls back to a default. Cross-field rules live in the superRefine at the end.
 */

const INSECURE_ADVICE = '(or "insecure": true, not recommended: the Docker API is root on the host)';

const pem = z.string().min(1, 'must not be empty');
const filePath = z.string().min(1, 'must be a file path');

const tlsSchema = z
  .object({
    caFile: filePath.optional(),
    certFile: filePath.optional(),
    keyFile: filePath.optional(),
    ca: pem.optional(),
    cert: pem.optional(),
    key: pem.optional(),
    /** Take ca/cert/key from the TUNNELWATCH_DOCKER_TLS_* app settings (Key Vault references in Azure). */
    fromAppSettings: z.boolean().optional(),
  })
  .strict();

const SHA256_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

const sshSchema = z
  .object({
    privateKeyFile: filePath.optional(),
    privateKey: pem.optional(),
    passphrase: z.string().optional(),
    /** Take the private key from the TUNNELWATCH_DOCKER_SSH_KEY app setting. */
    fromAppSettings: z.boolean().optional(),
    /** Host keys accepted for this host, OpenSSH format (default ~/.ssh/known_hosts when it exists). */
    knownHostsFile: filePath.optional(),
    /** Host key fingerprints accepted for this host, as `ssh-keygen -lf` prints them. */
    hostKeySha256: z
      .array(
        z
          .string()
          .regex(
            SHA256_FINGERPRINT,
            'expected a fingerprint like "SHA256:" followed by 43 base64 characters, as `ssh-keygen -lf` prints it',
          ),
      )
      .optional(),
  })
  .strict();

const dockerSchema = z
  .object({
    endpoint: z.string({
      required_error: 'required, e.g. "unix:///var/run/docker.sock" or "tcp://HOST:2376"',
    }),
    tls: tlsSchema.optional(),
    ssh: sshSchema.optional(),
    insecure: z.boolean().optional(),
  })
  .strict();

const hostSchema = z
  .object({
    name: z.string({ required_error: 'required: a unique host name' }),
    underlayIp: z.string().optional(),
    docker: dockerSchema,
  })
  .strict();

const labelSelector = z
  .string()
  .regex(/^[A-Za-z0-9._/-]+(=[^\s,]*)?$/, 'expected a Docker label filter, "key" or "key=value"');
const labelKey = z.string().regex(/^[A-Za-z0-9._/-]+$/, 'expected a Docker label key');
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');

function pingSetting(setting: PingSetting) {
  return z.number().superRefine((value, ctx) => {
    const issue = pingSettingIssue(setting, value);
    if (issue) ctx.addIssue({ code: z.ZodIssueCode.custom, message: issue });
  });
}

export const DEFAULT_AGENT = {
  preset: 'auto',
  overlayIpLabel: 'io.rancher.container.ip',
  advertisedIpEnv: 'CATTLE_AGENT_IP',
} as const;
export const DEFAULT_PROBES = {
  pingCount: 3,
  pingIntervalSec: 0.2,
  pingTimeoutSec: 1,
  ikeTimeoutMs: 1000,
} as const;
export const DEFAULT_SWEEP = { deadlineMs: 20_000, concurrency: 8, connectTimeoutMs: 3000 } as const;

/** The default Function schedule and `serve --interval`: one sweep a minute. */
export const DEFAULT_ROTATION_MS = 60_000;

const samplingSchema = z
  .object({
    aboveHosts: z
      .number({ required_error: 'required: sample peers only in meshes of more than this many hosts' })
      .int('must be a whole number of hosts')
      .min(2, 'must be at least 2 (a mesh of 2 hosts has one peer per agent)'),
    peersPerSweep: z
      .number({ required_error: 'required: how many peers each agent probes per sweep' })
      .int('must be a whole number of peers')
      .min(1, 'must be at least 1'),
    rotationMs: z
      .number()
      .int('must be a whole number of milliseconds')
      .min(1000, 'must be at least 1000 (one rotation step per sweep interval)')
      .max(86_400_000, 'must be at most a day (86400000)')
      .default(DEFAULT_ROTATION_MS),
  })
  .strict()
  .superRefine((s, ctx) => {
    // Sampling applies to meshes of more than aboveHosts hosts, where every agent has at least
    // aboveHosts peers: a k that large would probe them all anyway.
    if (s.peersPerSweep >= s.aboveHosts) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['peersPerSweep'],
        message: `${s.peersPerSweep} peers per sweep is not fewer than aboveHosts (${s.aboveHosts}), so every agent would still probe every peer; lower peersPerSweep or raise aboveHosts`,
      });
    }
  });

const discoveryBudgetMs = (deadlineMs: number) => Math.floor(deadlineMs * DISCOVERY_SHARE);
/** 3 s, or half of discovery's budget when the sweep deadline is too short for that: a short deadline stays valid. */
export function defaultConnectTimeoutMs(deadlineMs: number): number {
  return Math.min(DEFAULT_SWEEP.connectTimeoutMs, Math.floor(discoveryBudgetMs(deadlineMs) / 2));
}

/** What one environment's sweep is configured with; the config file is one, or a list of named ones. */
const environmentFields = {
  hosts: z
    .array(hostSchema, { required_error: 'required: list the Docker hosts to sweep' })
    .min(1, 'list at least one host'),
  agent: z
    .object({
      preset: z.enum(AGENT_PRESETS).default(DEFAULT_AGENT.preset),
      selectorLabel: labelSelector.optional(),
      overlayIpLabel: labelKey.default(DEFAULT_AGENT.overlayIpLabel),
      advertisedIpEnv: envName.default(DEFAULT_AGENT.advertisedIpEnv),
    })
    .strict()
    .default({}),
  probes: z
    .object({
      // The same rules the exec batch applies to the argv it runs (shared/probes/ping/ping-limits.ts).
      pingCount: pingSetting('count').default(DEFAULT_PROBES.pingCount),
      pingIntervalSec: pingSetting('intervalSec').default(DEFAULT_PROBES.pingIntervalSec),
      pingTimeoutSec: pingSetting('timeoutSec').default(DEFAULT_PROBES.pingTimeoutSec),
      ikeTimeoutMs: z.number().int().min(50).max(30_000).default(DEFAULT_PROBES.ikeTimeoutMs),
    })
    .strict()
    .default({}),
  sweep: z
    .object({
      deadlineMs: z.number().int().min(1000).max(600_000).default(DEFAULT_SWEEP.deadlineMs),
      concurrency: z.number().int().min(1).max(256).default(DEFAULT_SWEEP.concurrency),
      // A TCP handshake across a busy network can take ~100 ms; past a minute nothing is "fast".
      connectTimeoutMs: z.number().int().min(100).max(60_000).optional(),
      /** Off unless given (docs/scale.md). */
      sampling: samplingSchema.optional(),
      /**
       * With the sweep queue (Azure): an environment of more hosts than this is swept in shards of
       * at most this many source hosts, one queue message each (docs/scale.md). Off unless given.
       */
      shardSources: z.number().int('must be a whole number of hosts').min(1).max(1000).optional(),
    })
    .strict()
    .superRefine((sweep, ctx) => {
      // A connect timeout must end inside discovery's share of the sweep (run-sweep.ts).
      const discoveryMs = discoveryBudgetMs(sweep.deadlineMs);
      // Stryker disable next-line ConditionalExpression: equivalent, undefined >= n is false
      if (sweep.connectTimeoutMs !== undefined && sweep.connectTimeoutMs >= discoveryMs) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['connectTimeoutMs'],
          message: `${sweep.connectTimeoutMs} ms is not shorter than discovery’s share of the sweep (a third of sweep.deadlineMs: ${discoveryMs} ms), so a black-holed endpoint would fail as a timeout instead; lower it or raise sweep.deadlineMs`,
        });
      }
      // One rotation step per sweep: sweeps cannot start more often than one lasts.
      if (sweep.sampling && sweep.sampling.rotationMs < sweep.deadlineMs) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['sampling', 'rotationMs'],
          message: `${sweep.sampling.rotationMs} ms is shorter than sweep.deadlineMs (${sweep.deadlineMs} ms); set it to the sweep interval (the Function schedule or serve --interval)`,
        });
      }
    })
    .transform((sweep) => ({
      ...sweep,
      connectTimeoutMs: sweep.connectTimeoutMs ?? defaultConnectTimeoutMs(sweep.deadlineMs),
    }))
    .default({}),
};

type EnvironmentFields = z.infer<z.ZodObject<typeof environmentFields>>;

/** Host names unique and well-formed, endpoints consistent with their credentials, a deadline that fits a probe round. */
function refineEnvironment(cfg: EnvironmentFields, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  cfg.hosts.forEach((host, i) => {
    const at = (...rest: (string | number)[]) => ['hosts', i, ...rest];
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });

    if (!parseHostName(host.name)) issue(at('name'), `must be ${HOST_NAME_RULE}`);
    const first = seen.get(host.name);
    if (first !== undefined)
      issue(at('name'), `"${host.name}" is already the name of hosts[${first}]; names must be unique`);
    else seen.set(host.name, i);
    if (host.underlayIp !== undefined && !parseIpv4(host.underlayIp)) {
      issue(at('underlayIp'), 'must be an IPv4 address such as 198.18.0.11');
    }

    const endpoint = parseDockerEndpoint(host.docker.endpoint);
    if (typeof endpoint === 'string') {
      issue(at('docker', 'endpoint'), endpoint);
      return;
    }
    const { tls, ssh, insecure } = host.docker;
    if (endpoint.scheme === 'tcp') {
      if (!tls && insecure !== true)
        issue(at('docker', 'endpoint'), `tcp endpoints need "tls" ${INSECURE_ADVICE}`);
      if (tls && insecure === true) issue(at('docker', 'insecure'), 'remove "insecure" when "tls" is given');
      if (tls?.fromAppSettings === true) {
        const inline = (['ca', 'cert', 'key', 'caFile', 'certFile', 'keyFile'] as const).filter(
          (field) => tls[field] !== undefined,
        );
        if (inline.length > 0) {
          issue(
            at('docker', 'tls'),
            `"fromAppSettings": true takes ca, cert and key from app settings; remove ${inline.map((f) => `"${f}"`).join(', ')}`,
          );
        }
      } else if (tls) {
        for (const part of ['ca', 'cert', 'key'] as const) {
          const file = tls[`${part}File`];
          const value = tls[part];
          if (file === undefined && value === undefined) {
            issue(at('docker', 'tls'), `needs "${part}File" (a path) or "${part}" (the PEM text)`);
          } else if (file !== undefined && value !== undefined) {
            issue(at('docker', 'tls', part), `give either "${part}File" or "${part}", not both`);
          }
        }
      }
    } else {
      if (tls)
        issue(at('docker', 'tls'), `"tls" only applies to tcp:// endpoints, not ${endpoint.scheme}://`);
      if (insecure !== undefined)
        issue(at('docker', 'insecure'), `"insecure" only applies to tcp:// endpoints`);
    }
    if (ssh && endpoint.scheme !== 'ssh') {
      issue(at('docker', 'ssh'), `"ssh" only applies to ssh:// endpoints, not ${endpoint.scheme}://`);
    }
    if (ssh?.fromAppSettings === true && (ssh.privateKey !== undefined || ssh.privateKeyFile !== undefined)) {
      issue(
        at('docker', 'ssh'),
        '"fromAppSettings": true takes the key from an app setting; remove "privateKey" / "privateKeyFile"',
      );
    } else if (ssh?.privateKey !== undefined && ssh.privateKeyFile !== undefined) {
      issue(at('docker', 'ssh', 'privateKey'), 'give either "privateKeyFile" or "privateKey", not both');
    }
  });

  const p = cfg.probes;
  // One ping burst: packets spaced by the interval, then the wait for the last reply, plus exec overhead.
  const burstMs = ((p.pingCount - 1) * p.pingIntervalSec + p.pingTimeoutSec) * 1000;
  const neededMs = Math.ceil(burstMs + Math.max(p.ikeTimeoutMs, 0) + 1000);
  if (cfg.sweep.deadlineMs < neededMs) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['sweep', 'deadlineMs'],
      message: `${cfg.sweep.deadlineMs} ms is shorter than one probe round (${neededMs} ms with these probe settings); raise it or lower probes.pingCount / pingTimeoutSec`,
    });
  }
}

const environmentNameSchema = z
  .string({ required_error: 'required: a unique environment name, e.g. "prod"' })
  .refine((name) => parseEnvironmentName(name) !== null, `must be ${ENVIRONMENT_NAME_RULE}`);

const scheduleSchema = z.string().superRefine((text, ctx) => {
  const parsed = parseNcrontab(text);
  if (typeof parsed === 'string') ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed });
});

/** A config file with `hosts` at the top level: one environment, named "default". */
export const singleEnvironmentSchema = z.object(environmentFields).strict().superRefine(refineEnvironment);

/** One entry of `environments[]`: the same fields, a name, and an optional schedule of its own. */
const namedEnvironmentSchema = z
  .object({ name: environmentNameSchema, schedule: scheduleSchema.optional(), ...environmentFields })
  .strict()
  .superRefine(refineEnvironment);

export const multiEnvironmentSchema = z
  .object({
    environments: z
      .array(namedEnvironmentSchema, { required_error: 'required: list the environments to sweep' })
      .min(1, 'list at least one environment'),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, number>();
    cfg.environments.forEach((environment, i) => {
      const first = seen.get(environment.name);
      if (first === undefined) seen.set(environment.name, i);
      else
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['environments', i, 'name'],
          message: `"${environment.name}" is already the name of environments[${first}]; names must be unique`,
        });
    });
  });

export type EnvironmentFile = z.infer<typeof singleEnvironmentSchema>;
export type ConfigFile = EnvironmentFile;
