import { Variant } from './irc-render.js';

/** What this server offers in `CAP LS` (IRCv3), in the order listed. */
export const OFFERED = [
  'server-time',
  'message-tags',
  'echo-message',
  'sasl',
  'multi-prefix',
  'away-notify',
  'batch',
] as const;

export type Capability = (typeof OFFERED)[number];

const isOffered = (name: string): name is Capability => (OFFERED as readonly string[]).includes(name);

/** One connection's capabilities: negotiated with CAP, and while negotiating, registration waits. */
export class Capabilities {
  private readonly enabled = new Set<Capability>();
  /** `CAP LS` or `CAP REQ` came before registration: it waits for `CAP END`. */
  negotiating = false;
  /** The client speaks CAP 302 (values in LS, cap-notify implied). */
  version = 0;

  has(cap: Capability): boolean {
    return this.enabled.has(cap);
  }

  /** How events look to this connection (see IrcRender). */
  get variant(): number {
    return (
      (this.has('server-time') ? Variant.serverTime : 0) | (this.has('away-notify') ? Variant.awayNotify : 0)
    );
  }

  /** The `CAP LS` list: with 302, sasl says its mechanism. */
  list(version: number): string {
    return OFFERED.map((c) => (c === 'sasl' && version >= 302 ? 'sasl=PLAIN' : c)).join(' ');
  }

  /** `CAP LIST`. */
  listEnabled(): string {
    return OFFERED.filter((c) => this.enabled.has(c)).join(' ');
  }

  /**
   * `CAP REQ`: all or nothing (IRCv3). A `-` before a name takes it away. Returns whether it was acknowledged.
   */
  request(spec: string): boolean {
    const wanted = spec.split(' ').filter((w) => w !== '');
    if (wanted.length === 0) return false;
    const changes = wanted.map((w) =>
      w.startsWith('-') ? { name: w.slice(1), on: false } : { name: w, on: true },
    );
    if (!changes.every((c) => isOffered(c.name))) return false;
    for (const c of changes as Array<{ name: Capability; on: boolean }>)
      if (c.on) this.enabled.add(c.name);
      else this.enabled.delete(c.name);
    return true;
  }
}

/** SASL PLAIN's message (RFC 4616): `authzid NUL authcid NUL password`, base64; undefined if it is not one. */
export function plainCredentials(base64: string): { username: string; password: string } | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return undefined;
  const decoded = Buffer.from(base64, 'base64').toString('utf8');
  const parts = decoded.split('\0');
  if (parts.length !== 3) return undefined;
  const [authzid, authcid, password] = parts as [string, string, string];
  // Signing in as someone else (an authzid that is not the authcid) is not something Lingr has.
  if (authcid === '' || (authzid !== '' && authzid !== authcid)) return undefined;
  return { username: authcid, password };
}
