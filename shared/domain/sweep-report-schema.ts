import { z } from 'zod';
import { CAUSES } from './cause.js';
import { type Check, compileCheck } from './compiled-check.js';
import { DEFAULT_ENVIRONMENT, parseEnvironmentName } from './environment-name.js';
import { type HostName, parseHostName } from './host-name.js';
import { type Ipv4, parseIpv4 } from './ipv4.js';
import { PROBE_KINDS } from './probe-kind.js';
import {
  type AgentInfo,
  HOST_FINDING_CODES,
  HOST_STATES,
  type HostFinding,
  type HostResult,
  IKE_OUTCOMES,
  type IkeDetail,
  type MtuDetail,
  type MtuRung,
  type PathResult,
  type RegistrationAddresses,
  SAMPLE_SOURCES,
  type SaDetail,
  SCHEMA_VERSION,
  STATES,
  type SweepReport,
  type SweepSampling,
  type Verdict,
  type VerdictSample,
} from './sweep-report.js';

/**
 * The SweepReport contract as a schema, for reports that come back from outside the process
 * (storage). What passes has exactly the types of `SweepReport`, brands included, so readers such as
 * the matrix page trust them instead of re-checking every field.
 */
const hostName = z.custom<HostName>(
  (v) => typeof v === 'string' && parseHostName(v) === v,
  'not a host name',
);
const ipv4 = z.custom<Ipv4>((v) => typeof v === 'string' && parseIpv4(v) === v, 'not an IPv4 address');
const count = z.number().int().nonnegative();
const ms = z.number().finite().nonnegative();
const ratio = z.number().min(0).max(1);

const rttMs = z.object({ min: ms, avg: ms, max: ms });

const registrationAddresses = z.object({
  registered: ipv4.nullable(),
  real: ipv4,
  dialedByPeers: z.array(ipv4),
});

const agentInfo = z.object({
  containerId: z.string(),
  overlayIp: ipv4,
  overlayIpSource: z.enum(['label', 'container']).optional(),
  advertisedIp: ipv4.optional(),
  layout: z.enum(['rancher-1.1', 'rancher-1.6', 'custom']).optional(),
  registration: z.enum(['rancher-agent', 'agent-env', 'auto-detected']).optional(),
});

const hostFinding = z.object({
  code: z.enum(HOST_FINDING_CODES),
  message: z.string(),
  addresses: registrationAddresses.optional(),
});

const ikeDetail = z.object({ outcome: z.enum(IKE_OUTCOMES), response: z.string().optional() });

const saDetail = z.object({
  ikeState: z.string().nullable(),
  childState: z.string().nullable(),
  daemon: z.literal('unreachable').optional(),
  establishedSec: count.optional(),
  rekeySec: count.optional(),
  bytesIn: count.optional(),
  bytesOut: count.optional(),
  packetsIn: count.optional(),
  packetsOut: count.optional(),
  spiIn: z.string().optional(),
  spiOut: z.string().optional(),
  packetsInDelta: z.number().int().optional(),
  packetsOutDelta: z.number().int().optional(),
  remoteHost: ipv4.optional(),
  dialed: z.array(ipv4).optional(),
  configured: z.boolean().optional(),
});

const mtuDetail = z.object({
  pmtu: count.nullable(),
  ceiling: count,
  ladder: z.array(z.object({ bytes: count, sent: count, received: count })),
});

const hostResult = z.object({
  name: hostName,
  state: z.enum(HOST_STATES),
  agent: agentInfo.nullable(),
  underlayIp: ipv4.optional(),
  findings: z.array(hostFinding).optional(),
  error: z.string().optional(),
});

const pathResult = z.object({
  from: hostName,
  to: hostName,
  probe: z.enum(PROBE_KINDS),
  target: ipv4.optional(),
  state: z.enum(STATES),
  sent: count,
  received: count,
  lossRatio: ratio,
  rttMs: rttMs.nullable(),
  samplesMs: z.array(ms).optional(),
  ike: ikeDetail.optional(),
  sa: saDetail.optional(),
  mtu: mtuDetail.optional(),
  error: z.string().optional(),
});

const verdictSample = z.object({
  source: z.enum(SAMPLE_SOURCES),
  sampledAt: z.string().datetime({ offset: true }).nullable(),
  ageSweeps: count.nullable(),
});

const verdict = z.object({
  from: hostName,
  to: hostName,
  state: z.enum(STATES),
  cause: z.enum(CAUSES),
  advice: z.string(),
  evidence: z.array(z.string()),
  latent: z.boolean().optional(),
  direction: z.enum(['forward', 'reverse', 'both']).optional(),
  pmtu: count.optional(),
  sample: verdictSample.optional(),
});

const sweepSampling = z.object({
  rotation: count,
  peersPerSweep: count,
  cycleSweeps: count,
});

export const sweepReportSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  // Reports stored before environments existed have none: they were the default environment's.
  environment: z
    .string()
    .refine((name) => parseEnvironmentName(name) !== null)
    .default(DEFAULT_ENVIRONMENT),
  startedAt: z.string().datetime({ offset: true }),
  durationMs: ms,
  status: z.enum(STATES),
  hosts: z.array(hostResult),
  paths: z.array(pathResult),
  verdicts: z.array(verdict),
  sampling: sweepSampling.optional(),
});

// Every SweepReport is valid input (the other direction differs only by exactOptionalPropertyTypes:
// zod types an optional field `T | undefined`; parsed JSON never holds an undefined value).
type AcceptsEveryReport = SweepReport extends z.input<typeof sweepReportSchema> ? true : never;
// …and names every field of the contract: a field added to an interface but not here would be
// dropped from every stored report, so it fails to compile instead.
type Missing<T, S extends z.ZodTypeAny> = Exclude<keyof T, keyof z.infer<S>>;
type NamesEveryField = [
  Missing<SweepReport, typeof sweepReportSchema>,
  Missing<HostResult, typeof hostResult>,
  Missing<AgentInfo, typeof agentInfo>,
  Missing<HostFinding, typeof hostFinding>,
  Missing<RegistrationAddresses, typeof registrationAddresses>,
  Missing<PathResult, typeof pathResult>,
  Missing<IkeDetail, typeof ikeDetail>,
  Missing<SaDetail, typeof saDetail>,
  Missing<MtuDetail, typeof mtuDetail>,
  Missing<MtuRung, typeof mtuDetail.shape.ladder.element>,
  Missing<Verdict, typeof verdict>,
  Missing<VerdictSample, typeof verdictSample>,
  Missing<SweepSampling, typeof sweepSampling>,
] extends never[]
  ? true
  : never;
const checks: [AcceptsEveryReport, NamesEveryField] = [true, true];
void checks;

let isSweepReport: Check | null = null;

/**
 * Checks a value against the contract (`what` names it in the error). Throws naming where it first
 * fails (the path into the report and the kind of problem), never quoting the value.
 */
export function parseSweepReport(value: unknown, what = 'the stored report'): SweepReport {
  // The compiled check first: the same rules without zod's copy of a report that can hold 280,000
  // objects. A report that passes is returned as it is (fields the contract does not name are kept,
  // unread); zod runs only to say where one fails.
  isSweepReport ??= compileCheck(sweepReportSchema);
  if (isSweepReport(value)) {
    const report = value as SweepReport;
    return report.environment === undefined ? { ...report, environment: DEFAULT_ENVIRONMENT } : report;
  }
  const result = sweepReportSchema.safeParse(value);
  if (result.success) return result.data as SweepReport;
  const issue = result.error.issues[0]!;
  const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('') || '(top)';
  throw new Error(
    `${what} does not match the report contract at ${where.replace(/^\./, '')} (${issue.code})`,
  );
}
