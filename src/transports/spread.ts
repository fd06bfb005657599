/** How often a slice of a round is visited. */
const SLICE_MS = 250;

/**
 * Visits every member of `members` once per `periodMs`, a slice at a time, so that the heartbeats of tens
 * of thousands of connections do not all land in one loop turn (and on every client at once).
 */
export function spreadEvery<T>(
  every: (ms: number, task: () => void) => void,
  members: Set<T>,
  periodMs: number,
  visit: (m: T) => void,
): void {
  const slices = Math.max(1, Math.round(periodMs / SLICE_MS));
  // A Set's iterator stays valid while members come and go; newcomers are reached in this round.
  let round = members.values();
  let slice = 0;
  every(periodMs / slices, () => {
    // A new round starts once per period, however soon the last one got through everybody.
    if (slice++ % slices === 0) round = members.values();
    for (let budget = Math.ceil(members.size / slices); budget > 0; budget--) {
      const next = round.next();
      if (next.done) return;
      visit(next.value);
    }
  });
}
