// What every peer server reads from the bench launcher: the port to listen on (always on
// 127.0.0.1) and, for stateful peers, a private place for its state. Peers are plain
// JavaScript run without the tsx loader, as their users deploy them: a loader would tax any
// module a peer imports lazily while serving (better-auth does, on every request).

export const HOST = '127.0.0.1';

/** @returns {number} */
export function peerPort() {
  const port = Number(process.env.PORT);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error('PORT must be set by the bench launcher');
  return port;
}

/** The fixed user every peer answers with, so each returns the same "whose session is it" shape. */
export const BENCH_USER = Object.freeze({ userId: '005000000000001AAA', username: 'bench-user' });

/**
 * Ends the process cleanly on the launcher's SIGTERM (or Ctrl-C), after `close` has run.
 * @param {() => Promise<void>} close
 */
export function stopOnSignal(close) {
  const stop = () => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
