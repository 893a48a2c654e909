import { z } from 'zod';
import type { InvalidationBus } from '../../core/session-store.ts';
import { guarded, type RedisClient } from './redis-connection.ts';

/** A message names ID hashes only (never IDs); anything else on the channel is ignored. */
const message = z.array(z.string().regex(/^[A-Za-z0-9_-]{1,128}$/)).max(10_000);

/**
 * Redis pub/sub for cache eviction across nodes. Publishing uses the store's connection; a
 * dedicated connection subscribes (a subscribed connection can run nothing else). In Cluster
 * mode an ordinary PUBLISH reaches subscribers on every node of the cluster.
 *
 * A message lost while a subscriber reconnects is not replayed: the cache's age bound
 * (SESSIOND_CACHE_MAX_AGE_MS) is the worst case for how long another node may still accept an
 * ended session.
 */
export class RedisInvalidationBus implements InvalidationBus {
  private listeners: Array<(idHashes: ReadonlyArray<string>) => void> = [];

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

  async close(): Promise<void> {
    this.listeners = [];
    try {
      await this.subscriber.quit();
    } catch {
      this.subscriber.disconnect();
    }
  }
}
