/** One Server-Sent Events frame as a client sees it. */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

export interface SseStream {
  status: number;
  headers: Headers;
  frames: SseFrame[];
  /** The frames with data (events), parsed. */
  events(): Array<{ id: string; event: string; data: Record<string, unknown> }>;
  /** Waits until `check` holds over the frames so far, or fails after `ms`. */
  until(what: string, check: (s: SseStream) => boolean, ms?: number): Promise<void>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** A minimal text/event-stream reader over fetch, as a third-party client would read the wire. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const frames: SseFrame[] = [];
  let buffer = '';
  const stream: SseStream = {
    status: res.status,
    headers: res.headers,
    frames,
    events: () =>
      frames
        .filter((f) => f.data !== undefined)
        .map((f) => ({ id: f.id ?? '', event: f.event ?? 'message', data: JSON.parse(f.data!) as Record<string, unknown> })),
    async until(what, check, ms = 5000) {
      const deadline = Date.now() + ms;
      while (!check(stream)) {
        if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms; frames: ${JSON.stringify(frames).slice(0, 2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    ended: Promise.resolve(),
    close: () => controller.abort(),
  };
  if (!res.ok || !res.body) return stream;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  stream.ended = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const frame: SseFrame = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) frame.comment = line.slice(1).trim();
            else {
              const colon = line.indexOf(':');
              const field = line.slice(0, colon);
              const value = line.slice(colon + 1).replace(/^ /, '');
              if (field === 'id' || field === 'event') frame[field] = value;
              if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
            }
          }
          frames.push(frame);
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return stream;
}
