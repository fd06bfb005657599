/** Where a request goes, from origin-form (`/api/x`) or absolute-form (`http://lingr.com:8080/api/x`). */
export interface Target {
  path: string;
  query: string;
  /** Host named by an absolute-form target, lower-cased, without port. */
  host?: string;
}

/**
 * Parses the request target. Absolute-form comes from clients that honour `http_proxy` (spec 2.1).
 * Returns undefined for a target that cannot be parsed.
 */
export function parseTarget(url: string): Target | undefined {
  if (url.startsWith('/')) {
    const q = url.indexOf('?');
    return { path: normalizePath(q < 0 ? url : url.slice(0, q)), query: q < 0 ? '' : url.slice(q + 1) };
  }
  if (!/^https?:\/\//i.test(url)) return undefined;
  try {
    const u = new URL(url);
    return { path: normalizePath(u.pathname), query: u.search.slice(1), host: u.hostname.toLowerCase() };
  } catch {
    return undefined;
  }
}

/** Collapses repeated slashes and drops a trailing one: `/api/session/create/` is `/api/session/create`. */
function normalizePath(path: string): string {
  if (!path.includes('//') && (path.length === 1 || !path.endsWith('/'))) return path;
  const p = path.replace(/\/{2,}/g, '/');
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}
