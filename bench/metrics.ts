import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';

/** Sum of every series of one metric in Prometheus text (all label sets). */
export function metricValue(text: string, name: string): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const value = Number(rest.slice(rest.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}

const hexPort = (port: number): string => port.toString(16).toUpperCase().padStart(4, '0');

/** The socket inode of the server's end of our connection from 127.0.0.1:`clientPort`. */
function serverInode(serverPort: number, clientPort: number): string | undefined {
  const local = `0100007F:${hexPort(serverPort)}`;
  const remote = `0100007F:${hexPort(clientPort)}`;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local && f[2] === remote) return f[9];
  }
  return undefined;
}

/** Which of `pids` holds the socket `inode`. */
function ownerOf(inode: string, pids: readonly number[]): number | undefined {
  const link = `socket:[${inode}]`;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === link) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

/** One scrape on a fresh connection, and the server process that answered it. */
function scrape(url: string, pids: readonly number[]): Promise<{ pid: number | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(url);
    const req = get(
      `${url}/metrics`,
      { localAddress: '127.0.0.1', timeout: 10_000 },
      (res: IncomingMessage) => {
        // Ask while the connection is open: the server's end is gone once it closes.
        const inode = serverInode(Number(port), req.socket?.localPort ?? 0);
        const pid = inode === undefined ? undefined : ownerOf(inode, pids);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ pid, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('metrics timed out')));
    req.on('error', reject);
  });
}

/**
 * One metric summed over every server process. Each scrape is answered by whichever worker accepts the
 * connection, so scrape on fresh connections until each worker was seen, telling them apart by which
 * process holds the server's end of the connection.
 */
export async function metricAcrossWorkers(
  url: string,
  name: string,
  workers: number,
  pids: () => number[],
): Promise<number | undefined> {
  if (workers <= 1) return metricValue((await scrape(url, [])).text, name);
  const byProcess = new Map<number, number>();
  const all = pids();
  // Bounded: workers take connections in turn, so a few rounds see each of them.
  for (let i = 0; i < workers * 10 && byProcess.size < workers; i++) {
    const { pid, text } = await scrape(url, all);
    const value = metricValue(text, name);
    if (value === undefined) return undefined;
    if (pid !== undefined) byProcess.set(pid, value);
  }
  return byProcess.size < workers ? undefined : [...byProcess.values()].reduce((a, b) => a + b, 0);
}
