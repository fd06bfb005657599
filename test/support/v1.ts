import assert from 'node:assert/strict';
import { form, send, type Wire } from './http.js';

/** An API 1.0 reply read from JSON. */
export type V1 = Record<string, unknown> & { status: string };

export interface V1Call {
  format?: 'json' | 'xml';
  verb?: 'GET' | 'POST';
  /** Headers beyond the content type of a POST. */
  headers?: Record<string, string>;
}

type Params = Record<string, string | number | boolean>;

const strings = (params: Params): Record<string, string | number> =>
  Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'boolean' ? String(v) : v]));

/** One API 1.0 call as it goes over the wire: GET with a query, or POST with a form body. */
export function v1Wire(base: string, method: string, params: Params = {}, o: V1Call = {}): Promise<Wire> {
  const body = form(strings(params));
  if (o.verb === 'POST')
    return send(base, {
      method: 'POST',
      path: `/api/${method}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...o.headers },
      body,
    });
  return send(base, { path: `/api/${method}${body ? `?${body}` : ''}`, headers: o.headers });
}

/** One API 1.0 call in JSON (HTTP 200 and the JSON content type checked), its body parsed. */
export async function v1(base: string, method: string, params: Params = {}, o: V1Call = {}): Promise<V1> {
  const w = await v1Wire(base, method, { ...params, format: 'json' }, o);
  assert.equal(w.status, 200, `${method}: HTTP ${w.status} ${w.text}`);
  assert.equal(w.headers['content-type'], 'text/javascript; charset=utf-8', method);
  return JSON.parse(w.text) as V1;
}

/** The call must succeed; its body. */
export async function v1ok(base: string, method: string, params: Params = {}, o: V1Call = {}): Promise<V1> {
  const r = await v1(base, method, params, o);
  assert.equal(r.status, 'ok', `${method}: ${JSON.stringify(r)}`);
  return r;
}

/** The call must fail; its numeric code (spec 7.4). */
export async function v1code(
  base: string,
  method: string,
  params: Params = {},
  o: V1Call = {},
): Promise<number> {
  const r = await v1(base, method, params, o);
  assert.equal(r.status, 'fail', `${method} should fail: ${JSON.stringify(r)}`);
  const error = r.error as { code: number; message: string };
  assert.equal(typeof error.code, 'number');
  assert.ok(error.message.length > 0);
  return error.code;
}

/** An element of an XML reply. */
export interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;
// What XML 1.0 allows in a document at all.
const XML_CHAR = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const ENTITY: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescape(text: string): string {
  return text.replace(/&([^;]*);/g, (_, name: string) => {
    const known = ENTITY[name];
    if (known !== undefined) return known;
    const code = /^#x([0-9a-fA-F]+)$/.exec(name)?.[1] ?? /^#([0-9]+)$/.exec(name)?.[1];
    if (code === undefined) throw new Error(`unknown entity &${name};`);
    return String.fromCodePoint(Number.parseInt(code, name.startsWith('#x') ? 16 : 10));
  });
}

/**
 * A strict reader of the XML API 1.0 writes (elements and text, no attributes): anything not well-formed
 * (unbalanced or misnamed tags, a raw `<` or `&` in text, a character XML does not allow) throws.
 */
export function parseXml(doc: string): XmlNode {
  const prolog = '<?xml version="1.0" encoding="UTF-8"?>';
  if (!doc.startsWith(prolog)) throw new Error('no XML declaration');
  if (!XML_CHAR.test(doc)) throw new Error('a character XML does not allow');
  const tokens = doc
    .slice(prolog.length)
    .trim()
    .split(/(<[^>]*>)/);
  const root: XmlNode = { name: '#document', children: [], text: '' };
  const stack: XmlNode[] = [root];
  for (const token of tokens) {
    if (token === '') continue;
    const top = stack[stack.length - 1] as XmlNode;
    if (!token.startsWith('<')) {
      if (token.includes('<') || token.includes('>') || /&(?![a-z]+;|#[0-9]+;|#x[0-9a-fA-F]+;)/.test(token))
        throw new Error(`markup in text: ${token}`);
      if (stack.length === 1) {
        if (token.trim() !== '') throw new Error('text outside the root');
        continue;
      }
      top.text += unescape(token);
      continue;
    }
    const inner = token.slice(1, -1);
    if (inner.startsWith('/')) {
      if (inner.slice(1) !== top.name) throw new Error(`</${inner.slice(1)}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const empty = inner.endsWith('/');
    const name = empty ? inner.slice(0, -1) : inner;
    if (!NAME.test(name)) throw new Error(`bad element name "${name}"`);
    if (stack.length === 1 && root.children.length > 0) throw new Error('two root elements');
    const node: XmlNode = { name, children: [], text: '' };
    top.children.push(node);
    if (!empty) stack.push(node);
  }
  if (stack.length !== 1) throw new Error(`<${(stack[stack.length - 1] as XmlNode).name}> is not closed`);
  const [response] = root.children;
  if (!response) throw new Error('no root element');
  return response;
}

/** The child element by name (the first). */
export function child(node: XmlNode, name: string): XmlNode {
  const found = node.children.find((c) => c.name === name);
  if (!found) throw new Error(`no <${name}> in <${node.name}>`);
  return found;
}

/** The text of the element at a path of names (`room`, `name`). */
export function textAt(node: XmlNode, ...path: string[]): string {
  return path.reduce((n, name) => child(n, name), node).text;
}

/** One API 1.0 call in XML (the default format, nothing sent for it): HTTP 200, XML type, parsed. */
export async function v1xml(
  base: string,
  method: string,
  params: Params = {},
  o: V1Call = {},
): Promise<XmlNode> {
  const w = await v1Wire(base, method, params, o);
  assert.equal(w.status, 200, `${method}: HTTP ${w.status}`);
  assert.equal(w.headers['content-type'], 'text/xml; charset=utf-8', method);
  const response = parseXml(w.text);
  assert.equal(response.name, 'response');
  return response;
}
