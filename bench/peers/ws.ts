/**
 * Target for the bare `ws` peer (ws-server.ts). Lines are plain text frames; the protocol keeps
 * no history, so `reconnect()` just opens a new socket in the room (lines published while it was
 * down are lost). `pause()` is ws's own `WebSocket#pause()`, which stops reading the TCP socket.
 */
import WebSocket from 'ws';
import { agentFor } from '../http.js';
import type { SubscribeOptions, Subscriber, Target } from '../load/target.js';
import { post } from './post.js';

/**
 * Opens a subscriber's socket and resolves once it is open; rejects on an error or close before
 * that. Text frames go to `onText` from the start (a server may send some right behind its
 * handshake, before the promise's continuation runs); after the open, an error or close that
 * `dropSocket` did not cause goes to `o.onError`, once.
 */
export function openSocket(
  url: string,
  options: WebSocket.ClientOptions,
  protocols: string | undefined,
  o: Pick<SubscribeOptions, 'onError'>,
  onText: (text: string) => void,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = protocols ? new WebSocket(url, protocols, options) : new WebSocket(url, options);
    ws.on('message', (data, isBinary) => {
      if (!isBinary) onText(String(data));
    });
    const fail = (err: Error) => {
      dropSocket(ws);
      reject(err);
    };
    ws.once('error', fail);
    ws.once('unexpected-response', (_req, res) => fail(new Error(`HTTP ${res.statusCode} on ${url}`)));
    ws.once('open', () => {
      ws.removeListener('error', fail);
      ws.removeAllListeners('unexpected-response');
      let reported = false;
      const report = (err: Error) => {
        if (reported) return;
        reported = true;
        o.onError(err);
      };
      ws.on('error', report);
      ws.on('close', (code) => report(new Error(`socket closed (${code})`)));
      resolve(ws);
    });
  });
}

/** Detaches our listeners and closes the socket without reporting it. */
export function dropSocket(ws: WebSocket): void {
  ws.removeAllListeners();
  ws.on('error', () => {});
  ws.terminate();
}

/** A subscriber over one WebSocket that `open` makes; reconnecting opens a new one. */
export async function socketSubscriber(open: () => Promise<WebSocket>): Promise<Subscriber> {
  let ws = await open();
  return {
    pause: () => ws.pause(),
    async reconnect() {
      dropSocket(ws);
      ws = await open();
    },
    close: () => dropSocket(ws),
  };
}

export const wsTarget: Target = {
  name: 'ws',
  async subscribe(o) {
    const url = `${o.url.replace(/^http/, 'ws')}/?room=${encodeURIComponent(o.room)}`;
    const open = () =>
      openSocket(url, { localAddress: o.localAddress, perMessageDeflate: false }, undefined, o, o.onLine);
    return socketSubscriber(open);
  },
  async publisher(url, room, localAddress) {
    const agent = agentFor(localAddress);
    const target = `${url}/pub?room=${encodeURIComponent(room)}`;
    return async (text) => {
      await post(agent, target, text);
    };
  },
};
