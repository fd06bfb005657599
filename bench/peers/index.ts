/**
 * The peers measured beside us. Each has a server started as its own process(es) by `startPeer`
 * and a Target the load generator drives exactly like ours:
 *
 * - `ws`: a bare `ws` broadcast server (ws-server.ts, ws.ts).
 * - `socketio`: Socket.IO 4.8, websocket transport (socketio-server.ts, socketio.ts).
 * - `faye`: Faye 1.4's Bayeux server, websocket transport (faye-server.ts, faye-client.ts; faye.d.ts types Faye).
 * - `nchan-ws` (`ws+meta.nchan`), `nchan-ws-plain` (no subprotocol), `nchan-longpoll`: nginx + Nchan
 *   (nchan.conf, nchan.ts), one server for all three.
 *
 * Targets are imported only when asked for, so a run loads no client it does not use.
 */
import { fileURLToPath } from 'node:url';
import type { RunningPeer, Target } from '../load/target.js';
import { nchanAvailable, startNchan } from './nchan.js';
import { startNodePeer } from './node-peer.js';

export type PeerName = 'ws' | 'socketio' | 'faye' | 'nchan-ws' | 'nchan-ws-plain' | 'nchan-longpoll';

export const peerNames: readonly PeerName[] = [
  'ws',
  'socketio',
  'faye',
  'nchan-ws',
  'nchan-ws-plain',
  'nchan-longpoll',
];

/** The peers measured beside us, by name. */
export const peerTargets: Record<string, () => Promise<Target>> = {
  ws: async () => (await import('./ws.js')).wsTarget,
  socketio: async () => (await import('./socketio.js')).socketioTarget,
  faye: async () => (await import('./faye-client.js')).fayeTarget,
  'nchan-ws': async () => (await import('./nchan.js')).nchanWsTarget,
  'nchan-ws-plain': async () => (await import('./nchan.js')).nchanWsPlainTarget,
  'nchan-longpoll': async () => (await import('./nchan.js')).nchanLongpollTarget,
};

const nodeServers: Record<string, string> = {
  ws: './ws-server.js',
  socketio: './socketio-server.js',
  faye: './faye-server.js',
};

/** The server a peer target runs against: the three Nchan targets share `nchan`. */
export function peerServer(name: string): 'ws' | 'socketio' | 'faye' | 'nchan' | undefined {
  if (name === 'nchan' || name.startsWith('nchan-')) return 'nchan';
  if (name === 'ws' || name === 'socketio' || name === 'faye') return name;
  return undefined;
}

/** Whether this machine can run the peer: Node peers always; nchan needs nginx and its module. */
export function peerAvailable(name: string): boolean {
  const server = peerServer(name);
  if (server === 'nchan') return nchanAvailable();
  return server !== undefined;
}

/**
 * Starts the server for a peer, by target name or server name (`nchan`). `workers` sets nginx's worker
 * processes (as many as ours has); the Node peers are single-process by design.
 */
export function startPeer(name: string, workers = 1): Promise<RunningPeer> {
  const server = peerServer(name);
  if (server === undefined) return Promise.reject(new Error(`unknown peer ${name}`));
  if (server === 'nchan') return startNchan(workers);
  const file = fileURLToPath(new URL(nodeServers[server]!, import.meta.url));
  return startNodePeer(server, file);
}
