import { dateKey } from '../client/format-time.js';

export { clockTime, dateKey, dayLabel, fullDate, relativeTime } from '../client/format-time.js';

/** "2026-11-24" in the room's timezone. */
export const localDate = (ms: number, timeZone: string): string => dateKey(timeZone, ms);

const offsets = new Map<string, Intl.DateTimeFormat>();

function cached(
  map: Map<string, Intl.DateTimeFormat>,
  timeZone: string,
  options: Intl.DateTimeFormatOptions,
) {
  let f = map.get(timeZone);
  if (!f) map.set(timeZone, (f = new Intl.DateTimeFormat('en-US', { timeZone, ...options })));
  return f;
}

/** Local wall-clock time minus UTC, in ms, for `timeZone` at instant `t`. */
function offsetAt(t: number, timeZone: string): number {
  const parts = cached(offsets, timeZone, {
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(t);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(t / 1000) * 1000;
}

/** The instant local midnight begins on `date` (YYYY-MM-DD) in `timeZone`. */
export function localMidnight(date: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d);
  // Twice: the offset at the guess may differ from the offset at the answer across a DST change.
  const first = guess - offsetAt(guess, timeZone);
  return guess - offsetAt(first, timeZone);
}

/** The day after `date` (YYYY-MM-DD), as YYYY-MM-DD. */
export function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/** True for a real calendar date YYYY-MM-DD between the years 1000 and 9999 (archives have nothing else). */
export function isCalendarDate(date: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return false;
  const [y, m, d] = match.slice(1).map(Number) as [number, number, number];
  if (y < 1000 || m < 1 || m > 12 || d < 1) return false;
  return new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d;
}
