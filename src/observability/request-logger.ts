import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LogFn } from 'pino';

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
