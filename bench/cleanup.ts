/**
 * Clean-up of outside state a scenario made (a PostgreSQL database, Redis keys), run by the
 * scenario when it ends and, if the bench is interrupted first, by the runner before it exits.
 */
const pending = new Set<() => Promise<void>>();

/** Registers `task`; answers a function that runs it once (later calls do nothing). */
export function registerCleanup(task: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  const once = () => {
    pending.delete(once);
    done ??= task();
    return done;
  };
  pending.add(once);
  return once;
}

/** Runs every clean-up still pending; a failing one is reported and does not stop the others. */
export async function runPendingCleanups(report: (message: string) => void): Promise<void> {
  for (const task of [...pending]) {
    try {
      await task();
    } catch (error) {
      report(`clean-up failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
