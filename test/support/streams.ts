import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { Json } from './server.js';

export interface Reply {
  counter: number;
  events: Array<{ event_id: number; message?: Json; presence?: Json; membership?: Json }>;
}

export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

/** The texts of the messages in replies, in order. */
export const texts = (replies: readonly Reply[]): string[] =>
  replies.flatMap((r) => r.events.flatMap((e) => (e.message ? [e.message.text as string] : [])));

/** Splits SSE text into frames; returns what is left over (an unfinished frame). */
function parseFrames(buffer: string, into: SseFrame[]): string {
  let cut: number;
  while ((cut = buffer.indexOf('\n\n')) >= 0) {
    const block = buffer.slice(0, cut);
    buffer = buffer.slice(cut + 2);
    const frame: SseFrame = { data: '' };
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) frame.id = line.slice(4);
      else if (line.startsWith('event: ')) frame.event = line.slice(7);
      else if (line.startsWith('data: ')) frame.data += line.slice(6);
    }
    if (frame.data !== '') into.push(frame);
  }
  return buffer;
}

/** Reads SSE frames from a fetch body until `done` says enough or the time is up. */
export async function readSse(
  url: string,
  headers: Record<string, string>,
  done: (frames: SseFrame[]) => boolean,
  timeoutMs = 5000,
): Promise<SseFrame[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const frames: SseFrame[] = [];
  try {
    const res = await fetch(url, { headers, signal: abort.signal });
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    while (!done(frames)) {
      const { value, done: finished } = await reader.read();
      if (finished) break;
      buffer = parseFrames(buffer + decoder.decode(value, { stream: true }), frames);
    }
    abort.abort();
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
  }
  return frames;
}

/** An SSE stream kept open: frames gather as they come until the server ends it or `close()`. */
export interface SseStream {
  frames: SseFrame[];
  /** Resolves when the response has started (headers received). */
  opened: Promise<void>;
  /** Resolves when the stream ended, by either side. */
  ended: Promise<void>;
  close(): void;
  /** Texts of the messages received so far. */
  texts(): string[];
  /** The reason of an `event: end` frame, if the server sent one. */
  endReason(): string | undefined;
}

export function openSse(url: string, headers: Record<string, string> = {}): SseStream {
  const abort = new AbortController();
  const frames: SseFrame[] = [];
  let markOpen: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (markOpen = resolve));
  const ended = (async () => {
    try {
      const res = await fetch(url, { headers, signal: abort.signal });
      markOpen();
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer = parseFrames(buffer + decoder.decode(value, { stream: true }), frames);
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    } finally {
      markOpen();
    }
  })();
  return {
    frames,
    opened,
    ended,
    close: () => abort.abort(),
    texts: () => texts(frames.filter((f) => f.event === undefined).map((f) => JSON.parse(f.data) as Reply)),
    endReason: () => {
      const end = frames.find((f) => f.event === 'end');
      return end && (JSON.parse(end.data) as { reason: string }).reason;
    },
  };
}

export function openSocket(url: string, origin?: string) {
  const ws = new WebSocket(url, origin ? { origin } : {});
  const replies: Reply[] = [];
  ws.on('message', (data) => replies.push(JSON.parse(String(data)) as Reply));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return { ws, replies, closed, opened };
}

/** Waits until `check` holds, polling every 20 ms. */
export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The promise's value, or a failure naming `what` when it takes longer than `ms`. */
export async function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
