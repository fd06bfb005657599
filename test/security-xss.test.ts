import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { multipart } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';
import { postForm, webUser, type Browser as WebVisitor } from './support/web.js';

// --- payloads ---------------------------------------------------------------------------------------

/** Parsed as markup, every payload makes an element carrying this attribute. */
const MARK = 'data-xss';
/** Nicknames and display names take 50 characters: every payload fits, so every field gets all of them. */
const MAX_PAYLOAD = 50;
const PREFIXES = ['', '">', "'>", '</textarea>', '</title>', '-->'] as const;

const entities = (s: string) =>
  s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');

/**
 * `$C` becomes a call of the detector, `__xss(token)`. `only` keeps the prefixes it breaks out with;
 * `decoded` is the mistake an encoded form waits for (a layer that decodes once too often).
 */
const VECTORS: ReadonlyArray<{
  name: string;
  body: string;
  only?: readonly string[];
  decoded?: (s: string) => string;
}> = [
  { name: 'script', body: `<script ${MARK}>$C</script>` },
  { name: 'script, mixed case', body: `<ScRiPt ${MARK}>$C</sCrIpT>` },
  { name: 'script in svg', body: `<svg><script ${MARK}>$C</script>` },
  { name: 'img onerror', body: `<img ${MARK} src onerror=$C>` },
  { name: 'img, tab separated', body: `<img\t${MARK}\tsrc\tonerror=$C>` },
  { name: 'img, unclosed', body: `<img ${MARK} src onerror=$C//` },
  { name: 'svg onload', body: `<svg ${MARK} onload=$C>` },
  { name: 'svg, unclosed', body: `<svg ${MARK} onload=$C//` },
  { name: 'body onload', body: `<body ${MARK} onload=$C>` },
  { name: 'video onerror', body: `<video ${MARK} src onerror=$C>` },
  { name: 'audio onerror', body: `<audio ${MARK} src onerror=$C>` },
  { name: 'input autofocus', body: `<input ${MARK} autofocus onfocus=$C>` },
  { name: 'marquee onstart', body: `<marquee ${MARK} onstart=$C>` },
  { name: 'details ontoggle', body: `<details ${MARK} open ontoggle=$C>` },
  {
    name: 'double-quoted attribute breakout',
    body: `" ${MARK} autofocus onfocus=$C x="`,
    only: ['', "'>", '</textarea>', '</title>', '-->'],
  },
  {
    name: 'single-quoted attribute breakout',
    body: `' ${MARK} autofocus onfocus=$C x='`,
    only: ['', '">', '</textarea>', '</title>', '-->'],
  },
  { name: 'unquoted attribute breakout', body: `x ${MARK} autofocus onfocus=$C`, only: [''] },
  { name: 'a href javascript:', body: `<a ${MARK} href=javascript:$C>x</a>` },
  { name: 'a href, entity in scheme', body: `<a ${MARK} href=&#x6a;avascript:$C>` },
  { name: 'a href, tab in scheme', body: `<a ${MARK} href=java&#9;script:$C>` },
  { name: 'a href, space before scheme', body: `<a ${MARK} href=" javascript:$C">` },
  { name: 'javascript: URL in text', body: `javascript:$C//<i ${MARK}>` },
  { name: 'JaVaScRiPt: URL in text', body: `JaVaScRiPt:$C//<b ${MARK}>` },
  {
    name: 'URL then quote breakout',
    body: `https://a.b/"onmouseover=$C ${MARK}="`,
    only: ['', "'>", '</textarea>', '</title>', '-->'],
  },
  { name: 'URL then markup', body: `https://a.b/<svg ${MARK} onload=$C>` },
  { name: 'iframe srcdoc', body: `<iframe ${MARK} srcdoc=<svg/onload=$C&gt;>` },
  { name: 'iframe javascript:', body: `<iframe ${MARK} src=javascript:$C>` },
  { name: 'object data', body: `<object ${MARK} data=javascript:$C>` },
  { name: 'embed src', body: `<embed ${MARK} src=javascript:$C>` },
  // A refresh cannot call anything (browsers refuse javascript: there); it would navigate, and is marked.
  { name: 'meta refresh', body: `<meta ${MARK} http-equiv=refresh content=0>` },
  { name: 'base href', body: `<base ${MARK} href=javascript:$C//>` },
  { name: 'form action', body: `<form ${MARK} action=javascript:$C>` },
  { name: 'style expression', body: `<p ${MARK} style=x:expression($C)>` },
  { name: 'style element breakout', body: `</style><svg ${MARK} onload=$C>` },
  { name: 'script element breakout', body: `</script><svg ${MARK} onload=$C>` },
  { name: 'comment trick', body: `<!--><svg ${MARK} onload=$C>` },
  { name: 'CDATA trick', body: `<![CDATA[><svg ${MARK} onload=$C>]]>` },
  { name: 'JS string breakout, single quote', body: `';$C;'<b ${MARK}>` },
  { name: 'JS string breakout, double quote', body: `";$C;"<b ${MARK}>` },
  { name: 'JS template breakout', body: `\`;$C;\`<i ${MARK}>` },
  { name: 'unicode line separators', body: `x\u2028<svg ${MARK} onload=$C>\u2029x` },
  { name: 'entity-encoded', body: `&lt;svg ${MARK} onload=$C&gt;`, decoded: entities },
  { name: 'numeric entities', body: `&#60;img ${MARK} src onerror=$C&#62;`, decoded: entities },
  {
    name: 'double-encoded',
    body: `&amp;lt;svg ${MARK} onload=$C&amp;gt;`,
    decoded: (s) => entities(entities(s.replace(/&amp;/g, '&'))),
  },
  { name: 'percent-encoded', body: `%3Csvg ${MARK} onload=$C%3E`, decoded: decodeURIComponent },
  {
    name: 'fullwidth brackets',
    body: `\uff1csvg ${MARK} onload=$C\uff1e`,
    decoded: (s) => s.normalize('NFKC'),
  },
];

interface Payload {
  id: number;
  vector: string;
  prefix: string;
  /** The payload with its detector call numbered `token`. */
  text(token: number): string;
  /** What it becomes after the decoding mistake it waits for, if it is an encoded form. */
  decoded(token: number): string;
}

const codePoints = (s: string) => [...s].length;

const PAYLOADS: Payload[] = [];
for (const v of VECTORS)
  for (const prefix of PREFIXES) {
    if (v.only && !v.only.includes(prefix)) continue;
    const text = (token: number) => prefix + v.body.replace('$C', `__xss(${token})`);
    const decoded = (token: number) => (v.decoded ? v.decoded(text(token)) : text(token));
    if (codePoints(text(9999)) <= MAX_PAYLOAD)
      PAYLOADS.push({ id: PAYLOADS.length, vector: v.name, prefix, text, decoded });
  }

/** Every place hostile text enters, each with its own token range so a report names field and payload. */
const FIELDS = [
  'message text',
  'message nickname',
  'display name',
  'guest nickname',
  'room name',
  'room description',
  'search query',
  'archive search query',
  'sign-in next',
  'sign-in next, URL-encoded',
  'sign-in username',
  'sign-up username',
  'sign-up display name',
  'new room id',
  'new room name, refused',
  'new room description, refused',
  'new room tags',
  'room timezone',
  'edited room name, refused',
  'edited room description, refused',
  'display name, refused',
  'guest nickname, refused',
  'tag in the path',
] as const;
type Field = (typeof FIELDS)[number];

const tokenOf = (field: Field, p: Payload) => 1000 + FIELDS.indexOf(field) * PAYLOADS.length + p.id;
const placed = new Map<Field, Set<number>>(FIELDS.map((f) => [f, new Set<number>()]));

/** The payload's text for a field; the field counts it as covered (each placement is rendered). */
function hostile(field: Field, p: Payload): string {
  placed.get(field)?.add(p.id);
  return p.text(tokenOf(field, p));
}

/** Which field and payload a token in a report stands for. */
function explain(report: string): string {
  return report.replace(/__xss\((\d+)\)|payload (\d+)/g, (whole, a?: string, b?: string) => {
    const token = Number(a ?? b) - 1000;
    const field = FIELDS[Math.floor(token / PAYLOADS.length)];
    const p = PAYLOADS[token % PAYLOADS.length];
    return field && p ? `${whole} [${field}: ${p.vector}, prefix ${JSON.stringify(p.prefix)}]` : whole;
  });
}

/**
 * Pages that show one user's or one room's value take a page load per payload. Where other pages show
 * every payload in the same template slot (lists, error pages echoing many at once), only every
 * `SAMPLE`th is loaded, so the run stays under a minute.
 */
const SAMPLE = 4;
const sampled = <T>(items: readonly T[], stride = SAMPLE) => items.filter((_, i) => i % stride === 0);

/** Consecutive groups of `size`. */
function groups<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Payload texts joined into values of at most `max` UTF-16 units (what a truncating field keeps). */
function packed(field: Field, max: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const p of PAYLOADS) {
    const text = hostile(field, p);
    if (current && current.length + text.length > max) {
      out.push(current);
      current = '';
    }
    current += text;
  }
  if (current) out.push(current);
  return out;
}

/** Percent-encodes everything but letters, digits and `-._`, so the result passes as a local path. */
const strictlyEncoded = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Runs `fn` over items, `width` at a time. */
async function inBatches<T>(items: readonly T[], width: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < items.length; i = next++) await fn(items[i] as T, i);
    }),
  );
}

// --- detection in the browser -----------------------------------------------------------------------

/**
 * Installed in every frame before any page script: records calls of `__xss`, CSP violations (markup of
 * a user that reached the DOM even though CSP stopped it) and foreign elements as they are inserted.
 */
const DETECTOR = String.raw`(() => {
  if (window.__xssLog) return;
  const log = [];
  Object.defineProperty(window, '__xssLog', { value: log });
  const report = (what) => {
    log.push(what);
    try { window.__xssReport(what); } catch {}
  };
  window.__xss = (id) => report('executed payload ' + id);
  document.addEventListener('securitypolicyviolation', (e) => report('CSP violation: ' + e.violatedDirective +
    ' ' + e.blockedURI + ' at ' + e.lineNumber + ':' + e.columnNumber + ' ' + e.sample), true);
  const SUSPECT = '[${MARK}], iframe, frame, frameset, object, embed, base, meta[http-equiv], style, [style], ' +
    'script:not([src]), script[src]:not([src^="/static/"]), [srcdoc], [formaction]';
  const foreign = (el) => {
    if (el.matches(SUSPECT)) return true;
    for (const a of el.attributes) if (/^on/i.test(a.name)) return true;
    for (const name of ['href', 'src', 'action', 'data']) {
      const value = el.getAttribute(name);
      if (value === null) continue;
      try {
        if (/^(javascript|vbscript|data):$/i.test(new URL(value, document.baseURI).protocol)) return true;
      } catch {}
    }
    return false;
  };
  const scan = (node) => {
    if (node.nodeType !== 1) return;
    for (const el of [node, ...node.querySelectorAll('*')])
      if (foreign(el)) report('foreign element: ' + el.outerHTML.slice(0, 200));
  };
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) scan(n);
  }).observe(document, { childList: true, subtree: true });
  window.__xssScan = () => { scan(document.documentElement); return log.slice(); };
})();`;

/** A value a page shows: an element's text or a form field's value (`title` is the document's). */
type Read = readonly [selector: string, how: 'text' | 'value'];

/** What the page holds now (the detector's records and a fresh scan of the DOM), and the values asked for. */
const checkScript = (reads: readonly Read[] = []) => `(() => {
  const found = window.__xssScan ? window.__xssScan() : ['detector missing'];
  if (document.querySelector('[${MARK}]')) found.push('marker in the DOM');
  if (document.querySelector('a[href^="javascript:" i]')) found.push('javascript: link');
  const values = ${JSON.stringify(reads)}.map(([selector, how]) => {
    if (selector === 'title') return document.title;
    const el = document.querySelector(selector);
    return el === null ? null : how === 'value' ? el.value : el.textContent;
  });
  return { found: [...new Set(found)], values };
})()`;

/** A form built in the page and posted by the browser itself, with the page's form token when it has one. */
function submitScript(action: string, fields: Record<string, string>, asMultipart: boolean): string {
  return `(() => {
    const f = document.createElement('form');
    f.method = 'post';
    f.action = ${JSON.stringify(action)};
    if (${asMultipart}) f.enctype = 'multipart/form-data';
    const token = document.querySelector('meta[name="csrf-token"]');
    const fields = ${JSON.stringify(fields)};
    if (token) fields.csrf = token.content;
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement('textarea');
      input.name = name;
      input.value = value;
      f.append(input);
    }
    document.body.append(f);
    f.submit();
  })()`;
}

/** `document.title` strips and collapses ASCII whitespace. */
const asTitle = (s: string) => s.replace(/[\t\n\f\r ]+/g, ' ').trim();

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/** A browser context with the detector installed, and a page of it. */
interface Lens {
  context: BrowserContext;
  page: Page;
}

/** A page load of the pool: what it must show, checked in the same round trip as the scan. */
interface Job {
  path: string;
  kind: string;
  /** Sent as a header: the pool's context itself holds no cookie. */
  cookie?: string;
  status?: number;
  reads?: ReadonlyArray<readonly [selector: string, how: 'text' | 'value', expected: string]>;
}

interface HostileRoom {
  id: string;
  name: string;
  blurb: string;
  owner: WebVisitor;
  ownerName: string;
  tag: string;
}

// --- the suite ----------------------------------------------------------------------------------------

describe('XSS: hostile text in every user-controlled field, rendered in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  /** Pages of one context that render most of the single-value pages, several at a time. */
  let pool: Page[] = [];
  let watcher: WebVisitor;
  let watcherLens: Lens;
  let forms: Lens;
  let anonymous: Lens;
  /** One user per payload: display names, room owners. */
  let people: WebVisitor[] = [];
  /** The display name each of them set. */
  const names: string[] = [];
  const rooms: HostileRoom[] = [];
  const incidents = new Set<string>();
  const missingCsp = new Set<string>();
  const pending: Array<Promise<void>> = [];
  const rendered = new Map<string, number>();
  let htmlResponses = 0;

  /**
   * A context that reports to `sink` whatever the detector hears and any dialog, and checks every HTML
   * response for a Content-Security-Policy header; signed in when given a session cookie.
   */
  async function newLens(cookie?: string, sink = incidents): Promise<Lens> {
    const ours = sink === incidents;
    const context = await browser.newContext();
    await context.exposeBinding('__xssReport', (source, what: unknown) => {
      sink.add(`${source.frame.url()} — ${String(what)}`);
    });
    await context.addInitScript({ content: DETECTOR });
    context.on('dialog', (d) => {
      sink.add(`${d.page()?.url() ?? '?'} — dialog opened: ${d.message()}`);
      void d.dismiss().catch(() => undefined);
    });
    context.on('response', (r) => {
      if (!ours || !(r.headers()['content-type'] ?? '').startsWith('text/html')) return;
      htmlResponses++;
      if (r.headers()['content-security-policy']) return;
      // The quick view of the headers may leave some out: ask for all of them before calling it missing.
      pending.push(
        r.allHeaders().then((h) => {
          if (!h['content-security-policy'])
            missingCsp.add(`${r.request().method()} ${r.url()} (${r.status()})`);
        }),
      );
    });
    const value = cookie?.split('=')[1];
    if (value) await context.addCookies([{ name: 'lingr_session', value, url: t.url }]);
    return { context, page: await context.newPage() };
  }

  /** Checks the page as it is now, under `kind` in the counts; returns the values asked for. */
  async function inspect(
    page: Page,
    kind: string,
    reads: readonly Read[] = [],
    sink = incidents,
  ): Promise<Array<string | null>> {
    if (sink === incidents) rendered.set(kind, (rendered.get(kind) ?? 0) + 1);
    const { found, values } = await page.evaluate<{ found: string[]; values: Array<string | null> }>(
      checkScript(reads),
    );
    for (const f of found) sink.add(`${kind} ${page.url()} — ${f}`);
    return values;
  }

  /**
   * Loads a page and checks it. Parsing is over at DOMContentLoaded: any markup of a user would be in the
   * DOM by then, and an inline script of one would have run.
   */
  async function show(lens: Lens, path: string, kind: string, status = 200): Promise<Page> {
    const res = await lens.page.goto(`${t.url}${path}`, { waitUntil: 'domcontentloaded' });
    assert.equal(res?.status(), status, `${kind}: ${path}`);
    await inspect(lens.page, kind);
    return lens.page;
  }

  /** Posts a form from the page (the browser sends it, with Origin and cookie); checks what comes back. */
  async function post(
    lens: Lens,
    action: string,
    fields: Record<string, string>,
    kind: string,
    status: number,
    asMultipart = false,
  ): Promise<Page> {
    const { page } = lens;
    if (!page.url().startsWith(t.url)) await page.goto(`${t.url}/signin`);
    const answered = page.waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === action,
    );
    const loaded = page.waitForEvent('domcontentloaded');
    await page.evaluate(submitScript(action, fields, asMultipart));
    assert.equal((await answered).status(), status, `${kind}: POST ${action}`);
    await loaded;
    await inspect(page, kind);
    return page;
  }

  /** Renders every job in one of the pool's pages, as `show` does. */
  async function renderAll(jobs: readonly Job[]): Promise<void> {
    let next = 0;
    await Promise.all(
      pool.map(async (page) => {
        for (let job = jobs[next++]; job; job = jobs[next++]) {
          await page.setExtraHTTPHeaders(job.cookie ? { cookie: job.cookie } : {});
          const res = await page.goto(`${t.url}${job.path}`, { waitUntil: 'domcontentloaded' });
          assert.equal(res?.status(), job.status ?? 200, `${job.kind}: ${job.path}`);
          const reads = job.reads ?? [];
          const values = await inspect(
            page,
            job.kind,
            reads.map(([selector, how]) => [selector, how] as const),
          );
          assert.deepEqual(
            values,
            reads.map(([, , expected]) => expected),
            `${job.kind}: ${job.path}`,
          );
        }
      }),
    );
  }

  /** Everything found so far, with tokens named; empty when nothing ran or reached the DOM. */
  async function findings(): Promise<string[]> {
    await Promise.all(pending);
    return [...incidents].map(explain);
  }

  /**
   * A test that ends by asserting nothing ran and no markup reached a page. When it fails on the way (a
   * page that no longer shows what it should, a navigation an injected refresh cut short), what reached
   * the page is named first: field, payload and page.
   */
  function xssIt(name: string, body: (ctx: TestContext) => Promise<void>): void {
    it(name, async (ctx) => {
      const earlier = new Set(incidents);
      const fresh = async () => {
        await Promise.all(pending);
        return [...incidents].filter((i) => !earlier.has(i)).map(explain);
      };
      try {
        await body(ctx);
      } catch (err) {
        const found = await fresh();
        if (found.length > 0)
          assert.fail(
            `payloads reached the page:\n${found.join('\n')}\nand then: ${err instanceof Error ? err.message : String(err)}`,
          );
        throw err;
      }
      assert.deepEqual(await fresh(), [], 'nothing ran and no markup reached a page');
    });
  }

  /** API call; fails the test when the answer is not ok. */
  async function api(method: string, params: Record<string, string | number>) {
    const reply = await t.api(method, params);
    assert.equal(reply.status, 'ok', `${method}: ${JSON.stringify(reply)}`);
    return reply;
  }

  /** A web form as a client without a browser posts it (urlencoded, from our origin, with the form token). */
  async function formPost(who: WebVisitor, path: string, fields: Record<string, string>): Promise<void> {
    const res = await postForm(t.url, path, { csrf: who.csrf, ...fields }, who.cookie);
    await res.text();
    assert.equal(res.status, 303, `POST ${path}`);
  }

  /** A form post from a given loopback address (guests are limited per address). */
  function postFrom(address: string, path: string, fields: Record<string, string>) {
    const target = new URL(t.url);
    const body = new URLSearchParams(fields).toString();
    return new Promise<{ status: number; cookie: string }>((resolve, reject) => {
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          method: 'POST',
          path,
          localAddress: address,
          agent: false,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
            origin: t.url,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              cookie: (res.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '',
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Says `text` in `room` and comes online there (an observe that answers at once with the line). */
  async function sayAndStay(session: string, room: string, text: string): Promise<number> {
    const { counter } = await api('room/subscribe', { session, room });
    const said = await api('room/say', { session, room, text });
    await api('event/observe', { session, counter: Number(counter) });
    return Number((said.message as { id: string }).id);
  }

  async function waitLive(page: Page): Promise<void> {
    await page.locator('.connection[data-state="live"]').waitFor({ timeout: 10_000 });
  }

  /** Renders a room's day page, found through its archives index; returns it. */
  async function dayPage(lens: Lens, room: string): Promise<Page> {
    const archives = await show(lens, `/room/${room}/archives`, 'archives index');
    const day = (await archives.locator('.days a').first().getAttribute('href')) ?? '';
    return show(lens, day, 'day page');
  }

  const trimmed = async (page: Page, selector: string) =>
    (await page.locator(selector).allTextContents()).map((s) => s.trim());
  const sorted = (list: readonly string[]) => [...list].sort();

  before(async () => {
    t = await startTestServer({ sayPerMinute: '100000', callsPerMinute: '1000000' });
    browser = await launchChromium();
    watcher = await webUser(t, 'watcher');
    people = new Array<WebVisitor>(PAYLOADS.length);
    await inBatches(PAYLOADS, 8, async (p) => {
      people[p.id] = await webUser(t, `d${p.id}`);
    });
    const shared = await newLens();
    // Three: a badge holds an event stream open, and a browser opens six connections to a host at most.
    pool = [shared.page, ...(await Promise.all([1, 2].map(() => shared.context.newPage())))];
    anonymous = await newLens();
    watcherLens = await newLens(watcher.cookie);
    forms = await newLens(people[0]?.cookie);
  });

  after(async () => {
    await browser?.close();
    await t?.stop();
  });

  it(`has ${PAYLOADS.length} distinct payloads that break out when unescaped, and detectors that see them`, async () => {
    assert.ok(PAYLOADS.length >= 210);
    assert.equal(new Set(PAYLOADS.map((p) => p.text(1000))).size, PAYLOADS.length, 'payloads are distinct');
    assert.ok(PAYLOADS.every((p) => codePoints(p.text(9999)) <= MAX_PAYLOAD));

    // Unescaped (and, for the encoded forms, decoded once too often) in the contexts the prefixes aim at,
    // each payload makes a marked or foreign element somewhere.
    const contexts = [
      (s: string) => `<p>${s}</p>`,
      (s: string) => `<input value="${s}">`,
      (s: string) => `<input value='${s}'>`,
      (s: string) => `<input value=${s}>`,
      (s: string) => `<textarea>${s}</textarea>`,
      (s: string) => `<title>${s}</title>`,
      (s: string) => `<!-- ${s} -->`,
    ];
    const control = new Set<string>();
    const lens = await newLens(undefined, control);
    await lens.page.goto('about:blank');
    const docs = PAYLOADS.map((p) => contexts.map((c) => `<!doctype html><body>${c(p.decoded(1000))}`));
    const live = await lens.page.evaluate<boolean[]>(`(() => {
      const bad = '[${MARK}], iframe, object, embed, base, meta[http-equiv], script:not([src])';
      return ${JSON.stringify(docs)}.map((list) => list.some((html) => {
        const d = new DOMParser().parseFromString(html, 'text/html');
        return d.querySelector(bad) !== null;
      }));
    })()`);
    const inert = PAYLOADS.filter((p) => !live[p.id]).map((p) => `${p.vector} ${JSON.stringify(p.prefix)}`);
    assert.deepEqual(inert, [], 'every payload breaks out of some context');

    // The payloads unescaped in a page: without CSP they run and the detector hears the calls; under our
    // CSP nothing runs and the detector hears the violations instead. Either way the markers are seen.
    const csp = (await fetch(`${t.url}/`)).headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    // (Not the refresh: it would reload the page for as long as it is open.)
    const body = PAYLOADS.filter((p) => p.vector !== 'meta refresh')
      .map((p) => `<div>${p.text(1000 + p.id)}</div>`)
      .join('\n');
    for (const withCsp of [false, true]) {
      control.clear();
      await lens.page.route('http://control.test/', (r) =>
        r.fulfill({
          contentType: 'text/html',
          headers: withCsp ? { 'content-security-policy': csp } : {},
          body: `<!doctype html><title>control</title>${body}`,
        }),
      );
      await lens.page.goto('http://control.test/');
      await lens.page.waitForTimeout(100);
      await inspect(lens.page, 'control page', [], control);
      await lens.page.unroute('http://control.test/');
      const reports = [...control];
      const count = (what: string) => reports.filter((r) => r.includes(what)).length;
      if (withCsp) {
        assert.equal(count('executed payload'), 0, 'CSP stops inline scripts and handlers');
        assert.ok(
          count('CSP violation') >= 10,
          `the detector hears CSP violations (${count('CSP violation')})`,
        );
      } else assert.ok(count('executed payload') >= 10, `the detector hears payloads run`);
      assert.ok(count('marker in the DOM') > 0 && count('foreign element') >= PAYLOADS.length / 2);
    }
    await lens.context.close();
  });

  xssIt(
    'message text and per-message nicknames: room page live and static, badge live and static, archives, day page, archive search',
    async () => {
      const talker = await webUser(t, 'talker');
      let linked = 0;
      // The badge has a context of its own, as in a blog reader's browser.
      const badge = await newLens();
      const viewer = watcherLens;
      const talk = async (lines: readonly Payload[], k: number) => {
        const room = `talk${k}`;
        await formPost(watcher, '/rooms/new', { id: room, name: `Talk ${k}`, tags: 'talk' });
        await formPost(talker, `/room/${room}/join`, {});
        const live = await show(viewer, `/room/${room}`, 'room page (live)');
        await waitLive(live);
        const streamOpen = badge.page.waitForResponse((r) => r.url().includes('/api/room/stream'));
        await show(badge, `/room/${room}/badge`, 'badge (live)');
        await streamOpen;
        const said: Array<{ id: string; text: string; nickname: string }> = [];
        // Five at a time: the badge shows the latest five, so the server renders each line there too.
        for (const group of groups(lines, 5)) {
          for (const p of group) {
            const text = hostile('message text', p);
            const nickname = hostile('message nickname', p);
            const reply = await api('room/say', { session: talker.session, room, text, nickname });
            said.push({ id: (reply.message as { id: string }).id, text, nickname });
          }
          const last = `#message-${said.at(-1)?.id}`;
          await live.locator(last).waitFor({ state: 'attached', timeout: 10_000 });
          await badge.page.locator(last).waitFor({ state: 'attached', timeout: 10_000 });
          await inspect(live, 'live update check');
          await inspect(badge.page, 'live update check');
          const page = await show(badge, `/room/${room}/badge`, 'badge');
          const latest = said.slice(-5);
          assert.deepEqual(
            await page.locator('.badge-lines .text').allTextContents(),
            latest.map((s) => s.text),
          );
          assert.deepEqual(
            await page.locator('.badge-lines .nickname').allTextContents(),
            latest.map((s) => s.nickname),
          );
        }
        // Every line arrived live as text, nickname and all; then the server renders them all.
        const texts = said.map((s) => s.text);
        const nicknames = said.map((s) => s.nickname);
        // Links are made of http(s) URLs only, and end where the markup around them begins.
        const links = texts.filter((s) => s.includes('https://a.b/')).length;
        linked += links;
        const rendersAsText = async (page: Page) => {
          assert.deepEqual(await page.locator('.message .text').allTextContents(), texts);
          assert.deepEqual(await page.locator('.message .nickname').allTextContents(), nicknames);
          assert.equal(await page.locator('.message .text a').count(), links);
          assert.equal(await page.locator('.message .text a[href="https://a.b/"]').count(), links);
        };
        await rendersAsText(live);
        await rendersAsText(await show(viewer, `/room/${room}`, 'room page'));
        await rendersAsText(await dayPage(viewer, room));
        const results = await show(viewer, `/room/${room}/archives?q=${MARK}`, 'archive search results');
        assert.deepEqual(
          await results.locator('.results .message .text').allTextContents(),
          [...texts].reverse(),
        );
      };
      for (const [k, lines] of groups(PAYLOADS, Math.ceil(PAYLOADS.length / 5)).entries())
        await talk(lines, k);
      await badge.context.close();
      assert.ok(linked > 0, 'some lines carry an http(s) link, so linkifying was at work');
    },
  );

  xssIt(
    'display names (settings form) and guest nicknames: chatters live and static, lines, settings pages',
    async () => {
      // Every user sets a display name through the settings form, urlencoded or multipart as browsers post it.
      await formPost(watcher, '/rooms/new', { id: 'people', name: 'People' });
      await inBatches(people, 8, (who) => formPost(who, '/room/people/join', {}));
      const live = await show(watcherLens, '/room/people', 'room page (live)');
      await waitLive(live);
      const lines: number[] = [];
      await inBatches(PAYLOADS, 8, async (p) => {
        const who = people[p.id] as WebVisitor;
        const name = hostile('display name', p);
        names[p.id] = name;
        const fields = { csrf: who.csrf, name };
        let res: Response;
        if (p.id % 2 === 0) res = await postForm(t.url, '/settings', fields, who.cookie);
        else {
          const { body, type } = multipart(fields);
          res = await fetch(`${t.url}/settings`, {
            method: 'POST',
            redirect: 'manual',
            headers: { 'content-type': type, origin: t.url, cookie: who.cookie },
            body,
          });
        }
        await res.text();
        assert.equal(res.status, 303, `settings of d${p.id}`);
        lines.push(await sayAndStay(who.session, 'people', `line ${p.id}`));
      });
      await live.locator(`#message-${Math.max(...lines)}`).waitFor({ state: 'attached', timeout: 10_000 });
      await inspect(live, 'live update check');
      const roster = await trimmed(live, '.chatters li');
      assert.deepEqual(
        names.filter((n) => !roster.includes(n)),
        [],
        'the live roster took every new name',
      );
      const room = await show(watcherLens, '/room/people', 'room page');
      assert.deepEqual(
        sorted((await trimmed(room, '.chatters li')).filter((n) => names.includes(n))),
        sorted(names),
      );
      const day = await dayPage(watcherLens, 'people');
      assert.deepEqual(sorted(await day.locator('.message .nickname').allTextContents()), sorted(names));
      await renderAll(
        sampled(people, 2 * SAMPLE).map((who) => {
          const name = names[people.indexOf(who)] ?? '';
          return {
            path: '/settings?saved=1',
            kind: 'settings page',
            cookie: who.cookie,
            reads: [
              ['#profile-name', 'value', name],
              ['.who', 'text', name],
            ],
          };
        }),
      );

      // Guests enter with a nickname alone, from several addresses (guests are limited per address).
      await formPost(watcher, '/rooms/new', { id: 'guests', name: 'Guests' });
      const guestLive = await show(watcherLens, '/room/guests', 'room page (live)');
      await waitLive(guestLive);
      const guests: Array<{ cookie: string; nickname: string }> = [];
      lines.length = 0;
      await inBatches(PAYLOADS, 8, async (p) => {
        // A payload with no detector call reads the same in every field, so it is already someone's
        // display name, which guests may not take: the guest's copy gets a mark of its own.
        const nickname = hostile('guest nickname', p) + (p.text(0) === p.text(1) ? ' g' : '');
        const entered = await postFrom(`127.0.0.${2 + Math.floor(p.id / 25)}`, '/room/guests/guest', {
          nickname,
        });
        assert.equal(entered.status, 303, `guest ${p.id} entered`);
        guests[p.id] = { cookie: entered.cookie, nickname };
        lines.push(await sayAndStay(entered.cookie.split('=')[1] ?? '', 'guests', `guest line ${p.id}`));
      });
      await guestLive
        .locator(`#message-${Math.max(...lines)}`)
        .waitFor({ state: 'attached', timeout: 10_000 });
      await inspect(guestLive, 'live update check');
      const nicknames = guests.map((g) => g.nickname);
      const liveRoster = await trimmed(guestLive, '.chatters li');
      assert.deepEqual(
        nicknames.filter((n) => !liveRoster.includes(n)),
        [],
        'the live roster took every guest',
      );
      const guestRoom = await show(watcherLens, '/room/guests', 'room page');
      assert.deepEqual(
        sorted((await trimmed(guestRoom, '.chatters li')).filter((n) => nicknames.includes(n))),
        sorted(nicknames),
      );
      const guestDay = await dayPage(watcherLens, 'guests');
      assert.deepEqual(
        sorted(await guestDay.locator('.message .nickname').allTextContents()),
        sorted(nicknames),
      );
      await renderAll(
        sampled(guests, 2 * SAMPLE).map((g) => ({
          path: '/settings',
          kind: 'settings page (guest)',
          cookie: g.cookie,
          reads: [
            ['#profile-name', 'value', g.nickname],
            ['.who', 'text', g.nickname],
          ],
        })),
      );
    },
  );

  xssIt(
    'room names and descriptions: explore, search results, tag pages, room pages, edit forms, badges',
    async () => {
      // A name takes 100 characters: two payloads to a room, and two to its description.
      await inBatches(groups(PAYLOADS, 2), 8, async (pair, k) => {
        const owner = people[k] as WebVisitor;
        const room: HostileRoom = {
          id: `x${k}`,
          name: pair.map((p) => hostile('room name', p)).join(''),
          blurb: pair.map((p) => hostile('room description', p)).join(''),
          owner,
          ownerName: names[k] ?? '',
          tag: `grp${Math.floor(k / 45)}`,
        };
        rooms[k] = room;
        await formPost(owner, '/rooms/new', {
          id: room.id,
          name: room.name,
          blurb: room.blurb,
          tags: `${room.tag} hostile`,
        });
      });
      await show(anonymous, '/', 'explore page');
      await show(watcherLens, '/', 'explore page');
      const byTag = new Map<string, HostileRoom[]>();
      for (const r of rooms) byTag.set(r.tag, [...(byTag.get(r.tag) ?? []), r]);
      for (const [tag, list] of byTag)
        for (const [path, kind] of [
          [`/tag/${tag}`, 'tag page'],
          [`/?q=${tag}`, 'search results'],
        ] as const) {
          const page = await show(anonymous, path, kind);
          assert.deepEqual(
            sorted(await page.locator('.room-card .room-name').allTextContents()),
            sorted(list.map((r) => r.name)),
          );
          assert.deepEqual(
            sorted(await page.locator('.room-card .blurb').allTextContents()),
            sorted(list.map((r) => r.blurb)),
          );
        }
      const snippetTitle = (r: HostileRoom) => `title="${escapeHtml(`${r.name} on Lingr`)}"`;
      await renderAll([
        ...rooms.map((r): Job => ({
          path: `/room/${r.id}`,
          kind: 'room page',
          reads: [
            ['title', 'text', asTitle(`${r.name} — Lingr`)],
            ['h1', 'text', r.name],
            ['details.blurb p', 'text', r.blurb],
          ],
        })),
        // As their owners see them: the owner's display name in the header and the rename form.
        ...sampled(rooms).map((r): Job => ({
          path: `/room/${r.id}`,
          kind: 'room page (owner)',
          cookie: r.owner.cookie,
          reads: [
            ['h1', 'text', r.name],
            ['.who', 'text', r.ownerName],
            ['#nickname-input', 'value', r.ownerName],
          ],
        })),
        ...sampled(rooms).map((r): Job => ({
          path: `/room/${r.id}/edit`,
          kind: 'room edit form',
          cookie: r.owner.cookie,
          reads: [
            ['#room-name', 'value', r.name],
            ['#room-blurb', 'value', r.blurb],
          ],
        })),
        ...sampled(rooms).map((r): Job => ({
          path: `/room/${r.id}/badge`,
          kind: 'badge',
          reads: [
            ['title', 'text', asTitle(`${r.name} on Lingr`)],
            ['.badge-room', 'text', r.name],
          ],
        })),
      ]);
      // The snippet a blog pastes carries the name escaped once more, inside the textarea.
      const page = await show(anonymous, `/room/${rooms[0]?.id}`, 'room page');
      const snippet = await page.locator('#badge-snippet').inputValue();
      assert.ok(rooms[0] && snippet.includes(snippetTitle(rooms[0])), snippet);
    },
  );

  xssIt('search queries, next=, refused form values and the error pages that echo them', async () => {
    // Reflected queries keep 100 characters: two payloads or so to a page.
    await renderAll([
      ...packed('search query', 100).map((q): Job => ({
        path: `/?q=${encodeURIComponent(q)}`,
        kind: 'search results',
        reads: [
          ['title', 'text', asTitle(`“${q}” — Lingr`)],
          ['#site-search', 'value', q],
          ['h1', 'text', `Rooms matching “${q}”`],
        ],
      })),
      ...packed('archive search query', 100).map((q, i): Job => {
        const room = rooms[i % rooms.length] as HostileRoom;
        return {
          path: `/room/${room.id}/archives?q=${encodeURIComponent(q)}`,
          kind: 'archive search results',
          reads: [
            ['#archive-q', 'value', q],
            ['h1', 'text', `Archives of ${room.name}`],
            ['h2', 'text', `0 lines matching “${q}”`],
          ],
        };
      }),
    ]);

    // Values of any length come back whole: many payloads to a value.
    const chunked = (field: Field, size: number) =>
      groups(PAYLOADS, size).map((g) => g.map((p) => hostile(field, p)));
    const next = chunked('sign-in next', 20).map((g) => g.join(''));
    const encodedNext = chunked('sign-in next, URL-encoded', 20).map(
      (g) => `/?${g.map((s) => `x=${strictlyEncoded(s)}`).join('&')}`,
    );
    await renderAll([
      ...next.map((n): Job => ({
        path: `/signin?next=${encodeURIComponent(n)}`,
        kind: 'sign-in page',
        reads: [['[name="next"]', 'value', '/']],
      })),
      ...encodedNext.map((n): Job => ({
        path: `/signin?next=${encodeURIComponent(n)}`,
        kind: 'sign-in page',
        reads: [['[name="next"]', 'value', n]],
      })),
      ...chunked('tag in the path', 20).map((g): Job => {
        const tag = g.join('');
        return {
          path: `/tag/${encodeURIComponent(tag)}`,
          kind: 'tag page (not found)',
          status: 404,
          reads: [['h1', 'text', `Rooms tagged “${tag}”`]],
        };
      }),
    ]);

    // Refused values come back in their form, on an error page, as the browser posted them.
    const size = Math.ceil(PAYLOADS.length / 4);
    const values = (field: Field, separator = ' ') => chunked(field, size).map((g) => g.join(separator));
    const signInUsers = values('sign-in username');
    const signInNext = values('sign-in next', '');
    const signUpUsers = values('sign-up username');
    const signUpNames = values('sign-up display name');
    const ids = values('new room id', '');
    const roomNames = values('new room name, refused');
    const blurbs = values('new room description, refused', '\n');
    const tags = values('new room tags');
    const zones = values('room timezone');
    const editNames = values('edited room name, refused');
    const editBlurbs = values('edited room description, refused', '\n');
    const refusedNames = values('display name, refused');
    const refusedGuests = values('guest nickname, refused');
    await show(forms, '/rooms/new', 'new room form');
    for (const [i, username] of signInUsers.entries()) {
      const value = async (page: Page, selector: string) => page.locator(selector).inputValue();
      const signIn = await post(
        anonymous,
        '/signin',
        { username, password: 'not the password', next: signInNext[i] ?? '' },
        'sign-in error page',
        401,
      );
      assert.equal(await value(signIn, '#username'), username);
      assert.equal(await value(signIn, '[name="next"]'), '/');

      const signUp = { username: signUpUsers[i] ?? '', name: signUpNames[i] ?? '' };
      const up = await post(
        anonymous,
        '/signup',
        { ...signUp, password: 'password1' },
        'sign-up error page',
        400,
      );
      assert.equal(await value(up, '#username'), signUp.username);
      assert.equal(await value(up, '#name'), signUp.name);

      const room = {
        id: ids[i] ?? '',
        name: roomNames[i] ?? '',
        blurb: blurbs[i] ?? '',
        tags: tags[i] ?? '',
      };
      const created = await post(forms, '/rooms/new', room, 'new room error page', 400);
      assert.equal(await value(created, '#room-id'), room.id);
      assert.equal(await value(created, '#room-name'), room.name);
      assert.equal(await value(created, '#room-blurb'), room.blurb);
      assert.equal(await value(created, '#room-tags'), room.tags);

      const zone = zones[i] ?? '';
      const zoned = await post(
        forms,
        '/rooms/new',
        { id: `zone${i}`, name: 'Zone', timezone: zone },
        'new room error page',
        400,
      );
      assert.equal(
        await zoned.locator('.form-error').textContent(),
        `Unknown timezone "${zone}"; use an IANA name such as Asia/Tokyo.`,
      );

      const edit = { name: editNames[i] ?? '', blurb: editBlurbs[i] ?? '' };
      const edited = await post(forms, `/room/${rooms[0]?.id}/edit`, edit, 'room edit error page', 400);
      assert.equal(await value(edited, '#room-name'), edit.name);
      assert.equal(await value(edited, '#room-blurb'), edit.blurb);

      const name = refusedNames[i] ?? '';
      const settings = await post(forms, '/settings', { name }, 'settings error page', 400, true);
      assert.equal(await value(settings, '#profile-name'), name);

      const guest = await post(
        anonymous,
        '/room/guests/guest',
        { nickname: refusedGuests[i] ?? '' },
        'problem page',
        400,
      );
      assert.equal(
        await guest.locator('main p').first().textContent(),
        'nickname is longer than 50 characters.',
      );
    }

    // Ids and tags have strict patterns: markup never gets in.
    const p = PAYLOADS.find((q) => q.vector === 'img onerror' && q.prefix === '') as Payload;
    const refusedId = await postForm(
      t.url,
      '/rooms/new',
      { csrf: watcher.csrf, id: p.text(1), name: 'x' },
      watcher.cookie,
    );
    assert.equal(refusedId.status, 400);
    assert.match(await refusedId.text(), /room id must be 1 to 40 letters, digits or underscores/);
    const refusedTag = await postForm(
      t.url,
      '/rooms/new',
      { csrf: watcher.csrf, id: 'tagged', name: 'x', tags: p.text(2) },
      watcher.cookie,
    );
    assert.equal(refusedTag.status, 400);
    assert.match(await refusedTag.text(), /Tag &quot;&lt;img&quot; must be 1 to 40 letters/);
    await show(anonymous, `/room/${encodeURIComponent(p.text(3))}`, 'problem page', 404);
  });

  it('ran nothing: no payload executed, no markup reached the DOM, CSP on every HTML response', async (ctx) => {
    const found = await findings();
    const executions = new Set(found.flatMap((f) => /executed payload (\d+)/.exec(f)?.[1] ?? [])).size;
    const pages = [...rendered]
      .filter(([kind]) => kind !== 'live update check')
      .reduce((sum, [, n]) => sum + n, 0);
    ctx.diagnostic(
      `payloads: ${PAYLOADS.length} (${VECTORS.length} vectors x up to ${PREFIXES.length} prefixes, at most ${MAX_PAYLOAD} characters each)`,
    );
    ctx.diagnostic(`fields: ${FIELDS.length}, each with all ${PAYLOADS.length} payloads`);
    ctx.diagnostic(
      `pages rendered in Chromium: ${pages}, plus ${rendered.get('live update check') ?? 0} checks of live pages`,
    );
    ctx.diagnostic(
      `by page: ${[...rendered]
        .filter(([k]) => k !== 'live update check')
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    );
    ctx.diagnostic(`HTML responses checked for CSP: ${htmlResponses}, without CSP: ${missingCsp.size}`);
    ctx.diagnostic(`executions: ${executions}, findings: ${found.length}`);
    assert.deepEqual(
      { executions, found, missingCsp: [...missingCsp] },
      { executions: 0, found: [], missingCsp: [] },
      'nothing ran, no markup reached a page, every HTML response carried a Content-Security-Policy',
    );
    for (const field of FIELDS)
      assert.equal(placed.get(field)?.size, PAYLOADS.length, `every payload went into the ${field}`);
  });
});
