// Serializes lab operations across processes (CLI, e2e setup, benchmarks). The lock is a file created
// with O_EXCL holding the owner's PID; a lock whose PID is gone is stale and taken over. It lives next
// to, not inside, the lab directory so that `down` can remove that directory while holding it.
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';

export const LAB_LOCK_FILE = '/run/tunnelwatch-lab.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryAcquire(path: string): Promise<boolean> {
  // Written aside and hard-linked into place, so the lock file is never seen without its PID.
  const mine = `${path}.${process.pid}`;
  await writeFile(mine, `${process.pid}\n`, { mode: 0o600 });
  try {
    await link(mine, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    await unlink(mine).catch(() => undefined);
  }
  const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(owner) && owner > 0 && alive(owner)) return false;
  // Stale: move it aside atomically so that only one waiter removes it.
  const aside = `${path}.stale.${process.pid}`;
  await rename(path, aside).then(
    () => unlink(aside),
    () => undefined,
  );
  return false;
}

/** Runs `fn` holding the lab lock; waits up to `waitMs` for another holder (bounded). */
export async function withLabLock<T>(
  fn: () => Promise<T>,
  waitMs = 15 * 60_000,
  path = LAB_LOCK_FILE,
): Promise<T> {
  const deadline = Date.now() + waitMs;
  let reported = false;
  while (!(await tryAcquire(path))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the lab lock ${path}`);
    if (!reported) {
      process.stderr.write(`lab: waiting for the lab lock ${path} (held by another lab run)\n`);
      reported = true;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}
