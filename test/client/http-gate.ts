import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP forwarder in front of a real sessiond: every request goes to the server and every
 * answer comes from it; the gate never answers anything itself. It can break the network the
 * way networks break (cut the open event streams, drop new ones, let a stream go silent, hold
 * an answer back), watch what the client sends (each subscription's Last-Event-ID, each session
 * check's Bearer token), and be pointed at another server.
 */
export interface HttpGate {
  url: string;
  /** Where requests go (a sessiond base URL); may be changed at any time. */
  upstream: string;
  /** Last-Event-ID of each event subscription forwarded, in order (undefined when none was sent). */
  subscriptions: Array<string | undefined>;
  /** The Bearer token of each GET /api/v1/session forwarded, in order. */
  sessionChecks: string[];
  /** Cuts the open event streams (as a server that closed them); new ones go through. */
  cutEvents(): void;
  /** Cuts the open event streams and drops the connection of new ones until eventsUp(). */
  eventsDown(): void;
  eventsUp(): void;
  /** The open event streams stop delivering (a dead connection that is not closed); new ones flow. */
  stallEvents(): void;
  /** Holds the server's answers to GET /api/v1/session (they reached the gate) until the returned release is called. */
  holdSessionAnswers(): () => void;
  /** Answers to GET /api/v1/session that arrived and are held now. */
  heldAnswers(): number;
  openStreams(): number;
  close(): Promise<void>;
}

export async function startHttpGate(upstream: string): Promise<HttpGate> {
  const streams = new Map<ServerResponse, IncomingMessage>();
  let down = false;
  let hold: { promise: Promise<void>; count: number } | undefined;
  const gate = {
    upstream,
    subscriptions: [] as Array<string | undefined>,
    sessionChecks: [] as string[],
    cutEvents() {
      for (const res of streams.keys()) res.destroy();
      streams.clear();
    },
    eventsDown() {
      down = true;
      gate.cutEvents();
    },
    eventsUp() {
      down = false;
    },
    stallEvents() {
      for (const [res, upstreamRes] of streams) {
        upstreamRes.unpipe(res);
        upstreamRes.pause();
      }
    },
    holdSessionAnswers() {
      let release!: () => void;
      const promise = new Promise<void>((resolve) => (release = resolve));
      hold = { promise, count: 0 };
      return () => {
        hold = undefined;
        release();
      };
    },
    heldAnswers: () => hold?.count ?? 0,
    openStreams: () => streams.size,
  };
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '';
    const isEvents = path.startsWith('/api/v1/events');
    if (isEvents && down) {
      // What a broken network does: the connection goes away, nothing is answered.
      req.socket.destroy();
      return;
    }
    if (isEvents) {
      const last = req.headers['last-event-id'];
      gate.subscriptions.push(typeof last === 'string' ? last : undefined);
    }
    const isCheck = req.method === 'GET' && path.split('?')[0] === '/api/v1/session';
    if (isCheck) gate.sessionChecks.push(/^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
    const target = new URL(gate.upstream);
    const upstreamReq = request(
      { host: target.hostname, port: target.port, method: req.method, path, headers: { ...req.headers, host: target.host } },
      (upstreamRes) => {
        const pass = () => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        };
        // The server cut the answer off (it closed a stream, or went away): so does the gate.
        upstreamRes.on('close', () => {
          if (!upstreamRes.complete) res.destroy();
        });
        const held = isCheck ? hold : undefined;
        if (held) {
          held.count++;
          void held.promise.then(pass);
        } else pass();
        if (isEvents) {
          streams.set(res, upstreamRes);
          res.on('close', () => {
            streams.delete(res);
            upstreamRes.destroy();
          });
        }
      },
    );
    upstreamReq.on('error', () => res.destroy());
    req.pipe(upstreamReq);
  };
  const http: Server = createServer(forward);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return Object.assign(gate, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of streams.keys()) res.destroy();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  });
}
