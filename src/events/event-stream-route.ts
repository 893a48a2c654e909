import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SessiondError } from '../core/errors.ts';
import type { SessionEventRecord } from '../core/types.ts';
import type { SessiondContext } from '../http/context.ts';
import type { RestAuth } from '../api/rest/rest-auth.ts';
import { contractRoute, type RouteContract } from '../api/rest/route-contract.ts';
import { eventFrame, HEARTBEAT_FRAME, openingFrame, resetFrame } from './sse-frames.ts';

/** The permission that lets a user who is not an admin read the stream (an application's validator). */
export const EVENTS_PERMISSION = 'events';
export const HEARTBEAT_MS = 15_000;
/** Replay reads the log in pages of this many events. */
const REPLAY_PAGE = 500;

const seq = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const eventStream = {
  method: 'GET',
  url: '/api/v1/events',
  operationId: 'streamEvents',
  summary: 'Session events as Server-Sent Events',
  description: [
    'Every `session.created` and `session.ended` in the store, from every node, in one order: `id:` is the event\'s seq,',
    '`event:` its type, `data:` its JSON (`seq`, `type`, `at`, `handle`, `idHash` — the base64url SHA-256 of the session ID,',
    'never the ID — `userId`, `username`, `project`, and for ends `reason`). The first frame sets the resume point; resume',
    'after `Last-Event-ID` (or `?after=SEQ`) without loss. When that point is older than what the store keeps, the first event',
    'is `reset` (drop everything cached). A comment every 15 s keeps the connection open; a subscriber that falls too far',
    'behind is disconnected and resumes. For admins and users with the `events` permission.',
  ].join(' '),
  tag: 'Events',
  access: 'session',
  querystring: z.object({ after: seq.optional().describe('Resume after this seq (as Last-Event-ID does)') }).strict(),
  answer: z.string().describe('A text/event-stream of session events'),
  answerType: 'text/event-stream',
  errors: ['INSUFFICIENT_ACCESS'],
} satisfies RouteContract;

/** Where a subscriber resumes: Last-Event-ID wins over ?after; neither means "from now". */
function resumePoint(request: FastifyRequest, after: number | undefined): number | undefined {
  const header = request.headers['last-event-id'];
  if (header === undefined) return after;
  const parsed = seq.safeParse(header);
  if (!parsed.success) throw new SessiondError('INVALID_REQUEST', 'Last-Event-ID must be the seq of an event (a whole number).');
  return parsed.data;
}

export function registerEventStream(app: FastifyInstance, ctx: SessiondContext, auth: RestAuth): void {
  /** This server's open streams, ended at shutdown so the HTTP server can close. */
  const openStreams = new Set<() => void>();
  const { config, eventFeed, store, metrics } = ctx;
  app.addHook("preClose", (done) => {
    for (const end of openStreams) end();
    done();
  });

  app.route(
    contractRoute(auth, eventStream, async (request, reply: FastifyReply) => {
      const { user } = await auth.user(request);
      if (!user.admin && !user.permissions.includes(EVENTS_PERMISSION)) {
        throw new SessiondError('INSUFFICIENT_ACCESS', 'Reading session events needs an admin session or the events permission.');
      }
      const asked = resumePoint(request, request.query.after);

      // Subscribe first and hold live events back while the log is replayed: dedup by seq then
      // makes the seam exact, whichever side sees an event first.
      const held: SessionEventRecord[] = [];
      let replaying = true;
      let sent = 0;
      let closed = false;
      const raw = reply.raw;
      const write = (text: string) => {
        if (closed) return;
        raw.write(text);
        // A subscriber that does not read: its backlog grows in this process; cut it off.
        if (raw.writableLength > config.events.maxPendingBytes) {
          metrics.eventSubscribersDropped.inc();
          end();
        }
      };
      const send = (events: ReadonlyArray<SessionEventRecord>) => {
        for (const e of events) {
          if (e.seq <= sent) continue;
          write(eventFrame(e));
          sent = e.seq;
        }
      };
      const subscription = await eventFeed.subscribe((events) => (replaying ? held.push(...events) : send(events)));
      const heartbeat = setInterval(() => write(HEARTBEAT_FRAME), config.events.heartbeatMs);
      function end(): void {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        subscription.unsubscribe();
        openStreams.delete(end);
        metrics.eventSubscribers.dec();
        raw.destroy();
      }
      openStreams.add(end);
      metrics.eventSubscribers.inc();
      raw.on('close', end);

      try {
        let start = subscription.position;
        let reset = false;
        if (asked !== undefined) {
          const { oldest, newest } = await store.events.bounds();
          // Events after `asked` were pruned (or it names an event this store never wrote).
          reset = asked > newest || (oldest === null ? asked < newest : asked < oldest - 1);
          start = reset ? newest : asked;
        }
        reply.hijack();
        raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          'x-accel-buffering': 'no',
          'x-request-id': request.id,
        });
        sent = start;
        write(reset ? resetFrame(start) : openingFrame(start));
        for (;;) {
          const page = await store.events.after(sent, REPLAY_PAGE);
          send(page);
          if (page.length < REPLAY_PAGE || closed) break;
        }
        replaying = false;
        send(held.splice(0));
      } catch (error) {
        // Before the answer started this is a normal error answer; after, the stream just ends and the client resumes.
        if (!reply.sent && !raw.headersSent) {
          end();
          throw error;
        }
        end();
      }
    }),
  );
}
