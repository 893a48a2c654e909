import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { AUDIT_EVENT_NAMES, type AuditEventName, type AuditRecord } from '../core/types.ts';
import type { LoginLimit } from '../core/errors.ts';
import { passwordSlots } from '../core/password-slots.ts';
import type { StatusCode } from '../core/status-codes.ts';
import { RequestDurations } from './request-durations.ts';

/**
 * Prometheus metrics for one server. Every label value comes from a fixed list in this file
 * (or a route template): never a handle, username, pool key, URL, error ID or other caller
 * text, so the number of series stays the same however many users sign in.
 */
const EVENTS: ReadonlySet<AuditEventName> = new Set<AuditEventName>(AUDIT_EVENT_NAMES);

/**
 * Why a session ended (core's EndReason), why the pool evicted (its EvictReason), `admin` for
 * a new admin user, `failed` for a logout that could not close everything. An audit reason is
 * counted by its first word when that word is one of these; `none` when there is no reason,
 * `other` for anything else (such as the pool key or handle an audit record names).
 */
export const EVENT_REASONS = [
  'logout',
  'invalidated',
  'admin',
  'expired',
  'user-sessions-ended',
  'password-changed',
  'idle',
  'capacity',
  'dead',
  'shutdown',
  'failed',
  'invalid-credentials',
  'locked-out',
  'rate-limited',
] as const;
const REASONS: ReadonlySet<string> = new Set(EVENT_REASONS);

export type LoginApi = 'rest' | 'soap' | 'web';
export type LoginFailureReason = 'invalid_credentials' | 'locked_out' | 'rate_limited' | 'invalid_request' | 'unavailable';

/**
 * A refused login's reason class, from what it was answered with: `locked_out` when its
 * (username, address) pair is locked out, `rate_limited` for the per-address and per-user limits.
 */
export function loginFailureReason(failure: { code: StatusCode; loginLimit?: LoginLimit | undefined }): LoginFailureReason {
  const { code } = failure;
  if (code === 'INVALID_LOGIN') return 'invalid_credentials';
  if (code === 'LOGIN_RATE_EXCEEDED') return failure.loginLimit === 'locked-out' ? 'locked_out' : 'rate_limited';
  if (code === 'SERVICE_UNAVAILABLE' || code === 'UNKNOWN_EXCEPTION') return 'unavailable';
  return 'invalid_request';
}

export function eventLabels(event: AuditRecord): { event: string; reason: string } {
  const word = event.reason === null ? null : (/^[a-z-]+/.exec(event.reason)?.[0] ?? '');
  return {
    event: EVENTS.has(event.event) ? event.event : 'other',
    reason: word === null ? 'none' : REASONS.has(word) ? word : 'other',
  };
}

export class Metrics {
  readonly registry = new Registry();
  readonly sessionEvents = new Counter({
    name: 'sessiond_session_events_total',
    help: 'Session events by event type and reason (a fixed list: logout, expired, idle, shutdown, ..., none, other)',
    labelNames: ['event', 'reason'] as const,
    registers: [this.registry],
  });
  readonly loginFailures = new Counter({
    name: 'sessiond_login_failures_total',
    help: 'Refused logins by API (rest, soap, web) and reason (invalid_credentials, locked_out, rate_limited, invalid_request, unavailable)',
    labelNames: ['api', 'reason'] as const,
    registers: [this.registry],
  });
  /** Read at each scrape from the process's password slots (core/password-slots.ts). */
  readonly passwordHashesRunning = new Gauge({
    name: 'sessiond_password_hashes_running',
    help: 'Password hashes (login, password change, user creation) running now; at most SESSIOND_PASSWORD_HASH_CONCURRENCY (default: the cores this process may use)',
    registers: [this.registry],
    collect() {
      this.set(passwordSlots.running);
    },
  });
  readonly passwordHashesWaiting = new Gauge({
    name: 'sessiond_password_hashes_waiting',
    help: 'Password hashes waiting for one of the running ones to finish (their login attempts are already counted)',
    registers: [this.registry],
    collect() {
      this.set(passwordSlots.waiting);
    },
  });
  /** Method, route template (`unmatched` for 404s) and status class: see request-durations.ts. */
  readonly httpRequestDuration = new RequestDurations(this.registry);
  readonly cacheEntries = new Gauge({
    name: 'sessiond_session_cache_entries',
    help: 'Sessions held in this node’s validation cache',
    registers: [this.registry],
  });

  readonly poolOutcomes = new Counter({
    name: 'sessiond_pool_outcomes_total',
    help: 'Session pool outcomes: hit, miss, release, eviction, close-failure',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly poolEntries = new Gauge({
    name: 'sessiond_pool_entries',
    help: 'Idle server sessions held in the web tier’s pool',
    registers: [this.registry],
  });

  readonly eventSubscribers = new Gauge({
    name: 'sessiond_event_subscribers',
    help: 'Open GET /api/v1/events streams on this node',
    registers: [this.registry],
  });
  readonly eventSubscribersDropped = new Counter({
    name: 'sessiond_event_subscribers_dropped_total',
    help: 'Event streams this node cut off because the subscriber fell too far behind',
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Counter({
    name: 'sessiond_webhook_deliveries_total',
    help: 'Webhook batches this node POSTed: delivered (2xx), failed (to be retried), gave_up (failing past the retry window)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly webhookLag = new Gauge({
    name: 'sessiond_webhook_lag_events',
    help: 'Events in the log after the cursors of webhooks still being delivered, summed over them',
    registers: [this.registry],
  });

  constructor() {
    // Node's and the process's metrics under their standard names, as dashboards expect them.
    collectDefaultMetrics({ register: this.registry });
  }

  /** The events of one call: one increment per run of the same labels (a batch of ends is one run). */
  recordEvents(events: ReadonlyArray<AuditRecord>): void {
    let labels: { event: string; reason: string } | undefined;
    let count = 0;
    for (const event of events) {
      const next = eventLabels(event);
      if (labels !== undefined && (next.event !== labels.event || next.reason !== labels.reason)) {
        this.sessionEvents.inc(labels, count);
        count = 0;
      }
      labels = next;
      count++;
    }
    if (labels !== undefined) this.sessionEvents.inc(labels, count);
  }

  loginFailed(api: LoginApi, reason: LoginFailureReason): void {
    this.loginFailures.inc({ api, reason });
  }
}
