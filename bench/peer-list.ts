import * as peers from './peers/index.js';

/** Every peer we know of, whether or not it is installed here. */
export const PEERS = ['ws', 'socketio', 'faye', 'nchan-ws', 'nchan-ws-plain', 'nchan-longpoll'];

/** Peers that speak long poll rather than a persistent socket. */
export const LONG_POLL_PEERS = ['nchan-longpoll'];

/**
 * Whether a peer can run on this machine. The peers module may export `peerAvailable(name)`; without it a
 * peer is available when it has a target.
 */
export async function peerAvailable(name: string): Promise<boolean> {
  const mod: Record<string, unknown> = { ...peers };
  const check = mod.peerAvailable;
  if (!(name in peers.peerTargets)) return false;
  if (typeof check !== 'function') return true;
  try {
    return Boolean(await (check as (n: string) => unknown)(name));
  } catch {
    return false;
  }
}

/** Known peers plus any the peers module adds, available ones only. */
export async function availablePeers(): Promise<string[]> {
  const names = [...new Set([...PEERS, ...Object.keys(peers.peerTargets)])];
  const ok = await Promise.all(names.map((n) => peerAvailable(n)));
  return names.filter((_, i) => ok[i]);
}
