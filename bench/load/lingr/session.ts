import type { Agent } from 'node:http';
import { agentFor, callJson } from '../../http.js';
import { benchUser } from '../../users.js';
import type { LingrTargetOptions } from '../protocol.js';

/** A signed-in bench user subscribed to one room, shared by many subscribers. */
export interface LingrSession {
  id: string;
  /** The newest counter any of its subscribers has seen: where a new subscriber starts. */
  counter: number;
}

const agents = new Map<string, Agent>();

/** The bench user subscriber `index` signs in as: many subscribers share a user when there are fewer. */
export const benchUserOf = (options: LingrTargetOptions, index: number): string =>
  benchUser(options.firstUser + (index % Math.max(1, options.users)));

/** One keep-alive agent per source address for API calls and long polls. */
export function apiAgent(localAddress: string): Agent {
  let agent = agents.get(localAddress);
  if (!agent) agents.set(localAddress, (agent = agentFor(localAddress)));
  return agent;
}

/**
 * Sessions by user and room, created once per process. Subscribers of one session start from the newest
 * counter their siblings saw, so a late subscriber does not replay the room's whole history.
 */
export class Sessions {
  private readonly byKey = new Map<string, Promise<LingrSession>>();

  constructor(private readonly options: LingrTargetOptions) {}

  get(url: string, room: string, index: number, localAddress: string): Promise<LingrSession> {
    const user = benchUserOf(this.options, index);
    const key = `${url} ${room} ${user}`;
    let session = this.byKey.get(key);
    if (!session) {
      session = this.create(url, room, user, apiAgent(localAddress));
      this.byKey.set(key, session);
      // A failed sign-in is tried again by the next subscriber of that user.
      session.catch(() => this.byKey.delete(key));
    }
    return session;
  }

  private async create(url: string, room: string, user: string, agent: Agent): Promise<LingrSession> {
    const created = await callJson(agent, url, '/api/session/create', {
      user,
      password: this.options.password,
    });
    const id = created.session as string;
    const { counter } = await callJson(agent, url, '/api/room/subscribe', { session: id, room });
    return { id, counter: counter as number };
  }
}
