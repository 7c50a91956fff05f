/** Timers of background work (state transitions, guest boots) that `stop()` cancels together. */

/** Runs callbacks later and tracks them so they can all be cancelled. */
export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new Set<Promise<unknown>>();
  private stopped = false;

  /** Runs `fn` after `ms`; errors go to `onError`. */
  later(ms: number, fn: () => void | Promise<void>, onError: (error: unknown) => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(Promise.resolve().then(fn)).catch(onError);
    }, ms);
    this.timers.add(timer);
  }

  /** Tracks background work so {@link stop} waits for it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    const forget = (): void => {
      this.pending.delete(work);
    };
    work.then(forget, forget);
    return work;
  }

  /** Cancels every timer and waits for work already running. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.pending]);
  }
}
