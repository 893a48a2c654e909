import { SessiondError } from '../../core/errors.ts';
import type { Store } from '../../core/ports/store.ts';
import type { WithRateLimiters } from '../rate-limiters.ts';
import { MemoryAuditLog } from './memory-audit-log.ts';
import { MemoryEventLog } from './memory-event-log.ts';
import { memoryRateLimiters } from './memory-rate-limiters.ts';
import { MemorySessionRecords } from './memory-session-records.ts';
import { MemoryUsers } from './memory-users.ts';
import { MemoryWebSessions } from './memory-web-sessions.ts';

/**
 * The in-memory store: the reference implementation of the ports, fast enough for core's own
 * tests. Nothing survives the process; a closed store answers SERVICE_UNAVAILABLE like any other.
 */
export interface MemoryStore extends Store, WithRateLimiters {
  /** Everything the store holds, as JSON: what a dump of its contents would show (tests search it for secrets). */
  dump(): string;
}

export function openMemoryStore(): MemoryStore {
  const audit = new MemoryAuditLog();
  const events = new MemoryEventLog();
  const sessions = new MemorySessionRecords(audit, events);
  const users = new MemoryUsers();
  const webSessions = new MemoryWebSessions();
  let open = true;
  const store: MemoryStore = {
    kind: 'memory',
    sessions,
    users,
    audit,
    events,
    webSessions,
    rateLimiters: memoryRateLimiters(),
    dump: () =>
      JSON.stringify({ sessions: sessions.snapshot(), users: users.snapshot(), audit: audit.snapshot(), events: events.snapshot(), webSessions: webSessions.snapshot() }),
    async ping() {
      if (!open) throw new SessiondError('SERVICE_UNAVAILABLE', 'the memory store was closed');
    },
    async close() {
      open = false;
    },
  };
  return guardClosed(store, () => open);
}

/** Every port method of a closed memory store fails closed, as a stopped server would. */
function guardClosed(store: MemoryStore, isOpen: () => boolean): MemoryStore {
  const guard = <T extends object>(port: T): T =>
    new Proxy(port, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (!isOpen()) return Promise.reject(new SessiondError('SERVICE_UNAVAILABLE', 'the memory store was closed'));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return { ...store, sessions: guard(store.sessions), users: guard(store.users), audit: guard(store.audit), events: guard(store.events), webSessions: guard(store.webSessions) };
}
