/**
 * Peer: Faye 1.4's NodeAdapter (Bayeux) mounted at `/faye` on a plain http server, in-memory
 * engine. Subscribers use channels `/rooms/ROOM`; publishers either publish as Faye clients or
 * POST the Bayeux message as JSON to `/faye`, which Faye accepts without a handshake.
 *
 * One process, one thread: Faye's single-node setup (it scales out only through Redis).
 */
import { createServer } from 'node:http';
import faye from 'faye';
import { listenAndAnnounce } from './server-args.js';

const server = createServer((_req, res) => res.writeHead(404).end());
const bayeux = new faye.NodeAdapter({ mount: '/faye', timeout: 45 });
bayeux.attach(server);

listenAndAnnounce('faye', server);
