import type { AddressInfo, Server } from 'node:net';
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

/** Listens, then prints `{"peer":NAME,"port":N}` as one line on stdout for the parent to read. */
export function listenAndAnnounce(name: string, server: Server): void {
  const { port, host } = listenArgs();
  server.listen(port, host, () => {
    const address = server.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify({ peer: name, port: address.port })}\n`);
  });
}
