import type { WebhookDeliveryState, WebhookRecord, Webhooks } from '../../core/ports/webhooks.ts';
import { SESSION_EVENT_TYPES, type SessionEventType } from '../../core/types.ts';
import { defineScripts, strings } from './redis-commands.ts';
import { guarded, type RedisClient } from './redis-connection.ts';
import type { RedisKeys } from './redis-keys.ts';

/**
 * Webhooks in Redis: a hash per webhook (url, secret, events as JSON, created, cursor, failures,
 * since, next, error, failed, and the lease: lh holder, lu until) and a sorted set of IDs by
 * creation, all under the `{webhooks}` hash tag, so each change is one script in one slot, in
 * Cluster mode too. The lease is a compare-and-set inside a script.
 */

/** KEYS[1] the ID set. ARGV: hash key, id, createdAt, then field/value pairs. */
const CREATE = `
redis.call('HSET', ARGV[1], unpack(ARGV, 4))
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
return 1
`;

/** KEYS[1] the ID set. ARGV: hash key base. Answers [id, fields…] per webhook, by creation. */
const LIST = `
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local fields = redis.call('HGETALL', ARGV[1] .. id)
  if #fields > 0 then
    table.insert(fields, 1, id)
    table.insert(out, fields)
  end
end
return out
`;

/** KEYS[1] the ID set. ARGV: hash key, id. */
const DELETE = `
redis.call('DEL', ARGV[1])
return redis.call('ZREM', KEYS[1], ARGV[2])
`;

/** KEYS[1] the webhook's hash. ARGV: holder, now, until. Answers its fields, or nil when taken or gone. */
const LEASE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
local lease = redis.call('HMGET', KEYS[1], 'lh', 'lu')
if tonumber(lease[2] or '0') >= tonumber(ARGV[2]) and lease[1] ~= ARGV[1] then return nil end
redis.call('HSET', KEYS[1], 'lh', ARGV[1], 'lu', ARGV[3])
return redis.call('HGETALL', KEYS[1])
`;

/** KEYS[1] the webhook's hash. ARGV: holder, then field/value pairs. Answers 1 when the holder still held it. */
const SETTLE = `
if redis.call('HGET', KEYS[1], 'lh') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'lh', '', 'lu', '0', unpack(ARGV, 2))
return 1
`;

function stateFields(s: WebhookDeliveryState): string[] {
  return [
    'cursor', String(s.cursor),
    'failures', String(s.failures),
    'since', s.failingSince === null ? '' : String(s.failingSince),
    'next', String(s.nextAttemptAt),
    'error', s.lastError ?? '',
    'failed', s.failed ? '1' : '0',
  ];
}

function fromFields(id: string, flat: string[]): WebhookRecord {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i]!, flat[i + 1]!);
  const parsed: unknown = JSON.parse(f.get('events') ?? '[]');
  return {
    id,
    url: f.get('url') ?? '',
    secret: f.get('secret') ?? '',
    events: Array.isArray(parsed) ? parsed.filter((e): e is SessionEventType => (SESSION_EVENT_TYPES as readonly unknown[]).includes(e)) : [],
    createdAt: Number(f.get('created') ?? 0),
    cursor: Number(f.get('cursor') ?? 0),
    failures: Number(f.get('failures') ?? 0),
    failingSince: f.get('since') ? Number(f.get('since')) : null,
    nextAttemptAt: Number(f.get('next') ?? 0),
    lastError: f.get('error') || null,
    failed: f.get('failed') === '1',
  };
}

export class RedisWebhooks implements Webhooks {
  private readonly scripts;

  constructor(
    client: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    this.scripts = defineScripts(client, {
      sdWebhookCreate: CREATE,
      sdWebhookList: LIST,
      sdWebhookDelete: DELETE,
      sdWebhookLease: LEASE,
      sdWebhookSettle: SETTLE,
    });
  }

  async create(r: WebhookRecord): Promise<void> {
    await guarded(() =>
      this.scripts.sdWebhookCreate(
        this.keys.webhooks(),
        this.keys.webhook(r.id),
        r.id,
        r.createdAt,
        'url', r.url,
        'secret', r.secret,
        'events', JSON.stringify(r.events),
        'created', String(r.createdAt),
        'lh', '',
        'lu', '0',
        ...stateFields(r),
      ),
    );
  }

  async list(): Promise<WebhookRecord[]> {
    const reply = await guarded(() => this.scripts.sdWebhookList(this.keys.webhooks(), this.keys.webhook('')));
    if (!Array.isArray(reply)) throw new Error('unexpected reply from a sessiond Redis script');
    return reply.map((entry: unknown) => {
      const [id, ...flat] = strings(entry);
      return fromFields(id!, flat);
    });
  }

  async delete(id: string): Promise<boolean> {
    return (await guarded(() => this.scripts.sdWebhookDelete(this.keys.webhooks(), this.keys.webhook(id), id))) === 1;
  }

  async lease(id: string, holder: string, now: number, until: number): Promise<WebhookRecord | null> {
    const reply = await guarded(() => this.scripts.sdWebhookLease(this.keys.webhook(id), holder, now, until));
    return reply === null ? null : fromFields(id, strings(reply));
  }

  async settle(id: string, holder: string, state: WebhookDeliveryState): Promise<boolean> {
    return (await guarded(() => this.scripts.sdWebhookSettle(this.keys.webhook(id), holder, ...stateFields(state)))) === 1;
  }
}
