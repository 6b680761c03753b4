// Making and removing the pods a controller owns, as RealPodControl does: a pod from the template
// (labels, annotations and finalizers copied, generateName "<owner>-", the controller reference),
// created and deleted through the API client with the events kubectl describe shows on the owner:
// SuccessfulCreate "Created pod: x" / FailedCreate "Error creating: …", SuccessfulDelete
// "Deleted pod: x" / FailedDelete "Error deleting: …". A pod already gone counts as deleted.
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.d.ts';
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import { isClientNotFound, type ApiClient, type KubeObject } from '../../kube/client/client.ts';
import { PODS } from '../../kube/client/resources.ts';
import { isDNS1123Subdomain } from '../../kube/names.ts';
import { cloneJson } from '../../lib/clone.ts';
import { messageOf, namespaceTerminating } from './errors.ts';
import type { EventRecorder } from './types.ts';

/** getPodsPrefix: "<name>-", or the bare name when that would not be a valid generateName. */
export function podNamePrefix(ownerName: string): string {
  const prefix = `${ownerName}-`;
  // generateName gets 5 random characters; the name must stay a DNS subdomain.
  return isDNS1123Subdomain(`${prefix}xxxxx`).length === 0 ? prefix : ownerName;
}

/** GetPodFromTemplate. */
export function podFromTemplate(template: PodTemplateSpec, owner: KubeObject, controllerRef: OwnerReference | undefined): Pod {
  const meta = template.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: podNamePrefix(owner.metadata?.name ?? ''),
      namespace: owner.metadata?.namespace ?? 'default',
      ...(meta.labels === undefined ? {} : { labels: { ...meta.labels } }),
      ...(meta.annotations === undefined ? {} : { annotations: { ...meta.annotations } }),
      ...(meta.finalizers === undefined ? {} : { finalizers: [...meta.finalizers] }),
      ...(controllerRef === undefined ? {} : { ownerReferences: [controllerRef] }),
    },
    spec: cloneJson(template.spec ?? { containers: [] }),
  };
  return pod;
}

/** Creates pod for owner; records SuccessfulCreate or FailedCreate and rethrows a failure. */
export async function createPod(client: ApiClient, recorder: EventRecorder, owner: KubeObject, pod: Pod): Promise<Pod> {
  try {
    const created = await client.create<Pod>(PODS, pod.metadata?.namespace, pod);
    recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
    return created;
  } catch (err) {
    // A namespace being deleted refuses new pods; upstream records nothing for that.
    if (!namespaceTerminating(err)) recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${messageOf(err)}`);
    throw err;
  }
}

/** Deletes a pod of owner; a pod already gone is not an error (returns false). */
export async function deletePod(client: ApiClient, recorder: EventRecorder, owner: KubeObject, namespace: string, name: string, uid?: string): Promise<boolean> {
  try {
    await client.delete(PODS, namespace, name, uid === undefined ? {} : { preconditions: { uid } });
    recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
    return true;
  } catch (err) {
    if (isClientNotFound(err)) return false;
    recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${messageOf(err)}`);
    throw err;
  }
}
