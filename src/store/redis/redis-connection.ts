import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { SessiondError } from '../../core/errors.ts';
import { asStoreFailure, type StoreFailureKind } from '../../core/store-failures.ts';

export type RedisClient = Redis | Cluster;

export type RedisTarget = { kind: 'redis'; url: string } | { kind: 'redis-cluster'; nodes: Array<{ host: string; port: number }> };

/** How quickly a command fails instead of waiting for a store that is not there. */
export interface RedisTimeouts {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

export const DEFAULT_TIMEOUTS: RedisTimeouts = { connectTimeoutMs: 2000, commandTimeoutMs: 2000 };

/** Reconnect forever, backing off to one second: the node recovers by itself when Redis returns. */
const reconnectDelay = (times: number): number => Math.min(50 * times, 1000);

/**
 * Options that make commands fail fast while Redis is away (no offline queue, no retries of a
 * command), so a request is refused with SERVICE_UNAVAILABLE at once rather than hanging.
 * The subscriber keeps its queue so it resubscribes by itself after a reconnect.
 */
function nodeOptions(timeouts: RedisTimeouts, forSubscriber: boolean): RedisOptions {
  return {
    connectTimeout: timeouts.connectTimeoutMs,
    ...(forSubscriber ? {} : { commandTimeout: timeouts.commandTimeoutMs }),
    maxRetriesPerRequest: forSubscriber ? null : 0,
    lazyConnect: true,
  };
}

export function createClient(target: RedisTarget, timeouts: RedisTimeouts, forSubscriber = false): RedisClient {
  const options = nodeOptions(timeouts, forSubscriber);
  if (target.kind === 'redis') {
    return new Redis(target.url, { ...options, enableOfflineQueue: forSubscriber, retryStrategy: reconnectDelay });
  }
  const clusterOptions: ClusterOptions = {
    enableOfflineQueue: forSubscriber,
    clusterRetryStrategy: reconnectDelay,
    retryDelayOnClusterDown: 100,
    retryDelayOnFailover: 100,
    maxRedirections: 16,
    lazyConnect: true,
    redisOptions: {
      connectTimeout: options.connectTimeout,
      ...(forSubscriber ? {} : { commandTimeout: timeouts.commandTimeoutMs }),
      maxRetriesPerRequest: options.maxRetriesPerRequest,
    },
  };
  return new Cluster(target.nodes, clusterOptions);
}

/** Connects, or closes the client again and throws a clear error naming where Redis was expected. */
export async function connectClient(client: RedisClient, target: RedisTarget): Promise<void> {
  // Errors surface on the calls that hit them; an unhandled 'error' event must not end the process.
  let lastError: Error | null = null;
  client.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await client.connect();
    if (client instanceof Cluster) await client.cluster('INFO');
    else await client.ping();
  } catch (error) {
    client.disconnect();
    const where = target.kind === 'redis' ? redactUrl(target.url) : target.nodes.map((n) => `${n.host}:${n.port}`).join(',');
    throw new SessiondError('SERVICE_UNAVAILABLE', `The session store is unavailable: cannot reach Redis at ${where} (${(lastError ?? (error as Error)).message})`, {
      cause: error,
    });
  }
}

/** A URL as it may be logged: no password. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured URL';
  }
}

/**
 * Server replies that mean "this is a bug in what we sent" (a script error, a wrong type) stay
 * errors of their own; everything else (refused, reset, timed out, cluster down, loading,
 * failover) is the store being unavailable, so requests fail closed with 503.
 */
export function toStoreError(error: unknown): Error {
  const translated = asStoreFailure(error, redisFailureKind(error));
  return translated instanceof Error ? translated : new Error(String(translated));
}

/**
 * Which of core's failure kinds an ioredis error is: a command Redis refused (a bug, a key of the
 * wrong type, a missing permission) is none; anything else means Redis did not answer in time or
 * at all.
 */
export function redisFailureKind(error: unknown): StoreFailureKind | null {
  if (error instanceof SessiondError) return null; // already decided
  const message = error instanceof Error ? error.message : String(error);
  const timedOut = /timed? ?out/i.test(message);
  if (/^(ERR|WRONGTYPE|NOSCRIPT|NOPERM)\b/.test(message) && !timedOut && !/Connection is closed/i.test(message)) return null;
  return timedOut ? 'lock-timeout' : 'unreachable';
}

/** Runs one store operation, mapping connection trouble to SERVICE_UNAVAILABLE. */
export async function guarded<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toStoreError(error);
  }
}
