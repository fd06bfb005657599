import { ChatError, invalidParameter } from '../core/chat-error.js';
import { ErrorCode } from '../protocol/errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Input that is not valid UTF-8: an invalid parameter to API 2.0, and its own error (120) to API 1.0
 * (spec 7.4), which tells it apart by this class.
 */
export class InvalidEncoding extends ChatError {
  constructor(detail: string) {
    super(ErrorCode.invalidParameter, detail);
  }
}

/** Strict UTF-8: invalid input is refused, never silently replaced. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new InvalidEncoding('The request is not valid UTF-8.');
  }
}

function decodeComponent(s: string): string {
  // Most names and many values (session ids, counters) have nothing encoded.
  if (!s.includes('%') && !s.includes('+')) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw new InvalidEncoding('A parameter has malformed percent-encoding or is not valid UTF-8.');
  }
}

/** Parses `a=1&b=2` into the map; later values win. */
export function parseForm(text: string, into: Map<string, string>): void {
  if (text === '') return;
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    into.set(key, eq < 0 ? '' : decodeComponent(part.slice(eq + 1)));
  }
}

/** JSON bodies (spec 2.3): strings as is, numbers as decimal strings, booleans as words, null as absent. */
export function parseJsonObject(text: string, into: Map<string, string>): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidParameter('The body is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalidParameter('The JSON body must be an object.');
  for (const [key, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') into.set(key, v);
    else if (typeof v === 'number' || typeof v === 'boolean') into.set(key, String(v));
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) into.set(key, v.join(','));
    else
      throw invalidParameter(
        `The JSON value of "${key}" must be a string, number, boolean or list of strings.`,
      );
  }
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const CALLBACK = /^[A-Za-z_$][A-Za-z0-9_$.]{0,127}$/;
const DIGITS = /^-?\d{1,15}$/;
const MAX_APP_KEY = 256;

/** Request parameters after merging, with the normalisation rules of spec 2.3. Empty counts as absent. */
export class Params {
  constructor(private readonly values: ReadonlyMap<string, string>) {}

  has(name: string): boolean {
    return this.str(name) !== undefined;
  }

  /** The value as sent, an empty one included (where empty means something, as a password cleared). */
  raw(name: string): string | undefined {
    return this.values.get(name);
  }

  str(name: string): string | undefined {
    const v = this.values.get(name);
    return v === undefined || v === '' ? undefined : v;
  }

  required(name: string): string {
    const v = this.str(name);
    if (v === undefined) throw invalidParameter(`${name} is required.`);
    return v;
  }

  bool(name: string): boolean {
    const v = this.str(name);
    return v !== undefined && TRUE_WORDS.has(v.toLowerCase());
  }

  /** A whole number; undefined when absent, invalid_parameter when malformed or out of range. */
  int(name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = this.str(name)?.trim();
    if (v === undefined) return undefined;
    if (!DIGITS.test(v)) throw invalidParameter(`${name} must be a whole number.`);
    const n = Number(v);
    if (n < min || n > max) throw invalidParameter(`${name} must be between ${min} and ${max}.`);
    return n;
  }

  /** `room` and `rooms` together: split on commas, trimmed, without empties or duplicates, in order. */
  rooms(): string[] {
    const out: string[] = [];
    for (const key of ['room', 'rooms'])
      for (const item of (this.values.get(key) ?? '').split(','))
        if (item.trim() !== '' && !out.includes(item.trim())) out.push(item.trim());
    return out;
  }

  /** The app key under any of its names; any value is accepted, but only so much of it is kept. */
  appKey(): string | undefined {
    return (this.str('app_key') ?? this.str('api_key') ?? this.str('apiKey'))?.slice(0, MAX_APP_KEY);
  }

  /** The JSONP callback; invalid names are refused (spec 2.4). */
  callback(): string | undefined {
    const v = this.str('callback');
    if (v === undefined) return undefined;
    if (!CALLBACK.test(v))
      throw invalidParameter(
        'callback must be a JavaScript identifier (dots allowed), at most 128 characters.',
      );
    return v;
  }
}
