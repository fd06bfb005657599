import { isLingrTarget, lingrTarget } from './lingr/index.js';
import type { LingrTargetOptions } from './protocol.js';
import type { Target } from './target.js';

/** A target by name: ours, or a peer's (loaded only when asked for, with whatever client it needs). */
export async function resolveTarget(name: string, options: LingrTargetOptions): Promise<Target> {
  if (isLingrTarget(name)) return lingrTarget(name, options);
  const { peerTargets } = await import('../peers/index.js');
  const make = peerTargets[name];
  if (!make) throw new Error(`unknown target ${name}`);
  return make();
}
