import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

/**
 * The command line every Node peer server takes: `--port N` (0 picks a free port) and `--host H`
 * (127.0.0.1 by default). Peer servers change no resource limits: each process holds at most
 * what the machine's hard limit on open files allows.
 */
export function listenArgs(): { port: number; host: string } {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
  });
  return { port: Number(values.port), host: values.host };
}

/** Every server measured keeps idle connections as long as ours does (nginx's is set to the same). */
export const KEEP_ALIVE_MS = 65_000;

/**
 * Listens, then prints `{"peer":NAME,"port":N}` as one line on stdout for the parent to read. Idle
 * connections are kept 65 s, not Node's 5 s: a publisher's socket closed under it is a failed say.
 */
export function listenAndAnnounce(name: string, server: Server): void {
  const { port, host } = listenArgs();
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1000;
  server.listen(port, host, () => {
    const address = server.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify({ peer: name, port: address.port })}\n`);
  });
}
