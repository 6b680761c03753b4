import type { Lease } from 'kubernetes-types/coordination/v1.d.ts';
import type { Node } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { LEASES, NODES } from '../../kube/client/client.ts';
import { FakeClock } from '../../lib/clock.ts';
import { LeaseHeartbeat, microTime, NODE_LEASE_NAMESPACE } from './lease-heartbeat.ts';
import { apiError, FakeApiClient } from './testing/fake-api-client.ts';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function setup() {
  const client = new FakeApiClient();
  const clock = new FakeClock(T0);
  const lease = new LeaseHeartbeat({ client, nodeName: 'node1', clock, jitter: 0 });
  const read = (): Lease | undefined => client.peek<Lease>(LEASES, NODE_LEASE_NAMESPACE, 'node1');
  return { client, clock, lease, read };
}

describe('LeaseHeartbeat', () => {
  it('formats MicroTime with six fractional digits', () => {
    expect(microTime(T0 + 123)).toBe('2026-01-01T12:00:00.123000Z');
  });

  it('creates the node Lease owned by the Node and renews it with a PUT every 10 s', async () => {
    const { client, clock, lease, read } = setup();
    const node = client.seed<Node>(NODES, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1' } });
    lease.start();
    await clock.step(0);
    expect(read()).toMatchObject({
      metadata: { name: 'node1', namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node1', uid: node.metadata?.uid }] },
      spec: { holderIdentity: 'node1', leaseDurationSeconds: 40, renewTime: '2026-01-01T12:00:00.000000Z' },
    });
    expect(client.callsOf('create', 'leases')).toHaveLength(1);
    await clock.step(9_999);
    expect(client.callsOf('update', 'leases')).toHaveLength(0);
    await clock.step(1);
    expect(client.callsOf('update', 'leases')).toHaveLength(1);
    expect(read()?.spec?.renewTime).toBe('2026-01-01T12:00:10.000000Z');
    await clock.step(30_000);
    expect(client.callsOf('update', 'leases')).toHaveLength(4);
    expect(read()?.spec?.renewTime).toBe('2026-01-01T12:00:40.000000Z');
    // updates carry the resourceVersion of the last returned Lease (optimistic concurrency)
    const last = client.callsOf('update', 'leases').at(-1)?.body as Lease;
    expect(last.metadata?.resourceVersion).toBeDefined();
    await lease.stop();
    expect(clock.pending()).toBe(0);
  });

  it('on conflict re-reads the Lease (ensureLease) and updates that one', async () => {
    const { client, clock, lease, read } = setup();
    lease.start();
    await clock.step(0);
    // someone else wrote the lease: our cached resourceVersion is stale
    const cur = read();
    client.seed<Lease>(LEASES, NODE_LEASE_NAMESPACE, { ...cur, spec: { ...cur?.spec, holderIdentity: 'someone' } });
    await clock.step(10_000);
    const updates = client.callsOf('update', 'leases');
    expect(updates).toHaveLength(2);
    expect(client.callsOf('get', 'leases')).toHaveLength(2);
    expect(read()?.spec).toMatchObject({ holderIdentity: 'node1', renewTime: '2026-01-01T12:00:10.000000Z' });
    await lease.stop();
  });

  it('retries with back-off while the API is down and renews as soon as it is back; owner added once the Node exists', async () => {
    const { client, clock, lease, read } = setup();
    lease.start();
    await clock.step(0);
    expect(read()?.metadata?.ownerReferences).toBeUndefined();
    client.setDown(true);
    await clock.step(10_000);
    // five update tries, then ensureLease with back-off 100, 200, 400 ms …
    expect(client.callsOf('update', 'leases')).toHaveLength(5);
    await clock.step(100 + 200 + 400);
    expect(client.callsOf('get', 'leases').length).toBe(1 + 4); // the first ensure, then at 10 s, +100, +300, +700 ms
    const node = client.seed<Node>(NODES, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1' } });
    client.setDown(false);
    await clock.step(800);
    expect(read()?.spec?.renewTime).toBe('2026-01-01T12:00:11.500000Z');
    expect(read()?.metadata?.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'node1', uid: node.metadata?.uid }]);
    // and back on the 10 s cadence
    const n = client.callsOf('update', 'leases').length;
    await clock.step(10_000);
    expect(client.callsOf('update', 'leases').length).toBe(n + 1);
    await lease.stop();
  });

  it('treats a non-conflict update error as retryable within one sync', async () => {
    const { client, clock, lease, read } = setup();
    lease.start();
    await clock.step(0);
    client.failNext('update', apiError(500, 'InternalError'), 'leases');
    await clock.step(10_000);
    expect(client.callsOf('update', 'leases')).toHaveLength(2);
    expect(read()?.spec?.renewTime).toBe('2026-01-01T12:00:10.000000Z');
    await lease.stop();
  });
});
