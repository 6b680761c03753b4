// Exponential back-off for talking to the API server (client-go wait.Backoff style): the delay
// starts at initialMs, doubles after each failure up to maxMs, and resets after a success.

export interface RetryDelayOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  /** Adds up to this fraction of the delay at random (0 = none). */
  jitter?: number;
  random?: () => number;
}

export class RetryDelay {
  private current: number;

  constructor(private readonly o: RetryDelayOptions) {
    this.current = o.initialMs;
  }

  /** The delay to wait before the next attempt; grows for the one after. */
  next(): number {
    const base = this.current;
    this.current = Math.min(this.current * (this.o.factor ?? 2), this.o.maxMs);
    const jitter = this.o.jitter ?? 0;
    return jitter > 0 ? Math.round(base * (1 + jitter * (this.o.random ?? Math.random)())) : base;
  }

  reset(): void {
    this.current = this.o.initialMs;
  }
}
