import { createSessiond } from '../app.ts';
import type { Config } from '../config.ts';
import { warmNextTick } from './warm-next-tick.ts';
import { lowerWorkerThreadPriority } from './worker-thread-priority.ts';

/** Exit code when the shutdown deadline passed with work left undone. */
export const SHUTDOWN_DEADLINE_EXIT_CODE = 1;

/**
 * `sessiond serve`: runs the server until SIGTERM or SIGINT, then closes it. Closing waits for
 * the pool's sessions, the HTTP server and the store; if that takes longer than
 * SESSIOND_SHUTDOWN_TIMEOUT_SECONDS the process exits anyway, non-zero, and logs what was left.
 */
export async function serve(config: Config): Promise<void> {
  // Before anything else runs on the event loop (warm-next-tick.ts).
  await warmNextTick();
  const workerPriority = await lowerWorkerThreadPriority(config.hashThreadNice);
  const server = await createSessiond(config);
  const { logger } = server.ctx;
  if ('skipped' in workerPriority) {
    if (config.hashThreadNice !== 0) logger.warn({ reason: workerPriority.skipped }, 'password hash threads keep the event loop\'s priority');
  } else if (workerPriority.lowered < workerPriority.of) {
    logger.warn({ threads: workerPriority.lowered, of: workerPriority.of, nice: workerPriority.nice }, 'only some password hash threads run below the event loop');
  } else logger.info({ threads: workerPriority.lowered, nice: workerPriority.nice }, 'password hash threads run below the event loop');
  const url = await server.listen();
  logger.info({ url, store: server.ctx.store.kind }, 'sessiond is listening');

  const stop = (signal: string) => {
    const timeoutSeconds = config.shutdownTimeoutMs / 1000;
    logger.info({ signal, timeoutSeconds }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error(
        { timeoutSeconds, leftUndone: server.shutdownLeft() },
        `shutdown did not finish within ${timeoutSeconds} s; exiting with work left undone`,
      );
      process.exit(SHUTDOWN_DEADLINE_EXIT_CODE);
    }, config.shutdownTimeoutMs);
    server.close().then(
      () => {
        clearTimeout(deadline);
        logger.info('shut down');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
