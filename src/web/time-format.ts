const clocks = new Map<string, Intl.DateTimeFormat>();
const days = new Map<string, Intl.DateTimeFormat>();

function cached(
  map: Map<string, Intl.DateTimeFormat>,
  timeZone: string,
  options: Intl.DateTimeFormatOptions,
) {
  let f = map.get(timeZone);
  if (!f) map.set(timeZone, (f = new Intl.DateTimeFormat('en-US', { timeZone, ...options })));
  return f;
}

/** "3:42pm" in the room's timezone, as Lingr showed it. */
export function clockTime(ms: number, timeZone: string): string {
  return cached(clocks, timeZone, { hour: 'numeric', minute: '2-digit' })
    .format(ms)
    .replace(/\s/g, '')
    .toLowerCase();
}

/** "2026-11-24" in the room's timezone. */
export function localDate(ms: number, timeZone: string): string {
  const parts = cached(days, timeZone, { year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(
    ms,
  );
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}
