import type { Agent } from 'node:http';
import { agentFor, call, callJson } from '../../http.js';
import type { SubscribeOptions, Subscriber, Target } from '../target.js';
import { LongPollSubscriber } from './longpoll.js';
import type { LingrSession } from './session.js';
import { apiAgent } from './session.js';

/** API 1.0's long poll over our server: the seed's own benchmark, as its clients spoke in 2007. */
export const V1_LONGPOLL = 'lingr-v1-longpoll';
/**
 * The same, each subscriber entering under a nickname as chat clients did: every enter is a line that
 * answers every observe already held with the whole occupant list.
 */
export const V1_LONGPOLL_NAMED = 'lingr-v1-longpoll-named';

/** v1 requires an api_key and accepts any (spec 2.7); this is the documentation's example. */
const API_KEY = '0123456789abcdef0123456789abcdef';

/** Anonymous nicknames must not pass for a registered user's name, and the bench users are u0, u1, ... */
const V1_SPEAKER = 'v1-speaker';

/** One v1 session entered in one room: its own ticket, and the counter to observe from. */
export interface V1Occupancy extends LingrSession {
  ticket: string;
}

/** A v1 reply in JSON (`format=json`): status only when nothing happened (spec 7.6). */
export interface V1Reply {
  status: string;
  counter?: number;
  messages?: Array<{ type: string; text: string }>;
  error?: { code: number; message: string };
}

/**
 * The lines of a v1 observe reply, its counter (none when nothing happened) and whether it was ok: only
 * `user` lines count; enter, leave and nickname lines are the room's own chatter.
 */
export function readV1Observe(reply: V1Reply): { ok: boolean; counter: number | undefined; lines: string[] } {
  const lines: string[] = [];
  for (const m of reply.messages ?? []) if (m.type === 'user') lines.push(m.text);
  return { ok: reply.status === 'ok', counter: reply.counter, lines };
}

/**
 * A fresh anonymous v1 session entered in `room` (spec 7.2 session.create, room.enter), under `nickname`,
 * or as a silent observer without one.
 */
export async function enterV1(
  agent: Agent,
  url: string,
  room: string,
  nickname?: string,
): Promise<V1Occupancy> {
  const created = await callJson(agent, url, '/api/session/create', {
    api_key: API_KEY,
    client_type: 'automaton',
    format: 'json',
  });
  const session = created.session as string;
  const entered = await callJson(agent, url, '/api/room/enter', {
    session,
    id: room,
    ...(nickname === undefined ? {} : { nickname }),
    format: 'json',
  });
  const counter = Number((entered.room as { counter: number | string }).counter);
  if (!Number.isInteger(counter))
    throw new Error(`room/enter: no room counter in ${JSON.stringify(entered)}`);
  return { id: session, ticket: entered.ticket as string, counter };
}

/** `room/observe` again and again with the previous reply's counter, each subscriber on its own ticket. */
export class V1LongPollSubscriber extends LongPollSubscriber {
  constructor(
    o: SubscribeOptions,
    private readonly occupancy: V1Occupancy,
  ) {
    super(o, occupancy);
  }

  protected override observeUrl(): string {
    const q = new URLSearchParams({
      session: this.occupancy.id,
      ticket: this.occupancy.ticket,
      counter: String(this.counter),
      format: 'json',
    });
    return `${this.o.url}/api/room/observe?${q.toString()}`;
  }

  protected override take(body: string): boolean {
    const reply = JSON.parse(body) as V1Reply;
    const { ok, counter, lines } = readV1Observe(reply);
    if (!ok) {
      this.failed(new Error(`room/observe: ${body.slice(0, 200)}`));
      return false;
    }
    this.advance(counter);
    for (const line of lines) this.o.onLine(line);
    if (reply.messages?.length) this.o.onReply?.();
    return true;
  }
}

/**
 * Each subscriber is an anonymous v1 session of its own entered as a silent observer; the speaker is a v1 occupant
 * who says every line with v1 `room/say`, so a line goes in and comes out through API 1.0 alone.
 */
export function v1LongPollTarget(named = false): Target {
  return {
    name: named ? V1_LONGPOLL_NAMED : V1_LONGPOLL,
    async subscribe(o: SubscribeOptions): Promise<Subscriber> {
      // Observers without a nickname enter silently (spec 7.5). With one, every enter of the ramp answers
      // every observe already held with the whole occupant list: 300 enters, 45,000 such replies.
      const nickname = named ? `reader-${o.index}` : undefined;
      const occupancy = await enterV1(apiAgent(o.localAddress), o.url, o.room, nickname);
      const subscriber = new V1LongPollSubscriber(o, occupancy);
      await subscriber.start();
      return subscriber;
    },
    async publisher(url: string, room: string, localAddress: string) {
      const agent = agentFor(localAddress);
      let speaker = await enterV1(agent, url, room, V1_SPEAKER);
      return async (text: string) => {
        for (let attempt = 1; ; attempt++) {
          const params = { session: speaker.id, ticket: speaker.ticket, message: text, format: 'json' };
          const r = await call(agent, url, '/api/room/say', params, 'POST');
          if (r.status !== 200) throw new Error(`HTTP ${r.status} on /api/room/say`);
          const reply = JSON.parse(r.body) as V1Reply;
          if (reply.status === 'ok') return;
          // The speaker never observes, so past two minutes its ticket lapses (109): it enters again.
          if (attempt > 1 || reply.error?.code !== 109)
            throw new Error(`/api/room/say: ${r.body.slice(0, 200)}`);
          speaker = await enterV1(agent, url, room, V1_SPEAKER);
        }
      };
    },
  };
}
