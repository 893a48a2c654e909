import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditRecord } from '../core/types.ts';

/** Prometheus metrics for one server; labels carry event names and reasons, never IDs. */
export class Metrics {
  readonly registry = new Registry();
  readonly sessionEvents = new Counter({
    name: 'sessiond_session_events_total',
    help: 'Session events: created, ended (by reason), pooled, reused, evicted, close failures',
    labelNames: ['event', 'reason'] as const,
    registers: [this.registry],
  });
  readonly loginFailures = new Counter({
    name: 'sessiond_login_failures_total',
    help: 'Refused logins, by status code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
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

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sessiond_' });
  }

  recordEvent(event: AuditRecord): void {
    this.sessionEvents.inc({ event: event.event, reason: event.reason ?? '' });
  }
}
