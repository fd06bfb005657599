import type { ChatEvent } from '../core/model.js';

/** One room this connection has joined as a channel. */
export interface Channel {
  /** The room's id as stored (the channel is `#` and it). */
  id: string;
  /** Its join burst went out; until then its events wait in `pending`. */
  ready: boolean;
  /** Events up to this counter came before the burst (or are in its backlog). */
  from: number;
  pending: ChatEvent[];
  /** Lines of the backlog, which the stream may bring again. */
  seen: Set<number>;
  /** Nicks in the client's nick list. */
  shown: Set<string>;
}

/**
 * The channels of one connection, by name as IRC compares them (CASEMAPPING=ascii): `#Vim` is `#vim`.
 */
export class Channels {
  private readonly byKey = new Map<string, Channel>();

  get size(): number {
    return this.byKey.size;
  }

  values(): IterableIterator<Channel> {
    return this.byKey.values();
  }

  get(roomId: string): Channel | undefined {
    return this.byKey.get(roomId.toLowerCase());
  }

  /** A channel being joined: its events wait until `ready`. */
  open(roomId: string): Channel {
    const channel: Channel = {
      id: roomId,
      ready: false,
      from: Number.MAX_SAFE_INTEGER,
      pending: [],
      seen: new Set(),
      shown: new Set(),
    };
    this.byKey.set(roomId.toLowerCase(), channel);
    return channel;
  }

  remove(roomId: string): void {
    this.byKey.delete(roomId.toLowerCase());
  }
}

/** The room id a channel name names, or undefined when it cannot name one (`#` and 1-40 letters, digits, `_`). */
export function roomIdOf(channel: string): string | undefined {
  const m = /^#([A-Za-z0-9_]{1,40})$/.exec(channel);
  return m ? m[1] : undefined;
}
