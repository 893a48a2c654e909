import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedEvent {
  seq: number;
  type: string;
  at: string;
  handle: string;
  idHash: string;
  userId: string;
  username: string;
  project: string;
  reason?: string;
}

export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  body: string;
  events: ReceivedEvent[];
  /** The status this receiver answered. */
  status: number;
}

export interface WebhookReceiver {
  url: string;
  /** Every POST, in arrival order. */
  deliveries: ReceivedDelivery[];
  /** Events of the deliveries answered 2xx, in arrival order. */
  accepted(): ReceivedEvent[];
  /** The status the next deliveries are answered with. */
  answer(status: number): void;
  /** Resolves once `condition` holds, checked after each delivery; rejects after `limitMs` so a broken run fails instead of hanging. */
  until(condition: () => boolean, limitMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A webhook endpoint on 127.0.0.1 that records what it is sent. */
export async function startWebhookReceiver(path = '/hook'): Promise<WebhookReceiver> {
  const deliveries: ReceivedDelivery[] = [];
  let status = 200;
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let events: ReceivedEvent[] = [];
      try {
        events = (JSON.parse(body) as { events: ReceivedEvent[] }).events;
      } catch {
        // recorded as sent; the test's assertions say what was wrong
      }
      deliveries.push({ headers: req.headers, body, events, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    deliveries,
    accepted: () => deliveries.filter((d) => d.status < 300).flatMap((d) => d.events),
    answer: (next) => void (status = next),
    until(condition, limitMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!condition()) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`the receiver did not get what was expected within ${limitMs} ms (${deliveries.length} deliveries)`));
        }, limitMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
