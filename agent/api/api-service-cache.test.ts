import type { Service } from 'kubernetes-types/core/v1.d.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { SERVICES } from '../../kube/client/resources.ts';
import { FakeClock } from '../../lib/clock.ts';
import { ApiServiceCache } from './api-service-cache.ts';
import { connectionRefused, FakeApiClient } from './testing/fake-api-client.ts';

function svc(namespace: string, name: string, clusterIP: string): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { clusterIP, ports: [{ port: 80 }] } };
}

const caches: ApiServiceCache[] = [];

function setup() {
  const client = new FakeApiClient();
  const clock = new FakeClock();
  const cache = new ApiServiceCache({ client, clock, backoffInitialMs: 1000, backoffMaxMs: 1000 });
  caches.push(cache);
  return { client, clock, cache };
}

async function settle(clock: FakeClock, ms = 0): Promise<void> {
  await clock.step(ms);
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 1));
    await clock.step(0);
  }
}

const names = (cache: ApiServiceCache): string[] => cache.list().map((s) => `${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`).sort();

afterEach(async () => {
  for (const c of caches.splice(0)) await c.stop();
});

describe('ApiServiceCache', () => {
  it('lists Services of every namespace, is synced after the first list, then follows the watch', async () => {
    const { client, clock, cache } = setup();
    client.seed(SERVICES, 'default', svc('default', 'kubernetes', '10.96.0.1'));
    client.seed(SERVICES, 'apps', svc('apps', 'web', '10.96.1.1'));
    expect(cache.hasSynced()).toBe(false);
    cache.start();
    await cache.waitForSync();
    expect(cache.hasSynced()).toBe(true);
    expect(client.callsOf('list', 'services')[0]?.namespace).toBeUndefined();
    expect(names(cache)).toEqual(['apps/web', 'default/kubernetes']);

    client.seed(SERVICES, 'apps', svc('apps', 'db', '10.96.1.2'));
    client.seed(SERVICES, 'apps', svc('apps', 'web', '10.96.1.9'));
    client.remove(SERVICES, 'default', 'kubernetes');
    await settle(clock);
    expect(names(cache)).toEqual(['apps/db', 'apps/web']);
    expect(cache.list().find((s) => s.metadata?.name === 'web')?.spec?.clusterIP).toBe('10.96.1.9');
  });

  it('a failed first list leaves it unsynced; it retries with back-off', async () => {
    const { client, clock, cache } = setup();
    client.seed(SERVICES, 'default', svc('default', 'kubernetes', '10.96.0.1'));
    client.failNext('list', connectionRefused(), 'services');
    cache.start();
    await settle(clock);
    expect(cache.hasSynced()).toBe(false);
    await settle(clock, 1000);
    expect(cache.hasSynced()).toBe(true);
    expect(names(cache)).toEqual(['default/kubernetes']);
  });

  it('keeps the last known Services while the API is away; the re-list drops those deleted meanwhile', async () => {
    const { client, clock, cache } = setup();
    client.seed(SERVICES, 'apps', svc('apps', 'web', '10.96.1.1'));
    client.seed(SERVICES, 'apps', svc('apps', 'db', '10.96.1.2'));
    cache.start();
    await cache.waitForSync();
    client.setDown(true);
    await settle(clock, 1000);
    expect(cache.hasSynced()).toBe(true);
    expect(names(cache)).toEqual(['apps/db', 'apps/web']);
    client.setDown(false);
    client.remove(SERVICES, 'apps', 'db');
    await settle(clock, 1000);
    await settle(clock, 1000);
    expect(names(cache)).toEqual(['apps/web']);
  });

  it('stop() ends the watch', async () => {
    const { client, cache } = setup();
    cache.start();
    await cache.waitForSync();
    await cache.stop();
    const watches = client.callsOf('watch', 'services').length;
    client.seed(SERVICES, 'apps', svc('apps', 'late', '10.96.1.3'));
    expect(names(cache)).toEqual([]);
    expect(client.callsOf('watch', 'services')).toHaveLength(watches);
  });
});
