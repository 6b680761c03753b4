// The facts table: consistent in itself, applied by the generator, and in agreement with every
// merge fact the strategic merge patch of apiserver/api/patch.ts already knows.
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PATCH_SCHEMAS, type PatchSchema } from '../patch/patch.ts';
import { FIELD_EXTENSIONS, QUANTITY_FIELDS, TYPE_EXTENSIONS } from './extensions.ts';
import { GENERATED_FILE, writeGenerated } from './generate.ts';
import { definition, fieldType, kindSchemaName, type Schema } from './schemas.ts';

beforeAll(async () => {
  if (!existsSync(GENERATED_FILE)) await writeGenerated();
});

describe('the table', () => {
  it('gives map lists their keys and merge keys a merge strategy', () => {
    for (const [def, fields] of Object.entries(FIELD_EXTENSIONS)) {
      for (const [field, f] of Object.entries(fields)) {
        const where = `${def}.${field}`;
        if (f.listType === 'map') expect(f.listMapKeys?.length, where).toBeGreaterThan(0);
        if (f.listMapKeys) expect(f.listType, where).toBe('map');
        if (f.patchMergeKey !== undefined) expect(f.patchStrategy, where).toMatch(/merge/);
        // a map list merged by strategic merge patch merges by one of its keys
        if (f.listType === 'map' && f.patchMergeKey !== undefined) expect(f.listMapKeys, where).toContain(f.patchMergeKey);
      }
    }
  });

  it('covers the list fields of the served kinds', () => {
    for (const def of ['io.k8s.api.core.v1.PodSpec', 'io.k8s.api.core.v1.Container', 'io.k8s.api.core.v1.ServiceSpec',
      'io.k8s.api.core.v1.NodeStatus', 'io.k8s.api.apps.v1.DeploymentStatus', 'io.k8s.api.batch.v1.JobStatus',
      'io.k8s.api.discovery.v1.EndpointSlice', 'io.k8s.api.rbac.v1.ClusterRole', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
      'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionSpec']) {
      expect(FIELD_EXTENSIONS, def).toHaveProperty([def]);
    }
  });

  it('is in the generated schemas, field by field', () => {
    for (const [def, fields] of Object.entries(FIELD_EXTENSIONS)) {
      const props = definition(def)?.['properties'] as Record<string, Schema> | undefined;
      for (const [field, f] of Object.entries(fields)) {
        const p = props?.[field];
        expect(p, `${def}.${field}`).toBeDefined();
        if (f.listType !== undefined) expect(p?.['x-kubernetes-list-type']).toBe(f.listType);
        if (f.patchMergeKey !== undefined) expect(p?.['x-kubernetes-patch-merge-key']).toBe(f.patchMergeKey);
        if (f.patchStrategy !== undefined) expect(p?.['x-kubernetes-patch-strategy']).toBe(f.patchStrategy);
        if (f.mapType !== undefined) expect(p?.['x-kubernetes-map-type']).toBe(f.mapType);
      }
    }
    for (const [def, f] of Object.entries(TYPE_EXTENSIONS)) expect(definition(def)?.['x-kubernetes-map-type'], def).toBe(f.mapType);
    for (const [def, fields] of Object.entries(QUANTITY_FIELDS)) {
      for (const field of fields) expect(JSON.stringify(definition(def)?.['properties']), `${def}.${field}`).toContain('io.k8s.apimachinery.pkg.api.resource.Quantity');
    }
  });
});

describe('agreement with apiserver/api/patch.ts', () => {
  /** Walks a patch.ts schema beside the generated one and returns every disagreement. */
  function compare(root: string, path: string[], schema: PatchSchema, out: string[]): void {
    for (const [field, sub] of Object.entries(schema.fields ?? {})) {
      const p = [...path, field];
      const ft = fieldType(root, p);
      const where = `${root} ${p.join('.')}`;
      if (!ft) {
        out.push(`${where}: no such field`);
        continue;
      }
      const strategies = (ft.patchStrategy ?? '').split(',');
      if (sub.strategy === 'merge' && !strategies.includes('merge')) out.push(`${where}: patch.ts merges, the table does not`);
      if (sub.mergeKey !== undefined && ft.patchMergeKey !== sub.mergeKey) out.push(`${where}: merge key ${sub.mergeKey} vs ${String(ft.patchMergeKey)}`);
      if (sub.retainKeys === true && !strategies.includes('retainKeys')) out.push(`${where}: patch.ts retains keys, the table does not`);
      compare(root, p, sub, out);
    }
  }

  it('has every merge strategy, merge key and retainKeys patch.ts uses', () => {
    const disagreements: string[] = [];
    for (const [key, schema] of Object.entries(PATCH_SCHEMAS)) {
      const kind = key.slice(key.lastIndexOf('/') + 1);
      const apiVersion = key.slice(0, key.lastIndexOf('/'));
      const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
      const root = kindSchemaName(group ?? '', version ?? '', kind);
      expect(root, key).toBeDefined();
      compare(root ?? '', [], schema, disagreements);
    }
    expect(disagreements).toEqual([]);
  });
});
