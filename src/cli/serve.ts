import cluster from 'node:cluster';
import { Socket } from 'node:net';
import { loadSettings, settingsHelp, type Settings } from '../config/settings.js';
import { WorkerBus } from '../bus/cluster-worker-bus.js';
import { isToWorker, type ToPrimary } from '../bus/cluster-protocol.js';
import { runPrimary, WORKER_PORT_ENV, WORKER_SLOT_ENV } from '../cluster.js';
import { createLogger } from '../log.js';
import { startServer } from '../main.js';
import { claimDataDir } from '../storage/sqlite/in-use.js';
import { givenSettings, settingsOptions, yesFlags } from './arguments.js';
import { parse, UsageError } from './output.js';

/** One process serves; with `--workers N` the primary supervises N workers, each a full server. */
async function startRole(
  settings: Settings,
  log: ReturnType<typeof createLogger>,
): Promise<{ close(): Promise<void> }> {
  if (cluster.isWorker) {
    // If the primary is gone the send fails; 'disconnect' below stops this worker.
    const send = (m: ToPrimary) => process.send?.(m, undefined, undefined, () => undefined);
    const bus = new WorkerBus(send);
    let accept: (socket: Socket, listener: number) => void = (socket) => socket.destroy();
    process.on('message', (m: unknown, handle: unknown) => {
      if (isToWorker(m) && m.lingr === 'connection' && handle instanceof Socket) {
        accept(handle, m.listener);
        send({ lingr: 'accepted', id: m.id });
      } else bus.receive(m);
    });
    const slot = Number(process.env[WORKER_SLOT_ENV] ?? 0);
    const server = await startServer(settings, log.child({ worker: slot }), {
      bus,
      slot,
      port: Number(process.env[WORKER_PORT_ENV] ?? 0),
      takeConnections: (take) => (accept = take),
      ready: () => send({ lingr: 'ready' }),
    });
    // The primary went away: nobody relays the bus any more, so stop rather than serve stale.
    process.on('disconnect', () => void server.close().then(() => process.exit(0)));
    return server;
  }
  if (settings.workers > 1) return runPrimary(settings, log);
  return startServer(settings, log);
}

/** `lingr serve`: runs until a signal stops it. */
export async function serve(args: string[]): Promise<void> {
  const options = settingsOptions({ help: { type: 'boolean', short: 'h' } });
  const { values, positionals } = parse(yesFlags(args), options, 'serve');
  if (values.help) {
    process.stdout.write(
      `Usage: lingr serve [options]\nEach option also reads its environment variable.\n\n${settingsHelp()}\n\n` +
        'Example:\n  lingr serve --port 8080 --data /var/lib/lingr\n',
    );
    return;
  }
  if (positionals.length > 0)
    throw new UsageError(`serve takes no arguments, got "${positionals.join(' ')}".`, 'serve');
  const settings = loadSettings(givenSettings(values));
  // Marks the data directory as served until this process ends, so `lingr restore` will not replace it.
  if (!settings.databaseUrl && cluster.isPrimary) claimDataDir(settings.dataDir);
  // A person at a terminal reads lines; a service manager (no terminal) keeps JSON lines for its journal.
  const pretty = settings.logFormat === 'pretty' || (settings.logFormat === 'auto' && process.stdout.isTTY);
  const log = createLogger(settings.logLevel, undefined, pretty ? 'pretty' : 'json');
  const server = await startRole(settings, log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
