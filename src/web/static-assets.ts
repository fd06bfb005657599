import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { precompress, type Coding } from '../http/compression.js';
import { faviconIco } from './favicon.js';

/** A file the pages use, read, hashed and compressed once. */
export interface StaticFile {
  name: string;
  type: string;
  body: Buffer;
  /** The first 10 hex digits of the body's SHA-256: part of its URL, so a URL never changes content. */
  hash: string;
  forms: Partial<Record<Coding, Buffer>>;
}

/** How a request names a file: by its hashed URL it is cacheable for ever, by its plain name briefly. */
export interface StaticHit {
  file: StaticFile;
  immutable: boolean;
}

const fromRoot = (path: string) => () => readFileSync(new URL(`../../../${path}`, import.meta.url));
const JS = 'text/javascript; charset=utf-8';

const SOURCES: ReadonlyArray<{ name: string; type: string; read: () => Buffer }> = [
  { name: 'lingr.css', type: 'text/css; charset=utf-8', read: fromRoot('src/web/assets/lingr.css') },
  { name: 'favicon.svg', type: 'image/svg+xml', read: fromRoot('src/web/assets/favicon.svg') },
  { name: 'room.js', type: JS, read: fromRoot('dist/client/room.js') },
  { name: 'badge.js', type: JS, read: fromRoot('dist/client/badge.js') },
  { name: 'archive.js', type: JS, read: fromRoot('dist/client/archive.js') },
  { name: 'app.js', type: JS, read: fromRoot('dist/client/app.js') },
  // Imported by the scripts above by their plain names (relative to them), so never under a hash.
  { name: 'format-message.js', type: JS, read: fromRoot('dist/client/format-message.js') },
  { name: 'format-time.js', type: JS, read: fromRoot('dist/client/format-time.js') },
  { name: 'favicon.ico', type: 'image/vnd.microsoft.icon', read: faviconIco },
];

let loaded: Map<string, StaticFile> | undefined;

/** Reads, hashes and compresses every file on first use; the server calls it at start. */
export function staticFiles(): ReadonlyMap<string, StaticFile> {
  if (!loaded) {
    loaded = new Map();
    for (const { name, type, read } of SOURCES) {
      const body = read();
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
      loaded.set(name, { name, type, body, hash, forms: precompress(body) });
    }
  }
  return loaded;
}

function fileNamed(name: string): StaticFile {
  const file = staticFiles().get(name);
  if (!file) throw new Error(`no static file ${name}`);
  return file;
}

/** `lingr.css` → `lingr.<hash>.css` */
const hashedName = (file: StaticFile) => file.name.replace(/(\.[a-z]+)$/, `.${file.hash}$1`);

/** The URL pages link to for a static file: the hashed one, cached by browsers for a year. */
export const assetUrl = (name: string): string => `/static/${hashedName(fileNamed(name))}`;

/**
 * The static file a request path names: `/static/<name>` (the plain name that other sites embed, such as
 * the badge's script), `/static/<name with hash>` (only the current hash), or `/favicon.ico`.
 */
export function staticFileAt(path: string): StaticHit | undefined {
  if (path === '/favicon.ico') return { file: fileNamed('favicon.ico'), immutable: false };
  if (!path.startsWith('/static/')) return undefined;
  const requested = path.slice('/static/'.length);
  for (const file of staticFiles().values()) {
    if (file.name === 'favicon.ico') continue;
    if (requested === file.name) return { file, immutable: false };
    if (requested === hashedName(file)) return { file, immutable: true };
  }
  return undefined;
}

let worker: Buffer | undefined;

/**
 * The service worker, told the shell's current URLs (hashed, as the pages link them): a new stylesheet or
 * script changes the worker's bytes, so browsers install it and it replaces the old cache.
 */
export function serviceWorker(): Buffer {
  if (!worker) {
    const shell = [
      '/offline',
      assetUrl('lingr.css'),
      assetUrl('app.js'),
      '/icons/lingr-192.png',
      '/manifest.webmanifest',
    ];
    worker = Buffer.concat([
      Buffer.from(`self.LINGR_SHELL = ${JSON.stringify(shell)};\n`),
      fromRoot('dist/client/sw.js')(),
    ]);
  }
  return worker;
}
