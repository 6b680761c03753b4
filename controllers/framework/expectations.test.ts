import type { ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import { FakeQueue } from '../replicaset/test-fakes.ts';
import { makeRs } from '../replicaset/test-fixtures.ts';
import { ControllerExpectations, ownObjectHandlers } from './expectations.ts';

describe('ownObjectHandlers', () => {
  function setup(): { queue: FakeQueue; expectations: ControllerExpectations; handlers: ReturnType<typeof ownObjectHandlers<ReplicaSet>> } {
    const queue = new FakeQueue();
    const expectations = new ControllerExpectations(new FakeClock());
    return { queue, expectations, handlers: ownObjectHandlers<ReplicaSet>(queue, expectations) };
  }

  it('queues every change of the controller\'s own objects', () => {
    const { queue, expectations, handlers } = setup();
    const rs = makeRs();
    expectations.expectCreations('default/web', 2);
    handlers.add?.(rs);
    handlers.update?.(rs, { ...rs, metadata: { ...rs.metadata, resourceVersion: '2' } });
    expect(queue.added).toEqual(['default/web', 'default/web']);
    expect(expectations.satisfied('default/web')).toBe(false);
  });

  it('forgets the expectations of a deleted object, and of one made again under the same name', () => {
    const { queue, expectations, handlers } = setup();
    const rs = makeRs();
    expectations.expectCreations('default/web', 2);
    handlers.update?.(rs, makeRs({ uid: 'new-uid' }));
    expect(expectations.satisfied('default/web')).toBe(true);
    expectations.expectCreations('default/web', 2);
    handlers.delete?.(rs);
    expect(expectations.satisfied('default/web')).toBe(true);
    expect(queue.added).toEqual(['default/web', 'default/web', 'default/web']);
  });
});
