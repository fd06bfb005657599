/** The shortest gap between two slices of a round. */
const SLICE_MS = 250;
/** Members visited in one slice: a round of few members is one slice, so an idle server wakes once a period. */
const PER_SLICE = 200;

/**
 * Visits every member of `members` once per `periodMs`, a slice at a time, so that the heartbeats of tens
 * of thousands of connections do not all land in one loop turn (and on every client at once). Each round
 * has as many slices as its members need, which keeps a quiet server from waking for nothing.
 */
export function spreadEvery<T>(
  after: (ms: number, task: () => void) => void,
  members: Set<T>,
  periodMs: number,
  visit: (m: T) => void,
): void {
  const most = Math.max(1, Math.floor(periodMs / SLICE_MS));
  // A Set's iterator stays valid while members come and go; newcomers are reached in this round.
  let round = members.values();
  let slices = 1;
  let slice = 0;
  const next = (): void => {
    if (slice === 0) {
      round = members.values();
      slices = Math.min(most, Math.max(1, Math.ceil(members.size / PER_SLICE)));
    }
    for (let budget = Math.ceil(members.size / slices); budget > 0; budget--) {
      const member = round.next();
      if (member.done) break;
      visit(member.value);
    }
    slice = (slice + 1) % slices;
    after(periodMs / slices, next);
  };
  after(periodMs / most, next);
}
