import { z } from 'zod';
import type { EventLog } from '../../core/ports/event-log.ts';
import { SESSION_EVENT_TYPES, type SessionEventRecord } from '../../core/types.ts';
import { defineScripts } from './redis-commands.ts';
import { guarded, type RedisClient } from './redis-connection.ts';
import type { RedisKeys } from './redis-keys.ts';
import { RELAY_EVENTS } from './redis-scripts.ts';

/** A stream entry's 'e' field, as the scripts write it: [seq, at, type, handle, idHash, userId, username, project, reason]. */
const eventTuple = z.tuple([
  z.number().int(),
  z.number(),
  z.enum(SESSION_EVENT_TYPES),
  z.string(),
  z.string(),
  z.string(),
  z.string(),
  z.string(),
  z.string().nullable(),
]);

type StreamEntry = [id: string, fields: string[]];

function entryJson(entry: StreamEntry): string {
  const [, fields] = entry;
  const at = fields.indexOf('e');
  if (at < 0 || at + 1 >= fields.length) throw new Error('an event-log entry without its e field');
  return fields[at + 1]!;
}

function toEvent(entry: StreamEntry): SessionEventRecord {
  const [seq, at, type, handle, idHash, userId, username, project, reason] = eventTuple.parse(JSON.parse(entryJson(entry)));
  return { seq, at, type, handle, idHash, userId, username, project, reason };
}

/** How many outbox entries one relay call moves. */
const RELAY_BATCH = 500;

/**
 * The event log on Redis: a stream whose entry IDs are '0-<seq>' (see RedisKeys.eventLog). The
 * session scripts append to it directly with one bucket; in Cluster mode they append to their
 * bucket's outbox and `relay` moves those entries into the log (exactly once, in order per
 * bucket): after every change by the node that made it, and every half second by every node,
 * so an event whose node died before relaying it is still delivered.
 */
export class RedisEventLog implements EventLog {
  private readonly scripts;
  private readonly names;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    this.scripts = defineScripts(client, { sdRelayEvents: RELAY_EVENTS });
    this.names = keys.eventLog();
    if (keys.buckets > 1) {
      this.timer = setInterval(() => void this.relayAll().catch(() => undefined), 500);
      this.timer.unref();
    }
  }

  async after(after: number, limit: number): Promise<SessionEventRecord[]> {
    const entries = (await guarded(() => this.client.xrange(this.names.log, `(0-${after}`, '+', 'COUNT', limit))) as StreamEntry[];
    return entries.map(toEvent);
  }

  async bounds(): Promise<{ oldest: number | null; newest: number }> {
    const [first, newest] = await guarded(() =>
      Promise.all([this.client.xrange(this.names.log, '-', '+', 'COUNT', 1) as Promise<StreamEntry[]>, this.client.get(this.names.seq)]),
    );
    return { oldest: first[0] ? toEvent(first[0]).seq : null, newest: Number(newest ?? 0) };
  }

  async prune(before: number, limit: number): Promise<number> {
    const entries = (await guarded(() => this.client.xrange(this.names.log, '-', '+', 'COUNT', limit))) as StreamEntry[];
    const old: string[] = [];
    for (const entry of entries) {
      if (toEvent(entry).at >= before) break;
      old.push(entry[0]);
    }
    if (old.length === 0) return 0;
    return guarded(() => this.client.xdel(this.names.log, ...old));
  }

  /** Cluster mode: moves the outbox entries of these buckets into the log. */
  async relay(bases: Iterable<string>): Promise<void> {
    if (this.keys.buckets === 1) return;
    await Promise.all([...new Set(bases)].map((base) => this.relayBucket(base)));
  }

  relayAll(): Promise<void> {
    return this.relay(this.keys.allBases());
  }

  private async relayBucket(base: string): Promise<void> {
    for (;;) {
      const outbox = `${base}outbox`;
      const entries = (await guarded(() => this.client.xrange(outbox, '-', '+', 'COUNT', RELAY_BATCH))) as StreamEntry[];
      if (entries.length === 0) return;
      const pairs = entries.flatMap((entry) => [entry[0], entryJson(entry)]);
      await guarded(() => this.scripts.sdRelayEvents(this.names.log, this.names.seq, this.names.relayed, base, ...pairs));
      // Every entry passed is in the log now (by this call or an earlier one): the outbox lets them go.
      await guarded(() => this.client.xdel(outbox, ...entries.map((entry) => entry[0])));
      if (entries.length < RELAY_BATCH) return;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
