import type { IncomingMessage } from 'node:http';

/** A request header by its lower-case name, when it came once (node:http joins or lists repeats). */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** The host a Host header names, lower-cased and without its port. */
export function hostName(host: string): string {
  return host.replace(/:\d+$/, '').toLowerCase();
}
