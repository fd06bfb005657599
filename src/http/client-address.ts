import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { headerOf } from './headers.js';

/** The client's address from the connection's peer and the request's `X-Forwarded-For`, if any. */
export type ClientAddress = (peer: string, forwardedFor: string | undefined) => string;

/**
 * Behind proxies we trust, the client is the right-most `X-Forwarded-For` hop that is not one of them:
 * each trusted proxy appends the address it was reached from, so everything left of the first untrusted
 * hop could have been written by the client itself. From any other peer the header is ignored.
 */
export function clientAddress(trusted: (address: string) => boolean): ClientAddress {
  return (peer, forwardedFor) => {
    if (forwardedFor === undefined || !trusted(peer)) return peer;
    let client = peer;
    const hops = forwardedFor.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = unbracket((hops[i] as string).trim());
      // A hop that is no address ends what can be believed: the last proxy's word is what we have.
      if (isIP(hop) === 0) break;
      client = hop;
      if (!trusted(hop)) break;
    }
    return client;
  };
}

/** `[::1]` as some proxies write IPv6 hops, and `1.2.3.4:5678` with a port, as plain addresses. */
function unbracket(hop: string): string {
  if (hop.startsWith('[')) return hop.slice(1, hop.indexOf(']') > 0 ? hop.indexOf(']') : undefined);
  const colon = hop.indexOf(':');
  return colon > 0 && hop.indexOf(':', colon + 1) < 0 ? hop.slice(0, colon) : hop;
}

/** The client's address of a request that came through node:http. */
export const requestAddress = (req: IncomingMessage, resolve: ClientAddress): string =>
  resolve(req.socket.remoteAddress ?? '', headerOf(req, 'x-forwarded-for'));
