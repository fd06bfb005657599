/**
 * Periodic tasks on one timer. An idle process pays a wake-up for every timer that fires, and timers of
 * different periods fire at different moments; on one beat, tasks due together run in one wake-up.
 */
export class Heartbeat {
  private readonly tasks = new Set<{ beats: number; run: () => void }>();
  private beats = 0;
  private timer: NodeJS.Timeout | undefined;

  /** @param beatMs the period of the beat: every task's period is rounded to a whole number of beats. */
  constructor(readonly beatMs: number) {
    if (!(beatMs > 0)) throw new Error(`a heartbeat needs a positive period (got ${beatMs})`);
  }

  /**
   * Runs `run` about every `ms` (at least once a beat) until cancelled or stopped; returns the cancel.
   * `run` must not throw: the tasks after it on that beat would not run.
   */
  every(ms: number, run: () => void): () => void {
    const task = { beats: Math.max(1, Math.round(ms / this.beatMs)), run };
    this.tasks.add(task);
    if (!this.timer) {
      this.timer = setInterval(() => this.beat(), this.beatMs);
      this.timer.unref();
    }
    return () => {
      this.tasks.delete(task);
      // Nothing left to run: no more wake-ups.
      if (this.tasks.size === 0) this.stop();
    };
  }

  /** Whether the timer runs (it does only while some task is due). */
  get ticking(): boolean {
    return this.timer !== undefined;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.tasks.clear();
  }

  private beat(): void {
    this.beats++;
    for (const task of [...this.tasks]) if (this.beats % task.beats === 0) task.run();
  }
}
