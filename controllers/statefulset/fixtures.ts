// Objects for the StatefulSet controller's table tests: a "web" set with a "www" claim template,
// its revisions and pods in the states the planner cares about.
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.d.ts';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.d.ts';
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import { cloneJson } from '../../lib/clone.ts';
import { newStatefulSetPod, withRevision } from './identity.ts';
import { newRevision } from './revisions.ts';

export const NOW = Date.parse('2025-01-01T00:00:00Z');

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface SetOptions {
  replicas?: number;
  policy?: 'OrderedReady' | 'Parallel';
  partition?: number;
  onDelete?: boolean;
  start?: number;
  minReadySeconds?: number;
  image?: string;
  retention?: { whenDeleted: 'Retain' | 'Delete'; whenScaled: 'Retain' | 'Delete' };
  claims?: boolean;
}

export function makeSet(o: SetOptions = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: 'set-uid', generation: 1 },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: { app: 'nginx' } },
      serviceName: 'nginx',
      podManagementPolicy: o.policy ?? 'OrderedReady',
      updateStrategy: o.onDelete === true ? { type: 'OnDelete' } : { type: 'RollingUpdate', rollingUpdate: { partition: o.partition ?? 0 } },
      revisionHistoryLimit: 10,
      ...(o.start === undefined ? {} : { ordinals: { start: o.start } }),
      ...(o.minReadySeconds === undefined ? {} : { minReadySeconds: o.minReadySeconds }),
      ...(o.retention === undefined ? {} : { persistentVolumeClaimRetentionPolicy: o.retention }),
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: { containers: [{ name: 'nginx', image: o.image ?? 'nginx:1' }] },
      },
      ...(o.claims === false ? {} : {
        volumeClaimTemplates: [{
          metadata: { name: 'www' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        }],
      }),
    },
    status: { replicas: 0 },
  };
}

/** The set's revision for its current template, named as the controller names it. */
export function revisionOf(set: StatefulSet, revision = 1): ControllerRevision {
  const r = newRevision(set, revision, 0);
  r.metadata = { ...(r.metadata ?? {}), uid: `rev-${String(revision)}` };
  return r;
}

export type PodState = 'pending' | 'ready' | 'running' | 'failed' | 'succeeded' | 'terminating';

/** A stored pod of set at ordinal, made from revision, in a given state. */
export function makePod(set: StatefulSet, ordinal: number, revision: ControllerRevision, state: PodState = 'ready', readySince = NOW - 3_600_000): Pod {
  const pod = withRevision(newStatefulSetPod(set, ordinal), revision.metadata?.name ?? '');
  const phase = state === 'pending' ? 'Pending' : state === 'failed' ? 'Failed' : state === 'succeeded' ? 'Succeeded' : 'Running';
  const ready = state === 'ready' || state === 'terminating';
  return {
    ...pod,
    metadata: {
      ...(pod.metadata ?? {}), uid: `pod-${String(ordinal)}`, resourceVersion: '1',
      ...(state === 'terminating' ? { deletionTimestamp: rfc3339(NOW) } : {}),
    },
    status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: rfc3339(readySince) }] },
  };
}

export function makeClaim(set: StatefulSet, ordinal: number, ownerReferences?: OwnerReference[], deleting = false): PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: `www-${set.metadata?.name ?? ''}-${String(ordinal)}`,
      namespace: 'default',
      uid: `claim-${String(ordinal)}`,
      labels: { app: 'nginx' },
      ...(ownerReferences === undefined ? {} : { ownerReferences }),
      ...(deleting ? { deletionTimestamp: rfc3339(NOW) } : {}),
    },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  };
}

export function claimLookup(claims: readonly PersistentVolumeClaim[]): (name: string) => PersistentVolumeClaim | undefined {
  const byName = new Map(claims.map((c) => [c.metadata?.name ?? '', c]));
  return (name) => byName.get(name);
}

export function withImage(set: StatefulSet, image: string): StatefulSet {
  const out = cloneJson(set);
  const c = out.spec?.template.spec?.containers[0];
  if (c !== undefined) c.image = image;
  return out;
}

export function setRef(uid = 'set-uid'): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid, controller: true, blockOwnerDeletion: true };
}

export function podRef(ordinal: number, uid = `pod-${String(ordinal)}`): OwnerReference {
  return { apiVersion: 'v1', kind: 'Pod', name: `web-${String(ordinal)}`, uid, controller: true, blockOwnerDeletion: true };
}
