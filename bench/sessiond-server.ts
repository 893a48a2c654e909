import { launch, type Launched } from './launcher.ts';

/**
 * Starts sessiond from its sources (`node --import tsx src/cli/main.ts serve`, the same code
 * bin/sessiond.js runs compiled) in its own process, on a store the scenario prepared, with the
 * environment `npm start` and the README's service file give it (MALLOC_MMAP_THRESHOLD_).
 * Settings are the shipped defaults (log level info, validation cache on as SQLite ships it)
 * except the per-user login limit, which a login benchmark would otherwise trip.
 */
export interface SessiondServerOptions {
  name: string;
  store: string;
  logDir: string;
  env?: Record<string, string>;
  /** Flags for node itself, before the script (e.g. `--heapsnapshot-signal`). */
  nodeFlags?: string[];
}

export function startSessiond(options: SessiondServerOptions): Promise<Launched> {
  return launch({
    name: options.name,
    args: [...(options.nodeFlags ?? []), '--import', 'tsx', 'src/cli/main.ts', 'serve'],
    env: {
      MALLOC_MMAP_THRESHOLD_: '131072',
      SESSIOND_STORE: options.store,
      SESSIOND_LOGINS_PER_USER_PER_HOUR: '100000000',
      ...options.env,
    },
    logDir: options.logDir,
    readyPath: '/healthz',
    readyTimeoutMs: 60_000,
  });
}
