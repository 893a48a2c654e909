import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SseParser, type SseEvent } from '../../packages/client/src/validator/sse-parser.ts';

function parse(chunks: string[]): { events: SseEvent[]; comments: string[] } {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const parser = new SseParser((e) => events.push(e), (c) => comments.push(c));
  for (const chunk of chunks) parser.push(chunk);
  return { events, comments };
}

const STREAM =
  ': connected\n\n' +
  'id: 1\nevent: session.created\ndata: {"seq":1}\n\n' +
  'id: 2\r\nevent: session.ended\r\ndata: {"seq":2,\r\ndata: "x":1}\r\n\r\n' +
  ': heartbeat\r\r' +
  'id: 3\revent: reset\rdata:{"seq":9}\r\r' +
  'retry: 10\nunknown: field\ndata\n\n';

const EXPECTED: SseEvent[] = [
  { id: '1', event: 'session.created', data: '{"seq":1}' },
  { id: '2', event: 'session.ended', data: '{"seq":2,\n"x":1}' },
  { id: '3', event: 'reset', data: '{"seq":9}' },
  { id: '3', event: 'message', data: '' },
];

describe('the event-stream parser the validator reads sessiond with', () => {
  test('reads events, multi-line data and comments with LF, CRLF and CR line ends', () => {
    const { events, comments } = parse([STREAM]);
    assert.deepEqual(events, EXPECTED);
    assert.deepEqual(comments, ['connected', 'heartbeat']);
  });

  test('gives the same events however the text is split between chunks (every split point, and one character at a time)', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      assert.deepEqual(parse([STREAM.slice(0, cut), STREAM.slice(cut)]).events, EXPECTED, `split at ${cut}`);
    }
    assert.deepEqual(parse([...STREAM]).events, EXPECTED);
  });

  test("a block with an id and no data only sets the resume point (sessiond's opening frame)", () => {
    const positions: string[] = [];
    const events: SseEvent[] = [];
    const parser = new SseParser((e) => events.push(e), () => {}, (id) => positions.push(id));
    parser.push(': connected\nid: 41\n\n: hb\n\nid: 42\nevent: session.created\ndata: {}\n\n');
    assert.deepEqual(positions, ['41']);
    assert.deepEqual(events, [{ id: '42', event: 'session.created', data: '{}' }]);
  });

  test('an event cut off before its blank line is not given', () => {
    assert.deepEqual(parse(['id: 4\nevent: session.ended\ndata: {}\n']).events, []);
  });
});
