/**
 * Target for the Faye peer (faye-server.ts).
 *
 * - Subscribers are Faye 1.4 clients on `/rooms/ROOM`, data `{text}`, over Faye's websocket
 *   transport. Left to itself, Faye handshakes over HTTP and its first /meta/connect waits on
 *   that HTTP request until a message comes (or 45 s pass) before it moves to the websocket; here
 *   the websocket is opened first and made one of the handshake's transports (`openWebsocket`,
 *   `hookSourceAddresses`), so every subscriber is in Faye's steady state from the start. Live
 *   once the subscription's promise resolves (the server has acked /meta/subscribe).
 * - Source address: Faye's clients take no such option, so `hookSourceAddresses()` wraps the two
 *   places where Faye opens connections in Node (its websocket factory, which hands `net` options
 *   to faye-websocket, and the HTTP transport's request parameters) to add `localAddress`. Each
 *   client's address is found by the identity of the `tls` options object it was given, which
 *   Faye passes on to both. If Faye's internals ever change shape, the hook stands aside and
 *   clients use the default source address.
 * - An unexpected drop goes to `onError`; Faye then reconnects and resubscribes by itself.
 *   `reconnect()` disconnects and subscribes with a new client (Bayeux keeps no history for a
 *   new client, so lines published in between are lost).
 * - `pause()` pauses the websocket transport's faye-websocket socket and the TCP stream under it
 *   (Faye exposes neither, so this reaches into its dispatcher).
 * - The publisher POSTs the Bayeux message as JSON to the endpoint (Faye's HTTP publishing), so it
 *   holds no client open.
 */
import { createRequire } from 'node:module';
import faye from 'faye';
import { agentFor } from '../http.js';
import type { Subscriber, Target } from '../load/target.js';
import { post } from './post.js';

const require = createRequire(import.meta.url);

/** Source address of each client, keyed by the `tls` options object it was created with. */
const sources = new WeakMap<object, string>();

interface SocketOptions {
  tls?: object;
  net?: { localAddress?: string };
}

interface SocketFactory {
  create(url: string, protocols: string[], options: SocketOptions): unknown;
}

interface HttpTransport {
  _dispatcher?: { tls?: object };
}

type BuildParams = (this: HttpTransport, content: Buffer) => Record<string, unknown>;

let hooked = false;

function hookSourceAddresses(): void {
  if (hooked) return;
  hooked = true;
  // Faye handshakes over one of its 'mandatory' transports (HTTP in Node), and the client's first
  // /meta/connect then stays on that HTTP request until it is answered (up to the server's 45 s),
  // so deliveries would start over HTTP. With the websocket allowed here, a client whose websocket
  // is already open (see `openWebsocket`) handshakes and connects over it from the start.
  const constants = require('faye/src/util/constants') as { MANDATORY_CONNECTION_TYPES?: string[] };
  const mandatory = constants.MANDATORY_CONNECTION_TYPES;
  if (Array.isArray(mandatory) && !mandatory.includes('websocket')) mandatory.push('websocket');
  const factory = require('faye/src/util/websocket') as Partial<SocketFactory>;
  const create = factory.create;
  if (typeof create === 'function') {
    factory.create = (url, protocols, options) => {
      const localAddress = options.tls && sources.get(options.tls);
      if (!localAddress) return create(url, protocols, options);
      // faye-websocket's client connects with `options.net`, but its option check (run after the
      // connect) does not list `net` and throws: keep the key out of that check's enumeration.
      const withSource = { ...options };
      Object.defineProperty(withSource, 'net', {
        value: { ...options.net, localAddress },
        enumerable: false,
      });
      return create(url, protocols, withSource);
    };
  }
  const http = require('faye/src/transport/node_http') as { prototype?: { _buildParams?: BuildParams } };
  const build = http.prototype?._buildParams;
  if (http.prototype && typeof build === 'function') {
    http.prototype._buildParams = function (content) {
      const params = build.call(this, content);
      const tls = this._dispatcher?.tls;
      const localAddress = tls && sources.get(tls);
      if (localAddress) {
        params.localAddress = localAddress;
        // Only the handshake goes this way: close its connection rather than keep one idle per client.
        params.agent = false;
      }
      return params;
    };
  }
}

/** What `pause()`, `shutdown()` and `openWebsocket()` reach inside a client. */
interface ClientInternals {
  _dispatcher?: {
    selectTransport?(types: string[]): void;
    _transport?: {
      connectionType?: string;
      _socket?: { pause?(): void; _stream?: { pause(): void } };
    };
    close?(): void;
  };
}

const internals = (client: faye.Client) => client as unknown as ClientInternals;

const SUBSCRIBE_TIMEOUT_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Has the client open its websocket transport before its handshake, as the transport it uses
 * (falling back to HTTP long-polling, as Faye would, when the websocket cannot connect).
 */
async function openWebsocket(client: faye.Client): Promise<void> {
  const dispatcher = internals(client)._dispatcher;
  if (typeof dispatcher?.selectTransport !== 'function') return;
  dispatcher.selectTransport(['websocket', 'long-polling']);
  const deadline = Date.now() + SUBSCRIBE_TIMEOUT_MS;
  while (!dispatcher._transport) {
    if (Date.now() > deadline) throw new Error('faye: no transport could connect');
    await sleep(5);
  }
}
const DISCONNECT_GRACE_MS = 2000;

/**
 * Disconnects politely; if the server has not answered within the grace period (it may be gone,
 * and Faye would retry for ever), closes the transport so nothing is left running.
 */
function shutdown(client: faye.Client): void {
  client.disconnect();
  setTimeout(() => internals(client)._dispatcher?.close?.(), DISCONNECT_GRACE_MS).unref();
}

export const fayeTarget: Target = {
  name: 'faye',
  async subscribe(o) {
    hookSourceAddresses();
    const endpoint = `${o.url}/faye`;
    const channel = `/rooms/${o.room}`;
    let closing = false;
    let current: faye.Client | undefined;
    // A Faye client is itself a thenable, so it travels wrapped: awaiting it would wait on Faye.
    const open = async (): Promise<{ client: faye.Client }> => {
      const tls = {};
      sources.set(tls, o.localAddress);
      const client = new faye.Client(endpoint, { tls, timeout: 45, retry: 1 });
      current = client;
      await openWebsocket(client);
      client.on('transport:down', () => {
        if (!closing && current === client) o.onError(new Error('faye: transport down'));
      });
      const subscription = client.subscribe(channel, (message) => {
        if (message !== null && typeof message === 'object' && !Array.isArray(message)) {
          const text = message.text;
          if (typeof text === 'string') o.onLine(text);
        }
      });
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          subscription,
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`faye: no subscription within ${SUBSCRIBE_TIMEOUT_MS} ms`)),
              SUBSCRIBE_TIMEOUT_MS,
            );
          }),
        ]);
      } catch (err) {
        shutdown(client);
        throw err;
      } finally {
        clearTimeout(timer);
      }
      return { client };
    };
    let { client } = await open();
    const subscriber: Subscriber = {
      pause() {
        const transport = internals(client)._dispatcher?._transport;
        if (transport?.connectionType !== 'websocket') return;
        // faye-websocket's pause() still parses the next chunk that arrives, then holds the socket
        // back; pausing its TCP stream as well stops reading at once, as the other targets do.
        transport._socket?.pause?.();
        transport._socket?._stream?.pause();
      },
      async reconnect() {
        shutdown(client);
        ({ client } = await open());
      },
      close() {
        closing = true;
        shutdown(client);
      },
    };
    return subscriber;
  },
  async publisher(url, room, localAddress) {
    const agent = agentFor(localAddress);
    const endpoint = `${url}/faye`;
    const channel = `/rooms/${room}`;
    return async (text) => {
      const reply = await post(
        agent,
        endpoint,
        JSON.stringify({ channel, data: { text } }),
        'application/json',
      );
      const [answer] = JSON.parse(reply) as Array<{ successful?: boolean; error?: string }>;
      if (!answer?.successful) throw new Error(`faye: publish failed: ${answer?.error ?? reply}`);
    };
  },
};
