import { SessiondApiError, SessiondUnavailableError } from '../errors.ts';
import { restErrorSchema } from '../types.ts';
import { SseParser, type SseEvent } from './sse-parser.ts';

/**
 * One subscriber to sessiond's `GET /api/v1/events` (Server-Sent Events over fetch, so it can
 * send the Authorization header that EventSource cannot), kept open: when the connection
 * fails or ends it reconnects after a growing, jittered delay, resuming after the last event
 * the listener saw (Last-Event-ID). A connection that stays silent past the heartbeat timeout
 * is taken for dead and replaced.
 */
export interface EventStreamListener {
  /** The position to resume after (the last seq seen), or undefined to start from now. */
  lastEventId(): string | undefined;
  opened(): void;
  event(event: SseEvent): void;
  /** A frame that only sets the resume point (sessiond opens each stream with one). */
  position(id: string): void;
  /** The connection failed or ended; another attempt follows unless stop() was called. */
  lost(error: SessiondApiError): void;
}

export interface EventStreamOptions {
  baseUrl: string;
  sessionId: string;
  heartbeatTimeoutMs: number;
  reconnectDelayMs: number;
  maxReconnectDelayMs: number;
}

export class EventStream {
  private stopped = false;
  private controller: AbortController | undefined;
  private sleeping: { timer: ReturnType<typeof setTimeout>; wake: () => void } | undefined;

  constructor(
    private readonly options: EventStreamOptions,
    private readonly listener: EventStreamListener,
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
    if (this.sleeping) {
      clearTimeout(this.sleeping.timer);
      this.sleeping.wake();
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let opened = false;
      let lost: SessiondApiError;
      try {
        await this.connect(() => {
          opened = true;
          failures = 0;
        });
        lost = new SessiondUnavailableError('NETWORK_ERROR', 'the event stream ended', undefined);
      } catch (error) {
        lost = asApiError(error);
      }
      if (this.stopped) return;
      this.listener.lost(lost);
      if (this.stopped) return; // the listener gave up (a refusal before the first open)
      if (!opened) failures++;
      await this.sleep(this.delay(failures));
    }
  }

  /** Grows from reconnectDelayMs to maxReconnectDelayMs, each delay jittered by up to half. */
  private delay(failures: number): number {
    const { reconnectDelayMs, maxReconnectDelayMs } = this.options;
    const base = Math.min(maxReconnectDelayMs, reconnectDelayMs * 2 ** Math.min(failures, 20));
    return base / 2 + Math.random() * (base / 2);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeping = undefined;
        resolve();
      }, ms);
      this.sleeping = { timer, wake: resolve };
    });
  }

  private async connect(onOpen: () => void): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${this.options.sessionId}` };
    const after = this.listener.lastEventId();
    if (after !== undefined) headers['last-event-id'] = after;
    const url = `${this.options.baseUrl}/api/v1/events`;
    let lastData = Date.now();
    // Also bounds the wait for the answer's headers.
    const watchdog = setInterval(
      () => {
        if (Date.now() - lastData > this.options.heartbeatTimeoutMs) controller.abort(new Error('no heartbeat'));
      },
      Math.max(50, Math.min(5000, this.options.heartbeatTimeoutMs / 4)),
    );
    try {
      let res: Response;
      try {
        res = await fetch(url, { headers, signal: controller.signal, redirect: 'error' });
      } catch (error) {
        throw unavailable(url, error);
      }
      if (res.status !== 200) throw await refusal(res);
      const type = res.headers.get('content-type') ?? '';
      if (!type.startsWith('text/event-stream') || res.body === null) {
        await res.body?.cancel();
        throw new SessiondApiError('INVALID_RESPONSE', `GET /api/v1/events answered ${type || 'no content type'}, not an event stream`, {
          httpStatus: res.status,
        });
      }
      lastData = Date.now();
      onOpen();
      this.listener.opened();
      const parser = new SseParser(
        (event) => this.listener.event(event),
        () => {},
        (id) => this.listener.position(id),
      );
      const decoder = new TextDecoder();
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          lastData = Date.now();
          parser.push(decoder.decode(value, { stream: true }));
          if (this.stopped) break;
        }
      } catch (error) {
        throw unavailable(url, error);
      } finally {
        reader.releaseLock();
        controller.abort();
      }
    } finally {
      clearInterval(watchdog);
      if (this.controller === controller) this.controller = undefined;
    }
  }
}

function unavailable(url: string, error: unknown): SessiondUnavailableError {
  if (error instanceof SessiondUnavailableError) return error;
  const origin = new URL(url).origin;
  return new SessiondUnavailableError('NETWORK_ERROR', `the event stream from sessiond at ${origin} failed`, error);
}

function asApiError(error: unknown): SessiondApiError {
  if (error instanceof SessiondApiError) return error;
  return new SessiondUnavailableError('NETWORK_ERROR', 'the event stream failed', error);
}

/** A non-200 answer to the subscription: the server's error (401, 403, …) as SessiondApiError. */
async function refusal(res: Response): Promise<SessiondApiError> {
  let text = '';
  try {
    text = await res.text();
  } catch {
    // the status says enough
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = restErrorSchema.safeParse(json);
  const requestId = res.headers.get('x-request-id') ?? undefined;
  return parsed.success
    ? new SessiondApiError(parsed.data.errorCode, parsed.data.message, { httpStatus: res.status, ...(requestId ? { requestId } : {}) })
    : new SessiondApiError('INVALID_RESPONSE', `GET /api/v1/events answered HTTP ${res.status} without a sessiond error body`, {
        httpStatus: res.status,
        ...(requestId ? { requestId } : {}),
      });
}
