import { TransportError } from './docker-host-client.js';

/**
 * Runs `work` under a hard deadline: the signal handed to it aborts when the deadline passes or the
 * caller's signal aborts, and the returned promise settles at that moment even if `work` ignores
 * the signal (dockerode's own `timeout` is only a socket-idle timeout). `onAbort` cleans up
 * (destroying streams, removing containers).
 */
export async function withDeadline<T>(
  what: string,
  deadlineMs: number,
  outer: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let reason: TransportError | null = null;
  let rejectNow: (e: TransportError) => void = () => {};
  const stop = (e: TransportError) => {
    if (reason) return;
    reason = e;
    controller.abort(e);
    rejectNow(e);
  };
  const timer = setTimeout(
    () => stop(new TransportError('timeout', `${what}: no answer within ${deadlineMs} ms`)),
    Math.max(0, deadlineMs),
  );
  const onOuterAbort = () => stop(new TransportError('aborted', `${what}: cancelled`));
  if (outer?.aborted) onOuterAbort();
  else outer?.addEventListener('abort', onOuterAbort, { once: true });
  const aborted = new Promise<never>((_, reject) => {
    rejectNow = reject;
    if (reason) reject(reason);
  });
  try {
    const run = work(controller.signal);
    // Once aborted, a late rejection from `work` must not surface as unhandled.
    run.catch(() => {});
    return await Promise.race([run, aborted]);
  } catch (e) {
    throw reason ?? e;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}
