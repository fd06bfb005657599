/**
 * The slot of a wheel holding requests for `holdMs`: a tenth of the hold, at most a second, so a hold ends
 * within that much of its deadline and the clock that expires it need tick no more often.
 */
export const holdSlotMs = (holdMs: number): number => Math.min(1000, Math.max(10, Math.floor(holdMs / 10)));

/**
 * Deadlines for many held requests on one shared clock tick, instead of one timer per connection.
 * An item is due from the start of its slot, so it fires up to one slot early, and at most one tick late
 * when ticks come once a slot.
 */
export class TimerWheel<T> {
  private readonly slots = new Map<number, Set<T>>();
  private readonly slotOf = new Map<T, number>();

  constructor(private readonly resolutionMs = 1000) {}

  get size(): number {
    return this.slotOf.size;
  }

  add(item: T, deadline: number): void {
    this.remove(item);
    const slot = Math.floor(deadline / this.resolutionMs);
    let set = this.slots.get(slot);
    if (!set) this.slots.set(slot, (set = new Set()));
    set.add(item);
    this.slotOf.set(item, slot);
  }

  remove(item: T): void {
    const slot = this.slotOf.get(item);
    if (slot === undefined) return;
    this.slotOf.delete(item);
    const set = this.slots.get(slot);
    set?.delete(item);
    if (set?.size === 0) this.slots.delete(slot);
  }

  /** Removes and returns every item whose deadline is at or before `now`. */
  due(now: number): T[] {
    const out: T[] = [];
    const current = Math.floor(now / this.resolutionMs);
    for (const [slot, set] of this.slots) {
      if (slot > current) continue;
      for (const item of set) {
        out.push(item);
        this.slotOf.delete(item);
      }
      this.slots.delete(slot);
    }
    return out;
  }
}
