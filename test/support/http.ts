import { request } from 'node:http';

/** What came back over the wire, untouched: status, headers and the body as text. */
export interface Wire {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface SendOptions {
  method?: string;
  /** Origin-form (`/api/x?y`) or absolute-form (`http://lingr.com/api/x`) request target. */
  path: string;
  /** Sent exactly as given: node:http adds no Content-Type of its own. */
  headers?: Record<string, string>;
  /** Body bytes; Content-Length is set for them unless `chunks` is used. */
  body?: string | Buffer;
  /** Body sent with chunked transfer encoding and no Content-Length, one write per chunk. */
  chunks?: Array<string | Buffer>;
}

/** One HTTP/1.1 request with full control over the target, headers and body bytes. */
export function send(baseUrl: string, o: SendOptions): Promise<Wire> {
  const base = new URL(baseUrl);
  const headers: Record<string, string> = { ...o.headers };
  if (o.body !== undefined && o.chunks === undefined && !('content-length' in headers))
    headers['content-length'] = String(Buffer.byteLength(o.body));
  if (o.chunks !== undefined) headers['transfer-encoding'] = 'chunked';
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        method: o.method ?? 'GET',
        path: o.path,
        headers,
        timeout: 10_000,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(parts).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${o.method ?? 'GET'} ${o.path}`)));
    req.on('error', reject);
    if (o.chunks !== undefined) {
      for (const c of o.chunks) req.write(c);
      req.end();
    } else req.end(o.body);
  });
}

/** The parsed JSON body (throws with the raw text when it is not JSON). */
export function body(w: Wire): Record<string, unknown> {
  try {
    return JSON.parse(w.text) as Record<string, unknown>;
  } catch {
    throw new Error(`not JSON (HTTP ${w.status}): ${w.text.slice(0, 300)}`);
  }
}

/** `application/x-www-form-urlencoded` text of the parameters, in order. */
export function form(params: Record<string, string | number>): string {
  return new URLSearchParams(
    Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();
}

/** A `multipart/form-data` body of text fields; returns the body and its Content-Type. */
export function multipart(
  fields: Record<string, string>,
  boundary = 'lingr-test-boundary-7d91',
): {
  body: Buffer;
  type: string;
} {
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  return {
    body: Buffer.from(`${parts.join('')}--${boundary}--\r\n`, 'utf8'),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}

/**
 * One GET of an API method from a given loopback source address (127.0.0.2, 127.0.0.3, ...), on a
 * connection of its own: the server sees each address as a different client.
 */
export function apiFrom(
  baseUrl: string,
  address: string,
  method: string,
  params: Record<string, string | number> = {},
): Promise<Record<string, unknown>> {
  const base = new URL(baseUrl);
  const query = new URLSearchParams(
    Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path: `/api/${method}?${query}`,
        localAddress: address,
        agent: false,
        timeout: 30_000,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>);
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} from ${address}`)));
    req.on('error', reject);
    req.end();
  });
}

/** One API call on a connection of its own, so successive calls spread over the workers. */
export function fresh(
  base: string,
  path: string,
  params: Record<string, string | number> = {},
  timeoutMs = 20_000,
): Promise<Record<string, unknown>> {
  const query = new URLSearchParams(
    Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}${query ? `?${query}` : ''}`,
      { agent: false, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(body) as Record<string, unknown>);
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout on ${path}`)));
    req.on('error', reject);
    req.end();
  });
}
