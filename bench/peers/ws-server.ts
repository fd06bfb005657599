/**
 * Peer: a bare `ws` broadcast server, the least a WebSocket chat can do.
 *
 * - Subscribers connect to `ws://HOST:PORT/?room=ROOM` and receive each line as one text frame.
 * - Publishers send a text message `{"room":..,"text":..}` on a socket, or POST the text to
 *   `/pub?room=ROOM` (answered 204 once every subscriber's frame is queued).
 *
 * Each line is turned into a Buffer once and that one Buffer is framed for every socket; no
 * compression. One process, one thread, by design: it is the single-threaded baseline.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { listenAndAnnounce } from './server-args.js';

const rooms = new Map<string, Set<WebSocket>>();

function broadcast(room: string, text: string): number {
  const sockets = rooms.get(room);
  if (!sockets) return 0;
  const data = Buffer.from(text);
  for (const ws of sockets) if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary: false });
  return sockets.size;
}

function roomOf(req: IncomingMessage): string | undefined {
  return new URL(req.url ?? '/', 'http://peer').searchParams.get('room') ?? undefined;
}

const server = createServer((req, res) => {
  const room = roomOf(req);
  if (req.method !== 'POST' || !req.url?.startsWith('/pub') || !room) {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    broadcast(room, Buffer.concat(chunks).toString());
    res.writeHead(204).end();
  });
});

const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  const room = roomOf(req);
  ws.on('error', () => ws.terminate());
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    try {
      const m = JSON.parse(String(data)) as { room?: unknown; text?: unknown };
      if (typeof m.room === 'string' && typeof m.text === 'string') broadcast(m.room, m.text);
    } catch {
      // Not a publication: ignored.
    }
  });
  if (!room) return; // a publisher's socket
  let sockets = rooms.get(room);
  if (!sockets) rooms.set(room, (sockets = new Set()));
  sockets.add(ws);
  ws.on('close', () => {
    sockets.delete(ws);
    if (sockets.size === 0 && rooms.get(room) === sockets) rooms.delete(room);
  });
});

listenAndAnnounce('ws', server);
