import type { AuditLog } from './audit-log.ts';
import type { EventLog } from './event-log.ts';
import type { SessionRecords } from './session-records.ts';
import type { Users } from './users.ts';
import type { WebSessionRecords } from './web-session-records.ts';

export type StoreKind = 'memory' | 'sqlite' | 'postgres' | 'redis' | 'redis-cluster';

/**
 * The narrow ports one backing store offers, bundled by the composition root. Adapters throw
 * SERVICE_UNAVAILABLE (see store-failures.ts) when their server cannot be reached, their disk
 * fails or a lock times out, so requests fail closed.
 */
export interface Store {
  readonly kind: StoreKind;
  readonly sessions: SessionRecords;
  readonly users: Users;
  readonly audit: AuditLog;
  readonly events: EventLog;
  readonly webSessions: WebSessionRecords;
  /** Resolves when the store answers; throws SERVICE_UNAVAILABLE when it does not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type { AuditLog, EventLog, SessionRecords, Users, WebSessionRecords };
