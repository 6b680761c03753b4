// Binding a pod to a node (pods/binding, and the scheduler): sets spec.nodeName once and marks
// PodScheduled=True, refusing pods that are already bound or being deleted, as kube does.
import type { Clock } from '../../lib/clock.ts';
import { ApiError } from '../api/errors.ts';
import type { KubeObject } from '../storage/types.ts';
import { isRecord, meta, section } from './object-meta.ts';
import { setPodCondition } from './pod-conditions.ts';
import type { ResourceStore } from './resource-store.ts';

export async function bindPod(pods: ResourceStore, clock: Clock, namespace: string, name: string, nodeName: string, uid?: string): Promise<KubeObject> {
  if (nodeName === '') throw ApiError.invalid('Binding', name, [{ type: 'FieldValueRequired', field: 'target.name', badValue: '', detail: '' }]);
  return pods.guaranteedUpdate(namespace, name, {}, (pod) => {
    const m = meta(pod);
    const gr = { resource: 'pods/binding' };
    if (uid !== undefined && uid !== '' && uid !== m.uid) {
      throw ApiError.conflict(gr, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${m.uid ?? ''}`);
    }
    if (m.deletionTimestamp !== undefined) throw ApiError.conflict(gr, name, `pod ${name} is being deleted, cannot be assigned to a host`);
    const spec = section(pod, 'spec');
    const current = spec['nodeName'];
    if (typeof current === 'string' && current !== '') {
      throw ApiError.conflict(gr, name, `pod ${name} is already assigned to node ${JSON.stringify(current)}`);
    }
    spec['nodeName'] = nodeName;
    setPodCondition(pod, { type: 'PodScheduled', status: 'True' }, clock.now());
    return pod;
  });
}

export function podNodeName(pod: KubeObject): string {
  const spec = pod['spec'];
  return isRecord(spec) && typeof spec['nodeName'] === 'string' ? spec['nodeName'] : '';
}
