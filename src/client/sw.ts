/**
 * Lingr's service worker (served at /sw.js, a classic script: no imports or exports).
 *
 * - Precaches the shell: the stylesheet, the app script, the icon and the offline page.
 * - Pages go to the network first; when it fails, the offline page answers. Pages are never stored: they
 *   carry private rooms and form tokens, which must not outlive the session in a cache.
 * - The shell is fetched fresh too, and stored for next time; the cached copy is used only offline.
 * - Nothing under /api/ (or anything else, like streams and uploads) is touched or cached.
 */

interface LingrExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}

interface LingrFetchEvent extends LingrExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response> | Response): void;
}

interface LingrWorkerScope {
  readonly location: Location;
  readonly LINGR_SHELL?: string[];
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: LingrExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: LingrFetchEvent) => void): void;
}

function lingrServiceWorker(scope: LingrWorkerScope): void {
  const OFFLINE = '/offline';
  // The server writes the shell's current (hashed) URLs above this script; the plain names are a fallback.
  const SHELL = scope.LINGR_SHELL ?? [
    OFFLINE,
    '/static/lingr.css',
    '/static/app.js',
    '/icons/lingr-192.png',
    '/manifest.webmanifest',
  ];
  // One cache per shell: a new deploy's worker keeps its own and deletes the old one when it activates.
  const CACHE = `lingr-shell-${SHELL.join(' ')
    .split('')
    .reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7)
    .toString(36)}`;

  scope.addEventListener('install', (event) => {
    event.waitUntil(
      caches
        .open(CACHE)
        .then((cache) => cache.addAll(SHELL))
        .then(() => scope.skipWaiting()),
    );
  });

  scope.addEventListener('activate', (event) => {
    event.waitUntil(
      caches
        .keys()
        .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
        .then(() => scope.clients.claim()),
    );
  });

  /** The network's answer, kept for next time; the kept one when the network fails. */
  const shellAsset = async (request: Request): Promise<Response> => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok) await cache.put(request, response.clone());
      return response;
    } catch (err) {
      const kept = await cache.match(request);
      if (kept) return kept;
      throw err;
    }
  };

  const page = async (request: Request): Promise<Response> => {
    try {
      return await fetch(request);
    } catch (err) {
      const offline = await caches.match(OFFLINE);
      if (offline) return offline;
      throw err;
    }
  };

  scope.addEventListener('fetch', (event) => {
    const { request } = event;
    if (request.method !== 'GET') return;
    const url = new URL(request.url);
    if (url.origin !== scope.location.origin || url.pathname.startsWith('/api/')) return;
    if (request.mode === 'navigate') event.respondWith(page(request));
    else if (SHELL.includes(url.pathname) && url.search === '') event.respondWith(shellAsset(request));
  });
}

lingrServiceWorker(self as unknown as LingrWorkerScope);
