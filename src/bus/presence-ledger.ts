/**
 * Which processes hold each user online. A user is online while any process says so; only changes of
 * that are announced, by the process that caused them.
 */
export class PresenceLedger {
  private readonly holders = new Map<number, Set<number>>();

  /** Records what `process` says; true when the user's state as a whole changed. */
  set(userId: number, process: number, online: boolean): boolean {
    let set = this.holders.get(userId);
    const before = set !== undefined;
    if (online) {
      if (!set) this.holders.set(userId, (set = new Set()));
      set.add(process);
    } else if (set) {
      set.delete(process);
      if (set.size === 0) this.holders.delete(userId);
    }
    return before !== this.holders.has(userId);
  }

  /** A process went away: the users only it held online. Its sessions are restored as online by its successor. */
  drop(process: number): number[] {
    const orphans: number[] = [];
    for (const [userId, set] of this.holders)
      if (set.delete(process) && set.size === 0) {
        this.holders.delete(userId);
        orphans.push(userId);
      }
    return orphans;
  }
}
