import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PROJECT_PATTERN } from './core/input-rules.ts';
import { DEFAULT_ARGON2ID, type PasswordPolicy } from './core/password.ts';
import { DEFAULT_PASSWORD_SLOTS } from './core/password-slots.ts';
import { eighteenCharacterId } from './core/secret-id.ts';

/**
 * sessiond's configuration: environment variables, over an optional JSON config file named by
 * SESSIOND_CONFIG (keys are the same names). Only the composition root calls `loadConfig`
 * with `process.env`; everything else receives the parsed `Config`.
 */
const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const nonNegative = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .default('0')
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const projectPolicy = z
  .object({
    idleTimeoutSeconds: z.number().int().positive().optional(),
    absoluteLifetimeSeconds: z.number().int().positive().optional(),
  })
  .strict();

const projectsJson = z
  .string()
  .default('{}')
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON such as {"crm":{"idleTimeoutSeconds":600}}' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string().regex(PROJECT_PATTERN, 'project name'), projectPolicy));

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  SESSIOND_STORE: z.string().min(1).default('sqlite:./data/sessiond.db'),
  // Redis stores only: every key and the invalidation channel start with this (issue 5).
  SESSIOND_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:._-]{0,64}$/, 'letters, digits and : . _ - (no braces), at most 64').default('sessiond:'),
  SESSIOND_ADMIN_PASSWORD: z.string().min(1).optional(),
  SESSIOND_PUBLIC_URL: z.url().optional(),
  // A 15-character ID is answered in its 18-character form, as Salesforce's API does.
  SESSIOND_ORG_ID: z
    .string()
    .regex(/^00D(?:[A-Za-z0-9]{12}|[A-Za-z0-9]{15})$/, 'a 15- or 18-character ID starting 00D')
    .default('00D000000000001AAA')
    .transform(eighteenCharacterId),
  SESSIOND_IDLE_TIMEOUT_SECONDS: seconds(2 * 60 * 60),
  SESSIOND_ABSOLUTE_LIFETIME_SECONDS: seconds(24 * 60 * 60),
  SESSIOND_TOUCH_INTERVAL_SECONDS: nonNegative(60),
  SESSIOND_PROJECTS: projectsJson,
  SESSIOND_LOGIN_MAX_FAILURES: seconds(10),
  // Failed logins from one address across every username, per failure window (issue 16).
  SESSIOND_LOGIN_MAX_FAILURES_PER_ADDRESS: seconds(100),
  SESSIOND_LOGIN_FAILURE_WINDOW_SECONDS: seconds(15 * 60),
  SESSIOND_LOGIN_LOCKOUT_SECONDS: seconds(15 * 60),
  SESSIOND_LOGINS_PER_USER_PER_HOUR: seconds(3600),
  // Unset: on for SQLite (exact there: see SqliteSessionRecords.hasChangedElsewhere), off for shared stores.
  SESSIOND_CACHE_MAX_AGE_MS: z.coerce.number().int().min(0).optional(),
  SESSIOND_CACHE_MAX_ENTRIES: nonNegative(100_000),
  SESSIOND_SWEEP_INTERVAL_SECONDS: seconds(60),
  // Audit records older than this are deleted by the sweeper (issue 16); 0 keeps them forever.
  SESSIOND_AUDIT_RETENTION_SECONDS: nonNegative(90 * 24 * 60 * 60),
  // The event log (issue 14): how long events are kept for subscribers to resume from.
  SESSIOND_EVENTS_RETENTION_SECONDS: seconds(24 * 60 * 60),
  // How far one event-stream subscriber may fall behind (bytes not yet sent) before it is disconnected.
  SESSIOND_EVENTS_MAX_PENDING_BYTES: z.coerce.number().int().min(4096).max(64 * 1024 * 1024).default(1024 * 1024),
  // Webhooks (issue 14): host names (or *.domain patterns) deliveries may go to; unset: any host.
  SESSIOND_WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .optional()
    .transform((text) => (text === undefined ? null : text.split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '')))
    .refine(
      (hosts) => hosts === null || hosts.every((h) => /^(\*\.)?[a-z0-9_.:[\]-]+$/.test(h)),
      'a comma-separated list of host names, IP addresses or *.domain patterns',
    ),
  SESSIOND_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(16 * 1024 * 1024).default(256 * 1024),
  SESSIOND_TRUST_PROXY: flag,
  SESSIOND_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSIOND_SCRYPT_N: z.coerce
    .number()
    .int()
    .refine((n) => n >= 1024 && (n & (n - 1)) === 0, 'a power of two, at least 1024')
    .default(16384),
  // How new password hashes are made (issue 17); a stored hash made otherwise is re-hashed at its user's next login.
  SESSIOND_PASSWORD_HASH: z.enum(['argon2id', 'scrypt']).default('argon2id'),
  SESSIOND_ARGON2_MEMORY_KIB: z.coerce.number().int().min(1024).max(4 * 1024 * 1024).default(DEFAULT_ARGON2ID.memoryKiB),
  SESSIOND_ARGON2_TIME_COST: z.coerce.number().int().min(1).max(100).default(DEFAULT_ARGON2ID.timeCost),
  // Password hashes run at once (core/password-slots.ts); the rest wait in line.
  SESSIOND_PASSWORD_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(DEFAULT_PASSWORD_SLOTS),
  SESSIOND_HASH_THREAD_NICE: z.coerce.number().int().min(0).max(19).default(10),
  // web tier, ESM and session pool (issue 4)
  SESSIOND_ESM: z.string().min(1).optional(),
  SESSIOND_UPSTREAM: z.url().optional(),
  SESSIOND_POOL_MAX: nonNegative(50),
  SESSIOND_POOL_IDLE_SECONDS: seconds(600),
  SESSIOND_POOL_KEEPALIVE_SECONDS: seconds(60),
  SESSIOND_WEB_IDLE_TIMEOUT_SECONDS: seconds(30 * 60),
  SESSIOND_WEB_ABSOLUTE_LIFETIME_SECONDS: seconds(12 * 60 * 60),
  SESSIOND_SECURE_COOKIES: flag,
  // After SIGTERM/SIGINT, the process exits (non-zero) this long after, whatever is still closing.
  SESSIOND_SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
});

export type StoreUrl =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string }
  | { kind: 'redis'; url: string; prefix?: string }
  | { kind: 'redis-cluster'; nodes: Array<{ host: string; port: number }>; prefix?: string };

export interface Config {
  port: number;
  host: string;
  store: StoreUrl;
  adminPassword: string | undefined;
  publicUrl: string | undefined;
  organizationId: string;
  expiry: { idleTimeoutMs: number; absoluteLifetimeMs: number; touchIntervalMs: number };
  projects: Record<string, { idleTimeoutMs?: number; absoluteLifetimeMs?: number }>;
  /** Login limits, counted in the store: per (username, address) pair, per address, per user per hour. */
  login: { maxFailures: number; maxFailuresPerAddress: number; failureWindowSeconds: number; lockoutSeconds: number; perUserPerHour: number };
  cache: { maxAgeMs: number; maxEntries: number };
  sweepIntervalMs: number;
  /** 0: audit records are kept forever. */
  auditRetentionMs: number;
  events: { retentionMs: number; maxPendingBytes: number; heartbeatMs: number; pollMs: number };
  webhooks: WebhookSettings;
  bodyLimitBytes: number;
  trustProxy: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How new password hashes are made: SESSIOND_PASSWORD_HASH and its algorithm's parameters. */
  passwords: PasswordPolicy;
  /** Password hashes (made or checked) that run at once: SESSIOND_PASSWORD_HASH_CONCURRENCY. */
  passwordHashConcurrency: number;
  /** Nice value `serve` gives libuv's worker threads, where hashes run (0: left as they are): SESSIOND_HASH_THREAD_NICE. */
  hashThreadNice: number;
  /** After a stop signal, the process exits this long after even if closing is not done. */
  shutdownTimeoutMs: number;
  /** The web tier: its ESM, upstream, pool bounds and cookie-session timeouts. */
  web: {
    esmPath: string | undefined;
    /** Settings handed to the ESM: every SESSIOND_ESM_<NAME> key, without the prefix. */
    esmSettings: Record<string, string>;
    upstreamUrl: string | undefined;
    poolMax: number;
    poolIdleMs: number;
    poolKeepAliveMs: number;
    idleTimeoutMs: number;
    absoluteLifetimeMs: number;
    secureCookies: boolean;
  };
}

/** How webhooks are delivered (issue 14); only the allowed hosts are a setting. */
export interface WebhookSettings {
  /** Host names or `*.domain` patterns deliveries may go to; null: any host, loopback and private included. */
  allowedHosts: string[] | null;
  /** How often each node looks for due deliveries besides being woken by new events. */
  pollMs: number;
  /** How long one node holds a webhook while it posts a batch; longer than the request timeout. */
  leaseMs: number;
  requestTimeoutMs: number;
  /** Events per POST. */
  batchSize: number;
  /** The first retry waits this long, each next one twice as long, up to maxBackoffMs. */
  firstBackoffMs: number;
  maxBackoffMs: number;
  /** A webhook failing for this long is marked failed and no longer attempted. */
  retryWindowMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses a store URL; schemes whose store does not exist are refused with a clear message. */
export function parseStoreUrl(value: string): StoreUrl {
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length);
    if (!path) throw new ConfigError('SESSIOND_STORE: sqlite needs a path, as in sqlite:./data/sessiond.db');
    return { kind: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\//.test(value)) return { kind: 'postgres', url: value };
  if (/^rediss?:\/\//.test(value)) return { kind: 'redis', url: value };
  if (value.startsWith('redis+cluster://')) {
    const nodes = value
      .slice('redis+cluster://'.length)
      .split(',')
      .map((part) => {
        const match = /^([^:/]+):(\d{1,5})\/?$/.exec(part.trim());
        if (!match) throw new ConfigError(`SESSIOND_STORE: "${part}" is not host:port in a redis+cluster:// list`);
        return { host: match[1]!, port: Number(match[2]) };
      });
    return { kind: 'redis-cluster', nodes };
  }
  throw new ConfigError(
    `SESSIOND_STORE: unknown store "${value.split(':')[0]}"; use sqlite:<path>, postgres://…, redis://… or redis+cluster://host:port,…`,
  );
}

/**
 * The validation cache's default age bound. On SQLite the cache is exact (one node; ends by this
 * process evict at once, and a commit by any other process, such as the CLI, empties it), so it
 * is on. On PostgreSQL and Redis a node may miss an invalidation message, so turning the cache
 * on there is the operator's choice of how long that may last.
 */
function defaultCacheMaxAgeMs(store: StoreUrl): number {
  return store.kind === 'sqlite' ? 5 * 60_000 : 0;
}

/** Redis stores carry their key prefix (SESSIOND_REDIS_PREFIX); other stores have none. */
function withRedisPrefix(store: StoreUrl, prefix: string): StoreUrl {
  return store.kind === 'redis' || store.kind === 'redis-cluster' ? { ...store, prefix } : store;
}

function readConfigFile(path: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`SESSIOND_CONFIG: cannot read ${path} as JSON: ${(error as Error).message}`);
  }
  const result = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.record(z.string(), z.unknown())])).safeParse(parsed);
  if (!result.success) throw new ConfigError(`SESSIOND_CONFIG: ${path} must be one JSON object of settings`);
  return Object.fromEntries(
    Object.entries(result.data).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]),
  );
}

export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const fromFile = env.SESSIOND_CONFIG ? readConfigFile(env.SESSIOND_CONFIG) : {};
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') merged[k] = v;
  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  const store = withRedisPrefix(parseStoreUrl(e.SESSIOND_STORE), e.SESSIOND_REDIS_PREFIX);
  if (e.SESSIOND_TOUCH_INTERVAL_SECONDS >= e.SESSIOND_IDLE_TIMEOUT_SECONDS) {
    throw new ConfigError('SESSIOND_TOUCH_INTERVAL_SECONDS must be shorter than SESSIOND_IDLE_TIMEOUT_SECONDS');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    store,
    adminPassword: e.SESSIOND_ADMIN_PASSWORD,
    publicUrl: e.SESSIOND_PUBLIC_URL?.replace(/\/+$/, ''),
    organizationId: e.SESSIOND_ORG_ID,
    expiry: {
      idleTimeoutMs: e.SESSIOND_IDLE_TIMEOUT_SECONDS * 1000,
      absoluteLifetimeMs: e.SESSIOND_ABSOLUTE_LIFETIME_SECONDS * 1000,
      touchIntervalMs: e.SESSIOND_TOUCH_INTERVAL_SECONDS * 1000,
    },
    projects: Object.fromEntries(
      Object.entries(e.SESSIOND_PROJECTS).map(([name, p]) => [
        name,
        {
          ...(p.idleTimeoutSeconds ? { idleTimeoutMs: p.idleTimeoutSeconds * 1000 } : {}),
          ...(p.absoluteLifetimeSeconds ? { absoluteLifetimeMs: p.absoluteLifetimeSeconds * 1000 } : {}),
        },
      ]),
    ),
    login: {
      maxFailures: e.SESSIOND_LOGIN_MAX_FAILURES,
      maxFailuresPerAddress: e.SESSIOND_LOGIN_MAX_FAILURES_PER_ADDRESS,
      failureWindowSeconds: e.SESSIOND_LOGIN_FAILURE_WINDOW_SECONDS,
      lockoutSeconds: e.SESSIOND_LOGIN_LOCKOUT_SECONDS,
      perUserPerHour: e.SESSIOND_LOGINS_PER_USER_PER_HOUR,
    },
    cache: { maxAgeMs: e.SESSIOND_CACHE_MAX_AGE_MS ?? defaultCacheMaxAgeMs(store), maxEntries: e.SESSIOND_CACHE_MAX_ENTRIES },
    sweepIntervalMs: e.SESSIOND_SWEEP_INTERVAL_SECONDS * 1000,
    auditRetentionMs: e.SESSIOND_AUDIT_RETENTION_SECONDS * 1000,
    events: { retentionMs: e.SESSIOND_EVENTS_RETENTION_SECONDS * 1000, maxPendingBytes: e.SESSIOND_EVENTS_MAX_PENDING_BYTES, heartbeatMs: 15_000, pollMs: 200 },
    webhooks: {
      allowedHosts: e.SESSIOND_WEBHOOK_ALLOWED_HOSTS,
      pollMs: 1000,
      leaseMs: 30_000,
      requestTimeoutMs: 10_000,
      batchSize: 100,
      firstBackoffMs: 1000,
      maxBackoffMs: 10 * 60_000,
      retryWindowMs: 24 * 60 * 60_000,
    },
    bodyLimitBytes: e.SESSIOND_BODY_LIMIT_BYTES,
    trustProxy: e.SESSIOND_TRUST_PROXY,
    logLevel: e.SESSIOND_LOG_LEVEL,
    passwords:
      e.SESSIOND_PASSWORD_HASH === 'scrypt'
        ? { algorithm: 'scrypt', N: e.SESSIOND_SCRYPT_N, r: 8, p: 1 }
        : { algorithm: 'argon2id', memoryKiB: e.SESSIOND_ARGON2_MEMORY_KIB, timeCost: e.SESSIOND_ARGON2_TIME_COST, parallelism: 1 },
    passwordHashConcurrency: e.SESSIOND_PASSWORD_HASH_CONCURRENCY,
    hashThreadNice: e.SESSIOND_HASH_THREAD_NICE,
    shutdownTimeoutMs: e.SESSIOND_SHUTDOWN_TIMEOUT_SECONDS * 1000,
    web: {
      esmPath: e.SESSIOND_ESM,
      esmSettings: Object.fromEntries(
        Object.entries(merged)
          .filter((entry): entry is [string, string] => entry[0].startsWith('SESSIOND_ESM_') && entry[1] !== undefined)
          .map(([k, v]) => [k.slice('SESSIOND_ESM_'.length), v]),
      ),
      upstreamUrl: e.SESSIOND_UPSTREAM?.replace(/\/+$/, ''),
      poolMax: e.SESSIOND_POOL_MAX,
      poolIdleMs: e.SESSIOND_POOL_IDLE_SECONDS * 1000,
      poolKeepAliveMs: e.SESSIOND_POOL_KEEPALIVE_SECONDS * 1000,
      idleTimeoutMs: e.SESSIOND_WEB_IDLE_TIMEOUT_SECONDS * 1000,
      absoluteLifetimeMs: e.SESSIOND_WEB_ABSOLUTE_LIFETIME_SECONDS * 1000,
      secureCookies: e.SESSIOND_SECURE_COOKIES,
    },
  };
}
