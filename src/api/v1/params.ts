import { invalidParameter } from '../../core/chat-error.js';
import { ID_PATTERN } from '../../core/ids.js';
import type { ClientType } from '../../core/model.js';
import type { Params } from '../../http/params.js';
import { V1Code, V1Failure } from './wire.js';

/** API 1.0's parameters, validated at the edge with a clear message (spec 7.2). */

/** `api_key` is required where 7.2 says so; any non-empty value is accepted (spec 2.7). */
export function apiKey(p: Params): string {
  const key = p.appKey();
  if (key === undefined) throw invalidParameter('api_key is required.');
  return key;
}

export function clientType(p: Params): ClientType {
  const type = p.str('client_type') ?? 'automaton';
  if (type !== 'human' && type !== 'automaton')
    throw invalidParameter('client_type must be "human" or "automaton".');
  return type;
}

export function roomId(p: Params, name = 'id'): string {
  const id = p.required(name);
  if (!ID_PATTERN.test(id)) throw invalidParameter(`${name} must be 1 to 40 letters, digits or underscores.`);
  return id;
}

/** A required `counter`: missing is error 114 (spec 7.4). */
export function counter(p: Params): number {
  const c = p.int('counter');
  if (c === undefined) throw new V1Failure(V1Code.counterMissing, 'counter is required.');
  return c;
}

/** `count`, from 1 to `max`. */
export function count(p: Params, fallback: number, max: number): number {
  return p.int('count', 1, max) ?? fallback;
}

/** Keywords of `q`: comma-joined (explore.search), spaces also separating. */
export function keywords(p: Params): string[] {
  const words = p
    .required('q')
    .split(/[,\s]+/u)
    .filter((w) => w !== '');
  if (words.length === 0) throw invalidParameter('q must name at least one keyword.');
  return words;
}

/**
 * `tags` as room.create takes them: separated by spaces, with quotes around a tag that has spaces. Our
 * tags have none, so the spaces inside one become underscores (`"bay area"` is `bay_area`).
 */
export function tags(p: Params): string[] | undefined {
  const raw = p.str('tags');
  if (raw === undefined) return undefined;
  const found: string[] = [];
  for (const m of raw.matchAll(/"([^"]*)"|(\S+)/gu)) {
    const tag = (m[1] ?? m[2] ?? '').trim().replace(/\s+/gu, '_');
    if (tag !== '') found.push(tag);
  }
  return found;
}

/** A boolean that keeps its default when absent (listed_in_directory is true unless said otherwise). */
export function flag(p: Params, name: string): boolean | undefined {
  return p.has(name) ? p.bool(name) : undefined;
}
