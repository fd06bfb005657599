import { invalidParameter } from './chat-error.js';
import { phrase } from './error-text.js';

/** Characters as people count them: code points, not UTF-16 units. */
export function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) i++;
    n++;
  }
  return n;
}

/** Spec 2.3: CRLF and lone CR become LF; everything else is kept verbatim. */
export function normalizeNewlines(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

// C0 controls other than tab and newline, and DEL, have no place in chat text.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

export const MAX_TEXT_CHARS = 10_000;
export const MAX_NICKNAME_CHARS = 50;

export function checkMessageText(raw: string, max = MAX_TEXT_CHARS): string {
  const text = normalizeNewlines(raw);
  if (text.trim() === '') throw invalidParameter(phrase('textEmpty'));
  if (codePointLength(text) > max) throw invalidParameter(phrase('textTooLong', { max }));
  if (CONTROL.test(text)) throw invalidParameter(phrase('textControl'));
  return text;
}

export function checkNickname(raw: string): string {
  const nickname = raw.trim();
  if (nickname === '') throw invalidParameter(phrase('nicknameEmpty'));
  if (codePointLength(nickname) > MAX_NICKNAME_CHARS)
    throw invalidParameter(phrase('nicknameTooLong', { max: MAX_NICKNAME_CHARS }));
  if (CONTROL.test(nickname) || nickname.includes('\n')) throw invalidParameter(phrase('nicknameControl'));
  return nickname;
}

// Characters that draw nothing (zero-width spaces and joiners, variation selectors, soft hyphens).
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * What a name looks like to a reader, for telling whether two names would pass for each other: NFKC
 * (full-width and compatibility forms fold to plain ones), nothing invisible, spaces trimmed and
 * collapsed, and case folded ("ALICE", "alice " and "Ａｌｉｃｅ" are all "alice").
 */
export function nameKey(name: string): string {
  return name
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .replace(/\s+/gu, ' ')
    .trim()
    .toUpperCase()
    .toLowerCase()
    .normalize('NFKC');
}

/** Bots' lines are cut to this many characters (spec 6.5: bots already cut their replies there). */
export const MAX_BOT_TEXT_CHARS = 1000;

/** The first `max` code points of `text`, never half a surrogate pair. */
export function cutToCodePoints(text: string, max: number): string {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    if (n === max) return text.slice(0, i);
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) i++;
    n++;
  }
  return text;
}

/**
 * A bot's line from a reply body or a push: newlines normalized, control characters and trailing newlines
 * (which a web framework's reply may well carry) dropped, cut to 1000 characters; undefined when nothing
 * is left to say.
 */
export function botText(raw: string): string | undefined {
  const text = normalizeNewlines(raw)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .replace(/\n+$/, '');
  if (text.trim() === '') return undefined;
  return cutToCodePoints(text, MAX_BOT_TEXT_CHARS);
}
