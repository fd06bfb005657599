import { Agent, get, type ClientRequest, type IncomingMessage } from 'node:http';
import { RequestSubscriber, streamQuery, type ObserveReply } from './resuming.js';

const agents = new Map<string, Agent>();

/** Streams hold their socket for good: no keep-alive pool, one socket each. */
function streamAgent(localAddress: string): Agent {
  let agent = agents.get(localAddress);
  if (!agent)
    agents.set(localAddress, (agent = new Agent({ keepAlive: false, maxSockets: Infinity, localAddress })));
  return agent;
}

/** Server-Sent Events: `GET /api/event/stream`, frames `id:`/`data:`, `event: end` to resume. */
export class SseSubscriber extends RequestSubscriber {
  protected open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const url = `${this.o.url}/api/event/stream?${streamQuery(this.session.id, this.counter)}`;
      const req = get(url, { agent: streamAgent(this.o.localAddress) });
      this.req = req;
      let established = false;
      req.on('error', (err) => {
        if (req !== this.req) return;
        if (established) this.failed(err);
        else reject(err);
      });
      req.on('response', (res) => {
        if (req !== this.req) return void res.destroy();
        if (res.statusCode !== 200) {
          res.resume();
          this.req = undefined;
          req.destroy();
          return reject(new Error(`stream: HTTP ${res.statusCode}`));
        }
        established = true;
        this.res = res;
        if (this.paused) res.pause();
        resolve();
        this.read(req, res);
      });
    });
  }

  private read(req: ClientRequest, res: IncomingMessage): void {
    res.setEncoding('utf8');
    let buffer = '';
    let ended = false;
    res.on('data', (chunk: string) => {
      buffer += chunk;
      // Bounded by the frames in this chunk.
      for (let i = buffer.indexOf('\n\n'); i >= 0 && req === this.req; i = buffer.indexOf('\n\n')) {
        const frame = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        ended ||= this.frame(frame);
      }
    });
    res.on('close', () => {
      if (req !== this.req) return;
      if (ended) this.resume();
      else this.failed(new Error('stream closed by the server without event: end'));
    });
  }

  /** Handles one frame; true when the server says the stream ends (resume from our counter). */
  private frame(frame: string): boolean {
    let event = 'message';
    let data = '';
    for (const line of frame.split('\n')) {
      if (line.startsWith('data: ')) data += line.slice(6);
      else if (line.startsWith('event: ')) event = line.slice(7);
    }
    if (event === 'end') return true;
    if (event === 'error') this.failed(new Error(`stream error: ${data}`));
    else if (data !== '') this.deliver(JSON.parse(data) as ObserveReply);
    return false;
  }
}
