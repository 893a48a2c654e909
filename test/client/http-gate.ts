import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP forwarder in front of a real sessiond that can take the event stream away (cut the
 * open streams, refuse new ones with 503) while every other call still gets through, and can
 * be pointed at another server: what a validator sees when its stream breaks but the API does
 * not, or when the server behind its URL is replaced.
 */
export interface HttpGate {
  url: string;
  /** Where requests go (a sessiond base URL); may be changed at any time. */
  upstream: string;
  /** Cuts open event streams and refuses new ones (503) until eventsUp(). */
  eventsDown(): void;
  eventsUp(): void;
  close(): Promise<void>;
}

export async function startHttpGate(upstream: string): Promise<HttpGate> {
  const streams = new Set<ServerResponse>();
  let down = false;
  const gate = {
    upstream,
    eventsDown() {
      down = true;
      for (const res of streams) res.destroy();
      streams.clear();
    },
    eventsUp() {
      down = false;
    },
  };
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const isEvents = (req.url ?? '').startsWith('/api/v1/events');
    if (isEvents && down) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errorCode: 'SERVICE_UNAVAILABLE', message: 'the gate is closed' }));
      return;
    }
    const target = new URL(gate.upstream);
    const upstreamReq = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
        if (isEvents) {
          streams.add(res);
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
        for (const res of streams) res.destroy();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  });
}
