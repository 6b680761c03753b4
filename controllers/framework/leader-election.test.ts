import type { Lease } from 'kubernetes-types/coordination/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../kube/client/client.ts';
import { parseKubeconfig } from '../../kube/client/kubeconfig.ts';
import { LEASES } from '../../kube/client/resources.ts';
import { SystemClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/log.ts';
import { until } from '../../lib/testing/wait.ts';
import { ApiServer } from '../../apiserver/server.ts';
import { createMemoryStorage } from '../../apiserver/storage/memory-storage.ts';
import { LeaderElector, leaseDecision } from './leader-election.ts';

const NOW = Date.parse('2026-01-01T00:00:30Z');

function lease(holder: string | undefined, renewTime: string | undefined, seconds = 15): Lease {
  return { metadata: { name: 'kube-controller-manager' }, spec: { ...(holder === undefined ? {} : { holderIdentity: holder }), ...(renewTime === undefined ? {} : { renewTime }), leaseDurationSeconds: seconds } };
}

describe('leaseDecision', () => {
  it.each([
    ['no lease', undefined, 'acquire'],
    ['no holder', lease(undefined, undefined), 'acquire'],
    ['ours (a restart with the same identity)', lease('me', '2026-01-01T00:00:29.000000Z'), 'renew'],
    ['held by another, fresh', lease('other', '2026-01-01T00:00:20.000000Z'), 'wait'],
    ['held by another, expired', lease('other', '2026-01-01T00:00:14.000000Z'), 'acquire'],
  ] as const)('%s → %s', (_, l, want) => {
    expect(leaseDecision(l, 'me', NOW)).toBe(want);
  });
});

describe('LeaderElector against a real API server', () => {
  let server: ApiServer;
  let client: ApiClient;
  beforeAll(async () => {
    server = await ApiServer.start({ storage: createMemoryStorage(), log: silentLogger });
    client = new ApiClient(parseKubeconfig(server.kubeconfig()));
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  it('one of two candidates leads; the other takes over only after the leader stops renewing', async () => {
    const clock = new SystemClock();
    const opts = { client, clock, log: silentLogger, name: 'le-test', leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100 };
    const a = new LeaderElector({ ...opts, identity: 'a' });
    const b = new LeaderElector({ ...opts, identity: 'b' });
    const stopA = new AbortController();
    const stopB = new AbortController();
    const started: string[] = [];
    const runA = a.run(stopA.signal, () => started.push('a'), () => undefined);
    await until('a leads', () => Promise.resolve(a.isLeader()), 5000, 10);
    const runB = b.run(stopB.signal, () => started.push('b'), () => undefined);
    // while a renews (two more renewals seen on the Lease), b stays a candidate
    const renewals = new Set<string>();
    await until('two renewals by a', async () => {
      const l = await client.get<Lease>(LEASES, 'kube-system', 'le-test');
      if (l.spec?.holderIdentity === 'a') renewals.add(l.spec.renewTime ?? '');
      return renewals.size >= 3;
    }, 5000, 20);
    expect(b.isLeader()).toBe(false);
    stopA.abort();
    await runA;
    await until('b leads', () => Promise.resolve(b.isLeader()), 5000, 20);
    expect(started).toEqual(['a', 'b']);
    const held = await client.get<Lease>(LEASES, 'kube-system', 'le-test');
    expect(held.spec?.holderIdentity).toBe('b');
    expect(held.spec?.leaseTransitions).toBe(1);
    stopB.abort();
    await runB;
  });
});
