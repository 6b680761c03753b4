import { describe, expect, it } from 'vitest';
import { sortActivePods } from './pods.ts';
import { makePod, T0 } from './testing.ts';

describe('ActivePods order', () => {
  it('unscheduled < pending < unknown < running; not ready < ready; later ready first; restarts; newest first', () => {
    const pods = [
      makePod('ready-long', { node: 'n', phase: 'Running', ready: true, readyAt: T0 - 100_000 }),
      makePod('ready-short', { node: 'n', phase: 'Running', ready: true, readyAt: T0 - 10_000 }),
      makePod('running-restarts', { node: 'n', phase: 'Running', ready: false, restarts: 3 }),
      makePod('running-old', { node: 'n', phase: 'Running', ready: false, created: T0 - 50_000 }),
      makePod('running-new', { node: 'n', phase: 'Running', ready: false, created: T0 }),
      makePod('unknown', { node: 'n', phase: 'Unknown' }),
      makePod('pending', { node: 'n', phase: 'Pending' }),
      makePod('unscheduled', { phase: 'Running' }),
    ];
    expect(sortActivePods(pods).map((p) => p.metadata?.name)).toEqual([
      'unscheduled', 'pending', 'unknown', 'running-restarts', 'running-new', 'running-old', 'ready-short', 'ready-long',
    ]);
  });
});
