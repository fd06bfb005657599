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

  userOf(index: number): string {
    return benchUser(this.options.firstUser + (index % Math.max(1, this.options.users)));
  }

  get(url: string, room: string, index: number, localAddress: string): Promise<LingrSession> {
    const user = this.userOf(index);
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
