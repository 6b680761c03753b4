// Shared probe ticks on a FakeClock: rounding, sharing, cancelling, and the workers' schedules
// (own phase, no drift when timers fire late).
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { FakeClock, type Clock, type Timer } from '../../lib/clock.ts';
import type { ExecSyncResult } from '../../runtime/types.ts';
import { ProbeTicker } from './probe-ticker.ts';
import { ProberManager } from './prober-manager.ts';

/** A FakeClock whose timers fire `lateMs` after they are due (a busy event loop). */
class LateClock implements Clock {
  constructor(readonly inner: FakeClock, private readonly lateMs: number) {}
  now(): number {
    return this.inner.now();
  }
  setTimer(ms: number, fn: () => void): Timer {
    return this.inner.setTimer(ms + this.lateMs, fn);
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.inner.sleep(ms, signal);
  }
}

describe('ProbeTicker', () => {
  it('rounds due times up to the tick and runs everything due in one tick on one timer', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const ticker = new ProbeTicker(clock, 100);
    const fired: [string, number, number][] = [];
    const log = (name: string) => (tick: number): void => { fired.push([name, tick - t0, clock.now() - t0]); };
    ticker.at(t0 + 10, log('a'));
    ticker.at(t0 + 100, log('b'));
    ticker.at(t0 + 60, log('c'));
    ticker.at(t0 + 101, log('d'));
    expect(ticker.pending()).toBe(2);
    expect(clock.pending()).toBe(2);
    await clock.step(99);
    expect(fired).toEqual([]);
    await clock.step(1);
    expect(fired).toEqual([['a', 100, 100], ['b', 100, 100], ['c', 100, 100]]);
    await clock.step(100);
    expect(fired.slice(3)).toEqual([['d', 200, 200]]);
    expect(clock.pending()).toBe(0);
  });

  it('never runs early: a due time on a tick runs on that tick', async () => {
    const clock = new FakeClock();
    const ticker = new ProbeTicker(clock, 100);
    const at = clock.now() + 1000;
    let ran = -1;
    ticker.at(at, () => { ran = clock.now(); });
    await clock.step(999);
    expect(ran).toBe(-1);
    await clock.step(1);
    expect(ran).toBe(at);
  });

  it('cancelling the last callback of a tick cancels its timer; the others still run', async () => {
    const clock = new FakeClock();
    const ticker = new ProbeTicker(clock, 100);
    const ran: string[] = [];
    const a = ticker.at(clock.now() + 50, () => { ran.push('a'); });
    const b = ticker.at(clock.now() + 70, () => { ran.push('b'); });
    a.cancel();
    expect(clock.pending()).toBe(1);
    b.cancel();
    expect(clock.pending()).toBe(0);
    expect(ticker.pending()).toBe(0);
    ticker.at(clock.now() + 50, () => { ran.push('c'); });
    const d = ticker.at(clock.now() + 50, () => { ran.push('d'); });
    d.cancel();
    d.cancel();
    await clock.step(100);
    expect(ran).toEqual(['c']);
  });

  it('tick 1 keeps every due time as it is', async () => {
    const clock = new FakeClock();
    const ticker = new ProbeTicker(clock, 1);
    let ran = 0;
    ticker.at(clock.now() + 7, (tick) => { ran = tick; });
    await clock.step(7);
    expect(ran).toBe(clock.now());
  });
});

describe('probe workers on shared ticks', () => {
  function setup(lateMs: number) {
    const fake = new FakeClock();
    const clock = new LateClock(fake, lateMs);
    const t0 = fake.now();
    const calls: { name: string; at: number }[] = [];
    const exec = {
      execSync: (_id: string, cmd: string[]): Promise<ExecSyncResult> => {
        calls.push({ name: cmd[1] ?? '', at: fake.now() - t0 });
        return Promise.resolve({ exitCode: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), timedOut: false });
      },
    };
    const prober = new ProberManager({
      clock, exec, events: { emit: () => undefined },
      transport: { httpGet: () => Promise.reject(new Error('unused')), tcpConnect: () => Promise.reject(new Error('unused')) },
    });
    const pod = (uid: string, period: number): Pod => ({
      metadata: { name: uid, namespace: 'ns', uid },
      spec: { containers: [{ name: 'c', readinessProbe: { exec: { command: ['probe', `${uid}-ready`] }, periodSeconds: period } }] },
    });
    const at = (name: string): number[] => calls.filter((c) => c.name === name).map((c) => c.at);
    return { fake, t0, prober, pod, at };
  }

  it('each probe keeps its own phase, rounded up to the tick, and does not drift when timers fire late', async () => {
    const s = setup(7);
    await s.fake.step(30);
    s.prober.syncPod(s.pod('a', 1), [{ name: 'c', containerId: 'id-a', running: true, startedAt: s.fake.now() }], '10.0.0.1');
    await s.fake.step(420);
    s.prober.syncPod(s.pod('b', 1), [{ name: 'c', containerId: 'id-b', running: true, startedAt: s.fake.now() }], '10.0.0.2');
    await s.fake.step(10_000);
    // Readiness probes a new container at once, then every period counted from the tick it was due
    // in (1030 → tick 1100), fired 7 ms late each time without shifting the schedule.
    const a = s.at('a-ready');
    const b = s.at('b-ready');
    expect(a.slice(0, 4)).toEqual([30, 1107, 2107, 3107]);
    expect(b.slice(0, 4)).toEqual([450, 1507, 2507, 3507]);
    expect(a[10]).toBe(10_107);
    expect(b).toHaveLength(10);
  });

  it('periods of 10 s stay 10 s apart', async () => {
    const s = setup(0);
    s.prober.syncPod(s.pod('a', 10), [{ name: 'c', containerId: 'id-a', running: true, startedAt: s.fake.now() }], '10.0.0.1');
    await s.fake.step(35_000);
    expect(s.at('a-ready')).toEqual([0, 10_000, 20_000, 30_000]);
  });

  it('after a stall longer than the period the schedule restarts from now instead of catching up', async () => {
    const s = setup(2500);
    s.prober.syncPod(s.pod('a', 1), [{ name: 'c', containerId: 'id-a', running: true, startedAt: s.fake.now() }], '10.0.0.1');
    await s.fake.step(12_000);
    const a = s.at('a-ready');
    // Due at 1000, fired at 3500 (2.5 s late): next due 4500 (from now, not 2000), fired 7000, …
    expect(a.slice(0, 4)).toEqual([0, 3500, 7000, 10_500]);
  });
});
