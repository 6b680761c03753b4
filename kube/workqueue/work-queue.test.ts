import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import { WorkQueue } from './work-queue.ts';

describe('WorkQueue', () => {
  it('queues a key once, never hands it to two workers, and requeues one added while processed', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    q.add('a'); // while processing: waits until done
    expect(await q.get()).toBe('b');
    expect(q.len()).toBe(0);
    q.done('a');
    expect(await q.get()).toBe('a');
    q.done('a');
    q.done('b');
    expect(q.isIdle()).toBe(true);
  });

  it('hands a key to a waiting worker at once', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    const next = q.get();
    q.add('x');
    expect(await next).toBe('x');
  });

  it('adds after a delay (the earliest wins) and backs off per key until forgotten', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter('k', 1000);
    q.addAfter('k', 500);
    await clock.step(499);
    expect(q.len()).toBe(0);
    await clock.step(1);
    expect(q.len()).toBe(1);
    const k = await q.get();
    expect(k).toBe('k');
    q.done('k');
    q.addRateLimited('r'); // 5 ms
    q.addRateLimited('r'); // 10 ms, but the 5 ms add is earlier and wins
    expect(q.numRequeues('r')).toBe(2);
    await clock.step(5);
    expect(q.len()).toBe(1);
    q.forget('r');
    expect(q.numRequeues('r')).toBe(0);
  });

  it('shutDown releases waiting workers', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    const next = q.get();
    q.shutDown();
    expect(await next).toBeUndefined();
    q.add('late');
    expect(q.len()).toBe(0);
  });
});
