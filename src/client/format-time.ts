/**
 * Times as people read them in each language, shared by the server's pages and the live client, so a time
 * the client redraws reads exactly as the server wrote it: "3:42pm" and "Wednesday, December 2, 2026" in
 * English, "15:42" and "2026年12月2日(水)" in Japanese. `lang` is a page's language (`<html lang>`).
 */

const formats = new Map<string, Intl.DateTimeFormat>();

/** English times are written the American way Lingr always wrote them; other languages their own way. */
const intlLocale = (lang: string): string => (lang === 'en' ? 'en-US' : lang);

function format(lang: string, timeZone: string, kind: 'clock' | 'day' | 'key'): Intl.DateTimeFormat {
  const key = `${lang} ${timeZone} ${kind}`;
  let found = formats.get(key);
  if (!found) {
    const japanese = lang === 'ja';
    const options: Intl.DateTimeFormatOptions =
      kind === 'clock'
        ? { hour: 'numeric', minute: '2-digit', ...(japanese ? { hourCycle: 'h23' } : {}) }
        : kind === 'day'
          ? { weekday: japanese ? 'short' : 'long', year: 'numeric', month: 'long', day: 'numeric' }
          : { year: 'numeric', month: '2-digit', day: '2-digit' };
    found = new Intl.DateTimeFormat(intlLocale(lang), { timeZone, ...options });
    formats.set(key, found);
  }
  return found;
}

/** "3:42pm" (as Lingr showed it) or "15:42". */
export function clockTime(lang: string, timeZone: string, t: number | Date): string {
  const text = format(lang, timeZone, 'clock').format(t);
  return lang === 'en' ? text.replace(/\s/g, '').toLowerCase() : text;
}

/** "Wednesday, December 2, 2026" or "2026年12月2日(水)". */
export const fullDate = (lang: string, timeZone: string, t: number | Date): string =>
  format(lang, timeZone, 'day').format(t);

/** The local date in `timeZone` as YYYY-MM-DD, whatever the language. */
export function dateKey(timeZone: string, t: number | Date): string {
  const parts = format('en', timeZone, 'key').formatToParts(t);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

const relatives = new Map<string, Intl.RelativeTimeFormat>();

function relativeFormat(lang: string): Intl.RelativeTimeFormat {
  let found = relatives.get(lang);
  if (!found) relatives.set(lang, (found = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' })));
  return found;
}

/** A sentence's first letter upper-cased ("Today"); a no-op for scripts without case. */
const capitalized = (lang: string, text: string): string =>
  text.charAt(0).toLocaleUpperCase(lang) + text.slice(1);

/** Whole days from the local date `from` to `to` (both YYYY-MM-DD). */
const daysBetween = (from: string, to: string): number =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/** A day divider's words: "Today", "Yesterday" (今日, 昨日), else the full date. */
export function dayLabel(lang: string, timeZone: string, t: number | Date, now: number | Date): string {
  const days = daysBetween(dateKey(timeZone, t), dateKey(timeZone, now));
  if (days === 0 || days === 1) return capitalized(lang, relativeFormat(lang).format(-days, 'day'));
  return fullDate(lang, timeZone, t);
}

const UNITS: ReadonlyArray<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "3 minutes ago", "yesterday", "3 分前", "昨日": the largest whole unit; under a minute, "this minute". */
export function relativeTime(lang: string, t: number, now: number): string {
  const elapsed = now - t;
  for (const [unit, ms] of UNITS) {
    const n = Math.floor(Math.abs(elapsed) / ms);
    if (n >= 1) return relativeFormat(lang).format(elapsed >= 0 ? -n : n, unit);
  }
  return relativeFormat(lang).format(0, 'minute');
}
