import { spawn } from 'node:child_process';
import { onServerCores } from '../cpu-pinning.js';
import { createInterface } from 'node:readline';
import type { RunningPeer } from '../load/target.js';

/**
 * Runs a compiled Node peer server (`file`) as its own process on a free port of 127.0.0.1 and
 * resolves once it has printed its port. One process each: these servers are single-threaded by
 * design, as their projects ship them.
 */
export function startNodePeer(name: string, file: string, timeoutMs = 20_000): Promise<RunningPeer> {
  const [command, args] = onServerCores(process.execPath, [file, '--port', '0', '--host', '127.0.0.1']);
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid as number;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 10_000) stderr = stderr.slice(-10_000);
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async () => {
    if (!exited) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`peer ${name} did not start within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`peer ${name} exited early: ${stderr}`));
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let port: unknown;
      try {
        port = (JSON.parse(line) as { port?: unknown }).port;
      } catch {
        return;
      }
      if (typeof port !== 'number') return;
      clearTimeout(timer);
      lines.close();
      child.stdout?.resume();
      resolve({
        name,
        url: `http://127.0.0.1:${port}`,
        pids: () => (exited ? [] : [pid]),
        stop,
      });
    });
  });
}
