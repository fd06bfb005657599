/**
 * Catalog messages filled in: shared by the server's pages (web/i18n) and the browser's scripts, so a
 * sentence reads the same wherever it is made. Only Intl: no library, nothing to load.
 */

/** Plural forms of one message, chosen by the `count` value through Intl.PluralRules; `other` is required. */
export type PluralForms = Readonly<Partial<Record<Intl.LDMLPluralRule, string>> & { other: string }>;
/** One sentence of a catalog, with `{name}` slots for values. */
export type Message = string | PluralForms;
export type MessageValues = Readonly<Record<string, string | number>>;

const rules = new Map<string, Intl.PluralRules>();
const numbers = new Map<string, Intl.NumberFormat>();

function cached<T>(map: Map<string, T>, locale: string, make: () => T): T {
  let found = map.get(locale);
  if (!found) map.set(locale, (found = make()));
  return found;
}

/** The text of `message` for `count` in `locale`: its plural form, else `other`. */
export function formOf(locale: string, message: Message, count: unknown): string {
  if (typeof message === 'string') return message;
  if (typeof count !== 'number') return message.other;
  const rule = cached(rules, locale, () => new Intl.PluralRules(locale)).select(count);
  return message[rule] ?? message.other;
}

/** A value as it reads in `locale`: numbers grouped ("1,234"), text as it is. */
export function shownValue(locale: string, value: string | number): string {
  return typeof value === 'number'
    ? cached(numbers, locale, () => new Intl.NumberFormat(locale)).format(value)
    : value;
}

/** The names of the `{name}` slots in a text. */
export const slotsOf = (text: string): string[] =>
  Array.from(text.matchAll(/\{(\w+)\}/g), (m) => m[1] as string);

/** `message` for `locale` with its slots filled; a slot without a value stays as it is, to be noticed. */
export function formatMessage(locale: string, message: Message, values: MessageValues = {}): string {
  return formOf(locale, message, values.count).replace(/\{(\w+)\}/g, (slot, name: string) => {
    const value = values[name];
    return value === undefined ? slot : shownValue(locale, value);
  });
}
