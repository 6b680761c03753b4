// Shared probe timers. Every probe worker keeps its own schedule (its own phase within its
// period), but due times are rounded up to a tick of the clock (default 100 ms) and all probes due
// in the same tick share one timer. With hundreds of probes this turns hundreds of separate
// wake-ups per second into at most 1000/tickMs, and the probes of one tick start together, so
// their connections and replies are handled in the same turns of the event loop. A probe runs at
// most tickMs later than its own schedule, and never earlier.
import type { Clock, Timer } from '../../lib/clock.ts';

/** Default tick: a tenth of the shortest period the API allows (1 s). */
export const DEFAULT_PROBE_TICK_MS = 100;

interface Slot {
  timer: Timer;
  fns: Set<(tick: number) => void>;
}

export class ProbeTicker {
  readonly tickMs: number;
  private readonly slots = new Map<number, Slot>();

  constructor(private readonly clock: Clock, tickMs = DEFAULT_PROBE_TICK_MS) {
    this.tickMs = Math.max(1, Math.floor(tickMs));
  }

  /** The tick `at` (ms since the epoch) falls due in: the first tick at or after it. */
  tickOf(at: number): number {
    return Math.ceil(at / this.tickMs) * this.tickMs;
  }

  /**
   * Calls fn once at the first tick at or after `at`, with that tick's time (the base for the
   * next due time, so a late timer does not shift the probe's schedule).
   */
  at(at: number, fn: (tick: number) => void): Timer {
    const tick = this.tickOf(at);
    let slot = this.slots.get(tick);
    if (slot === undefined) {
      const created: Slot = {
        fns: new Set(),
        timer: this.clock.setTimer(Math.max(0, tick - this.clock.now()), () => { this.fire(tick, created); }),
      };
      slot = created;
      this.slots.set(tick, slot);
    }
    const s = slot;
    s.fns.add(fn);
    return {
      cancel: () => {
        if (!s.fns.delete(fn) || s.fns.size > 0 || this.slots.get(tick) !== s) return;
        s.timer.cancel();
        this.slots.delete(tick);
      },
    };
  }

  /** Number of ticks with something waiting (tests). */
  pending(): number {
    return this.slots.size;
  }

  private fire(tick: number, slot: Slot): void {
    if (this.slots.get(tick) === slot) this.slots.delete(tick);
    for (const fn of [...slot.fns]) {
      slot.fns.delete(fn);
      fn(tick);
    }
  }
}
