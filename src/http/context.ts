import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Clock } from '../core/clock.ts';
import type { SessionEvents } from '../core/session-events.ts';
import type { SessionService } from '../core/session-service.ts';
import type { InvalidationBus } from '../core/invalidation-bus.ts';
import type { Store } from '../core/ports/store.ts';
import type { UserDirectory } from '../core/users.ts';
import type { Accounts } from '../core/accounts.ts';
import type { OwnSessions } from '../core/own-sessions.ts';
import type { LoginThrottle } from '../core/login-throttle.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { StoreOutages } from '../observability/store-outages.ts';
import type { EventFeed } from '../events/event-feed.ts';

/** What the composition root hands every HTTP plugin (REST, SOAP, web tier). */
export interface SessiondContext {
  config: Config;
  clock: Clock;
  store: Store;
  bus: InvalidationBus;
  service: SessionService;
  users: UserDirectory;
  /** Account lifecycle (admins) and the caller's own password. */
  accounts: Accounts;
  /** The caller's own sessions (self-service). */
  ownSessions: OwnSessions;
  /** The login limits of web sign-ins (the same limits as the API's, counted apart). */
  webLoginThrottle: LoginThrottle;
  events: SessionEvents;
  metrics: Metrics;
  logger: Logger;
  /** Logs server failures, a store outage once rather than once per request. */
  storeOutages: StoreOutages;
  /** This node's follower of the store's event log (GET /api/v1/events). */
  eventFeed: EventFeed;
  /** This server's base URL (public URL if configured, else the address it listens on). */
  baseUrl(): string;
  /** Runs at shutdown, newest first, before the HTTP server and the store close. */
  onShutdown(task: ShutdownTask): void;
}

/** A step of shutdown; `left` says what is undone while it has not finished (logged if the deadline passes). */
export interface ShutdownTask {
  name: string;
  run(): Promise<void>;
  left(): string;
}
