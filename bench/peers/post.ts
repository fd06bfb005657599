import { request, type Agent } from 'node:http';

/** POSTs `body`; resolves with the reply's body on any 2xx, rejects otherwise or after `timeoutMs`. */
export function post(
  agent: Agent,
  url: string,
  body: string,
  contentType = 'text/plain; charset=utf-8',
  timeoutMs = 30_000,
): Promise<string> {
  const data = Buffer.from(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        method: 'POST',
        headers: { 'content-type': contentType, 'content-length': data.length },
        timeout: timeoutMs,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          status >= 200 && status < 300
            ? resolve(Buffer.concat(chunks).toString())
            : reject(new Error(`HTTP ${status} on POST ${url}`)),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms on POST ${url}`)));
    req.on('error', reject);
    req.end(data);
  });
}
