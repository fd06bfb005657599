import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { apiV1 } from '../src/api/v1/endpoints.js';
import { V2Codec } from '../src/api/v2/codec.js';
import { apiV2 } from '../src/api/v2/endpoints.js';
import { send, type Wire } from './support/http.js';
import { startTestServer, type Json, type TestServer } from './support/server.js';

/**
 * docs/api.md is the project's API reference. This test keeps it honest: every method the API serves has
 * its heading there, every example request in it is sent to a real server and must get a reply of the
 * documented shape, and no markdown link in the project leads outside the repository.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const API_DOC = join(ROOT, 'docs', 'api.md');
const doc = readFileSync(API_DOC, 'utf8');

// ---------------------------------------------------------------------------------------------------
// Reading markdown

interface Fence {
  lang: string;
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** Index of the closing fence's line. */
  endIndex: number;
  startIndex: number;
}

/** Fenced code blocks (``` at the start of a line), in order. */
function fences(markdown: string): Fence[] {
  const lines = markdown.split('\n');
  const out: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```([\w-]*)\s*$/.exec(lines[i] as string);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] as string); i++) body.push(lines[i] as string);
    out.push({ lang: open[1] ?? '', body: body.join('\n'), line: start + 1, startIndex: start, endIndex: i });
  }
  return out;
}

/** Markdown with fenced blocks and inline code blanked out, line for line: what is left is prose. */
function prose(markdown: string): string {
  const lines = markdown.split('\n');
  for (const f of fences(markdown)) for (let i = f.startIndex; i <= f.endIndex; i++) lines[i] = '';
  return lines.join('\n').replace(/`[^`\n]*`/g, '');
}

interface Heading {
  level: number;
  text: string;
}

function headings(markdown: string): Heading[] {
  const out: Heading[] = [];
  const lines = markdown.split('\n');
  const inFence = new Set<number>();
  for (const f of fences(markdown)) for (let i = f.startIndex; i <= f.endIndex; i++) inFence.add(i);
  lines.forEach((line, i) => {
    const m = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (m && !inFence.has(i)) out.push({ level: (m[1] as string).length, text: m[2] as string });
  });
  return out;
}

/** The part of a document under a `## ` heading, up to the next one. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `docs/api.md has no "## ${title}" section`);
  const next = markdown.indexOf('\n## ', start + 4);
  return markdown.slice(start, next < 0 ? undefined : next);
}

/** The code spans of every heading below `## ` in a part of the document: the methods it documents. */
function documentedPaths(part: string): Set<string> {
  const out = new Set<string>();
  for (const h of headings(part))
    if (h.level >= 3) for (const m of h.text.matchAll(/`([^`]+)`/g)) out.add(m[1] as string);
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const h of headings(markdown)) {
    const base = slug(h.text);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Examples: a ```sh block with one curl command, right after it the reply

const REPLY_LANGS = new Set(['json', 'jsonp', 'xml', 'text']);
/** Streams never end: their examples (a ```text transcript) are shown, not run. */
const STREAM_PATHS = ['/api/event/stream', '/api/room/stream', '/api/event/ws'];

interface Example {
  line: number;
  command: string;
  reply: Fence;
}

function examples(markdown: string): Example[] {
  const lines = markdown.split('\n');
  const all = fences(markdown);
  const out: Example[] = [];
  all.forEach((f, i) => {
    if (f.lang !== 'sh' || !/^\s*curl\s/m.test(f.body)) return;
    const next = all[i + 1];
    const between = next
      ? lines
          .slice(f.endIndex + 1, next.startIndex)
          .join('')
          .trim()
      : 'end';
    assert.ok(
      next && between === '' && REPLY_LANGS.has(next.lang),
      `docs/api.md:${f.line}: a curl example must be followed at once by its reply (json, jsonp, xml or text)`,
    );
    const command = f.body.replace(/\\\n/g, ' ').trim();
    assert.ok(
      !command.includes('\n') && command.startsWith('curl '),
      `docs/api.md:${f.line}: an example holds exactly one curl command`,
    );
    out.push({ line: f.line, command, reply: next });
  });
  return out;
}

const VARIABLE = /\$\{?([A-Z][A-Z0-9_]*)\}?/g;

function variablesIn(command: string): Set<string> {
  return new Set([...command.matchAll(VARIABLE)].map((m) => m[1] as string));
}

/** Shell words as sh splits them: quotes, backslashes, and $VARIABLES (not inside single quotes). */
function shellWords(command: string, vars: ReadonlyMap<string, string>): string[] {
  const words: string[] = [];
  let word: string | undefined;
  const add = (s: string) => (word = (word ?? '') + s);
  const variable = (at: number): number => {
    const m = /^\$(?:\{([A-Z][A-Z0-9_]*)\}|([A-Z][A-Z0-9_]*))/.exec(command.slice(at));
    if (!m) throw new Error(`a "$" that names no variable in: ${command}`);
    const name = (m[1] ?? m[2]) as string;
    const value = vars.get(name);
    if (value === undefined) throw new Error(`the example uses $${name}, which the test does not know`);
    add(value);
    return at + m[0].length;
  };
  for (let i = 0; i < command.length;) {
    const c = command[i] as string;
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      i++;
    } else if (c === '#' && word === undefined) break;
    else if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed ' in: ${command}`);
      add(command.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      add('');
      for (i++; command[i] !== '"';) {
        if (i >= command.length) throw new Error(`unclosed " in: ${command}`);
        const d = command[i] as string;
        if (d === '\\' && '$`"\\'.includes(command[i + 1] ?? '')) {
          add(command[i + 1] as string);
          i += 2;
        } else if (d === '$') i = variable(i);
        else {
          add(d);
          i++;
        }
      }
      i++;
    } else if (c === '\\') {
      add(command[i + 1] ?? '');
      i += 2;
    } else if (c === '$') i = variable(i);
    else {
      add(c);
      i++;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

interface CurlRequest {
  method: string;
  /** Where the connection goes (the proxy with -x). */
  server: string;
  /** The request target: origin-form, or absolute-form through a proxy. */
  target: string;
  headers: Record<string, string>;
  body?: string;
}

/** The options of curl that the examples use, as curl reads them. */
function parseCurl(words: readonly string[]): CurlRequest {
  assert.equal(words[0], 'curl');
  let method: string | undefined;
  let url: string | undefined;
  let proxy: string | undefined;
  let get = false;
  const data: string[] = [];
  const headers: Record<string, string> = {};
  for (let i = 1; i < words.length; i++) {
    const w = words[i] as string;
    const value = (): string => {
      const v = words[++i];
      if (v === undefined) throw new Error(`curl ${w} needs a value`);
      return v;
    };
    if (w === '-s' || w === '--silent' || w === '-N' || w === '--no-buffer') continue;
    else if (w === '-X' || w === '--request') method = value();
    else if (w === '-d' || w === '--data' || w === '--data-raw') data.push(value());
    else if (w === '--data-urlencode') {
      const v = value();
      const eq = v.indexOf('=');
      data.push(
        eq < 0
          ? encodeURIComponent(v)
          : `${v.slice(0, eq)}${eq > 0 ? '=' : ''}${encodeURIComponent(v.slice(eq + 1))}`,
      );
    } else if (w === '-H' || w === '--header') {
      const h = value();
      const colon = h.indexOf(':');
      headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
    } else if (w === '-x' || w === '--proxy') proxy = value();
    else if (w === '-G' || w === '--get') get = true;
    else if (w.startsWith('-')) throw new Error(`the test does not read curl's ${w}`);
    else if (url === undefined) url = w;
    else throw new Error(`a second URL: ${w}`);
  }
  if (url === undefined) throw new Error('curl without a URL');
  const u = new URL(url);
  let body: string | undefined;
  if (data.length > 0 && get) u.search = [u.search.slice(1), ...data].filter((s) => s !== '').join('&');
  else if (data.length > 0) {
    body = data.join('&');
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  }
  return {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    server: proxy ?? u.origin,
    target: proxy === undefined ? `${u.pathname}${u.search}` : u.href,
    headers,
    body,
  };
}

// ---------------------------------------------------------------------------------------------------
// Comparing shapes

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Where the items of a list depart from the documented ones: each item has the shape of a documented item
 * (the first, or another where the document shows several kinds), and each documented item the shape of
 * some item there, so that every kind the document shows is real. An empty list on either side says
 * nothing.
 */
function listMismatch<T>(
  documented: readonly T[],
  actual: readonly T[],
  path: string,
  mismatch: (shown: T, item: T, path: string) => string | undefined,
): string | undefined {
  if (documented.length === 0 || actual.length === 0) return undefined;
  for (const [i, item] of actual.entries()) {
    const misses = documented.map((shown) => mismatch(shown, item, `${path}[${i}]`));
    if (!misses.includes(undefined)) return misses[0];
  }
  for (const [j, shown] of documented.entries())
    if (actual.every((item) => mismatch(shown, item, path) !== undefined))
      return `${path}: nothing in the reply has the shape of documented item ${j + 1}: ${mismatch(shown, actual[0] as T, `${path}[0]`)}`;
  return undefined;
}

/**
 * Where `actual` departs from the documented shape, or undefined: the same keys at every level, the same
 * JSON types, lists as listMismatch says; values may differ.
 */
function shapeMismatch(documented: unknown, actual: unknown, path = ''): string | undefined {
  const [d, a] = [kind(documented), kind(actual)];
  if (d !== a) return `${path || 'the reply'}: documented ${d}, got ${a}`;
  if (Array.isArray(documented) && Array.isArray(actual))
    return listMismatch<unknown>(documented, actual, path, shapeMismatch);
  if (d === 'object') {
    const [dObj, aObj] = [documented as Json, actual as Json];
    const missing = Object.keys(dObj).filter((k) => !(k in aObj));
    const extra = Object.keys(aObj).filter((k) => !(k in dObj));
    if (missing.length > 0) return `${path || 'the reply'} lacks ${missing.join(', ')}`;
    if (extra.length > 0) return `${path || 'the reply'} has undocumented ${extra.join(', ')}`;
    for (const k of Object.keys(dObj)) {
      const miss = shapeMismatch(dObj[k], aObj[k], path ? `${path}.${k}` : k);
      if (miss) return miss;
    }
  }
  return undefined;
}

/** The values a client switches on must be the documented ones: `status` and the error `code`. */
function stableValues(documented: Json, actual: Json): Array<[string, unknown, unknown]> {
  const error = (o: Json) => (kind(o.error) === 'object' ? (o.error as Json).code : undefined);
  return [
    ['status', documented.status, actual.status],
    ['code', documented.code, actual.code],
    ['error.code', error(documented), error(actual)],
  ];
}

function parseXml(text: string, what: string): Element {
  const parsed = new DOMParser({
    onError: (level, message) => {
      throw new Error(`${what} is not well-formed XML (${level}): ${message}`);
    },
  }).parseFromString(text.trim(), 'text/xml');
  const root = parsed.documentElement;
  if (!root) throw new Error(`${what} has no root element`);
  return root;
}

const elementsOf = (el: Element): Element[] => {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
};

/** The item element of a list element, as the document's XML section says: `rooms/room`, `tags/tag`. */
const itemOf = (list: string): string =>
  list.endsWith('rooms') ? 'room' : list.endsWith('s') ? list.slice(0, -1) : '';

/** The XML twin of shapeMismatch: element and attribute names; lists hold items shaped like a documented one. */
function xmlMismatch(documented: Element, actual: Element, path: string): string | undefined {
  if (documented.tagName !== actual.tagName)
    return `${path}: documented <${documented.tagName}>, got <${actual.tagName}>`;
  const attrs = (el: Element) =>
    Array.from({ length: el.attributes.length }, (_, i) => el.attributes.item(i)?.name ?? '').sort();
  if (attrs(documented).join() !== attrs(actual).join()) return `${path}: attributes differ`;
  const [dKids, aKids] = [elementsOf(documented), elementsOf(actual)];
  if (dKids.length === 0) {
    // An empty element stands for an empty list or object: anything may fill it. A value holds no elements.
    if (aKids.length === 0 || documented.textContent === '') return undefined;
    return `${path}: documented a value, got elements`;
  }
  const item = itemOf(documented.tagName);
  if (item !== '' && dKids.every((k) => k.tagName === item))
    return listMismatch(dKids, aKids, `${path}/${item}`, xmlMismatch);
  const names = (kids: Element[]) => kids.map((k) => k.tagName);
  const [dNames, aNames] = [names(dKids), names(aKids)];
  const missing = dNames.filter((n) => !aNames.includes(n));
  const extra = aNames.filter((n) => !dNames.includes(n));
  if (missing.length > 0) return `${path} lacks <${missing.join('>, <')}>`;
  if (extra.length > 0) return `${path} has undocumented <${extra.join('>, <')}>`;
  for (const d of dKids) {
    const miss = xmlMismatch(
      d,
      aKids.find((a) => a.tagName === d.tagName) as Element,
      `${path}/${d.tagName}`,
    );
    if (miss) return miss;
  }
  return undefined;
}

const xmlText = (root: Element, path: string[]): string | undefined => {
  let el: Element | undefined = root;
  for (const name of path) el = el && elementsOf(el).find((k) => k.tagName === name);
  return el?.textContent ?? undefined;
};

const JSONP = /^([A-Za-z_$][\w$.]*)\(([\s\S]*)\)\s*;?\s*$/;

/** Checks a reply on the wire against the documented one; the failure says what differs and shows both. */
function checkReply(example: Example, request: CurlRequest, wire: Wire): void {
  const where = `docs/api.md:${example.line}: ${request.method} ${request.target}`;
  const shown = `\n  documented: ${example.reply.body.replace(/\s+/g, ' ').slice(0, 400)}\n  got: ${wire.text.slice(0, 1500)}`;
  const type = String(wire.headers['content-type'] ?? '');
  if (example.reply.lang === 'xml') {
    assert.match(type, /^text\/xml/, `${where}: an XML reply${shown}`);
    const [d, a] = [parseXml(example.reply.body, `${where} (documented)`), parseXml(wire.text, where)];
    const miss = xmlMismatch(d, a, d.tagName);
    assert.equal(miss, undefined, `${where}: ${miss}${shown}`);
    for (const path of [['status'], ['error', 'code']])
      assert.equal(xmlText(a, path), xmlText(d, path), `${where}: <${path.join('/')}>${shown}`);
    return;
  }
  assert.match(type, /^(application|text)\/(javascript|json)/, `${where}: a JSON reply${shown}`);
  let [dText, aText] = [example.reply.body, wire.text];
  if (example.reply.lang === 'jsonp') {
    const [d, a] = [JSONP.exec(dText.trim()), JSONP.exec(aText.trim())];
    assert.ok(d, `${where}: the documented reply is not NAME(json)`);
    assert.ok(a, `${where}: the reply is not JSONP${shown}`);
    assert.equal(a[1], d[1], `${where}: the callback's name${shown}`);
    [dText, aText] = [d[2] as string, a[2] as string];
  }
  const documented = JSON.parse(dText) as Json;
  let actual: Json;
  try {
    actual = JSON.parse(aText) as Json;
  } catch {
    assert.fail(`${where}: the reply is not JSON${shown}`);
  }
  const miss = shapeMismatch(documented, actual);
  assert.equal(miss, undefined, `${where}: ${miss}${shown}`);
  for (const [name, d, a] of stableValues(documented, actual))
    assert.equal(a, d, `${where}: ${name}${shown}`);
}

// ---------------------------------------------------------------------------------------------------
// The scenario the examples assume (docs/api.md, "Examples")

const ALICE = { username: 'alice', password: 'correct horse', name: 'Alice', email: 'alice@example.com' };
const BOB = { username: 'bob', password: 'battery staple', name: 'Bob', email: 'bob@example.com' };
const API_KEY = '0123456789abcdef0123456789abcdef';

class Scenario {
  private bobSession = '';
  private verifier = '';

  constructor(private readonly t: TestServer) {}

  async setUp(): Promise<void> {
    const { admin, server } = this.t;
    await admin.addUser(ALICE);
    await admin.addUser(BOB);
    await admin.addRoom({
      id: 'vim',
      name: 'Vim',
      blurb: 'All about Vim',
      owner: 'alice',
      tags: ['editor', 'vim'],
    });
    await admin.join('vim', 'bob');
    const bot = await server.chat.bots.register('operator', { id: 'vim_jp', name: 'vim-jp' });
    await server.chat.bots.addToRoom('operator', 'vim', 'vim_jp');
    this.verifier = createHash('sha1').update(`vim_jp${bot.secret}`).digest('hex');
    this.bobSession = await this.signIn(BOB);
    // Lines to read, scroll back through and find.
    await this.bobSays('hello, vim people');
    await this.ok('room/say', {
      room: 'vim',
      bot: 'vim_jp',
      bot_verifier: this.verifier,
      text: 'Vim 9.1 is out',
    });
    await this.ok('room/say', { session: await this.signIn(ALICE), room: 'vim', text: 'finally!' });
  }

  /** The values of the variables one example uses, made afresh for it. */
  async variables(names: ReadonlySet<string>): Promise<Map<string, string>> {
    const need = (...any: string[]) => any.some((n) => names.has(n));
    const vars = new Map([
      ['BASE', this.t.url],
      ['BOT_VERIFIER', this.verifier],
    ]);
    if (need('SESSION', 'COUNTER')) vars.set('SESSION', await this.signIn(ALICE));
    if (need('COUNTER')) {
      const subscribed = await this.ok('room/subscribe', {
        session: vars.get('SESSION') as string,
        room: 'vim',
      });
      vars.set('COUNTER', String(subscribed.counter));
      await this.bobSays('hello, vim people');
    }
    if (need('MESSAGE')) vars.set('MESSAGE', await this.bobSays('hello, vim people'));
    if (need('V1_NEW_SESSION')) vars.set('V1_NEW_SESSION', await this.v1Session());
    if (need('V1_SESSION', 'TICKET', 'V1_COUNTER', 'PROFILE_TICKET', 'PROFILE_COUNTER'))
      vars.set('V1_SESSION', await this.v1Session(ALICE));
    const v1 = vars.get('V1_SESSION') as string;
    if (need('TICKET', 'V1_COUNTER', 'PROFILE_TICKET', 'PROFILE_COUNTER')) {
      const entered = await this.v1('room/enter', { session: v1, id: 'vim', nickname: 'Alice' });
      vars.set('TICKET', entered.ticket as string);
      vars.set('V1_COUNTER', String((entered.room as Json).counter));
    }
    if (need('V1_COUNTER')) {
      // Bob comes in through API 1.0 and speaks, and the bot: the room's lines and roster change after it.
      const bob = await this.v1Session(BOB);
      const entered = await this.v1('room/enter', { session: bob, id: 'vim', nickname: 'Bob' });
      await this.v1('room/say', {
        session: bob,
        ticket: entered.ticket as string,
        message: 'hello from API 1.0',
      });
      await this.ok('room/say', {
        room: 'vim',
        bot: 'vim_jp',
        bot_verifier: this.verifier,
        text: 'Vim 9.1 is out',
      });
    }
    if (need('PROFILE_TICKET', 'PROFILE_COUNTER')) {
      const started = await this.v1('user/start_observing', { session: v1 });
      vars.set('PROFILE_TICKET', started.ticket as string);
      vars.set('PROFILE_COUNTER', String(started.counter));
      // A change to alice's profile after the counter, so user/observe answers at once.
      await this.v1('room/set_nickname', {
        session: v1,
        ticket: vars.get('TICKET') as string,
        nickname: 'Alice (away)',
      });
    }
    return vars;
  }

  private async ok(method: string, params: Record<string, string>): Promise<Json> {
    const reply = await this.t.api(method, params);
    assert.equal(reply.status, 'ok', `${method}: ${JSON.stringify(reply)}`);
    return reply;
  }

  private async v1(method: string, params: Record<string, string>): Promise<Json> {
    return this.ok(method, { ...params, format: 'json' });
  }

  private async signIn(who: typeof ALICE): Promise<string> {
    return (await this.ok('session/create', { user: who.username, password: who.password }))
      .session as string;
  }

  private async bobSays(text: string): Promise<string> {
    const said = await this.ok('room/say', { session: this.bobSession, room: 'vim', text });
    return (said.message as Json).id as string;
  }

  /** An API 1.0 session, logged in when a user is given. */
  private async v1Session(who?: typeof ALICE): Promise<string> {
    const session = (await this.v1('session/create', { api_key: API_KEY })).session as string;
    if (who) await this.v1('auth/login', { session, email: who.email, password: who.password });
    return session;
  }
}

// ---------------------------------------------------------------------------------------------------

describe('docs/api.md documents every method the API serves', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.stop());

  const generations = () => ({
    v2: apiV2(t.server.chat, new V2Codec(t.url), { hold: () => Promise.resolve() }),
    v1: apiV1(t.server.chat, t.url, () => false),
  });

  it('gives each API 2.0 method a heading under "API 2.0 endpoints"', () => {
    const documented = documentedPaths(section(doc, 'API 2.0 endpoints'));
    const served = [...generations().v2.methods.keys()];
    assert.ok(served.length >= 13);
    assert.deepEqual(
      served.filter((m) => !documented.has(m)),
      [],
      'API 2.0 methods without a heading',
    );
    const stale = [...documented].filter((p) => p.includes('/') && !served.includes(p));
    assert.deepEqual(stale, [], 'headings naming API 2.0 methods the server does not serve');
  });

  it('gives each API 1.0 method a heading under "API 1.0"', () => {
    const documented = documentedPaths(section(doc, 'API 1.0'));
    const served = [...generations().v1.methods.keys()];
    assert.ok(served.length >= 25);
    assert.deepEqual(
      served.filter((m) => !documented.has(m)),
      [],
      'API 1.0 methods without a heading',
    );
    const stale = [...documented].filter((p) => p.includes('/') && !served.includes(p));
    assert.deepEqual(stale, [], 'headings naming API 1.0 methods the server does not serve');
  });

  it('documents every path the route table serves under /api/ besides the methods (the streams)', () => {
    const streams = t.server.routes.paths().filter((p) => p.startsWith('/api/'));
    assert.ok(streams.length >= 3, streams.join(' '));
    const streaming = section(doc, 'Streaming');
    assert.deepEqual(
      streams.filter((p) => !streaming.includes(`${p}?`) && !streaming.includes(`${p}\``)),
      [],
      'paths under /api/ that the Streaming section never names',
    );
  });

  it('gives every API 2.0 error code a row in the error table', () => {
    const errors = section(doc, 'Conventions');
    const rows = new Set([...errors.matchAll(/^\| `([a-z_]+)` +\|/gm)].map((m) => m[1]));
    for (const code of [
      'invalid_user_credentials',
      'invalid_session',
      'not_found',
      'rate_limited',
      'invalid_parameter',
      'forbidden',
      'invalid_bot_verifier',
      'invalid_counter',
      'internal_error',
      'method_not_allowed',
      'bad_request_target',
    ])
      assert.ok(rows.has(code), `no row for ${code}`);
  });
});

describe('every example request in docs/api.md gets a reply of the documented shape', () => {
  const found = examples(doc);
  let t: TestServer;
  let scenario: Scenario;
  before(async () => {
    t = await startTestServer();
    scenario = new Scenario(t);
    await scenario.setUp();
  });
  after(() => t.stop());

  it('has examples, and explains every variable they use', () => {
    assert.ok(found.length >= 40, `only ${found.length} examples`);
    const explained = section(doc, 'Examples');
    for (const e of found)
      for (const name of variablesIn(e.command))
        assert.ok(
          explained.includes(`\`$${name}\``),
          `docs/api.md:${e.line}: $${name} is not in the Examples table`,
        );
  });

  for (const example of found)
    it(`line ${example.line}: ${example.command.slice(0, 110)}`, async () => {
      const vars = await scenario.variables(variablesIn(example.command));
      const request = parseCurl(shellWords(example.command, vars));
      if (example.reply.lang === 'text') {
        const path = new URL(request.target, request.server).pathname;
        assert.ok(
          STREAM_PATHS.includes(path),
          `docs/api.md:${example.line}: only streams may show a text reply`,
        );
        return;
      }
      const wire = await send(request.server, {
        method: request.method,
        path: request.target,
        headers: request.headers,
        body: request.body,
      });
      checkReply(example, request, wire);
    });
});

describe('the shape check itself', () => {
  it('tells a missing key, an extra key, a changed type and a stray list item', () => {
    const documented = { status: 'ok', rooms: [{ id: 'vim', tags: ['a'] }] };
    assert.equal(shapeMismatch(documented, { status: 'ok', rooms: [{ id: 'x', tags: [] }] }), undefined);
    assert.match(shapeMismatch(documented, { status: 'ok', rooms: [{ tags: [] }] }) ?? '', /lacks id/);
    assert.match(shapeMismatch(documented, { status: 'ok', rooms: [], x: 1 }) ?? '', /undocumented x/);
    assert.match(shapeMismatch(documented, { status: 'ok', rooms: [{ id: 1, tags: [] }] }) ?? '', /id/);
    assert.match(
      shapeMismatch(documented, { status: 'ok', rooms: [{ id: 'v', tags: [2] }] }) ?? '',
      /tags\[0\]/,
    );
  });

  it('reads XML lists as lists and objects as objects', () => {
    const documented = parseXml(
      '<response><status>ok</status><tags><tag><name>a</name></tag></tags></response>',
      'd',
    );
    const same = parseXml('<response><status>ok</status><tags/></response>', 'a');
    const odd = parseXml('<response><status>ok</status><tags><tag><nom>a</nom></tag></tags></response>', 'a');
    assert.equal(xmlMismatch(documented, same, 'response'), undefined);
    assert.match(xmlMismatch(documented, odd, 'response') ?? '', /lacks <name>/);
  });

  it('reads curl as curl does', () => {
    const vars = new Map([
      ['BASE', 'http://127.0.0.1:9'],
      ['S', 'a b'],
    ]);
    const r = parseCurl(
      shellWords(`curl -d "s=$S" --data-urlencode 'text=x & y' "$BASE/api/room/say"`, vars),
    );
    assert.deepEqual(r, {
      method: 'POST',
      server: 'http://127.0.0.1:9',
      target: '/api/room/say',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 's=a b&text=x%20%26%20y',
    });
    const p = parseCurl(shellWords(`curl -x "$BASE" "http://lingr.com/api/x?a=1"`, vars));
    assert.equal(p.target, 'http://lingr.com/api/x?a=1');
    assert.equal(p.server, 'http://127.0.0.1:9');
  });
});

// ---------------------------------------------------------------------------------------------------
// Links

const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'data']);

function markdownFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...markdownFiles(path));
    else if (entry.name.endsWith('.md')) out.push(path);
  }
  return out;
}

/** Link targets in markdown prose: inline links and images, reference definitions, HTML href and src. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  return [
    ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] as string),
    ...[...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1] as string),
    ...[...text.matchAll(/\b(?:href|src)\s*=\s*"([^"]+)"/g)].map((m) => m[1] as string),
  ];
}

/** Why a relative link does not lead to a file inside the repository, or undefined when it does. */
function brokenLink(file: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined;
  const [rawPath = '', anchor] = target.split('#', 2);
  const path = decodeURIComponent(rawPath);
  if (path.startsWith('/')) return 'an absolute path, which leads outside a clone of the repository';
  const resolved = path === '' ? file : resolve(dirname(file), path);
  const inside = relative(ROOT, resolved);
  if (inside === '..' || inside.startsWith(`..${sep}`)) return 'it leads outside the repository';
  if (!existsSync(resolved)) return 'no such file';
  if (anchor !== undefined && anchor !== '' && resolved.endsWith('.md')) {
    if (!anchors(readFileSync(resolved, 'utf8')).has(anchor)) return `no heading for #${anchor}`;
  }
  return undefined;
}

describe('no link in the project leads outside it', () => {
  it('resolves every relative link of every markdown file to a file (and heading) in the repository', () => {
    const files = markdownFiles(ROOT);
    assert.ok(files.includes(API_DOC) && files.includes(join(ROOT, 'README.md')));
    const broken: string[] = [];
    let links = 0;
    for (const file of files)
      for (const target of linkTargets(readFileSync(file, 'utf8'))) {
        links++;
        const why = brokenLink(file, target);
        if (why) broken.push(`${relative(ROOT, file)}: ${target}: ${why}`);
      }
    assert.ok(links > 20, `only ${links} links found`);
    assert.deepEqual(broken, []);
  });

  it('tells a link out of the repository from one inside it', () => {
    const readme = join(ROOT, 'README.md');
    assert.match(brokenLink(readme, '../shared/spec/lingr-api.md') ?? '', /outside the repository/);
    assert.match(brokenLink(readme, '/etc/passwd') ?? '', /absolute path/);
    assert.match(brokenLink(readme, 'docs/nothing-here.md') ?? '', /no such file/);
    assert.match(brokenLink(readme, 'docs/api.md#no-such-heading') ?? '', /no heading/);
    assert.equal(brokenLink(readme, 'docs/api.md#api-20-endpoints'), undefined);
    assert.equal(brokenLink(readme, 'https://example.com/x'), undefined);
  });
});
