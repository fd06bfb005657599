import type { RunningPeer, Target } from '../load/target.js';

/** The peers measured beside us, by name. */
export const peerTargets: Record<string, () => Promise<Target>> = {};

export function startPeer(name: string): Promise<RunningPeer> {
  return Promise.reject(new Error(`unknown peer ${name}`));
}
