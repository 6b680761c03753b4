import { describe, expect, it } from 'vitest';
import { apply, update } from './manager.ts';
import { schemaTypeInfo, zeroObjectOf } from './schema-type-info.ts';
import type { KubeObject } from './manager.ts';

const clock = { now: () => Date.UTC(2026, 11, 7, 12, 0, 0) };

function opts(apiVersion: string, kind: string): { type: NonNullable<ReturnType<typeof schemaTypeInfo.typeOf>>; clock: typeof clock; emptyObject: KubeObject } {
  const type = schemaTypeInfo.typeOf(apiVersion, kind);
  if (type === undefined) throw new Error(`no type for ${apiVersion} ${kind}`);
  return { type, clock, emptyObject: zeroObjectOf(apiVersion, kind) };
}

describe('apply with the generated schemas', () => {
  it('merges a Deployment\'s containers by name across two appliers and reports a conflict on a shared field', () => {
    const o = opts('apps/v1', 'Deployment');
    const first = apply(undefined, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { replicas: 2, template: { spec: { containers: [{ name: 'a', image: 'a:1' }] } } },
    }, 'alice', o);
    const second = apply(first, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { template: { spec: { containers: [{ name: 'b', image: 'b:1' }] } } },
    }, 'bob', o) as { spec: { template: { spec: { containers: { name: string }[] } } } };
    expect(second.spec.template.spec.containers.map((c) => c.name)).toEqual(['a', 'b']);
    expect(() => apply(second as KubeObject, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3 },
    }, 'bob', o)).toThrow(/conflict with "alice": \.spec\.replicas/);
  });

  it('records ownership of an Update by a manager, keyed map-lists included', () => {
    const o = opts('v1', 'Pod');
    const live = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80 }] }] } } as KubeObject;
    const out = update(undefined, live, 'kubectl-create', o) as { metadata: { managedFields: { manager: string; operation: string; fieldsV1: unknown }[] } };
    const entry = out.metadata.managedFields[0];
    expect(entry).toMatchObject({ manager: 'kubectl-create', operation: 'Update' });
    expect(JSON.stringify(entry?.fieldsV1)).toContain('"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}"');
  });
});
