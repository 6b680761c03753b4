import { describe, expect, it } from 'vitest';
import { ApiError } from '../../apiserver/api/errors.ts';
import { PatchError } from './patch-error.ts';
import { applyPatch, jsonMergePatch, jsonPatch, strategicMergePatch } from './patch.ts';

const pod = (): Record<string, unknown> => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'nginx', namespace: 'default', labels: { app: 'nginx' }, annotations: { a: '1' }, finalizers: ['x/a'] },
  spec: {
    containers: [
      { name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
      { name: 'side', image: 'busybox' },
    ],
    volumes: [{ name: 'v', emptyDir: {} }],
    tolerations: [{ key: 'k', operator: 'Exists' }],
  },
  status: {
    conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }],
    containerStatuses: [{ name: 'nginx', ready: false }],
  },
});

/** The Status the API server answers a refused patch with. */
function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PatchError);
    return ApiError.fromPatchError(err as PatchError);
  }
  throw new Error('expected an error');
}

describe('JSON merge patch', () => {
  it('follows RFC 7386', () => {
    expect(jsonMergePatch({ a: 'b', c: { d: 'e', f: 'g' } }, { a: 'z', c: { f: null } })).toEqual({ a: 'z', c: { d: 'e' } });
    expect(jsonMergePatch({ a: [1, 2] }, { a: [3] })).toEqual({ a: [3] });
    expect(jsonMergePatch({ a: 'b' }, ['c'])).toEqual(['c']);
    const labelled = jsonMergePatch(pod(), { metadata: { labels: { tier: 'fe' } } }) as { metadata: { labels: unknown } };
    expect(labelled.metadata.labels).toEqual({ app: 'nginx', tier: 'fe' });
  });
});

describe('JSON patch', () => {
  it('applies RFC 6902 operations', () => {
    const doc = { a: { b: [1, 2] }, c: 'x' };
    expect(jsonPatch(doc, [
      { op: 'add', path: '/a/b/1', value: 9 },
      { op: 'add', path: '/a/b/-', value: 3 },
      { op: 'replace', path: '/c', value: 'y' },
      { op: 'copy', from: '/c', path: '/d' },
      { op: 'move', from: '/d', path: '/e~1f' },
      { op: 'remove', path: '/a/b/0' },
      { op: 'test', path: '/c', value: 'y' },
    ])).toEqual({ a: { b: [9, 2, 3] }, c: 'y', 'e/f': 'y' });
    expect(doc).toEqual({ a: { b: [1, 2] }, c: 'x' });
  });

  it('fails like kube-apiserver', () => {
    expect(failure(() => jsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'the server rejected our request due to an error in our request', reason: 'Invalid', details: {}, code: 422,
    });
    expect(failure(() => jsonPatch({}, [{ op: 'remove', path: '/nope' }])).status.code).toBe(422);
    expect(failure(() => jsonPatch({}, { op: 'add' })).status.code).toBe(400);
  });
});

describe('strategic merge patch', () => {
  it('applies kubectl apply\'s patch for a changed image and label (protocol notes §3.3)', () => {
    const patched = strategicMergePatch(pod(), {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{...}\n' }, labels: { app: 'nginx2' } },
      spec: { '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'side' }], containers: [{ image: 'nginx:1.28', name: 'nginx' }] },
    }) as { metadata: object; spec: { containers: unknown[] } };
    expect(patched.metadata).toEqual({
      name: 'nginx', namespace: 'default', labels: { app: 'nginx2' }, finalizers: ['x/a'],
      annotations: { a: '1', 'kubectl.kubernetes.io/last-applied-configuration': '{...}\n' },
    });
    expect(patched.spec.containers).toEqual([
      { name: 'nginx', image: 'nginx:1.28', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
      { name: 'side', image: 'busybox' },
    ]);
  });

  it('kubectl set image', () => {
    const patched = strategicMergePatch(pod(), {
      spec: { '$setElementOrder/containers': [{ name: 'side' }], containers: [{ image: 'busybox:2', name: 'side' }] },
    }) as { spec: { containers: { name: string; image: string }[] } };
    expect(patched.spec.containers.map((c) => `${c.name}=${c.image}`)).toEqual(['nginx=nginx:1.27', 'side=busybox:2']);
  });

  it('merges lists by key, deletes with $patch and null, replaces atomic lists', () => {
    const patched = strategicMergePatch(pod(), {
      metadata: { annotations: { a: null } },
      spec: {
        containers: [
          { name: 'nginx', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }, { name: 'A', $patch: 'delete' }], ports: [{ containerPort: 81 }] },
          { name: 'side', $patch: 'delete' },
          { name: 'new', image: 'x' },
        ],
        tolerations: [{ key: 'other', operator: 'Exists' }],
      },
    }) as { metadata: { annotations: object }; spec: { containers: unknown[]; tolerations: unknown[] } };
    expect(patched.metadata.annotations).toEqual({});
    expect(patched.spec.containers).toEqual([
      // kube places patch items not in the live list before server-only ones (mergeSortedSlice).
      { name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 81 }, { containerPort: 80, protocol: 'TCP' }], env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] },
      { name: 'new', image: 'x' },
    ]);
    expect(patched.spec.tolerations).toEqual([{ key: 'other', operator: 'Exists' }]);
  });

  it('handles the kubelet status patch with $setElementOrder/conditions', () => {
    const patched = strategicMergePatch(pod(), {
      metadata: { uid: 'u1' },
      status: {
        '$setElementOrder/conditions': [{ type: 'PodScheduled' }, { type: 'Initialized' }, { type: 'Ready' }],
        conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: 'nginx', ready: true, state: { running: {} } }],
        phase: 'Running',
      },
    }) as { status: unknown };
    expect(patched.status).toEqual({
      conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'nginx', ready: true, state: { running: {} } }],
      phase: 'Running',
    });
  });

  it('supports $patch: replace on lists and maps, $retainKeys and primitive-list directives', () => {
    const node = {
      apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', finalizers: ['a/x', 'a/y'] },
      status: { addresses: [{ type: 'InternalIP', address: '1.1.1.1' }, { type: 'Hostname', address: 'n' }] },
    };
    const patched = strategicMergePatch(node, {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['a/x'], finalizers: ['a/z'] },
      status: { addresses: [{ type: 'InternalIP', address: '2.2.2.2' }, { $patch: 'replace' }] },
    }) as { metadata: { finalizers: string[] }; status: unknown };
    expect(patched.metadata.finalizers).toEqual(['a/z', 'a/y']);
    expect(patched.status).toEqual({ addresses: [{ type: 'InternalIP', address: '2.2.2.2' }] });

    const vol = strategicMergePatch(pod(), {
      spec: { volumes: [{ name: 'v', hostPath: { path: '/x' }, $retainKeys: ['hostPath', 'name'] }] },
    }) as { spec: { volumes: unknown[] } };
    expect(vol.spec.volumes).toEqual([{ name: 'v', hostPath: { path: '/x' } }]);

    const sc = strategicMergePatch({ apiVersion: 'v1', kind: 'Pod', spec: { securityContext: { runAsUser: 1, fsGroup: 2 } } }, {
      spec: { securityContext: { $patch: 'replace', runAsUser: 3 } },
    });
    expect(sc).toEqual({ apiVersion: 'v1', kind: 'Pod', spec: { securityContext: { runAsUser: 3 } } });
  });

  it('rejects list items without their merge key with kube\'s message, as a 400 (kube: a reason-less 500)', () => {
    const e = failure(() => strategicMergePatch(pod(), { spec: { containers: [{ env: [{ name: 'updateTime', value: '123456' }] }] } }));
    expect(e.status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'BadRequest',
      message: 'map: map[env:[map[name:updateTime value:123456]]] does not contain declared merge key: name', code: 400,
    });
    for (const bad of [{ $patch: 'junk' }, { spec: { containers: [{ $patch: 'merge', name: 'c' }] } }, { spec: { containers: ['x'] } }]) {
      expect(failure(() => strategicMergePatch(pod(), bad)).status.code).toBe(400);
    }
  });
});

describe('applyPatch', () => {
  it('dispatches on the content type', () => {
    expect(applyPatch('application/merge-patch+json', { a: 1 }, { b: 2 })).toEqual({ a: 1, b: 2 });
    expect(applyPatch('application/json-patch+json; charset=utf-8', { a: 1 }, [{ op: 'remove', path: '/a' }])).toEqual({});
    expect(failure(() => applyPatch('text/plain', {}, {})).status.code).toBe(415);
  });
});
