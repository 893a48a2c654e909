import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for sessiond's two validator endpoints (GET /api/v1/session, GET /api/v1/events)
 * whose stream the test drives event by event: for what a real server does rarely or never on
 * cue (a gap in the seqs, a reset, a dropped stream, an answer held back until an end has
 * been sent). Everything a real server does is tested against a real one (validator*.test.ts).
 */
export interface FakeSessiond {
  url: string;
  /** Session IDs the server takes as live. */
  live: Set<string>;
  /** Requests to GET /api/v1/session, by Bearer token. */
  sessionChecks: string[];
  /** Last-Event-ID of each subscription, in order (undefined when none was sent). */
  subscriptions: Array<string | undefined>;
  /** While set, /api/v1/events answers this status with an error body. */
  refuseEvents: number | undefined;
  /** While set, GET /api/v1/session waits for it before answering. */
  holdChecks: Promise<void> | undefined;
  /** The first frame of each stream; sessiond's sets the resume point (`: connected\nid: N\n\n`). */
  openingFrame: string;
  /** How far ahead of now GET /api/v1/session puts a live session's expiresAt; default an hour. */
  expiresInMs: number;
  /** Sends one SSE frame to every open subscriber. */
  send(frame: string): void;
  ended(seq: number, sessionId: string): string;
  created(seq: number, sessionId: string): string;
  /** Ends every open subscription (the server closes the stream). */
  dropSubscribers(): void;
  subscriberCount(): number;
  /** Resolves once a subscriber is connected (after `count` subscriptions in all). */
  waitForSubscription(count: number): Promise<void>;
  close(): Promise<void>;
}

export const idHash = (id: string) => createHash('sha256').update(id).digest('base64url');

export async function startFakeSessiond(): Promise<FakeSessiond> {
  const subscribers = new Set<ServerResponse>();
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const fake: Omit<FakeSessiond, 'url' | 'close'> = {
    live: new Set(),
    sessionChecks: [],
    subscriptions: [],
    refuseEvents: undefined,
    holdChecks: undefined,
    expiresInMs: 3_600_000,
    openingFrame: ': connected\n\n',
    send(frame) {
      for (const res of subscribers) res.write(frame);
    },
    ended: (seq, sessionId) =>
      `id: ${seq}\nevent: session.ended\ndata: ${JSON.stringify(eventData(seq, 'session.ended', sessionId))}\n\n`,
    created: (seq, sessionId) =>
      `id: ${seq}\nevent: session.created\ndata: ${JSON.stringify(eventData(seq, 'session.created', sessionId))}\n\n`,
    dropSubscribers() {
      for (const res of subscribers) res.destroy();
      subscribers.clear();
    },
    subscriberCount: () => subscribers.size,
    waitForSubscription(count) {
      if (fake.subscriptions.length >= count && subscribers.size > 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
  };

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api/v1/session') {
      fake.sessionChecks.push(token);
      if (fake.holdChecks) await fake.holdChecks;
      if (!fake.live.has(token)) return json(res, 401, { errorCode: 'INVALID_SESSION_ID', message: 'Invalid Session ID found in SessionHeader: Illegal Session' });
      const now = Date.now();
      return json(res, 200, {
        handle: `h_${idHash(token).slice(0, 22)}`,
        userId: '005000000000000AAA',
        username: 'kim',
        project: 'default',
        createdAt: new Date(now - 1000).toISOString(),
        lastSeenAt: new Date(now).toISOString(),
        expiresAt: new Date(now + fake.expiresInMs).toISOString(),
        ip: '127.0.0.1',
        userAgent: null,
      });
    }
    if (url.pathname === '/api/v1/events') {
      if (fake.refuseEvents !== undefined) {
        return json(res, fake.refuseEvents, { errorCode: fake.refuseEvents === 403 ? 'INSUFFICIENT_ACCESS' : 'INVALID_SESSION_ID', message: 'refused' });
      }
      const last = req.headers['last-event-id'];
      fake.subscriptions.push(typeof last === 'string' ? last : undefined);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write(fake.openingFrame);
      subscribers.add(res);
      res.on('close', () => subscribers.delete(res));
      for (const w of waiters.splice(0)) {
        if (fake.subscriptions.length >= w.count) w.resolve();
        else waiters.push(w);
      }
      return;
    }
    json(res, 404, { errorCode: 'NOT_FOUND', message: 'Not found.' });
  };

  const http: Server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        fake.dropSubscribers();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  });
}

function eventData(seq: number, type: string, sessionId: string) {
  return {
    seq,
    type,
    at: new Date().toISOString(),
    handle: `h_${idHash(sessionId).slice(0, 22)}`,
    idHash: idHash(sessionId),
    userId: '005000000000000AAA',
    username: 'kim',
    project: 'default',
    ...(type === 'session.ended' ? { reason: 'logout' } : {}),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
