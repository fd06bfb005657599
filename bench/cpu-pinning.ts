import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/**
 * Which cores the server under test and the load generators may use. Every target (ours and each peer)
 * gets the same split, so their CPU figures are taken under the same conditions: on two cores the server
 * runs on core 1 and the load (this process and every process it forks) on core 0.
 */
export interface CpuPinning {
  /** A `taskset -c` list (e.g. "1" or "2-3"), or undefined when not pinned. */
  server: string | undefined;
  load: string | undefined;
}

let pinning: CpuPinning = { server: undefined, load: undefined };

/** The split used when none is given: the last core for the server, the others for the load. */
export function defaultPinning(cores = availableParallelism()): CpuPinning {
  if (cores < 2 || !tasksetAvailable()) return { server: undefined, load: undefined };
  return { server: String(cores - 1), load: cores === 2 ? '0' : `0-${cores - 2}` };
}

const LIST = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

/** Reads `--server-cpus` / `--load-cpus` ("none" turns pinning off). */
export function pinningFrom(server: string | undefined, load: string | undefined): CpuPinning {
  const base = defaultPinning();
  const pick = (name: string, value: string | undefined, fallback: string | undefined) => {
    if (value === undefined) return fallback;
    if (value === 'none') return undefined;
    if (!LIST.test(value))
      throw new Error(`--${name} takes a core list such as 1 or 0-2, or none; not "${value}"`);
    return value;
  };
  return { server: pick('server-cpus', server, base.server), load: pick('load-cpus', load, base.load) };
}

export function tasksetAvailable(): boolean {
  return spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Pins this process (all its threads) and, through inheritance, every process it forks later. */
export function usePinning(p: CpuPinning): void {
  pinning = p;
  if (p.load === undefined) return;
  const r = spawnSync('taskset', ['-a', '-p', '-c', p.load, String(process.pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset could not pin the load to cores ${p.load}: ${r.stderr}`);
}

export const currentPinning = (): CpuPinning => pinning;

/** The command that runs a server on the server's cores: taskset execs it, so the pid stays the server's. */
export function onServerCores(command: string, args: readonly string[]): [string, string[]] {
  return pinning.server === undefined
    ? [command, [...args]]
    : ['taskset', ['-c', pinning.server, command, ...args]];
}

export const describePinning = (p: CpuPinning): string =>
  p.server === undefined ? 'not pinned' : `server on core ${p.server}, load on core ${p.load ?? 'any'}`;
