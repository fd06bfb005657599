import { agentFor, callJson } from '../../http.js';
import { SPEAKER } from '../../users.js';
import type { LingrTargetOptions } from '../protocol.js';
import type { SubscribeOptions, Subscriber, Target } from '../target.js';
import { IRC, ircTarget } from './irc.js';
import { LongPollSubscriber } from './longpoll.js';
import type { ResumingSubscriber } from './resuming.js';
import { Sessions, type LingrSession } from './session.js';
import { SseSubscriber } from './sse.js';
import { V1_LONGPOLL, V1_LONGPOLL_NAMED, v1LongPollTarget } from './v1-longpoll.js';
import { WsSubscriber } from './ws.js';

type Make = (o: SubscribeOptions, s: LingrSession) => ResumingSubscriber;

const TRANSPORTS: Record<string, Make> = {
  'lingr-longpoll': (o, s) => new LongPollSubscriber(o, s),
  'lingr-sse': (o, s) => new SseSubscriber(o, s),
  'lingr-ws': (o, s) => new WsSubscriber(o, s),
};
const MIXED = Object.values(TRANSPORTS);

/**
 * Our server as three nodes on one PostgreSQL and one Redis (`bench/nodes.ts`), over each transport:
 * `lingr-nodes-T` spreads subscribers round-robin over the nodes' own URLs, `lingr-nodes-nginx-T` sends
 * every client through nginx (deploy/nginx.conf) in front of them. Run by name only: `--target lingr` and
 * `all` leave them out, so the usual sittings stay as long as they were.
 */
export const NODES_TARGETS = Object.keys(TRANSPORTS).flatMap((t) => {
  const transport = t.slice('lingr-'.length);
  return [`lingr-nodes-${transport}`, `lingr-nodes-nginx-${transport}`];
});

/**
 * Our server over each transport; `lingr-mixed` spreads subscribers over all three in turn. API 1.0's long
 * poll (`lingr-v1-longpoll`) and IRC (`lingr-irc`) run by name only, like the nodes.
 */
export const LINGR_TARGETS = [
  ...Object.keys(TRANSPORTS),
  'lingr-mixed',
  ...NODES_TARGETS,
  V1_LONGPOLL,
  V1_LONGPOLL_NAMED,
  IRC,
];

export const isLingrTarget = (name: string): boolean => LINGR_TARGETS.includes(name);

export const isNodesTarget = (name: string): boolean => NODES_TARGETS.includes(name);

/** Whether the target's subscribers speak IRC (the server must then listen with `--irc-port`). */
export const isIrcTarget = (name: string): boolean => name === IRC;

/** Whether a nodes target puts nginx in front of the nodes. */
export const throughNginx = (name: string): boolean => name.startsWith('lingr-nodes-nginx-');

/** The one-node target on the same transport (`lingr-nodes-nginx-ws` → `lingr-ws`); itself otherwise. */
export const singleNodeOf = (name: string): string => name.replace(/^lingr-nodes-(nginx-)?/, 'lingr-');

/**
 * The target of ours another of ours is measured against: one node on the same transport for several
 * nodes, API 2.0's long poll for API 1.0's, WebSocket for IRC (both hold one socket per client and are
 * written to as lines come); undefined for the others.
 */
export function baselineOf(name: string): string | undefined {
  if (isNodesTarget(name)) return singleNodeOf(name);
  if (name === V1_LONGPOLL || name === V1_LONGPOLL_NAMED) return 'lingr-longpoll';
  return isIrcTarget(name) ? 'lingr-ws' : undefined;
}

/** API 2.0's speaker, shared by our targets: the bench speaker signed in, saying each line with room/say. */
function apiPublisher(options: LingrTargetOptions): Target['publisher'] {
  return async (url, room, localAddress) => {
    const agent = agentFor(localAddress);
    const created = await callJson(agent, url, '/api/session/create', {
      user: SPEAKER,
      password: options.password,
    });
    const session = created.session as string;
    return async (text: string) => {
      await callJson(agent, url, '/api/room/say', { session, room, text }, 'POST');
    };
  };
}

export function lingrTarget(name: string, options: LingrTargetOptions): Target {
  if (name === V1_LONGPOLL || name === V1_LONGPOLL_NAMED) return v1LongPollTarget(name === V1_LONGPOLL_NAMED);
  if (isIrcTarget(name)) return ircTarget(options, apiPublisher(options));
  const transport = singleNodeOf(name);
  const make: (index: number) => Make | undefined =
    name === 'lingr-mixed' ? (i) => MIXED[i % MIXED.length] : () => TRANSPORTS[transport];
  if (!make(0)) throw new Error(`unknown target ${name}`);
  const sessions = new Sessions(options);
  return {
    name,
    async subscribe(o: SubscribeOptions): Promise<Subscriber> {
      const session = await sessions.get(o.url, o.room, o.index, o.localAddress);
      const subscriber = (make(o.index) as Make)(o, session);
      await subscriber.start();
      return subscriber;
    },
    publisher: apiPublisher(options),
  };
}
