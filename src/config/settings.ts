import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { EngineSettings } from '../engine/settings.js';
import { invalidAddresses } from './address-list.js';

/** Everything the server is configured with, validated once at start and then frozen. */
export interface Settings {
  host: string;
  port: number;
  /** Optional second port serving the same paths (spec 2.1); 0 = off. */
  secondPort: number;
  dataDir: string;
  /** PostgreSQL as the store (several nodes share it); undefined: SQLite in `dataDir`. */
  databaseUrl: string | undefined;
  /** Redis as the bus between nodes; undefined: this machine's processes only. */
  redisUrl: string | undefined;
  /** Host names besides lingr.com and www.lingr.com accepted in absolute-form targets. */
  hostnames: string[];
  logLevel: string;
  logFormat: 'auto' | 'json' | 'pretty';
  bodyLimit: number;
  synchronous: 'NORMAL' | 'FULL';
  shutdownGraceMs: number;
  /** Time for a request's headers, and for the whole request, to arrive (slow clients are closed). */
  headerTimeoutMs: number;
  requestTimeoutMs: number;
  /** Server processes sharing the port (node:cluster); 1 = this process serves alone. */
  workers: number;
  streamHeartbeatMs: number;
  outboxLimit: number;
  allowedOrigins: string[];
  /** Who may read /metrics and the details of /healthz (addresses and networks). */
  metricsAllow: string[];
  /** Proxies whose `X-Forwarded-For` is believed (addresses or networks). */
  trustProxy: string[];
  /** Bots' callbacks may reach loopback and private addresses (off: they are refused when connecting). */
  allowPrivateCallbacks: boolean;
  /** How long a bot has to answer a webhook (spec 6.2: 20 s). */
  botTimeoutMs: number;
  /** The IRC port (0 picks one); undefined: no IRC. */
  ircPort: number | undefined;
  /** PEM files for IRC over TLS on the IRC port; undefined: plain text. */
  ircTls: { certFile: string; keyFile: string } | undefined;
  /** Idle IRC clients are PINGed this often, and closed when no PONG comes by the next time. */
  ircPingMs: number;
  /** False when --public-url was not given: the server then names the address it really listens on. */
  publicUrlGiven: boolean;
  engine: EngineSettings;
}

type Kind = 'int' | 'string' | 'list' | 'seconds' | 'bool';

interface Option {
  flag: string;
  env: string;
  kind: Kind;
  default: string;
  why: string;
  min?: number;
  max?: number;
}

const MINUTE = 60;

/** The settings table: one line of reason per limit; `lingr serve --help` prints it. */
export const OPTIONS = {
  host: {
    flag: 'host',
    env: 'LINGR_HOST',
    kind: 'string',
    default: '127.0.0.1',
    why: 'address to listen on; 0.0.0.0 to serve other machines',
  },
  port: {
    flag: 'port',
    env: 'LINGR_PORT',
    kind: 'int',
    default: '8080',
    min: 0,
    max: 65535,
    why: 'the port API 2.0 clients expect (lingr.com:8080)',
  },
  secondPort: {
    flag: 'second-port',
    env: 'LINGR_SECOND_PORT',
    kind: 'int',
    default: '0',
    min: 0,
    max: 65535,
    why: 'also serve every path here, for clients split between :80 and :8080 (0 = off)',
  },
  data: {
    flag: 'data',
    env: 'LINGR_DATA',
    kind: 'string',
    default: './data',
    why: 'directory of the SQLite file',
  },
  database: {
    flag: 'database',
    env: 'LINGR_DATABASE',
    kind: 'string',
    default: '',
    why: 'postgres://USER:PASS@HOST:PORT/DB: PostgreSQL as the store, shared by several nodes (default: SQLite in --data)',
  },
  redis: {
    flag: 'redis',
    env: 'LINGR_REDIS',
    kind: 'string',
    default: '',
    why: 'redis://HOST:PORT: what several nodes tell each other (default: this machine only)',
  },
  hostnames: {
    flag: 'hostnames',
    env: 'LINGR_HOSTNAMES',
    kind: 'list',
    default: 'localhost,127.0.0.1',
    why: 'our own names, accepted in absolute-form request targets',
  },
  publicUrl: {
    flag: 'public-url',
    env: 'LINGR_PUBLIC_URL',
    kind: 'string',
    default: '',
    why: 'base of absolute URLs in API objects (default http://HOST:PORT)',
  },
  logLevel: {
    flag: 'log-level',
    env: 'LINGR_LOG_LEVEL',
    kind: 'string',
    default: 'info',
    why: 'pino level: trace, debug, info, warn, error, silent',
  },
  logFormat: {
    flag: 'log-format',
    env: 'LINGR_LOG_FORMAT',
    kind: 'string',
    default: 'auto',
    why: 'auto: readable lines on a terminal, JSON lines otherwise (a service manager); or json, pretty',
  },
  bodyLimit: {
    flag: 'body-limit',
    env: 'LINGR_BODY_LIMIT',
    kind: 'int',
    default: String(1024 * 1024),
    min: 1024,
    max: 64 * 1024 * 1024,
    why: 'largest request body in bytes; a 10,000-character line fits many times over',
  },
  fsync: {
    flag: 'fsync',
    env: 'LINGR_FSYNC',
    kind: 'bool',
    default: 'false',
    why: 'fsync every commit: survive power loss, not only a killed process',
  },
  allowPrivateCallbacks: {
    flag: 'allow-private-callbacks',
    env: 'LINGR_ALLOW_PRIVATE_CALLBACKS',
    kind: 'bool',
    default: 'false',
    why: 'let bot callbacks reach loopback and private addresses (a bot on this machine or LAN)',
  },
  botTimeout: {
    flag: 'bot-timeout',
    env: 'LINGR_BOT_TIMEOUT',
    kind: 'seconds',
    default: '20',
    min: 1,
    max: 60,
    why: 'a bot that has not answered its webhook by then is given up on (no retries)',
  },
  observeHold: {
    flag: 'observe-hold',
    env: 'LINGR_OBSERVE_HOLD',
    kind: 'seconds',
    default: '40',
    min: 0.1,
    max: 50,
    why: 'long-poll hold; clients give up at 60 s, so never above 50 s',
  },
  presenceGrace: {
    flag: 'presence-grace',
    env: 'LINGR_PRESENCE_GRACE',
    kind: 'seconds',
    default: String(2 * MINUTE),
    min: 0.1,
    max: 60 * MINUTE,
    why: 'online this long after the last observe, covering gaps between polls',
  },
  sessionIdle: {
    flag: 'session-idle',
    env: 'LINGR_SESSION_IDLE',
    kind: 'seconds',
    default: String(30 * MINUTE),
    min: 10 * MINUTE,
    max: 30 * 24 * 60 * MINUTE,
    why: 'sessions without calls expire; never under 10 min (v1-era clients ping every 9 min)',
  },
  v1TicketLife: {
    flag: 'v1-ticket-life',
    env: 'LINGR_V1_TICKET_LIFE',
    kind: 'seconds',
    default: String(2 * MINUTE),
    min: MINUTE,
    max: 10 * MINUTE,
    why: 'API 1.0 tickets neither observed nor read this long expire and their occupants leave (spec: 2 min)',
  },
  v1SessionLife: {
    flag: 'v1-session-life',
    env: 'LINGR_V1_SESSION_LIFE',
    kind: 'seconds',
    default: String(10 * MINUTE),
    min: 10 * MINUTE,
    max: 24 * 60 * MINUTE,
    why: 'API 1.0 sessions without a call this long die; never under 10 min (clients verify every 9 min)',
  },
  eventRetention: {
    flag: 'event-retention',
    env: 'LINGR_EVENT_RETENTION',
    kind: 'seconds',
    default: String(24 * 60 * MINUTE),
    min: 60 * MINUTE,
    max: 365 * 24 * 60 * MINUTE,
    why: 'how far back a counter can resume; at least 24 h by the spec',
  },
  recentEvents: {
    flag: 'recent-events',
    env: 'LINGR_RECENT_EVENTS',
    kind: 'int',
    default: '10000',
    min: 100,
    max: 1_000_000,
    why: 'events kept in memory so observes rarely read the store',
  },
  sayPerMinute: {
    flag: 'say-limit',
    env: 'LINGR_SAY_LIMIT',
    kind: 'int',
    default: '60',
    min: 1,
    max: 1_000_000,
    why: 'says per session per minute (x app-key factor)',
  },
  callsPerMinute: {
    flag: 'call-limit',
    env: 'LINGR_CALL_LIMIT',
    kind: 'int',
    default: '600',
    min: 1,
    max: 10_000_000,
    why: 'other calls per session per minute, observe excluded',
  },
  appKeyFactor: {
    flag: 'app-key-factor',
    env: 'LINGR_APP_KEY_FACTOR',
    kind: 'int',
    default: '10',
    min: 1,
    max: 1000,
    why: 'sessions with an app key get relaxed limits, as in the original',
  },
  loginFailuresPerAccount: {
    flag: 'login-failures-account',
    env: 'LINGR_LOGIN_FAILURES_ACCOUNT',
    kind: 'int',
    default: '10',
    min: 1,
    max: 100_000,
    why: 'failed sign-ins to one account from one address per window before that address is refused',
  },
  loginFailuresPerAddress: {
    flag: 'login-failures-address',
    env: 'LINGR_LOGIN_FAILURES_ADDRESS',
    kind: 'int',
    default: '50',
    min: 1,
    max: 1_000_000,
    why: 'failed sign-ins per client address per window',
  },
  loginFailuresAccountTotal: {
    flag: 'login-failures-account-total',
    env: 'LINGR_LOGIN_FAILURES_ACCOUNT_TOTAL',
    kind: 'int',
    default: '100',
    min: 1,
    max: 1_000_000,
    why: 'failed sign-ins to one account from anywhere; past it only addresses that never failed may try',
  },
  loginAttempts: {
    flag: 'login-attempts',
    env: 'LINGR_LOGIN_ATTEMPTS',
    kind: 'int',
    default: '30',
    min: 1,
    max: 1_000_000,
    why: 'sign-ins (session/create, the web form) per client address per minute, successful ones included',
  },
  hashConcurrency: {
    flag: 'hash-concurrency',
    env: 'LINGR_HASH_CONCURRENCY',
    kind: 'int',
    default: '0',
    min: 0,
    max: 256,
    why: 'password hashes computed at once (64 MiB each); 0 = half the cores, so the event loop keeps one',
  },
  hashQueue: {
    flag: 'hash-queue',
    env: 'LINGR_HASH_QUEUE',
    kind: 'int',
    default: '8',
    min: 0,
    max: 10_000,
    why: 'sign-ins waiting for a hash; beyond them the answer is rate_limited at once',
  },
  loginWindow: {
    flag: 'login-window',
    env: 'LINGR_LOGIN_WINDOW',
    kind: 'seconds',
    default: String(15 * MINUTE),
    min: 1,
    max: 24 * 60 * MINUTE,
    why: 'window for counting failed sign-ins',
  },
  passwordCost: {
    flag: 'password-cost',
    env: 'LINGR_PASSWORD_COST',
    kind: 'int',
    default: '16',
    min: 10,
    max: 20,
    why: 'log2 of scrypt N for new hashes (16: 64 MiB, ~0.1 s)',
  },
  streamHeartbeat: {
    flag: 'stream-heartbeat',
    env: 'LINGR_STREAM_HEARTBEAT',
    kind: 'seconds',
    default: '25',
    min: 1,
    max: 300,
    why: 'idle SSE and WebSocket streams get a heartbeat this often, under common 30-60 s proxy timeouts',
  },
  outboxLimit: {
    flag: 'outbox-limit',
    env: 'LINGR_OUTBOX_LIMIT',
    kind: 'int',
    default: String(1024 * 1024),
    min: 16 * 1024,
    max: 256 * 1024 * 1024,
    why: 'bytes queued for one stream before it is closed as a slow reader (it then resumes)',
  },
  metricsAllow: {
    flag: 'metrics-allow',
    env: 'LINGR_METRICS_ALLOW',
    kind: 'list',
    default: '127.0.0.0/8,::1',
    why: 'addresses or networks that may read /metrics and the details of /healthz (0.0.0.0/0,::/0: anyone)',
  },
  trustProxy: {
    flag: 'trust-proxy',
    env: 'LINGR_TRUST_PROXY',
    kind: 'list',
    default: '',
    why: 'addresses or networks of proxies (nginx) whose X-Forwarded-For names the client; none by default',
  },
  origins: {
    flag: 'origins',
    env: 'LINGR_ORIGINS',
    kind: 'list',
    default: '',
    why: 'other web origins allowed to open WebSockets (our own origin always is)',
  },
  headerTimeout: {
    flag: 'header-timeout',
    env: 'LINGR_HEADER_TIMEOUT',
    kind: 'seconds',
    default: '20',
    min: 1,
    max: 300,
    why: "a request's headers must arrive within this; slower clients (slowloris) are closed",
  },
  requestTimeout: {
    flag: 'request-timeout',
    env: 'LINGR_REQUEST_TIMEOUT',
    kind: 'seconds',
    default: '60',
    min: 1,
    max: 600,
    why: 'a whole request (headers and a body up to --body-limit) must arrive within this; held answers do not count',
  },
  shutdownGrace: {
    flag: 'shutdown-grace',
    env: 'LINGR_SHUTDOWN_GRACE',
    kind: 'seconds',
    default: '10',
    min: 0,
    max: 120,
    why: 'how long shutdown waits for responses in flight',
  },
  ircPort: {
    flag: 'irc-port',
    env: 'LINGR_IRC_PORT',
    kind: 'int',
    default: '',
    min: 0,
    max: 65535,
    why: 'serve IRC on this port: every room a channel for any IRC client (empty = off)',
  },
  ircTlsCert: {
    flag: 'irc-tls-cert',
    env: 'LINGR_IRC_TLS_CERT',
    kind: 'string',
    default: '',
    why: 'PEM certificate (chain) file: IRC over TLS on --irc-port instead of plain text (with --irc-tls-key)',
  },
  ircTlsKey: {
    flag: 'irc-tls-key',
    env: 'LINGR_IRC_TLS_KEY',
    kind: 'string',
    default: '',
    why: 'PEM private key file for --irc-tls-cert',
  },
  ircPing: {
    flag: 'irc-ping',
    env: 'LINGR_IRC_PING',
    kind: 'seconds',
    default: '60',
    min: 10,
    max: 600,
    why: 'idle IRC clients are PINGed this often and closed when no PONG comes by the next; registration must finish within it',
  },
  workers: {
    flag: 'workers',
    env: 'LINGR_WORKERS',
    kind: 'int',
    default: '1',
    min: 1,
    max: 64,
    why: 'server processes sharing the port; each holds at most ~19,000 connections (the open-file limit)',
  },
} satisfies Record<string, Option>;

export type OptionName = keyof typeof OPTIONS;
export type RawSettings = Partial<Record<OptionName, string>>;

export class SettingsError extends Error {}

/** How a yes-or-no setting may be written. */
export const BOOLEAN_WORDS = new Map<string, boolean>([
  ...['1', 'true', 'yes', 'on'].map((w) => [w, true] as const),
  ...['0', 'false', 'no', 'off', ''].map((w) => [w, false] as const),
]);

function read(name: OptionName, raw: RawSettings, env: NodeJS.ProcessEnv): string {
  const o: Option = OPTIONS[name];
  return raw[name] ?? env[o.env] ?? o.default;
}

function number(name: OptionName, value: string): number {
  const o: Option = OPTIONS[name];
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (o.kind === 'int' && !Number.isInteger(n)))
    throw new SettingsError(`--${o.flag} (${o.env}) must be a number, not "${value}".`);
  if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max))
    throw new SettingsError(`--${o.flag} (${o.env}) must be between ${o.min} and ${o.max}, not ${n}.`);
  return n;
}

/** An optional URL setting: undefined when empty, else it must look like `shape`. */
function urlSetting(
  name: OptionName,
  pattern: RegExp,
  shape: string,
  raw: RawSettings,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const value = read(name, raw, env).trim();
  if (value === '') return undefined;
  const o: Option = OPTIONS[name];
  if (!pattern.test(value))
    throw new SettingsError(
      `--${o.flag} (${o.env}) must look like ${shape}, not "${value.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')}".`,
    );
  return value;
}

/**
 * Builds settings from flags (`raw`, by option name), then the environment, then defaults.
 * `unsafeShortTimeouts` lifts the lower bounds of timeouts, for tests only.
 */
export function loadSettings(raw: RawSettings = {}, env: NodeJS.ProcessEnv = process.env): Settings {
  const relaxed = env.LINGR_UNSAFE_SHORT_TIMEOUTS === '1';
  const int = (name: OptionName) => number(name, read(name, raw, env));
  const seconds = (name: OptionName) => {
    const value = read(name, raw, env);
    const n = Number(value);
    if (relaxed && Number.isFinite(n) && n > 0) return Math.round(n * 1000);
    return Math.round(number(name, value) * 1000);
  };
  const host = read('host', raw, env);
  const port = int('port');
  const flag = (name: OptionName) => {
    const value = read(name, raw, env).trim().toLowerCase();
    if (BOOLEAN_WORDS.has(value)) return BOOLEAN_WORDS.get(value) as boolean;
    const o: Option = OPTIONS[name];
    throw new SettingsError(`--${o.flag} (${o.env}) is true or false, not "${value}".`);
  };
  const ircPortText = read('ircPort', raw, env).trim();
  const ircCert = read('ircTlsCert', raw, env).trim();
  const ircKey = read('ircTlsKey', raw, env).trim();
  if ((ircCert === '') !== (ircKey === ''))
    throw new SettingsError('--irc-tls-cert and --irc-tls-key go together: give both or neither.');
  if (ircCert !== '' && ircPortText === '')
    throw new SettingsError('--irc-tls-cert and --irc-tls-key need --irc-port.');
  const givenUrl = read('publicUrl', raw, env).replace(/\/+$/, '');
  const publicUrl = givenUrl || `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (!/^https?:\/\/\S+$/.test(publicUrl))
    throw new SettingsError(`--public-url must start with http:// or https://, not "${publicUrl}".`);
  const settings: Settings = {
    host,
    port,
    secondPort: int('secondPort'),
    dataDir: resolve(read('data', raw, env)),
    databaseUrl: urlSetting(
      'database',
      /^postgres(ql)?:\/\/\S+$/,
      'postgres://USER:PASS@HOST:PORT/DB',
      raw,
      env,
    ),
    redisUrl: urlSetting('redis', /^rediss?:\/\/\S+$/, 'redis://HOST:PORT', raw, env),
    hostnames: read('hostnames', raw, env)
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== ''),
    logLevel: read('logLevel', raw, env),
    logFormat: read('logFormat', raw, env) as Settings['logFormat'],
    bodyLimit: int('bodyLimit'),
    synchronous: flag('fsync') ? 'FULL' : 'NORMAL',
    shutdownGraceMs: seconds('shutdownGrace'),
    headerTimeoutMs: seconds('headerTimeout'),
    requestTimeoutMs: seconds('requestTimeout'),
    workers: int('workers'),
    streamHeartbeatMs: seconds('streamHeartbeat'),
    outboxLimit: int('outboxLimit'),
    allowedOrigins: read('origins', raw, env)
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o !== ''),
    publicUrlGiven: givenUrl !== '',
    ircPort: ircPortText === '' ? undefined : number('ircPort', ircPortText),
    ircTls: ircCert === '' ? undefined : { certFile: resolve(ircCert), keyFile: resolve(ircKey) },
    ircPingMs: seconds('ircPing'),
    allowPrivateCallbacks: flag('allowPrivateCallbacks'),
    botTimeoutMs: seconds('botTimeout'),
    metricsAllow: read('metricsAllow', raw, env)
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== ''),
    trustProxy: read('trustProxy', raw, env)
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== ''),
    engine: {
      publicUrl,
      observeHoldMs: seconds('observeHold'),
      presenceGraceMs: seconds('presenceGrace'),
      sessionIdleMs: seconds('sessionIdle'),
      v1TicketIdleMs: seconds('v1TicketLife'),
      v1SessionIdleMs: seconds('v1SessionLife'),
      eventRetentionMs: seconds('eventRetention'),
      recentEvents: int('recentEvents'),
      sayPerMinute: int('sayPerMinute'),
      callsPerMinute: int('callsPerMinute'),
      appKeyFactor: int('appKeyFactor'),
      loginFailuresPerAccount: int('loginFailuresPerAccount'),
      loginFailuresPerAddress: int('loginFailuresPerAddress'),
      loginFailuresAccountTotal: int('loginFailuresAccountTotal'),
      loginWindowMs: seconds('loginWindow'),
      loginAttemptsPerAddress: int('loginAttempts'),
      hashConcurrency: int('hashConcurrency') || Math.max(1, Math.floor(availableParallelism() / 2)),
      hashQueue: int('hashQueue'),
      passwordCost: int('passwordCost'),
    },
  };
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(settings.logLevel))
    throw new SettingsError(`--log-level must be one of trace, debug, info, warn, error, silent.`);
  if (!['auto', 'json', 'pretty'].includes(settings.logFormat))
    throw new SettingsError(`--log-format must be auto, json or pretty, not "${settings.logFormat}".`);
  if (settings.headerTimeoutMs > settings.requestTimeoutMs)
    throw new SettingsError('--header-timeout must not be longer than --request-timeout.');
  const badAddresses = invalidAddresses(settings.metricsAllow);
  if (badAddresses.length > 0)
    throw new SettingsError(
      `--metrics-allow takes addresses or networks (127.0.0.0/8), not "${badAddresses[0]}".`,
    );
  const badProxies = invalidAddresses(settings.trustProxy);
  if (badProxies.length > 0)
    throw new SettingsError(
      `--trust-proxy takes addresses or networks (127.0.0.1, 10.0.0.0/8), not "${badProxies[0]}".`,
    );
  if (settings.engine.observeHoldMs > 50_000)
    throw new SettingsError('--observe-hold must be at most 50 seconds.');
  return deepFreeze(settings);
}

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(o);
}

export function settingsHelp(): string {
  return Object.values(OPTIONS as Record<string, Option>)
    .map((o) => `  --${o.flag.padEnd(24)} ${o.env.padEnd(30)} default ${o.default}\n      ${o.why}`)
    .join('\n');
}
