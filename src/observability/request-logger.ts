import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LogFn } from 'pino';
import { markRequestLogger } from './logger.ts';

/**
 * Fastify's `request.log`, made only when a request first logs. Fastify makes a child logger
 * for every request; a pino child (bindings serialized, redaction set up) costs more than the
 * whole session check, and most requests never log a line. The real child is made on first
 * use, from the same bindings (the request ID as `reqId`), so the lines it writes are those
 * an eager child would have written.
 */
export class LazyRequestLogger implements FastifyBaseLogger {
  declare readonly fatal: LogFn;
  declare readonly error: LogFn;
  declare readonly warn: LogFn;
  declare readonly info: LogFn;
  declare readonly debug: LogFn;
  declare readonly trace: LogFn;
  declare readonly silent: LogFn;
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
    private readonly makeChild: (parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) => FastifyBaseLogger,
  ) {}

  /** The real child logger, made on first use. */
  logger(): FastifyBaseLogger {
    this.made ??= this.makeChild(this.parent, this.bindings, this.options);
    return this.made;
  }

  get level(): string {
    // Until it is made, the child's level is its parent's (unless the options set one).
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger().level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }
}

for (const method of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const) {
  Object.defineProperty(LazyRequestLogger.prototype, method, {
    value(this: LazyRequestLogger, ...args: unknown[]): void {
      const logger = this.logger();
      (logger[method] as (...a: unknown[]) => void).apply(logger, args);
    },
  });
}

type ChildFn = (this: FastifyBaseLogger, bindings: Bindings, options?: ChildLoggerOptions) => FastifyBaseLogger;

/**
 * Makes Fastify's per-request loggers lazy: Fastify's own logger (`app.log`, a child of the root
 * logger made for Fastify alone, app.ts) gets a `child` that answers a LazyRequestLogger; the real child is made by pino's own `child`, marked as bound to
 * its request (logger.ts). Not Fastify's `childLoggerFactory` option: with a factory of its own,
 * Fastify checks the logger it answers on every request (an array, a filter, seven keyed
 * lookups: 0.2-0.7 µs, more than the rest of a request's logger); with its default it does not.
 * Pino's children inherit from their parent, so a child of a real request logger (or of any
 * other logger below app.log) reaches this `child` too, and gets pino's own.
 */
export function lazyRequestLoggers(appLog: FastifyBaseLogger): void {
  const pinoChild = appLog.child as ChildFn;
  const makeChild = (parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) =>
    markRequestLogger(pinoChild.call(parent, bindings, options));
  const child: ChildFn = function (bindings, options) {
    if (this !== appLog) return pinoChild.call(this, bindings, options);
    return new LazyRequestLogger(appLog, bindings, options ?? {}, makeChild);
  };
  Object.defineProperty(appLog, 'child', { value: child, writable: true, configurable: true });
}
