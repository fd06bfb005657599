import { isIP } from 'node:net';

/** Why an address is no place for a callback: each kind is a network the server must not reach for a bot. */
export type AddressKind =
  | 'unspecified'
  | 'this-network'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'protocol'
  | 'benchmarking'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'not-an-address';

/** A refused address: its kind, and the IPv4 address it carries when an IPv6 form wraps a refused one. */
export interface AddressRefusal {
  kind: AddressKind;
  embedded?: string;
}

interface Range {
  prefix: Uint8Array;
  bits: number;
  kind: AddressKind;
}

// More specific entries first: the first matching range names the kind.
const IPV4_RANGES: readonly Range[] = [
  range('0.0.0.0/32', 'unspecified'),
  range('0.0.0.0/8', 'this-network'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'shared'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'protocol'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'benchmarking'),
  range('224.0.0.0/4', 'multicast'),
  range('255.255.255.255/32', 'broadcast'),
  range('240.0.0.0/4', 'reserved'),
];

const IPV6_RANGES: readonly Range[] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  // Local-use NAT64 (RFC 8215): the IPv4 address sits at a place the operator chose, so refuse it all.
  range('64:ff9b:1::/48', 'private'),
  range('fc00::/7', 'private'),
  range('fe80::/10', 'link-local'),
  // Site-local (deprecated, RFC 3879): the old private range, still routed on some networks.
  range('fec0::/10', 'private'),
  range('ff00::/8', 'multicast'),
];

/** IPv6 forms that carry an IPv4 address the packet ends up at: where it sits, and whether it is inverted. */
interface Embedding {
  prefix: Uint8Array;
  bits: number;
  offset: number;
  inverted: boolean;
}

const EMBEDDINGS: readonly Embedding[] = [
  embedding('::ffff:0:0/96', 12), // IPv4-mapped
  embedding('::ffff:0:0:0/96', 12), // SIIT translated
  embedding('::/96', 12), // IPv4-compatible (deprecated); :: and ::1 are matched above
  embedding('64:ff9b::/96', 12), // NAT64 well-known prefix
  embedding('2002::/16', 2), // 6to4
  embedding('2001::/32', 12, true), // Teredo: the client's address, bits inverted
];

/**
 * Whether a callback may never reach `address` (IPv4 or IPv6, a zone index allowed), and why; undefined
 * for a public address. Anything that is not an IP address is refused.
 */
export function addressRefusal(address: string): AddressRefusal | undefined {
  const bytes = addressBytes(address);
  if (!bytes) return { kind: 'not-an-address' };
  if (bytes.length === 4) {
    const kind = kindIn(IPV4_RANGES, bytes);
    return kind && { kind };
  }
  const kind = kindIn(IPV6_RANGES, bytes);
  if (kind) return { kind };
  for (const e of EMBEDDINGS) {
    if (!matches(bytes, e.prefix, e.bits)) continue;
    const v4 = bytes.slice(e.offset, e.offset + 4).map((b) => (e.inverted ? b ^ 0xff : b));
    const inner = kindIn(IPV4_RANGES, v4);
    return inner && { kind: inner, embedded: v4.join('.') };
  }
  return undefined;
}

const DESCRIPTIONS: Record<AddressKind, string> = {
  unspecified: 'the unspecified address',
  'this-network': 'a "this network" address (0.0.0.0/8)',
  loopback: 'a loopback address',
  private: 'a private address',
  shared: 'a carrier-grade NAT address (100.64.0.0/10)',
  'link-local': 'a link-local address (where cloud metadata services answer)',
  protocol: 'an IETF protocol address (192.0.0.0/24)',
  benchmarking: 'a benchmarking address (198.18.0.0/15)',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address (240.0.0.0/4)',
  'not-an-address': 'not an IP address',
};

/** "a loopback address", "127.0.0.1 in IPv6 form, a loopback address": for a bot owner to read. */
export function describeRefusal(refusal: AddressRefusal): string {
  const what = DESCRIPTIONS[refusal.kind];
  return refusal.embedded ? `${refusal.embedded} in IPv6 form, ${what}` : what;
}

/** Names that mean this machine whatever DNS says (RFC 6761). */
export function isLocalName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

function kindIn(ranges: readonly Range[], bytes: Uint8Array): AddressKind | undefined {
  return ranges.find((r) => r.prefix.length === bytes.length && matches(bytes, r.prefix, r.bits))?.kind;
}

function matches(bytes: Uint8Array, prefix: Uint8Array, bits: number): boolean {
  if (bytes.length !== prefix.length) return false;
  for (let i = 0; i * 8 < bits; i++) {
    const mask = bits - i * 8 >= 8 ? 0xff : (0xff << (8 - (bits - i * 8))) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** The address as 4 or 16 bytes; undefined when it is not an IP address. */
export function addressBytes(address: string): Uint8Array | undefined {
  const bare = address.replace(/%.*$/, '');
  const version = isIP(bare);
  if (version === 4) return Uint8Array.from(bare.split('.').map(Number));
  if (version === 6) return ipv6Bytes(bare);
  return undefined;
}

/** Expands a valid IPv6 text (`::`, a dotted IPv4 tail) to its 16 bytes. */
function ipv6Bytes(text: string): Uint8Array {
  let hex = text;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const [a = 0, b = 0, c = 0, d = 0] = text
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    hex = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = hex.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    bytes[i * 2] = n >> 8;
    bytes[i * 2 + 1] = n & 0xff;
  });
  return bytes;
}

function range(cidr: string, kind: AddressKind): Range {
  const [address = '', bits = ''] = cidr.split('/');
  const prefix = addressBytes(address);
  if (!prefix) throw new Error(`bad range ${cidr}`);
  return { prefix, bits: Number(bits), kind };
}

function embedding(cidr: string, offset: number, inverted = false): Embedding {
  const { prefix, bits } = range(cidr, 'reserved');
  return { prefix, bits, offset, inverted };
}
