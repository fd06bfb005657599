/**
 * A system under test as the load generator sees it: ours over each transport, or a peer. Every
 * scenario drives every target through this one shape, so figures are comparable side by side.
 */
export interface SubscribeOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:PORT. */
  url: string;
  /** Source address for the connection (127.0.0.2, 127.0.0.3, ...). */
  localAddress: string;
  /** Room (channel) name. */
  room: string;
  /** The subscriber's number within the scenario; targets that sign in map it to a bench user. */
  index: number;
  /** Called with each chat line's text as it arrives. */
  onLine(text: string): void;
  /** Long poll: called once per reply that carried lines, to report lines per reply. */
  onReply?(): void;
  /** The connection failed or closed without `close()`; the target may reconnect by itself. */
  onError(err: Error): void;
}

export interface Subscriber {
  /** Stops reading from the socket without closing it (slow-reader scenarios). */
  pause(): void;
  /** Drops the connection and opens it again, resuming where it left off where the protocol can. */
  reconnect(): Promise<void>;
  close(): void;
}

export interface Target {
  readonly name: string;
  /** Resolves once the subscriber will see every line published after. */
  subscribe(o: SubscribeOptions): Promise<Subscriber>;
  /** A function that publishes one line to the room. */
  publisher(url: string, room: string, localAddress: string): Promise<(text: string) => Promise<void>>;
}

/** A peer server started for a run. */
export interface RunningPeer {
  readonly name: string;
  readonly url: string;
  /** Every process serving, for CPU and RSS. */
  pids(): number[];
  stop(): Promise<void>;
}
