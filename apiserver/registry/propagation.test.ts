// DeleteOptions.propagationPolicy as the generic store applies it before the garbage collector
// takes over: Orphan and Foreground leave the object with their finalizer (and a
// deletionTimestamp), Background deletes at once, an unknown policy is a 422 on DeleteOptions.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import { createMemoryStorage } from '../storage/memory-storage.ts';
import { bootstrapRegistry } from './bootstrap.ts';
import { Registry } from './registry.ts';
import { gcFinalizers } from './resource-store.ts';

describe('gcFinalizers', () => {
  it.each([
    [[], 'Orphan', ['orphan']],
    [[], 'Foreground', ['foregroundDeletion']],
    [[], 'Background', undefined],
    [['a', 'orphan'], 'Background', ['a']],
    [['orphan'], 'Foreground', ['foregroundDeletion']],
    [['foregroundDeletion'], undefined, undefined],
    [['x'], undefined, undefined],
  ] as [string[], string | undefined, string[] | undefined][])('%j with %s → %j', (current, policy, want) => {
    expect(gcFinalizers(current, policy === undefined ? {} : { propagationPolicy: policy })).toEqual(want);
  });
});

describe('delete with a propagation policy', () => {
  it('keeps the object with its finalizer for Orphan and Foreground, and refuses an unknown policy', async () => {
    const registry = new Registry(createMemoryStorage(), new FakeClock());
    await bootstrapRegistry(registry);
    const cms = registry.store('', 'v1', 'configmaps');
    for (const name of ['o', 'f', 'b']) await cms.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
    const o = await cms.delete('default', 'o', { propagationPolicy: 'Orphan' });
    expect(o.deleted).toBe(false);
    expect(o.object.metadata?.finalizers).toEqual(['orphan']);
    expect(o.object.metadata?.deletionTimestamp).toBeDefined();
    const f = await cms.delete('default', 'f', { propagationPolicy: 'Foreground' });
    expect(f.object.metadata?.finalizers).toEqual(['foregroundDeletion']);
    expect((await cms.delete('default', 'b', { propagationPolicy: 'Background' })).deleted).toBe(true);
    await expect(cms.delete('default', 'o', { propagationPolicy: 'Sideways' })).rejects.toMatchObject({
      status: { code: 422, reason: 'Invalid', message: 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan"' },
    });
  });
});
