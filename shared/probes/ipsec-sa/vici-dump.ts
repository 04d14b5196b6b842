/** More than this is not swanctl output of a real agent (about 1 KB per SA): refused unread. */
export const MAX_SWANCTL_OUTPUT = 2 * 1024 * 1024;
const VICI_FAILED = "connecting to '";

export type ViciDumpResult<T> =
  | { ok: true; entries: T[] }
  /** swanctl could not talk to charon: the IKE daemon is not running (or its socket is gone). */
  | { ok: false; daemonUnreachable: true; reason: string }
  | { ok: false; daemonUnreachable: false; reason: string };

/** One swanctl `--raw` listing: its event and reply line heads, and how many events are believable. */
export interface ViciDump {
  /** e.g. `list-sa event {` */
  event: string;
  /** e.g. `list-sas reply` */
  reply: string;
  command: string;
  max: number;
  /** "more than `max` …" */
  counted: string;
}

/**
 * Reads a swanctl raw dump: one `EVENT {NAME {…}}` line per entry, then the reply line. Linear in the
 * input and capped (host output is untrusted). `toEntry` turns an event line into an entry (reading
 * it with parseViciLine or scanViciLine), or says why it cannot (a string), which refuses the whole
 * dump rather than guessing.
 */
export function parseViciDump<T>(
  output: string,
  dump: ViciDump,
  toEntry: (line: string) => T | string,
): ViciDumpResult<T> {
  const refused = (reason: string) => ({ ok: false as const, daemonUnreachable: false as const, reason });
  if (output.length > MAX_SWANCTL_OUTPUT)
    return refused(`swanctl printed more than ${MAX_SWANCTL_OUTPUT} bytes`);
  const unreachable = viciUnreachable(output);
  if (unreachable) return { ok: false, daemonUnreachable: true, reason: unreachable };
  const entries: T[] = [];
  let sawReply = false;
  for (const line of output.split('\n')) {
    if (line.startsWith(dump.reply)) sawReply = true;
    if (!line.startsWith(dump.event)) continue;
    if (entries.length >= dump.max) return refused(`more than ${dump.max} ${dump.counted}`);
    const entry = toEntry(line);
    if (typeof entry === 'string') return refused(entry);
    entries.push(entry);
  }
  if (!sawReply && entries.length === 0)
    return refused(`not swanctl ${dump.command} output: ${output.trim().slice(0, 80)}`);
  return { ok: true, entries };
}

/** swanctl's own message when charon's VICI socket does not answer, as a reason; null otherwise. */
export function viciUnreachable(output: string): string | null {
  const at = output.indexOf(VICI_FAILED);
  // Stryker disable next-line ConditionalExpression: equivalent, the text's last character never holds "' failed"
  if (at < 0) return null;
  // Stryker disable next-line EqualityOperator: equivalent, the line starts with "connecting", never a line feed
  const line = output.slice(at, output.indexOf('\n', at) < 0 ? undefined : output.indexOf('\n', at));
  const failed = line.indexOf("' failed");
  // Stryker disable next-line EqualityOperator: equivalent, the line starts with "connecting", so failed > 0
  if (failed < 0) return null;
  const detail = line
    .slice(failed + "' failed".length)
    // Stryker disable next-line Regex: equivalent for the spaces, trim removes them too
    .replace(/^:\s*/, '')
    .trim()
    .slice(0, 120);
  return `strongSwan's VICI socket does not answer (${detail || 'failed'})`;
}

/** What a reader says of an event line it cannot read: `unexpected list-sa event`. */
export function unexpectedEvent(dump: ViciDump): string {
  return `unexpected ${dump.event.slice(0, -2)}`;
}
