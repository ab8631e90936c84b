/** A run claimed ahead waiting for a slot; `grant` hands it the slot of a handler that settled. */
export interface SlotWaiter {
  grant: () => void;
  granted: boolean;
}

/**
 * A worker's `concurrency` handler slots (ADR 018). A slot is held by a running handler (a run
 * whose outcome is being written does not hold one, bar a backlog); runs claimed ahead wait for
 * the next slot a settling handler frees, oldest first, so handlers never exceed `concurrency`.
 */
export class RunSlots {
  private taken = 0;
  private readonly waiting: SlotWaiter[] = [];

  constructor(
    private readonly concurrency: number,
    /** Called after a slot is given up (the dispatcher may claim again). */
    private readonly onFreed: () => void,
  ) {}

  /** Slots neither held by a handler nor promised to a job claimed ahead. */
  get free(): number {
    return Math.max(0, this.concurrency - this.taken - this.waiting.length);
  }

  /** Runs claimed ahead that wait for a slot. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** A free slot at once (null), or a ticket for the next slot a settling handler frees. */
  take(): SlotWaiter | null {
    if (this.taken < this.concurrency) {
      this.taken++;
      return null;
    }
    const waiter: SlotWaiter = { granted: false, grant: () => undefined };
    this.waiting.push(waiter);
    return waiter;
  }

  /** A handler settled: its slot goes to the oldest run waiting for one, or becomes free. */
  release(): void {
    const next = this.waiting.shift();
    if (next) {
      next.granted = true;
      next.grant();
    } else this.taken--;
    this.onFreed();
  }

  /** Waits for a slot, at most `maxWaitMs`; false (and no slot held) when the run was aborted or the wait timed out first. */
  async waitFor(waiter: SlotWaiter, signal: AbortSignal, maxWaitMs: number): Promise<boolean> {
    if (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => finish(), maxWaitMs);
        const finish = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', finish);
          resolve();
        };
        waiter.grant = finish;
        signal.addEventListener('abort', finish, { once: true });
      });
    }
    if (waiter.granted) return true;
    const index = this.waiting.indexOf(waiter);
    if (index >= 0) this.waiting.splice(index, 1);
    return false;
  }
}
