import { Agent, request } from 'node:http';

export interface Reply {
  status: number;
  body: string;
}

/** A keep-alive agent bound to one source address (each reaches only ~28,000 ports to one target). */
export function agentFor(localAddress: string): Agent {
  return new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 100_000, localAddress });
}

/** One API call; POST sends the parameters as a form. Rejects after `timeoutMs`. */
export function call(
  agent: Agent,
  base: string,
  path: string,
  params: Record<string, string | number>,
  method: 'GET' | 'POST' = 'GET',
  timeoutMs = 70_000,
): Promise<Reply> {
  const form = new URLSearchParams(
    Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();
  const url = new URL(method === 'GET' ? `${base}${path}?${form}` : `${base}${path}`);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        method,
        headers:
          method === 'POST'
            ? {
                'content-type': 'application/x-www-form-urlencoded',
                'content-length': Buffer.byteLength(form),
              }
            : {},
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms on ${path}`)));
    req.on('error', reject);
    req.end(method === 'POST' ? form : undefined);
  });
}

export async function callJson(
  agent: Agent,
  base: string,
  path: string,
  params: Record<string, string | number>,
  method: 'GET' | 'POST' = 'GET',
): Promise<Record<string, unknown>> {
  const r = await call(agent, base, path, params, method);
  if (r.status !== 200) throw new Error(`HTTP ${r.status} on ${path}`);
  const json = JSON.parse(r.body) as Record<string, unknown>;
  if (json.status !== 'ok') throw new Error(`${path}: ${r.body}`);
  return json;
}
