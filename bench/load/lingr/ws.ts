import WebSocket from 'ws';
import { ResumingSubscriber, streamQuery, type ObserveReply } from './resuming.js';

/** Close code 4100: reconnect and resume from the last counter (docs/streaming.md). */
const CLOSE_RECONNECT = 4100;

const text = (data: WebSocket.RawData): string =>
  Buffer.isBuffer(data)
    ? data.toString()
    : Array.isArray(data)
      ? Buffer.concat(data).toString()
      : Buffer.from(data).toString();

/** WebSocket: `/api/event/ws`, one observe-shaped message per frame, no compression. */
export class WsSubscriber extends ResumingSubscriber {
  private ws: WebSocket | undefined;

  protected open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const url = `${this.o.url.replace(/^http/, 'ws')}/api/event/ws?${streamQuery(this.session.id, this.counter)}`;
      const ws = new WebSocket(url, {
        perMessageDeflate: false,
        localAddress: this.o.localAddress,
        handshakeTimeout: 30_000,
      });
      this.ws = ws;
      let opened = false;
      let lastError: Error | undefined;
      ws.on('open', () => {
        opened = true;
        if (this.paused) ws.pause();
        resolve();
      });
      ws.on('message', (data) => {
        if (ws === this.ws) this.deliver(JSON.parse(text(data)) as ObserveReply);
      });
      ws.on('error', (err) => (lastError = err));
      ws.on('close', (code, reason) => {
        if (ws !== this.ws) return;
        if (!opened) {
          this.ws = undefined;
          reject(lastError ?? new Error(`websocket closed (${code}) before opening`));
        } else if (code === CLOSE_RECONNECT) this.resume();
        else this.failed(lastError ?? new Error(`websocket closed: ${code} ${reason.toString()}`));
      });
    });
  }

  protected drop(): void {
    const ws = this.ws;
    this.ws = undefined;
    ws?.terminate();
  }

  protected pauseSocket(): void {
    this.ws?.pause();
  }
}
