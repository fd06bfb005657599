/**
 * Peer: a bare `ws` broadcast server, the least a WebSocket chat can do.
 *
 * - Subscribers connect to `ws://HOST:PORT/?room=ROOM` and receive each line as one text frame.
 * - Publishers send a text message `{"room":..,"text":..}` on a socket, or POST the text to
 *   `/pub?room=ROOM` (answered 204 once every subscriber's frame is queued).
 *
 * Each line is framed once, and that one frame is written to every subscriber's socket as it is, as
 * ours writes one prebuilt frame: the least a WebSocket fan-out can cost. No compression. One process,
 * one thread, by design: it is the single-threaded baseline.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { listenAndAnnounce } from './server-args.js';
import { wsTextFrame } from '../../src/transports/frames.js';

/** A subscriber: its WebSocket (for control frames and close) and the TCP socket under it. */
interface Member {
  ws: WebSocket;
  socket: Duplex;
}

const rooms = new Map<string, Set<Member>>();

function broadcast(room: string, text: string): number {
  const members = rooms.get(room);
  if (!members) return 0;
  const frame = wsTextFrame(text);
  // ws writes its own (control) frames whole, so a whole data frame written beside them never splits one.
  for (const m of members) if (m.ws.readyState === WebSocket.OPEN) m.socket.write(frame);
  return members.size;
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

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
  wss.handleUpgrade(req, socket, head, (ws) => join(ws, socket, req)),
);

function join(ws: WebSocket, socket: Duplex, req: IncomingMessage): void {
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
  let members = rooms.get(room);
  if (!members) rooms.set(room, (members = new Set()));
  const member: Member = { ws, socket };
  members.add(member);
  ws.on('close', () => {
    members.delete(member);
    if (members.size === 0 && rooms.get(room) === members) rooms.delete(room);
  });
}

listenAndAnnounce('ws', server);
