import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import type { AuditRecord } from '../../src/core/types.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { sessionEventLog } from '../../src/observability/session-event-log.ts';

/** A destination that keeps each write it is handed. */
function recordingDestination(): { stream: Writable; writes: string[] } {
  const writes: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      writes.push(String(chunk));
      done();
    },
  });
  return { stream, writes };
}

const ended = (handle: string): AuditRecord => ({ at: 1, event: 'session.ended', handle, userId: 'u1', project: 'default', reason: 'invalidated', actor: 'admin-handle' });

describe('session event log lines', () => {
  test('a batch of events is one write of one line per event, each line whole', async () => {
    const { stream, writes } = recordingDestination();
    const listener = sessionEventLog(createLogger('info', stream));
    listener([ended('h1'), ended('h2'), ended('h3')]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(writes.length, 1);
    const lines = writes[0]!.split('\n');
    assert.equal(lines.pop(), '', 'ends with a newline');
    assert.deepEqual(
      lines.map((line) => JSON.parse(line) as Record<string, unknown>).map(({ msg, event, handle, project, reason, actor, level }) => ({ msg, event, handle, project, reason, actor, level })),
      ['h1', 'h2', 'h3'].map((handle) => ({ msg: 'session event', event: 'session.ended', handle, project: 'default', reason: 'invalidated', actor: 'admin-handle', level: 30 })),
    );
    listener([ended('h4')]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(writes.length, 2, 'the next batch is written on its own, nothing of the first again');
    assert.equal((JSON.parse(writes[1]!) as { handle: string }).handle, 'h4');
  });

  test('a destination that reads each line’s level (pino.multistream) still gets the lines one by one', async () => {
    const { stream, writes } = recordingDestination();
    const listener = sessionEventLog(createLogger('info', pino.multistream([{ stream, level: 'info' }]) as unknown as NodeJS.WritableStream));
    listener([ended('h1'), ended('h2')]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(writes.map((line) => (JSON.parse(line) as { handle: string }).handle), ['h1', 'h2']);
  });

  test('below info, nothing is written', async () => {
    const { stream, writes } = recordingDestination();
    sessionEventLog(createLogger('warn', stream))([ended('h1')]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(writes, []);
  });
});
