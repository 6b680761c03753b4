import type { EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { EndpointSliceTracker } from './slice-tracker.ts';
import { makePod, makeService, T0 } from './test-fixtures.ts';
import { TriggerTimeTracker } from './trigger-time.ts';

const slice = (uid: string, generation: number): EndpointSlice => ({
  addressType: 'IPv4', endpoints: [],
  metadata: { namespace: 'default', name: uid, uid, generation, labels: { 'kubernetes.io/service-name': 'web' } },
});

describe('EndpointSliceTracker', () => {
  const svc = makeService();

  it('a slice we wrote is stale in the cache until its generation arrives', () => {
    const t = new EndpointSliceTracker();
    expect(t.staleSlices(svc, [slice('a', 1)])).toBe(false);
    t.update(slice('a', 2));
    expect(t.shouldSync(slice('a', 2))).toBe(false);
    expect(t.shouldSync(slice('a', 3))).toBe(true);
    expect(t.staleSlices(svc, [slice('a', 1)])).toBe(true);
    expect(t.staleSlices(svc, [slice('a', 2)])).toBe(false);
    // A slice we created, not cached yet.
    t.update(slice('b', 1));
    expect(t.staleSlices(svc, [slice('a', 2)])).toBe(true);
  });

  it('a slice we deleted is stale while cached; its deletion was expected', () => {
    const t = new EndpointSliceTracker();
    t.update(slice('a', 1));
    t.expectDeletion(slice('a', 1));
    expect(t.staleSlices(svc, [slice('a', 1)])).toBe(true);
    expect(t.staleSlices(svc, [])).toBe(false);
    expect(t.handleDeletion(slice('a', 1))).toBe(true);
    t.update(slice('c', 1));
    expect(t.handleDeletion(slice('c', 1))).toBe(false);
  });

  it('a recreated Service forgets the old one\'s writes', () => {
    const t = new EndpointSliceTracker();
    expect(t.staleSlices(svc, [])).toBe(false);
    t.update(slice('a', 1));
    expect(t.staleSlices(svc, [])).toBe(true);
    const again = makeService();
    again.metadata = { ...again.metadata, uid: 'new-uid' };
    expect(t.staleSlices(again, [])).toBe(false);
  });
});

describe('TriggerTimeTracker', () => {
  it('a new Service reports its creation, then the earliest changed Ready transition, then nothing', () => {
    const t = new TriggerTimeTracker();
    const svc = makeService();
    const created = Date.parse('2026-01-01T00:00:00Z');
    expect(t.compute('default', svc, [makePod('a', { readySince: T0 })])).toBe(created);
    expect(t.compute('default', svc, [makePod('a', { readySince: T0 })])).toBeUndefined();
    expect(t.compute('default', svc, [makePod('a', { readySince: T0 + 5000 }), makePod('b', { readySince: T0 + 2000 })])).toBe(T0 + 2000);
    t.deleteService('default', 'web');
    expect(t.compute('default', svc, [])).toBe(created);
  });
});
