import type { ConfigMap, Secret } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { CONFIGMAPS, SECRETS } from '../../kube/client/client.ts';
import { FakeClock } from '../../lib/clock.ts';
import { dataToString } from '../env/object-lookup.ts';
import { ApiObjectLookup } from './api-object-lookup.ts';
import { FakeApiClient } from './testing/fake-api-client.ts';

function setup() {
  const client = new FakeApiClient();
  const clock = new FakeClock();
  const lookup = new ApiObjectLookup({ client, clock, ttlMs: 10_000, notFoundTtlMs: 2000 });
  return { client, clock, lookup };
}

describe('ApiObjectLookup', () => {
  it('reads ConfigMaps (data and binaryData) and decodes Secrets', async () => {
    const { client, lookup } = setup();
    client.seed<ConfigMap>(CONFIGMAPS, 'app', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { mode: 'fast' }, binaryData: { blob: Buffer.from([1, 2, 255]).toString('base64') } });
    client.seed<Secret>(SECRETS, 'app', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, data: { password: Buffer.from('s3cr3t').toString('base64') } });
    const cm = await lookup.configMap('app', 'cfg');
    expect(cm?.['mode']).toBe('fast');
    expect([...(cm?.['blob'] as Uint8Array)]).toEqual([1, 2, 255]);
    const s = await lookup.secret('app', 'creds');
    expect(dataToString(s?.['password'] ?? '')).toBe('s3cr3t');
    expect(await lookup.configMap('app', 'missing')).toBeUndefined();
    expect(await lookup.secret('other', 'creds')).toBeUndefined();
  });

  it('caches values for ttl, "not found" briefly, and shares concurrent reads', async () => {
    const { client, clock, lookup } = setup();
    client.seed<ConfigMap>(CONFIGMAPS, 'app', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { v: '1' } });
    await Promise.all([lookup.configMap('app', 'cfg'), lookup.configMap('app', 'cfg')]);
    expect(client.callsOf('get', 'configmaps')).toHaveLength(1);
    client.seed<ConfigMap>(CONFIGMAPS, 'app', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { v: '2' } });
    expect((await lookup.configMap('app', 'cfg'))?.['v']).toBe('1');
    await clock.step(10_000);
    expect((await lookup.configMap('app', 'cfg'))?.['v']).toBe('2');
    expect(await lookup.configMap('app', 'late')).toBeUndefined();
    client.seed<ConfigMap>(CONFIGMAPS, 'app', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' }, data: { v: 'x' } });
    expect(await lookup.configMap('app', 'late')).toBeUndefined();
    await clock.step(2000);
    expect((await lookup.configMap('app', 'late'))?.['v']).toBe('x');
  });

  it('throws when the API is unavailable (not the same as not found)', async () => {
    const { client, lookup } = setup();
    client.setDown(true);
    await expect(lookup.secret('app', 'creds')).rejects.toThrow(/ECONNREFUSED/);
  });
});
