// The finder chain against in-memory listers: pod → ReplicaSet → Deployment, a lone ReplicaSet,
// a StatefulSet, and the fall-through to the scale subresource for everything else.
import type { Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.d.ts';
import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/client/client.ts';
import type { Lister } from '../../kube/informers/types.ts';
import { controllerFinder } from './controller-finders.ts';
import type { ControllerScale } from './expected-count.ts';
import type { ScaleSource } from './scale-lookup.ts';
import { ref } from './test-fixtures.ts';

function lister<T extends KubeObject>(...objs: T[]): Lister<T> {
  return {
    get: (ns, name) => objs.find((o) => o.metadata?.namespace === ns && o.metadata.name === name),
    list: (ns) => objs.filter((o) => ns === undefined || o.metadata?.namespace === ns),
    byOwner: (uid) => objs.filter((o) => (o.metadata?.ownerReferences ?? []).some((r) => r.uid === uid)),
  };
}

function meta(name: string, uid: string, owner?: OwnerReference): ObjectMeta {
  return { name, namespace: 'default', uid, ...(owner === undefined ? {} : { ownerReferences: [owner] }) };
}

class FakeScales implements ScaleSource {
  readonly asked: string[] = [];
  constructor(private readonly answers: Record<string, ControllerScale | undefined> = {}) {}
  scaleOf(r: OwnerReference): Promise<ControllerScale | undefined> {
    this.asked.push(`${r.kind}/${r.name}`);
    return Promise.resolve(this.answers[r.uid]);
  }
}

const deploy: Deployment = { metadata: meta('web', 'd-uid'), spec: { replicas: 5, selector: {}, template: {} } };
const owned: ReplicaSet = { metadata: meta('web-abc', 'rs1', ref('Deployment', 'web', 'd-uid')), spec: { replicas: 2, selector: {} } };
const orphanedByDeploy: ReplicaSet = { metadata: meta('old-abc', 'rs2', ref('Deployment', 'old', 'gone')), spec: { replicas: 3, selector: {} } };
const lone: ReplicaSet = { metadata: meta('lone', 'rs3'), spec: { replicas: 4, selector: {} } };
const ss: StatefulSet = { metadata: meta('db', 'ss1'), spec: { replicas: 3, selector: {}, template: {}, serviceName: 'db' } };

function finder(scales: FakeScales) {
  return controllerFinder({ replicaSets: lister(owned, orphanedByDeploy, lone), deployments: lister(deploy), statefulSets: lister(ss) }, scales);
}

describe('controllerFinder', () => {
  it.each<[string, OwnerReference, ControllerScale | undefined, string[]]>([
    ['a ReplicaSet of a Deployment counts as the Deployment', ref('ReplicaSet', 'web-abc', 'rs1'), { uid: 'd-uid', scale: 5 }, []],
    ['an extensions/v1beta1 reference is accepted too', ref('ReplicaSet', 'web-abc', 'rs1', 'extensions/v1beta1'), { uid: 'd-uid', scale: 5 }, []],
    ['a lone ReplicaSet counts as itself', ref('ReplicaSet', 'lone', 'rs3'), { uid: 'rs3', scale: 4 }, []],
    ['a StatefulSet', ref('StatefulSet', 'db', 'ss1'), { uid: 'ss1', scale: 3 }, []],
    ['a ReplicaSet whose Deployment is gone falls to the scale subresource', ref('ReplicaSet', 'old-abc', 'rs2'), undefined, ['ReplicaSet/old-abc']],
    ['a stale uid falls through as well', ref('StatefulSet', 'db', 'other'), undefined, ['StatefulSet/db']],
    ['any other kind asks the scale subresource', ref('ReplicationController', 'rc', 'rc1', 'v1'), undefined, ['ReplicationController/rc']],
  ])('%s', async (_name, r, want, asked) => {
    const scales = new FakeScales();
    expect(await finder(scales)(r, 'default')).toEqual(want);
    expect(scales.asked).toEqual(asked);
  });

  it('takes the scale subresource\'s answer, and refuses a malformed apiVersion', async () => {
    const scales = new FakeScales({ rc1: { uid: 'rc1', scale: 6 } });
    expect(await finder(scales)(ref('ReplicationController', 'rc', 'rc1', 'v1'), 'default')).toEqual({ uid: 'rc1', scale: 6 });
    await expect(finder(scales)(ref('ReplicaSet', 'x', 'y', 'a/b/c'), 'default')).rejects.toThrow('unexpected GroupVersion string: a/b/c');
  });
});
