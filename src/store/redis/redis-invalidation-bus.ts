import { z } from 'zod';
import type { InvalidationBus } from '../../core/invalidation-bus.ts';
import { guarded, type RedisClient } from './redis-connection.ts';

/** A message names ID hashes only (never IDs); anything else on the channel is ignored. */
const message = z.array(z.string().regex(/^[A-Za-z0-9_-]{1,128}$/)).max(10_000);

/**
 * Redis pub/sub for cache eviction across nodes. Publishing uses the store's connection; a
 * dedicated connection subscribes (a subscribed connection can run nothing else). In Cluster
 * mode an ordinary PUBLISH reaches subscribers on every node of the cluster.
 *
 * A message lost while a subscriber reconnects is not replayed, so the bus reports a gap when
 * the subscriber's connection drops and again when it is back, and the session service clears
 * its cache. Only a message lost without any dropped connection is bounded by the cache's age
 * (SESSIOND_CACHE_MAX_AGE_MS).
 */
export class RedisInvalidationBus implements InvalidationBus {
  private listeners: Array<(idHashes: ReadonlyArray<string>) => void> = [];
  private gapListeners: Array<() => void> = [];

  private constructor(
    private readonly publisher: RedisClient,
    private readonly subscriber: RedisClient,
    private readonly channel: string,
  ) {
    subscriber.on('message', (from: string, text: string) => {
      if (from !== this.channel) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return;
      }
      const result = message.safeParse(parsed);
      if (!result.success) return;
      for (const listener of this.listeners) listener(result.data);
    });
    // ioredis resubscribes by itself after a reconnect; what was published meanwhile is lost.
    const gap = () => {
      for (const listener of this.gapListeners) listener();
    };
    subscriber.on('close', gap);
    subscriber.on('ready', gap);
  }

  /** Subscribes on the dedicated connection before answering, so no message sent after is missed. */
  static async start(publisher: RedisClient, subscriber: RedisClient, channel: string): Promise<RedisInvalidationBus> {
    const bus = new RedisInvalidationBus(publisher, subscriber, channel);
    await subscriber.subscribe(channel);
    return bus;
  }

  async publish(idHashes: ReadonlyArray<string>): Promise<void> {
    if (idHashes.length === 0) return;
    await guarded(() => this.publisher.publish(this.channel, JSON.stringify(idHashes)));
  }

  subscribe(listener: (idHashes: ReadonlyArray<string>) => void): void {
    this.listeners.push(listener);
  }

  onGap(listener: () => void): void {
    this.gapListeners.push(listener);
  }

  async close(): Promise<void> {
    this.listeners = [];
    this.gapListeners = [];
    try {
      await this.subscriber.quit();
    } catch {
      this.subscriber.disconnect();
    }
  }
}
