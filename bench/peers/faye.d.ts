/** The part of Faye 1.4 (which ships no types) that the benchmark peer uses. */
declare module 'faye' {
  import type { Server } from 'node:http';

  namespace faye {
    /** A Bayeux message payload: any JSON value. */
    type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

    /** Resolves once the server has answered (Faye's promises are thenables). */
    interface Deferred extends PromiseLike<void> {
      cancel?(): void;
    }

    interface Subscription extends PromiseLike<void> {
      cancel(): void;
    }

    interface ClientOptions {
      /** Seconds the server may hold a /meta/connect. */
      timeout?: number;
      /** Seconds between reconnection attempts. */
      retry?: number;
      /** Handed to the transports as TLS options; the peer uses the object's identity only. */
      tls?: object;
    }

    class Client {
      constructor(endpoint: string, options?: ClientOptions);
      subscribe(channel: string, callback: (message: Json) => void): Subscription;
      publish(channel: string, data: Json): Deferred;
      disconnect(): void;
      /** Turns off a transport ('long-polling', 'websocket', ...) or 'autodisconnect'. */
      disable(feature: string): void;
      on(event: 'transport:down' | 'transport:up', listener: () => void): void;
    }

    interface NodeAdapterOptions {
      mount: string;
      /** Seconds a /meta/connect is held. */
      timeout?: number;
      /** Seconds between websocket pings. */
      ping?: number;
    }

    class NodeAdapter {
      constructor(options: NodeAdapterOptions);
      attach(server: Server): void;
      close(): void;
    }
  }

  const faye: {
    Client: typeof faye.Client;
    NodeAdapter: typeof faye.NodeAdapter;
  };
  export = faye;
}
