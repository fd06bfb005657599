import { request } from 'node:http';
import { asError, RequestSubscriber, streamQuery, type ObserveReply } from './resuming.js';
import { apiAgent } from './session.js';

/** Clients give up on a long poll after 60 s; the server holds at most 50 s. */
const OBSERVE_TIMEOUT_MS = 70_000;

/** API 2.0 long poll: `event/observe` again and again, passing back each reply's counter. */
export class LongPollSubscriber extends RequestSubscriber {
  protected open(): Promise<void> {
    return new Promise((resolve, reject) => this.poll(resolve, reject));
  }

  /** One observe; `sent`/`unsent` report the first one of a connection, later ones loop by themselves. */
  private poll(sent?: () => void, unsent?: (err: Error) => void): void {
    const req = request(this.observeUrl(), {
      agent: apiAgent(this.o.localAddress),
      timeout: OBSERVE_TIMEOUT_MS,
    });
    this.req = req;
    let written = false;
    req.on('finish', () => {
      written = true;
      sent?.();
    });
    req.on('timeout', () => req.destroy(new Error('observe timed out')));
    req.on('error', (err) => {
      if (req !== this.req) return;
      if (!written && unsent) unsent(err);
      else this.failed(err);
    });
    req.on('response', (res) => {
      if (req !== this.req) return void res.destroy();
      this.res = res;
      if (this.paused) return void res.pause();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (req !== this.req) return;
        if (res.statusCode !== 200) return this.failed(new Error(`observe: HTTP ${res.statusCode}`));
        let ok: boolean;
        try {
          ok = this.take(Buffer.concat(chunks).toString());
        } catch (err) {
          return this.failed(asError(err));
        }
        if (ok && !this.closed && !this.paused && req === this.req) this.poll();
      });
    });
    req.end();
  }

  protected observeUrl(): string {
    return `${this.o.url}/api/event/observe?${streamQuery(this.session.id, this.counter)}`;
  }

  /** Reads one reply and hands its lines on; whether to poll again. */
  protected take(body: string): boolean {
    const reply = JSON.parse(body) as ObserveReply;
    this.deliver(reply);
    if (reply.events?.length) this.o.onReply?.();
    return reply.status === 'ok';
  }
}
