/**
 * At most `size` fetches at once: each holds a git process, a temp clone and up to the size cap on disk,
 * so a burst of deploy requests queues here instead of starting them all. A waiter whose signal aborts
 * (its time bound, its caller) leaves the line.
 */
export class FetchSlots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  /** Resolves with a release function once a slot is free; rejects with the signal's reason if it aborts first. */
  acquire(signal: AbortSignal): Promise<() => void> {
    const release = () => {
      this.active--;
      this.waiting.shift()?.();
    };
    if (this.active < this.size) {
      this.active++;
      return Promise.resolve(once(release));
    }
    return new Promise((resolve, reject) => {
      const take = () => {
        signal.removeEventListener('abort', onAbort);
        this.active++;
        resolve(once(release));
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(take);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason);
      };
      if (signal.aborted) return reject(signal.reason);
      this.waiting.push(take);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}

/**
 * {@link FetchSlots} per caller: one deployer's fetches (a slow server of theirs) cannot take every slot. A
 * caller's line is forgotten once it holds and awaits nothing.
 */
export class CallerFetchSlots {
  private readonly lines = new Map<string, { slots: FetchSlots; users: number }>();

  constructor(private readonly perCaller: number) {}

  /** Like {@link FetchSlots.acquire}, in `caller`'s own line. */
  async acquire(caller: string, signal: AbortSignal): Promise<() => void> {
    let line = this.lines.get(caller);
    if (!line) this.lines.set(caller, (line = { slots: new FetchSlots(this.perCaller), users: 0 }));
    line.users++;
    const leave = once(() => {
      if (--line.users === 0) this.lines.delete(caller);
    });
    try {
      const release = await line.slots.acquire(signal);
      return once(() => {
        release();
        leave();
      });
    } catch (e) {
      leave();
      throw e;
    }
  }
}
