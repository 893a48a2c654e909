import type { SessionEventRecord } from '../core/types.ts';

/**
 * Server-Sent Events frames (text/event-stream). An event's `id:` is its seq, so a browser's
 * EventSource (and our SessionValidator) resumes after it with Last-Event-ID.
 */
export function eventFrame(e: SessionEventRecord): string {
  const data = {
    seq: e.seq,
    type: e.type,
    at: new Date(e.at).toISOString(),
    handle: e.handle,
    idHash: e.idHash,
    userId: e.userId,
    username: e.username,
    project: e.project,
    ...(e.type === 'session.ended' ? { reason: e.reason } : {}),
  };
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Drop everything cached: the events after the subscriber's position are no longer kept. Resume after `seq`. */
export function resetFrame(seq: number): string {
  return `id: ${seq}\nevent: reset\ndata: ${JSON.stringify({ seq })}\n\n`;
}

/** The first frame: where the stream starts (an id with no data sets the client's resume point). */
export function openingFrame(seq: number): string {
  return `: connected\nid: ${seq}\n\n`;
}

export const HEARTBEAT_FRAME = ': hb\n\n';
