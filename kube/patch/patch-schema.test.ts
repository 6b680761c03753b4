import { describe, expect, it } from 'vitest';
import { strategicMergePatch } from './patch.ts';
import { patchSchemaForKind } from './patch-schema.ts';

describe('strategic merge facts from the generated schemas', () => {
  it('merges a Deployment template\'s containers by name and their env by name, and keeps retainKeys on the strategy', () => {
    const deploy = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } }, template: { spec: { containers: [
        { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }] }, { name: 'b', image: 'b:1' },
      ] } } },
    };
    const out = strategicMergePatch(deploy, { spec: {
      strategy: { $retainKeys: ['type'], type: 'Recreate' },
      template: { spec: { containers: [{ name: 'b', image: 'b:2', env: [{ name: 'Y', value: '2' }] }] } },
    } }) as typeof deploy;
    expect(out.spec.template.spec.containers).toEqual([
      { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }] },
      { name: 'b', image: 'b:2', env: [{ name: 'Y', value: '2' }] },
    ]);
    expect(out.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('merges a Service\'s ports by port, a Job template\'s volumes by name, and an untyped field wholesale', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
    const out = strategicMergePatch(svc, { spec: { ports: [{ port: 443, targetPort: 8443 }] } }) as typeof svc;
    expect(out.spec.ports).toEqual([{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 8443 }]);
    expect(patchSchemaForKind('batch/v1', 'Job')?.fields?.['spec']?.fields?.['template']?.fields?.['spec']?.fields?.['volumes'])
      .toMatchObject({ strategy: 'merge', mergeKey: 'name', retainKeys: true });
    expect(patchSchemaForKind('example.com/v1', 'Widget')).toBeUndefined();
  });

  it('builds recursive definitions once (CustomResourceDefinition\'s JSONSchemaProps)', () => {
    const crd = patchSchemaForKind('apiextensions.k8s.io/v1', 'CustomResourceDefinition');
    expect(crd?.fields?.['spec']).toBeDefined();
  });
});
