import { describe, expect, it } from 'vitest';
import { openApiV3Document, openApiV3Index } from './openapi.ts';

interface PatchOp {
  parameters: { name: string }[];
  'x-kubernetes-group-version-kind': { group: string; version: string; kind: string };
  requestBody?: unknown;
}

/** What kubectl's query-param verifier looks for: a PATCH op for the GVK declaring fieldValidation. */
function supportsFieldValidation(doc: Record<string, unknown>, kind: string): boolean {
  const paths = doc['paths'] as Record<string, { patch?: PatchOp }>;
  return Object.values(paths).some((p) => p.patch?.['x-kubernetes-group-version-kind'].kind === kind &&
    p.patch.parameters.some((q) => q.name === 'fieldValidation') && p.patch.requestBody === undefined);
}

describe('openapi v3', () => {
  it('indexes the served group-versions with stable hashed URLs', () => {
    const index = openApiV3Index();
    expect(Object.keys(index.paths)).toEqual(['api/v1', 'apis/coordination.k8s.io/v1']);
    expect(index.paths['api/v1']?.serverRelativeURL).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
    expect(openApiV3Index()).toEqual(index);
  });

  it('declares fieldValidation on PATCH for every served kind', () => {
    const core = openApiV3Document('api/v1');
    const coordination = openApiV3Document('apis/coordination.k8s.io/v1');
    expect(core).toBeDefined();
    expect(coordination).toBeDefined();
    for (const kind of ['Pod', 'Namespace', 'Node', 'ConfigMap', 'Secret', 'ServiceAccount', 'Event']) {
      expect(supportsFieldValidation(core ?? {}, kind), kind).toBe(true);
    }
    expect(supportsFieldValidation(coordination ?? {}, 'Lease')).toBe(true);
    const paths = Object.keys((core ?? {})['paths'] as object);
    expect(paths).toContain('/api/v1/namespaces/{namespace}/pods/{name}');
    expect(paths).toContain('/api/v1/nodes/{name}');
    expect(paths).toContain('/api/v1/namespaces/{name}');
    expect(openApiV3Document('apis/apps/v1')).toBeUndefined();
  });
});
