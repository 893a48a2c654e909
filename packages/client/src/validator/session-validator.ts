import { SessiondApiError } from '../errors.ts';
import type { SessionInfo } from '../types.ts';
import { EventStream } from './event-stream.ts';
import { idHashOf } from './id-hash.ts';
import { checkAtServer, type CheckedSession } from './session-check.ts';
import type { SseEvent } from './sse-parser.ts';
import { RecentSet, ValidationCache, type CachedSession } from './validation-cache.ts';

export interface SessionValidatorOptions {
  /** sessiond's base URL, such as `http://127.0.0.1:8080`. */
  serverUrl: string;
  /** A session allowed to read `GET /api/v1/events`: an admin's, or a user's with the `events` permission. */
  sessionId: string;
  /** Sessions kept in the cache; beyond it the least recently used go. Default 100 000. */
  maxEntries?: number;
  /**
   * How long the cache may still answer after the event stream is lost; past it every check
   * asks the server and the cache is dropped. Default 1000 ms.
   */
  maxStalenessMs?: number;
  /**
   * The server's touch interval (SESSIOND_TOUCH_INTERVAL_SECONDS; default 60 s): each cached
   * session in use is checked at the server again at least this often (sooner when it is near
   * its expiry), so its idle timer keeps sliding. Default 60 000 ms.
   */
  touchIntervalMs?: number;
  /** Per-request timeout of a server check. Default 10 000 ms. */
  timeoutMs?: number;
  /** A stream silent this long (the server sends a heartbeat every 15 s) is replaced. Default 35 000 ms. */
  heartbeatTimeoutMs?: number;
  /** First delay before reconnecting the stream; it doubles on each failure. Default 100 ms. */
  reconnectDelayMs?: number;
  /** Longest delay between reconnect attempts. Default 5000 ms. */
  maxReconnectDelayMs?: number;
  /** Told of each stream failure and failed background check (the validator carries on). */
  onError?: (error: SessiondApiError) => void;
}

/** What the validator is doing, for health checks and metrics. */
export interface SessionValidatorStats {
  /** Whether the event stream is open now. */
  connected: boolean;
  /** Whether the cache answers now (the stream is open, or was lost less than maxStalenessMs ago). */
  cacheActive: boolean;
  /** The seq the validator has read the log up to (the resume point); null before the stream told it. */
  lastSeq: number | null;
  cachedSessions: number;
  cacheHits: number;
  serverChecks: number;
  /** Times the whole cache was dropped: a reset, a gap in the events, or the stream lost too long. */
  cacheDrops: number;
}

/** Tokens the server refused, and ended ID hashes, remembered for this many of each. */
const RECENT = 10_000;
/** A token longer than this, or with a character no header can carry, is no session ID. */
const TOKEN_SHAPE = /^[\x21-\x7e]{1,256}$/;
/** The soonest a cached session is checked at the server again, however near its expiry. */
const MIN_REFRESH_MS = 250;
/** After a failed background check, the next one is tried this much later. */
const REFRESH_RETRY_MS = 1000;
const NO_SESSION: Promise<null> = Promise.resolve(null);

/**
 * Validates session IDs inside an application: answers from a local cache the sessions the
 * server validated before, and learns of every end from sessiond's event stream, so an ended
 * session is refused within milliseconds without a round trip per check.
 *
 * Fail safe: while the stream has been down longer than maxStalenessMs, after a `reset` and
 * after a gap in the event seqs, the cache is dropped and the server is asked.
 */
export class SessionValidator {
  private readonly baseUrl: string;
  private readonly sessionId: string;
  private readonly maxStalenessMs: number;
  private readonly touchIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly onError: ((error: SessiondApiError) => void) | undefined;
  private readonly cache: ValidationCache;
  private readonly stream: EventStream;
  /** Ended ID hashes: a server answer read before an end must not be cached after it. */
  private readonly ended = new RecentSet(RECENT);
  /** Tokens the server refused: a session ID that was refused is never valid again. */
  private readonly refused = new RecentSet(RECENT);
  /** One server check at a time per token; later callers share it. */
  private readonly flights = new Map<string, Promise<SessionInfo | null>>();
  /** Server checks in flight, by ID hash: an end event that arrives meanwhile marks them. */
  private readonly pending = new Map<string, { ended: boolean }>();
  private connected = false;
  private cacheActive = false;
  private everOpened = false;
  private closed = false;
  /** How far the log has been read; undefined until the stream says (its first frame does). */
  private lastSeq: number | undefined;
  private stalenessTimer: ReturnType<typeof setTimeout> | undefined;
  private touchTimer: ReturnType<typeof setInterval> | undefined;
  private starting: { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void; settled: boolean } | undefined;
  private cacheHits = 0;
  private serverChecks = 0;
  private cacheDrops = 0;

  constructor(options: SessionValidatorOptions) {
    let url: URL;
    try {
      url = new URL(options.serverUrl);
    } catch {
      throw new TypeError(`serverUrl: "${options.serverUrl}" is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('serverUrl: use an http:// or https:// URL');
    if (typeof options.sessionId !== 'string' || !TOKEN_SHAPE.test(options.sessionId)) {
      throw new TypeError('sessionId: the session ID of a session allowed to read events');
    }
    this.baseUrl = url.origin + url.pathname.replace(/\/+$/, '');
    this.sessionId = options.sessionId;
    const maxEntries = positive('maxEntries', options.maxEntries, 100_000);
    this.maxStalenessMs = positive('maxStalenessMs', options.maxStalenessMs, 1000, true);
    this.touchIntervalMs = positive('touchIntervalMs', options.touchIntervalMs, 60_000);
    this.timeoutMs = positive('timeoutMs', options.timeoutMs, 10_000);
    this.onError = options.onError;
    this.cache = new ValidationCache(Math.floor(maxEntries));
    this.stream = new EventStream(
      {
        baseUrl: this.baseUrl,
        sessionId: this.sessionId,
        heartbeatTimeoutMs: positive('heartbeatTimeoutMs', options.heartbeatTimeoutMs, 35_000),
        reconnectDelayMs: positive('reconnectDelayMs', options.reconnectDelayMs, 100),
        maxReconnectDelayMs: positive('maxReconnectDelayMs', options.maxReconnectDelayMs, 5000),
      },
      {
        lastEventId: () => (this.lastSeq === undefined ? undefined : String(this.lastSeq)),
        opened: () => this.streamOpened(),
        event: (event) => this.streamEvent(event),
        position: (id) => this.streamPosition(id),
        lost: (error) => this.streamLost(error),
      },
    );
  }

  /**
   * Subscribes to the event stream; resolves once it is open. A refusal (the session is not
   * valid, or may not read events) rejects and stops the validator. While sessiond cannot be
   * reached it keeps trying, and checks meanwhile ask the server.
   */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('SessionValidator: closed'));
    if (this.starting) return this.starting.promise;
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.starting = { promise, resolve, reject, settled: false };
    this.stream.start();
    // Keeps the validator's own session alive: the stream alone does not slide its idle timer.
    this.touchTimer = unref(setInterval(() => void this.touchOwnSession(), this.touchIntervalMs));
    return promise;
  }

  /**
   * The session a token (a session ID) belongs to, or null when it is not a live session.
   * Throws (SessiondApiError) only when the server had to be asked and could not answer.
   */
  check(token: string): Promise<SessionInfo | null> {
    const entry = this.cache.get(token);
    if (entry !== undefined && this.cacheActive) {
      const now = Date.now();
      if (now < entry.refreshAt) {
        this.cacheHits++;
        return entry.answer;
      }
      if (now < entry.expiresAt) {
        this.cacheHits++;
        this.refresh(entry);
        return entry.answer;
      }
      this.cache.delete(entry);
    }
    return this.ask(token);
  }

  /** Stops the stream and drops the cache; later checks ask the server. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.stop();
    clearTimeout(this.stalenessTimer);
    clearInterval(this.touchTimer);
    this.connected = false;
    this.cacheActive = false;
    this.cache.clear();
    this.settleStart(new Error('SessionValidator: closed before the event stream opened'));
  }

  stats(): SessionValidatorStats {
    return {
      connected: this.connected,
      cacheActive: this.cacheActive,
      lastSeq: this.lastSeq ?? null,
      cachedSessions: this.cache.size,
      cacheHits: this.cacheHits,
      serverChecks: this.serverChecks,
      cacheDrops: this.cacheDrops,
    };
  }

  private ask(token: string): Promise<SessionInfo | null> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token) || this.refused.has(token)) return NO_SESSION;
    let flight = this.flights.get(token);
    if (flight === undefined) {
      flight = this.askServer(token);
      this.flights.set(token, flight);
      const forget = () => this.flights.delete(token);
      flight.then(forget, forget);
    }
    return flight;
  }

  private async askServer(token: string): Promise<SessionInfo | null> {
    const idHash = await idHashOf(token);
    if (this.ended.has(idHash)) return null;
    const generation = this.cache.generation;
    const mark = { ended: false };
    this.pending.set(idHash, mark);
    let checked: CheckedSession | null;
    try {
      checked = await checkAtServer(this.baseUrl, token, this.timeoutMs);
    } finally {
      if (this.pending.get(idHash) === mark) this.pending.delete(idHash);
    }
    this.serverChecks++;
    if (checked === null) {
      this.refused.add(token);
      return null;
    }
    // An end that arrived while the server answered wins: the answer may predate it.
    if (mark.ended || this.ended.has(idHash)) return null;
    // After a clear (reset, gap, stream lost too long) an earlier answer may have missed an end.
    if (this.cacheActive && generation === this.cache.generation) {
      const now = Date.now();
      if (checked.expiresAt > now) this.cache.set(this.entryFor(token, idHash, checked, now));
    }
    return checked.info;
  }

  private entryFor(token: string, idHash: string, checked: CheckedSession, now: number): CachedSession {
    return {
      token,
      idHash,
      info: checked.info,
      answer: Promise.resolve(checked.info),
      expiresAt: checked.expiresAt,
      refreshAt: this.refreshTime(now, checked.expiresAt),
      refreshing: false,
      stamp: 0,
    };
  }

  /**
   * Next server check: one touch interval on, or halfway to the expiry if that is sooner, so a
   * session in use is touched before its idle timer runs out even when the project's idle
   * timeout is shorter than the touch interval given here.
   */
  private refreshTime(now: number, expiresAt: number): number {
    return now + Math.min(this.touchIntervalMs, Math.max(MIN_REFRESH_MS, (expiresAt - now) / 2));
  }

  /** Asks the server again in the background; the entry answers meanwhile (no end has arrived). */
  private refresh(entry: CachedSession): void {
    if (entry.refreshing) return;
    entry.refreshing = true;
    checkAtServer(this.baseUrl, entry.token, this.timeoutMs).then(
      (checked) => {
        entry.refreshing = false;
        this.serverChecks++;
        // Ended, dropped or replaced while the server answered: nothing to update.
        if (this.cache.peek(entry.token) !== entry) return;
        if (checked === null) {
          this.cache.delete(entry);
          this.refused.add(entry.token);
          return;
        }
        const now = Date.now();
        entry.info = checked.info;
        entry.answer = Promise.resolve(checked.info);
        entry.expiresAt = checked.expiresAt;
        entry.refreshAt = this.refreshTime(now, checked.expiresAt);
      },
      (error: unknown) => {
        entry.refreshing = false;
        entry.refreshAt = Date.now() + REFRESH_RETRY_MS;
        this.report(error);
      },
    );
  }

  private streamOpened(): void {
    // Resuming needs a position; without one, ends while the stream was down are unknown.
    if (this.everOpened && this.lastSeq === undefined) this.dropCache();
    this.everOpened = true;
    this.connected = true;
    clearTimeout(this.stalenessTimer);
    this.stalenessTimer = undefined;
    this.cacheActive = !this.closed;
    this.settleStart();
  }

  private streamLost(error: SessiondApiError): void {
    this.connected = false;
    const refused = error.httpStatus !== undefined && error.httpStatus >= 400 && error.httpStatus < 500 && error.httpStatus !== 408 && error.httpStatus !== 429;
    if (refused && !this.everOpened) {
      // A wrong session or a missing permission does not heal by retrying.
      this.settleStart(error);
      this.close();
      return;
    }
    this.report(error);
    if (this.cacheActive && this.stalenessTimer === undefined) {
      this.stalenessTimer = unref(
        setTimeout(() => {
          this.stalenessTimer = undefined;
          if (this.connected) return;
          this.cacheActive = false;
          this.dropCache();
        }, this.maxStalenessMs),
      );
    }
  }

  private streamEvent(event: SseEvent): void {
    if (event.event === 'reset') {
      const latest = parseJson(event.data, 'seq');
      this.dropCache();
      this.lastSeq = typeof latest === 'number' && Number.isSafeInteger(latest) && latest >= 0 ? latest : undefined;
      return;
    }
    if (event.event !== 'session.ended' && event.event !== 'session.created') return;
    const seq = Number(event.id);
    if (!Number.isSafeInteger(seq) || seq <= 0) {
      // An event without its place in the log: whatever it says, the order is lost.
      this.dropCache();
      return;
    }
    if (this.lastSeq !== undefined && seq <= this.lastSeq) return; // seen before (a resume that overlapped)
    if (this.lastSeq !== undefined && seq !== this.lastSeq + 1) this.dropCache();
    this.lastSeq = seq;
    if (event.event !== 'session.ended') return;
    const idHash = parseJson(event.data, 'idHash');
    if (typeof idHash !== 'string' || idHash === '') {
      // An end that names no session: any cached session may be the one.
      this.dropCache();
      return;
    }
    this.ended.add(idHash);
    const mark = this.pending.get(idHash);
    if (mark) mark.ended = true;
    this.cache.deleteHash(idHash);
  }

  /** The stream's opening frame: where it starts. Anywhere but where it was asked to resume, events were skipped. */
  private streamPosition(id: string): void {
    const seq = Number(id);
    if (id === '' || !Number.isSafeInteger(seq) || seq < 0) {
      this.dropCache();
      this.lastSeq = undefined;
      return;
    }
    if (this.lastSeq !== undefined && seq !== this.lastSeq) this.dropCache();
    this.lastSeq = seq;
  }

  private dropCache(): void {
    this.cacheDrops++;
    this.cache.clear();
  }

  private async touchOwnSession(): Promise<void> {
    try {
      const checked = await checkAtServer(this.baseUrl, this.sessionId, this.timeoutMs);
      if (checked === null) {
        this.report(new SessiondApiError('INVALID_SESSION_ID', "the validator's own session is no longer valid: the event stream will be refused"));
      }
    } catch (error) {
      this.report(error);
    }
  }

  private settleStart(error?: Error): void {
    const starting = this.starting;
    if (!starting || starting.settled) return;
    starting.settled = true;
    if (error) starting.reject(error);
    else starting.resolve();
  }

  private report(error: unknown): void {
    if (this.closed || !this.onError) return;
    this.onError(error instanceof SessiondApiError ? error : new SessiondApiError('UNKNOWN_EXCEPTION', String(error), { cause: error }));
  }
}

function positive(name: string, value: number | undefined, fallback: number, zeroAllowed = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed)) {
    throw new TypeError(`${name}: a ${zeroAllowed ? 'non-negative' : 'positive'} number`);
  }
  return value;
}

function parseJson(text: string, field: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[field] : undefined;
  } catch {
    return undefined;
  }
}

/** Timers must not keep a Node process alive on their own (in browsers there is nothing to do). */
function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
