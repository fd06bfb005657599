import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ID_PATTERN } from '../core/ids.js';
import { decodeUtf8, parseForm } from '../api/params.js';
import { identicon } from './identicon.js';
import { CONTENT_SECURITY_POLICY } from './layout.js';
import type { Page, WebPages } from './pages.js';

const STYLESHEET = readFileSync(new URL('../../../src/web/assets/lingr.css', import.meta.url));
const MAX_QUERY = 100;

function sendPage(res: ServerResponse, { status, body }: Page): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'cache-control': 'no-cache',
  });
  res.end(body);
}

function sendAsset(res: ServerResponse, type: string, body: string | Buffer): void {
  res.writeHead(200, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'public, max-age=86400',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

function searchQuery(query: string): string | undefined {
  const values = new Map<string, string>();
  try {
    parseForm(decodeUtf8(Buffer.from(query, 'latin1')), values);
  } catch {
    return undefined;
  }
  const q = values.get('q')?.trim();
  return q ? q.slice(0, MAX_QUERY) : undefined;
}

/** The pages people read. Returns false for paths that are not ours. */
export function createWebRoutes(pages: WebPages) {
  return async (req: IncomingMessage, res: ServerResponse, path: string, query: string): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('Method not allowed.\n');
      return;
    }
    const parts = path
      .split('/')
      .slice(1)
      .map((p) => {
        try {
          return decodeURIComponent(p);
        } catch {
          return '';
        }
      });
    if (path === '/') return sendPage(res, await pages.explore(searchQuery(query)));
    if (path === '/static/lingr.css') return sendAsset(res, 'text/css; charset=utf-8', STYLESHEET);
    if (parts[0] === 'room' && parts.length >= 2 && ID_PATTERN.test(parts[1] as string)) {
      const id = parts[1] as string;
      if (parts.length === 2) return sendPage(res, await pages.room(id));
      if (parts[2] === 'archives' && parts.length === 3)
        return sendPage(res, await pages.archives(id, searchQuery(query)));
      const [year, month, day] = parts.slice(3);
      if (
        parts[2] === 'archives' &&
        parts.length === 6 &&
        /^\d{4}$/.test(year ?? '') &&
        /^\d{2}$/.test(month ?? '') &&
        /^\d{2}$/.test(day ?? '')
      )
        return sendPage(res, await pages.archiveDay(id, `${year}-${month}-${day}`));
    }
    if (parts[0] === 'tag' && parts.length === 2 && parts[1]) return sendPage(res, await pages.tag(parts[1]));
    if (parts[0] === 'images' && parts[1] === 'user' && parts.length === 4 && parts[2])
      return sendAsset(res, 'image/svg+xml', identicon(parts[2]));
    sendPage(res, pages.notFound());
  };
}
