import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import { createMemoryStorage } from '../storage/memory-storage.ts';
import type { KubeObject } from '../storage/types.ts';
import { failure } from '../testing/failure.ts';
import { callSubresource, type CallOptions } from '../testing/subresource.ts';
import { ephemeralContainers } from './ephemeral-containers.ts';
import { Registry } from './registry.ts';
import { bootstrapRegistry } from './bootstrap.ts';

async function setup(annotations: Record<string, string> = {}): Promise<{ reg: Registry; clock: FakeClock }> {
  const clock = new FakeClock(Date.UTC(2026, 10, 23, 12, 0, 0));
  const reg = new Registry(createMemoryStorage(), clock);
  await bootstrapRegistry(reg);
  await reg.pods.create('default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web' }, annotations },
    spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'data', emptyDir: {} }] },
  });
  return { reg, clock };
}

function call(s: { reg: Registry; clock: FakeClock }, o: CallOptions): Promise<{ code: number; body: unknown }> {
  return callSubresource(s.reg, s.clock, { group: '', resource: 'pods' }, 'web', ephemeralContainers, { namespace: 'default', ...o });
}

const patch = (s: { reg: Registry; clock: FakeClock }, body: unknown, type = 'application/strategic-merge-patch+json'): Promise<{ code: number; body: unknown }> =>
  call(s, { method: 'PATCH', contentType: type, body });

const DEBUG = { name: 'dbg', image: 'busybox:1', targetContainerName: 'c', stdin: true, tty: true, resources: {}, terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' };

describe('pods/ephemeralcontainers', () => {
  it('adds an ephemeral container from kubectl debug\'s strategic merge patch, defaulted, and keeps the rest of the pod', async () => {
    const s = await setup();
    const out = await patch(s, { spec: { containers: [{ name: 'c', image: 'changed' }], ephemeralContainers: [DEBUG] }, metadata: { labels: { extra: 'x' } } });
    expect(out.code).toBe(200);
    const pod = out.body as KubeObject & { spec: { ephemeralContainers: unknown[]; containers: { image: string }[] } };
    expect(pod.spec.ephemeralContainers).toEqual([{ ...DEBUG, terminationMessagePath: '/dev/termination-log' }]);
    expect(pod.spec.containers[0]?.image).toBe('busybox');
    expect(pod.metadata?.['labels']).toEqual({ app: 'web' });
    expect((await call(s, { method: 'GET' })).body).toEqual(out.body);
    // a second container next to the first, with $setElementOrder as kubectl sends it
    const two = await patch(s, { spec: { '$setElementOrder/ephemeralContainers': [{ name: 'dbg' }, { name: 'dbg2' }], ephemeralContainers: [{ name: 'dbg2', image: 'busybox:1' }] } });
    expect((two.body as { spec: { ephemeralContainers: { name: string }[] } }).spec.ephemeralContainers.map((c) => c.name)).toEqual(['dbg', 'dbg2']);
  });

  it('never removes or changes an existing ephemeral container', async () => {
    const s = await setup();
    await patch(s, { spec: { ephemeralContainers: [DEBUG] } });
    expect(await failure(patch(s, [{ op: 'remove', path: '/spec/ephemeralContainers/0' }], 'application/json-patch+json')))
      .toBe('422 Pod "web" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be removed\n');
    expect(await failure(patch(s, [{ op: 'replace', path: '/spec/ephemeralContainers/0/image', value: 'alpine' }], 'application/json-patch+json')))
      .toBe('422 Pod "web" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be changed\n- image: "busybox:1"\n+ image: "alpine"');
  });

  it('validates new ephemeral containers in kube\'s words', async () => {
    const s = await setup();
    expect(await failure(patch(s, { spec: { ephemeralContainers: [{ name: 'c', image: ' x', targetContainerName: 'nope', ports: [{ containerPort: 80 }], livenessProbe: { exec: { command: ['true'] } }, volumeMounts: [{ name: 'data', mountPath: '/d', subPath: 'x' }] }] } })))
      .toBe('422 Pod "web" is invalid: [spec.ephemeralContainers[0].image: Invalid value: " x": must not have leading or trailing whitespace, '
        + 'spec.ephemeralContainers[0].name: Duplicate value: "c", spec.ephemeralContainers[0].targetContainerName: Not found: "nope", '
        + 'spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container, '
        + 'spec.ephemeralContainers[0].livenessProbe: Forbidden: cannot be set for an Ephemeral Container, '
        + 'spec.ephemeralContainers[0].volumeMounts[0].subPath: Forbidden: cannot be set for an Ephemeral Container]');
    expect(await failure(patch(s, { spec: { ephemeralContainers: [{ name: 'x' }] } })))
      .toBe('422 Pod "web" is invalid: spec.ephemeralContainers[0].image: Required value');
  });

  it('takes a Pod on PUT, with its preconditions', async () => {
    const s = await setup();
    const current = await s.reg.pods.get('default', 'web');
    const desired = { ...current, spec: { ...(current['spec'] as object), ephemeralContainers: [DEBUG] } };
    expect((await call(s, { method: 'PUT', body: desired })).code).toBe(200);
    expect(await failure(call(s, { method: 'PUT', body: desired })))
      .toBe('409 Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again');
    expect(await failure(call(s, { method: 'PUT', body: { ...desired, metadata: { name: 'other' } } })))
      .toBe('400 the name of the object (other) does not match the name on the URL (web)');
    expect(await failure(call(s, { method: 'PUT', body: { kind: 'Eviction' } })))
      .toBe('400 Eviction in version "v1" cannot be handled as a Pod: the object provided is unrecognized (must be of type Pod)');
  });

  it('refuses static pods and unknown patch types', async () => {
    const s = await setup({ 'kubernetes.io/config.mirror': 'x' });
    expect(await failure(patch(s, { spec: { ephemeralContainers: [DEBUG] } })))
      .toBe('422 Pod "web" is invalid: : Forbidden: static pods do not support ephemeral containers');
    expect(await failure(patch(s, {}, 'text/plain')))
      .toBe('415 the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json, application/json-patch+json');
    expect(await failure(patch(s, [], 'application/merge-patch+json'))).toBe('400 the patch must be a JSON object');
  });
});
