import pg from 'pg';
import type { InvalidationBus } from '../../core/invalidation-bus.ts';
import { asStoreError } from './pg-errors.ts';

/** The channel every node LISTENs on (NOTIFY is per database, so one database is one cluster). */
export const INVALIDATION_CHANNEL = 'sessiond_invalidate';

// NOTIFY payloads must stay under 8000 bytes: 150 hashes of 43 characters plus commas fit.
const HASHES_PER_MESSAGE = 150;
const HASH = /^[A-Za-z0-9_-]{43}$/;
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5000;

export interface PostgresBusOptions {
  /** Told when the listening connection is lost or comes back (for logs). */
  onStateChange?: (state: 'listening' | 'reconnecting', error?: Error) => void;
}

/**
 * Invalidation over LISTEN/NOTIFY. Publishing goes through a small pool; listening holds one
 * dedicated connection that reconnects by itself. Messages sent while it was away are lost, so
 * every loss and every return is reported as a gap: the node then drops its whole cache, and
 * the cache's age bound covers whatever slipped through in between.
 */
export class PostgresInvalidationBus implements InvalidationBus {
  private readonly publisher: pg.Pool;
  private listenerClient: pg.Client | null = null;
  private readonly listeners: Array<(idHashes: ReadonlyArray<string>) => void> = [];
  private readonly gapListeners: Array<() => void> = [];
  private retryMs = RETRY_FIRST_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private listening = false;

  private constructor(
    private readonly url: string,
    private readonly options: PostgresBusOptions,
  ) {
    this.publisher = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5000, query_timeout: 5000 });
    this.publisher.on('error', () => {
      // An idle publishing connection died; the pool has dropped it and opens another on demand.
    });
  }

  /** Opens the bus; answers once this node is listening. */
  static async open(url: string, options: PostgresBusOptions = {}): Promise<PostgresInvalidationBus> {
    const bus = new PostgresInvalidationBus(url, options);
    try {
      await bus.connect();
    } catch (error) {
      await bus.close();
      throw asStoreError(error);
    }
    return bus;
  }

  /** Whether the listening connection is up (a node that is not listening relies on its cache's age bound). */
  get isListening(): boolean {
    return this.listening;
  }

  async publish(idHashes: ReadonlyArray<string>): Promise<void> {
    for (let i = 0; i < idHashes.length; i += HASHES_PER_MESSAGE) {
      const payload = idHashes.slice(i, i + HASHES_PER_MESSAGE).join(',');
      try {
        await this.publisher.query('SELECT pg_notify($1, $2)', [INVALIDATION_CHANNEL, payload]);
      } catch (error) {
        throw asStoreError(error);
      }
    }
  }

  subscribe(listener: (idHashes: ReadonlyArray<string>) => void): void {
    this.listeners.push(listener);
  }

  onGap(listener: () => void): void {
    this.gapListeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.listenerClient;
    this.listenerClient = null;
    this.listening = false;
    await client?.end().catch(() => undefined);
    if (!this.publisher.ended) await this.publisher.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, keepAlive: true, connectionTimeoutMillis: 5000 });
    client.on('notification', (message) => {
      if (message.channel === INVALIDATION_CHANNEL) this.deliver(message.payload ?? '');
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    this.listenerClient = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${INVALIDATION_CHANNEL}`);
    } catch (error) {
      this.listenerClient = null;
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listening = true;
    this.retryMs = RETRY_FIRST_MS;
    this.gap();
    this.options.onStateChange?.('listening');
  }

  private deliver(payload: string): void {
    const hashes = payload.split(',').filter((h) => HASH.test(h));
    if (hashes.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(hashes);
      } catch {
        // One listener's failure must not keep others from evicting.
      }
    }
  }

  private lost(client: pg.Client, error?: Error): void {
    if (this.closed || this.listenerClient !== client) return;
    this.listenerClient = null;
    this.listening = false;
    client.end().catch(() => undefined);
    this.gap();
    this.options.onStateChange?.('reconnecting', error);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect().catch(() => {
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
        this.scheduleReconnect();
      });
    }, this.retryMs);
    this.retryTimer.unref();
  }

  private gap(): void {
    for (const listener of this.gapListeners) {
      try {
        listener();
      } catch {
        // as in deliver
      }
    }
  }
}
