/**
 * Peer: Socket.IO 4.8 as shipped, compression off (`perMessageDeflate`, `httpCompression`).
 *
 * - `join` (room, ack): the socket joins the room; the ack says it is in.
 * - `say` ({room, text}, ack): `io.to(room).emit('line', text)`, which encodes the packet once for
 *   the whole room; the ack follows the broadcast.
 *
 * In-memory adapter, one process, one thread: Socket.IO's own single-node setup.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { listenAndAnnounce } from './server-args.js';

interface Say {
  room: string;
  text: string;
}

const server = createServer();
const io = new Server(server, { perMessageDeflate: false, httpCompression: false, serveClient: false });

io.on('connection', (socket) => {
  socket.on('join', (room: unknown, ack?: () => void) => {
    if (typeof room !== 'string') return;
    // The in-memory adapter joins at once; awaiting keeps the ack after the join with any adapter.
    void Promise.resolve(socket.join(room)).then(() => {
      if (typeof ack === 'function') ack();
    });
  });
  socket.on('say', (m: Partial<Say> | undefined, ack?: () => void) => {
    if (typeof m?.room !== 'string' || typeof m.text !== 'string') return;
    io.to(m.room).emit('line', m.text);
    if (typeof ack === 'function') ack();
  });
});

listenAndAnnounce('socketio', server);
