/** mIRC formatting: bold, colour (with its numbers), hex colour, reset, monospace, reverse, italic, strike, underline. */
const FORMATTING =
  // eslint-disable-next-line no-control-regex -- mIRC's codes are control characters
  /\x03(?:\d{1,2}(?:,\d{1,2})?)?|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?|[\x02\x0f\x11\x16\x1d\x1e\x1f]/g;

/** What a client's line says in Lingr: formatting codes dropped (Lingr shows plain text). */
export function plainText(text: string): string {
  return text.replace(FORMATTING, '');
}

/** A CTCP message (`\x01TYPE body\x01`), or undefined for ordinary text. */
export function ctcp(text: string): { type: string; body: string } | undefined {
  if (!text.startsWith('\x01')) return undefined;
  const inner = text.slice(1, text.endsWith('\x01') && text.length > 1 ? -1 : undefined);
  const space = inner.indexOf(' ');
  return space < 0
    ? { type: inner.toUpperCase(), body: '' }
    : { type: inner.slice(0, space).toUpperCase(), body: inner.slice(space + 1) };
}

/**
 * What a line from IRC says in the room, or undefined for CTCP that says nothing there (VERSION, PING…).
 * An ACTION (`/me waves`) is said as `* waves`: Lingr has no actions, and the speaker's name is beside it.
 */
export function spokenText(text: string): string | undefined {
  const c = ctcp(text);
  if (!c) return plainText(text);
  if (c.type !== 'ACTION') return undefined;
  return `* ${plainText(c.body)}`;
}
