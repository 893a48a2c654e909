/**
 * A text/event-stream parser (the WHATWG "event stream interpretation"), fed decoded text in
 * chunks of any size: a line or an event may be split anywhere between two chunks.
 */
export interface SseEvent {
  /** The `id:` field; undefined when the event had none. */
  id: string | undefined;
  /** The `event:` field; `message` when the event had none. */
  event: string;
  data: string;
}

export class SseParser {
  private pending = '';
  private id: string | undefined;
  private event = '';
  private data: string[] = [];
  /** Whether the block being read had an `id:` line. */
  private idSeen = false;
  /** A chunk that ended in CR: a following LF belongs to the same line break. */
  private skipLf = false;

  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    private readonly onComment: (text: string) => void = () => {},
    /** A block with an `id:` and no data: it only moves the resume point (sessiond's first frame). */
    private readonly onPosition: (id: string) => void = () => {},
  ) {}

  push(chunk: string): void {
    let text = chunk;
    if (this.skipLf && text.startsWith('\n')) text = text.slice(1);
    this.skipLf = false;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(this.pending + text.slice(start, i));
      this.pending = '';
      if (c === 13) {
        if (i + 1 === text.length) this.skipLf = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    this.pending += text.slice(start);
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return this.onComment(line.slice(1).trimStart());
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) {
      this.id = value;
      this.idSeen = true;
    }
    // `retry:` and unknown fields are ignored: the validator keeps its own reconnect timing.
  }

  private dispatch(): void {
    if (this.data.length > 0) this.onEvent({ id: this.id, event: this.event || 'message', data: this.data.join('\n') });
    else if (this.idSeen && this.id !== undefined) this.onPosition(this.id);
    this.idSeen = false;
    // The last event ID persists across events (as in EventSource); type and data do not.
    this.event = '';
    this.data = [];
  }
}
