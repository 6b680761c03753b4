import { describe, expect, it } from 'vitest';
import type { Clock } from '../lib/clock.ts';
import { Backoff, containerBackoffKey, formatDuration } from './backoff.ts';

/** A clock moved synchronously (Backoff only reads now()). */
class FakeClock implements Clock {
  t = Date.UTC(2026, 0, 1);
  now(): number { return this.t; }
  step(ms: number): void { this.t += ms; }
  setTimer(): never { throw new Error('unused'); }
  sleep(): never { throw new Error('unused'); }
}

/** Simulates the kubelet loop: a container that crashes `runMs` after each start. Returns the delays. */
function crashLoop(b: Backoff, clock: FakeClock, key: string, restarts: number, runMs: number): number[] {
  const delays: number[] = [];
  let finishedAt: number | undefined;
  for (let i = 0; i <= restarts; i++) {
    if (finishedAt !== undefined) {
      // advance to the first instant the back-off allows a start
      let waited = 0;
      while (b.isInBackOffSince(key, finishedAt)) {
        clock.step(1000);
        waited += 1000;
      }
      delays.push(waited);
      b.next(key, finishedAt);
    } else {
      b.next(key, clock.now());
    }
    clock.step(runMs);
    finishedAt = clock.now();
  }
  return delays;
}

describe('Backoff (CrashLoopBackOff)', () => {
  it('restarts after 0, 10, 20, 40, 80, 160, 300, 300 s', () => {
    const clock = new FakeClock();
    const b = new Backoff(clock);
    // first restart: no entry yet → immediate
    expect(crashLoop(b, clock, 'k', 8, 0).map((ms) => ms / 1000)).toEqual([10, 20, 40, 80, 160, 300, 300, 300]);
  });

  it.each([
    // [description, initial, max, expected delays]
    ['KEP-4603 reduced decay', 1_000, 60_000, [1, 2, 4, 8, 16, 32, 60, 60]],
    ['low cap', 10_000, 30_000, [10, 20, 30, 30, 30, 30, 30, 30]],
  ])('configurable initial/max: %s', (_d, initialMs, maxMs, expected) => {
    const clock = new FakeClock();
    const b = new Backoff(clock, { initialMs, maxMs });
    expect(crashLoop(b, clock, 'k', 8, 0).map((ms) => ms / 1000)).toEqual(expected);
  });

  it('first restart is immediate: no entry means not in back-off', () => {
    const clock = new FakeClock();
    const b = new Backoff(clock);
    expect(b.isInBackOffSince('k', clock.now())).toBe(false);
  });

  it('resets after the container ran more than 10 minutes since the last restart', () => {
    const clock = new FakeClock();
    const b = new Backoff(clock);
    b.next('k', clock.now());
    b.next('k', clock.now());
    b.next('k', clock.now());
    expect(b.delayOf('k')).toBe(40_000);
    clock.step(600_001);
    const finishedAt = clock.now();
    expect(b.isInBackOffSince('k', finishedAt)).toBe(false);
    expect(b.next('k', finishedAt)).toBe(10_000);
  });

  it('does not reset after exactly 10 minutes', () => {
    const clock = new FakeClock();
    const b = new Backoff(clock);
    b.next('k', clock.now());
    b.next('k', clock.now());
    clock.step(600_000);
    expect(b.next('k', clock.now())).toBe(40_000);
  });

  it('keys include the spec hash, so a spec change starts fresh', () => {
    const clock = new FakeClock();
    const b = new Backoff(clock);
    const pod = { name: 'p', namespace: 'ns', uid: 'u' };
    const k1 = containerBackoffKey(pod, 'c', 'aaa');
    b.next(k1, clock.now());
    b.next(k1, clock.now());
    const k2 = containerBackoffKey(pod, 'c', 'bbb');
    expect(b.isInBackOffSince(k2, clock.now())).toBe(false);
    expect(b.isInBackOffSince(k1, clock.now())).toBe(true);
  });

  it('image pull back-off: in back-off since the last failure', () => {
    const clock = new FakeClock();
    const b = new Backoff(clock);
    b.next('img', clock.now());
    expect(b.isInBackOffSinceUpdate('img')).toBe(true);
    clock.step(10_000);
    expect(b.isInBackOffSinceUpdate('img')).toBe(false);
    b.next('img', clock.now());
    clock.step(19_999);
    expect(b.isInBackOffSinceUpdate('img')).toBe(true);
  });

  it('snapshots and restores entries', () => {
    const clock = new FakeClock();
    const a = new Backoff(clock);
    a.next('k', clock.now());
    a.next('k', clock.now());
    const b = new Backoff(clock);
    b.restore(a.snapshot());
    expect(b.delayOf('k')).toBe(20_000);
    expect(b.remainingMs('k', clock.now())).toBe(20_000);
  });

  it('gc drops expired entries; resetPrefix drops a pod', () => {
    const clock = new FakeClock();
    const b = new Backoff(clock);
    b.next('u1_a', clock.now());
    b.next('u2_a', clock.now());
    b.resetPrefix('u1_');
    expect(b.delayOf('u1_a')).toBe(0);
    clock.step(700_000);
    b.gc();
    expect(b.snapshot()).toEqual({});
  });
});

describe('formatDuration (Go time.Duration)', () => {
  it.each([[10_000, '10s'], [300_000, '5m0s'], [160_000, '2m40s'], [1500, '1.5s'], [0, '0s'], [3_600_000, '1h0m0s']])('%d ms → %s', (ms, s) => {
    expect(formatDuration(ms)).toBe(s);
  });
});
