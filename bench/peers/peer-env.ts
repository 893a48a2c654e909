/**
 * What every server under test reads from its launcher: the port to listen on (always on
 * 127.0.0.1) and, for stateful peers, a private scratch place. Peers take nothing else.
 */
export const HOST = '127.0.0.1';

export function peerPort(): number {
  const port = Number(process.env.PORT);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error('PORT must be set by the bench launcher');
  return port;
}

/** The fixed user every peer answers with, so each returns the same "whose session is it" shape. */
export const BENCH_USER = { userId: '005000000000001AAA', username: 'bench-user' } as const;

/** Ends the process cleanly on the launcher's SIGTERM, after `close` has run. */
export function stopOnSignal(close: () => Promise<void>): void {
  const stop = () => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
