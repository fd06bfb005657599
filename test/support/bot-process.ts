/*
 * A webhook bot of our own, run as its own process by the bot tests: it listens on 127.0.0.1, reports every
 * request it gets as a JSON line on stdout, and answers as its mode says. Written the way bots in the wild
 * are: it reads `events[0].message`, answers only people (`type == "user"`), pushes with the SHA-1 verifier.
 *
 *   node bot-process.js MODE [--server URL --bot ID --secret SECRET]
 *
 * Modes: reply (answers "echo: <text>", after --delay ms), gate (holds its first request until /open is
 * requested, then answers at once), push (answers nothing, then says "later: <text>" through room/say),
 * slow (never answers), error (500), redirect (302 to /elsewhere), huge (8 MB of text), verify (answers
 * whether X-Lingr-Signature checks out against its secret), quiet (200, empty body).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { parseArgs } from 'node:util';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    server: { type: 'string' },
    bot: { type: 'string' },
    secret: { type: 'string' },
    delay: { type: 'string' },
  },
});
const mode = positionals[0] ?? 'reply';

interface Webhook {
  counter: number;
  events: Array<{
    event_id: number;
    message: { room: string; type: string; text: string; speaker_id: string };
  }>;
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** The check docs/bots.md shows: HMAC-SHA256 of "t.body" with the secret, compared in constant time. */
function signatureOk(header: string | undefined, body: string, secret: string): boolean {
  const parts = new Map((header ?? '').split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (!t || !v1 || Math.abs(Date.now() / 1000 - Number(t)) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function push(room: string, text: string): Promise<void> {
  const bot = values.bot ?? '';
  const verifier = createHash('sha1')
    .update(bot + (values.secret ?? ''))
    .digest('hex');
  const query = new URLSearchParams({ room, bot, bot_verifier: verifier, text });
  const res = await fetch(`${values.server}/api/room/say?${query}`);
  process.stdout.write(`${JSON.stringify({ pushed: text, answer: await res.json() })}\n`);
}

const delayMs = Number(values.delay ?? 0);
/** Requests being answered now: a server that keeps one in flight never lets this pass 1. */
let inFlight = 0;
let gate: (() => void) | undefined;
let gateUsed = false;

const server = createServer((req, res) => {
  res.on('error', () => undefined);
  void read(req).then(async (body) => {
    inFlight++;
    res.on('close', () => inFlight--);
    process.stdout.write(
      `${JSON.stringify({ method: req.method, path: req.url, headers: req.headers, body, inFlight })}\n`,
    );
    if (req.url === '/open') {
      gate?.();
      res.writeHead(200).end();
      return;
    }
    if (req.url !== '/') {
      res.writeHead(404).end();
      return;
    }
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    if (mode === 'gate' && !gateUsed) {
      gateUsed = true;
      await new Promise<void>((r) => (gate = r));
    }
    const hook = JSON.parse(body) as Webhook;
    const message = hook.events[0]?.message;
    const person = message?.type === 'user';
    switch (mode) {
      case 'reply':
      case 'gate':
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end(person ? `echo: ${message.text}` : '');
        return;
      case 'push':
        res.writeHead(200).end();
        if (person) setTimeout(() => void push(message.room, `later: ${message.text}`), 50);
        return;
      case 'slow':
        return;
      case 'error':
        res.writeHead(500).end('it broke');
        return;
      case 'redirect':
        res.writeHead(302, { Location: '/elsewhere' }).end();
        return;
      case 'huge':
        res.writeHead(200, { 'Content-Type': 'text/html' });
        for (let i = 0; i < 128; i++) res.write('a'.repeat(64 * 1024));
        res.end();
        return;
      case 'verify': {
        const ok = signatureOk(req.headers['x-lingr-signature'] as string, body, values.secret ?? '');
        res
          .writeHead(200)
          .end(ok ? `signature ok for event ${req.headers['x-lingr-event-id']}` : 'signature bad');
        return;
      }
      default:
        res.writeHead(200).end();
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object')
    process.stdout.write(`${JSON.stringify({ listening: address.port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
