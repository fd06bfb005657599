import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../scripts/databases.js';
import { onServerCores } from './cpu-pinning.js';
import { runNginx } from './nginx-process.js';
import { nginxBinary } from './peers/nchan.js';

/**
 * A private nginx in front of several Lingr nodes, from deploy/nginx.conf as shipped, with only what a
 * benchmark on one machine must change: the nodes' addresses, a free loopback port, temp paths under a
 * fresh prefix, no access log, and room for every connection.
 */

/** The build compiles only TypeScript: the file is read from the source tree. */
const DEPLOY_CONF = fileURLToPath(new URL('../../deploy/nginx.conf', import.meta.url));

/** Within the 20,000 open files every process here may hold (the hard limit; nothing is raised). */
const WORKER_FILES = 19_000;

export interface NginxFront {
  url: string;
  port: number;
  /** The master and its workers. */
  pids(): number[];
  stop(): Promise<void>;
}

/** Replaces `pattern` (which must match exactly `times` times) in `text`. */
function substitute(text: string, pattern: RegExp, replace: (n: number) => string, times: number): string {
  let n = 0;
  const out = text.replace(pattern, () => replace(n++));
  if (n !== times) throw new Error(`deploy/nginx.conf: ${pattern} matched ${n} times, not ${times}`);
  return out;
}

/**
 * deploy/nginx.conf inside the main context it expects. Its upstream names three servers: `upstreams`
 * must be three. Every client costs nginx two connections (its own and the node's): 10,000 WebSocket
 * clients need two workers here, and `reuseport` lets the kernel share connections between them evenly.
 * The access log is off, as the nodes log no request at the level they run at.
 */
export function frontConfig(
  upstreams: readonly string[],
  port: number,
  prefix: string,
  workers: number,
): string {
  let site = readFileSync(DEPLOY_CONF, 'utf8');
  site = substitute(
    site,
    /^[ \t]*server 127\.0\.0\.1:808[123]\b/gm,
    (i) => `  server ${upstreams[i] as string}`,
    upstreams.length,
  );
  site = substitute(site, /^[ \t]*listen 80;$/gm, () => `  listen 127.0.0.1:${port} reuseport;`, 1);
  site = substitute(
    site,
    /^[ \t]*access_log \/var\/log\/nginx\/lingr\.access\.log lingr;$/gm,
    () => '  access_log off;',
    1,
  );
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `  ${kind}_temp_path ${join(prefix, kind)};`)
    .join('\n');
  return [
    'daemon off;',
    'master_process on;',
    `worker_processes ${workers};`,
    `worker_rlimit_nofile ${WORKER_FILES};`,
    `pid ${join(prefix, 'nginx.pid')};`,
    `error_log ${join(prefix, 'error.log')} warn;`,
    `events {\n  worker_connections ${WORKER_FILES};\n}`,
    `http {\n${temp}\n${site}\n}`,
    '',
  ].join('\n');
}

/**
 * Starts nginx on a free loopback port, on the server's cores. nginx cannot report a port it picked, so
 * one is chosen here first; if another process takes it in between, a fresh one is tried.
 */
export async function startNginxFront(upstreams: readonly string[], workers: number): Promise<NginxFront> {
  const nginx = nginxBinary();
  if (!nginx) throw new Error('nginx is not installed');
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(nginx, upstreams, await freePort(), workers);
    } catch (err) {
      if (attempt === 3 || !String(err).includes('in use')) throw err;
    }
  }
}

async function startOn(
  nginx: string,
  upstreams: readonly string[],
  port: number,
  workers: number,
): Promise<NginxFront> {
  const prefix = mkdtempSync(join(tmpdir(), 'lingr-bench-nginx-'));
  // Started as root, nginx's workers run as an unprivileged user: let them reach their temp dirs.
  chmodSync(prefix, 0o755);
  const conf = join(prefix, 'nginx.conf');
  const errorLog = join(prefix, 'error.log');
  writeFileSync(conf, frontConfig(upstreams, port, prefix, workers));
  const [command, args] = onServerCores(nginx, ['-p', `${prefix}/`, '-e', errorLog, '-c', conf]);
  const url = `http://127.0.0.1:${port}`;
  // Up once a node answers through it (on loopback the node's /healthz says ok to anyone).
  const { pids, stop } = await runNginx({
    command,
    args,
    prefix,
    errorLog,
    name: 'nginx',
    port,
    ready: () =>
      fetch(`${url}/healthz`).then(
        (res) => res.status === 200,
        () => false,
      ),
  });
  return { url, port, pids, stop };
}
