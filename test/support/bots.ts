import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const BOT_PROCESS = fileURLToPath(new URL('./bot-process.js', import.meta.url));

/** A request a test bot got, as it reported it. */
export interface BotRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  inFlight: number;
}

export interface BotProcess {
  /** Its callback URL (on 127.0.0.1). */
  url: string;
  child: ChildProcess;
  /** Webhooks it got (path /), in arrival order. */
  hooks: BotRequest[];
  /** Every request it got, any path. */
  requests: BotRequest[];
  /** What its pushes were answered. */
  pushes: Array<{ pushed: string; answer: Record<string, unknown> }>;
  stop(): Promise<void>;
}

/** Starts one of our test bots (test/support/bot-process.ts) as its own process. */
export function startBot(
  mode: string,
  options: { server?: string; bot?: string; secret?: string; delay?: number } = {},
): Promise<BotProcess> {
  const args = [BOT_PROCESS, mode];
  for (const [k, v] of Object.entries(options)) if (v !== undefined) args.push(`--${k}`, String(v));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const requests: BotRequest[] = [];
  const hooks: BotRequest[] = [];
  const pushes: BotProcess['pushes'] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the test bot did not start')), 10_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const report = JSON.parse(line) as Record<string, unknown>;
      if (typeof report.listening === 'number') {
        clearTimeout(timer);
        resolve({
          url: `http://127.0.0.1:${report.listening}/`,
          child,
          hooks,
          requests,
          pushes,
          async stop() {
            child.kill('SIGTERM');
            await exited;
          },
        });
      } else if ('pushed' in report) pushes.push(report as BotProcess['pushes'][number]);
      else {
        requests.push(report as unknown as BotRequest);
        if (report.path === '/') hooks.push(report as unknown as BotRequest);
      }
    });
  });
}

/** The line a webhook carried. */
export function hookMessage(r: BotRequest): {
  event_id: number;
  counter: number;
  text: string;
  type: string;
} {
  const body = JSON.parse(r.body) as {
    counter: number;
    events: Array<{ event_id: number; message: { text: string; type: string } }>;
  };
  const e = body.events[0]!;
  return { event_id: e.event_id, counter: body.counter, text: e.message.text, type: e.message.type };
}
