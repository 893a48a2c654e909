import type { Logger } from 'pino';
import type { SessiondError } from '../core/errors.ts';

type LogTarget = Pick<Logger, 'warn' | 'error'>;

/**
 * Logs server failures without letting a store outage flood the log: every request during an
 * outage answers 503, so only the first is logged (at warn, with the cause's message, no stack)
 * and the rest are counted; a probe pings the store until it answers, then one line says how long
 * it was down and how many requests failed. Any other server failure is a bug and is logged at
 * error with its cause, every time.
 */
export class StoreOutages {
  private since: number | undefined;
  private failedRequests = 0;
  private probe: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Pick<Logger, 'warn' | 'info'>,
    private readonly ping: () => Promise<void>,
    private readonly probeIntervalMs = 1000,
  ) {}

  /** True while the store is known to be down. */
  get inOutage(): boolean {
    return this.since !== undefined;
  }

  logFailure(log: LogTarget, failure: SessiondError, message: string): void {
    if (failure.code !== 'SERVICE_UNAVAILABLE') {
      log.error({ err: failure.cause ?? failure, code: failure.code }, message);
      return;
    }
    this.failedRequests += 1;
    if (this.since !== undefined) return;
    this.since = Date.now();
    const cause = failure.cause instanceof Error ? failure.cause.message : String(failure.cause ?? 'unknown');
    log.warn({ code: failure.code, cause }, 'store unavailable: answering 503 until it is back (further failures are counted, not logged)');
    this.startProbe();
  }

  private startProbe(): void {
    let probing = false;
    this.probe = setInterval(() => {
      if (probing) return;
      probing = true;
      this.ping()
        .then(() => this.recovered())
        .catch(() => {})
        .finally(() => (probing = false));
    }, this.probeIntervalMs);
    this.probe.unref();
  }

  private recovered(): void {
    if (this.since === undefined) return;
    this.logger.info({ outageMs: Date.now() - this.since, failedRequests: this.failedRequests }, 'store available again');
    this.stop();
  }

  /** Stops probing (at shutdown, or once the store answers). */
  stop(): void {
    clearInterval(this.probe);
    this.probe = undefined;
    this.since = undefined;
    this.failedRequests = 0;
  }
}
