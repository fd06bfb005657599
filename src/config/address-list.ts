import { BlockList, isIP } from 'node:net';

/** Parses `addr` or `addr/bits` (IPv4 or IPv6); undefined when it is neither. */
function parse(entry: string): { address: string; bits?: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', bits, extra] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) return { address, family };
  const n = Number(bits);
  if (!/^\d{1,3}$/.test(bits) || n > (version === 4 ? 32 : 128)) return undefined;
  return { address, bits: n, family };
}

/** The entries that are not addresses or networks, for a clear error at start. */
export function invalidAddresses(entries: readonly string[]): string[] {
  return entries.filter((e) => parse(e) === undefined);
}

/** Whether a client address (IPv4-mapped IPv6 included) falls in one of the entries. */
export function addressMatcher(entries: readonly string[]): (address: string | undefined) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const p = parse(entry);
    if (!p) continue;
    if (p.bits === undefined) list.addAddress(p.address, p.family);
    else list.addSubnet(p.address, p.bits, p.family);
  }
  return (address) => {
    if (!address) return false;
    const version = isIP(address);
    return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  };
}
