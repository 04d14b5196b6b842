/**
 * Creates a table, container or queue on first use and remembers that it exists; a failure is
 * forgotten, so the next call tries again (the services treat "already exists" as success).
 */
export function createdOnce(create: () => Promise<unknown>): () => Promise<void> {
  let ready: Promise<void> | null = null;
  return () => {
    ready ??= create().then(
      () => undefined,
      (error: unknown) => {
        ready = null;
        throw error;
      },
    );
    return ready;
  };
}
