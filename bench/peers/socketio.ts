/**
 * Target for the Socket.IO peer (socketio-server.ts), with socket.io-client 4.8 over the
 * websocket transport only, one connection (Manager) per subscriber. The server turns
 * permessage-deflate off, so none is negotiated whatever the client offers.
 *
 * - Live once the server acks `join`.
 * - Source address: engine.io-client hands `localAddress` on to the `ws` socket it opens in Node
 *   (its websocket transport picks that option), though the option is not in its typings.
 * - No automatic reconnection: an unexpected disconnect goes to `onError`; `reconnect()` opens a
 *   new connection and joins again (Socket.IO keeps no history for a room, so lines published
 *   in between are lost).
 * - `pause()` pauses the transport's `ws` socket, which stops reading the TCP socket.
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { Subscriber, Target } from '../load/target.js';

interface ServerToClient {
  line: (text: string) => void;
}

interface ClientToServer {
  join: (room: string, ack: () => void) => void;
  say: (m: { room: string; text: string }, ack: () => void) => void;
}

type PeerSocket = Socket<ServerToClient, ClientToServer>;

const ACK_TIMEOUT_MS = 30_000;

function connect(url: string, localAddress: string): Promise<PeerSocket> {
  const options: Partial<ManagerOptions & SocketOptions> & { localAddress: string } = {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    localAddress,
  };
  const socket: PeerSocket = io(url, options);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.off('connect_error');
      resolve(socket);
    });
    socket.once('connect_error', (err) => {
      socket.off('connect');
      socket.disconnect();
      reject(err);
    });
  });
}

function drop(socket: PeerSocket): void {
  socket.removeAllListeners();
  socket.disconnect();
}

export const socketioTarget: Target = {
  name: 'socketio',
  async subscribe(o) {
    const open = async () => {
      const socket = await connect(o.url, o.localAddress);
      socket.on('line', (text) => o.onLine(text));
      try {
        await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('join', o.room);
      } catch (err) {
        drop(socket);
        throw err;
      }
      socket.on('disconnect', (reason) => o.onError(new Error(`socket.io disconnected: ${reason}`)));
      return socket;
    };
    let socket = await open();
    const subscriber: Subscriber = {
      pause() {
        // The websocket transport keeps its `ws` socket in a protected field.
        const transport = socket.io.engine?.transport as unknown as { ws?: { pause(): void } } | undefined;
        transport?.ws?.pause();
      },
      async reconnect() {
        drop(socket);
        socket = await open();
      },
      close: () => drop(socket),
    };
    return subscriber;
  },
  async publisher(url, room, localAddress) {
    const socket = await connect(url, localAddress);
    return async (text) => {
      if (socket.disconnected) socket.connect();
      await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('say', { room, text });
    };
  },
};
