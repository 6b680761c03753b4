// Builders for the ReplicaSet controller's tests: ReplicaSets and pods in the shapes the informer
// caches hold, with times relative to a fixed NOW.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.d.ts';
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';

export const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

export function iso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

export interface RsOptions {
  name?: string;
  namespace?: string;
  uid?: string;
  replicas?: number;
  minReadySeconds?: number;
  selector?: unknown;
  templateLabels?: Record<string, string>;
  generation?: number;
  status?: ReplicaSet['status'];
  deleting?: boolean;
  owner?: OwnerReference;
}

export function makeRs(o: RsOptions = {}): ReplicaSet {
  const templateLabels = o.templateLabels ?? { app: 'web' };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: o.name ?? 'web',
      namespace: o.namespace ?? 'default',
      uid: o.uid ?? 'rs-uid',
      generation: o.generation ?? 1,
      ...(o.deleting === true ? { deletionTimestamp: iso(NOW - 1000) } : {}),
      ...(o.owner === undefined ? {} : { ownerReferences: [o.owner] }),
    },
    spec: {
      replicas: o.replicas ?? 3,
      ...(o.minReadySeconds === undefined ? {} : { minReadySeconds: o.minReadySeconds }),
      selector: o.selector ?? { matchLabels: { app: 'web' } },
      template: { metadata: { labels: templateLabels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    },
    ...(o.status === undefined ? {} : { status: o.status }),
  };
}

export function ownerRef(rs: ReplicaSet, controller = true): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata?.name ?? '', uid: rs.metadata?.uid ?? '', controller, blockOwnerDeletion: true };
}

export interface PodOptions {
  uid?: string;
  namespace?: string;
  labels?: Record<string, string>;
  /** The controlling ReplicaSet; null for an orphan. */
  owner?: ReplicaSet | null;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  node?: string;
  /** Ready since this time (ms); true: ready since NOW - 1 h; false/undefined: not ready. */
  ready?: boolean | number;
  /** Creation time (ms); default NOW - 1 h; null: none (Go's zero time). */
  created?: number | null;
  /** metadata.resourceVersion; default "1". */
  rv?: string;
  restarts?: number;
  cost?: string;
  deleting?: boolean;
}

export function makePod(name: string, o: PodOptions = {}): Pod {
  const conditions: PodCondition[] = [];
  if (o.ready !== undefined && o.ready !== false) {
    conditions.push({ type: 'Ready', status: 'True', lastTransitionTime: iso(o.ready === true ? NOW - 3_600_000 : o.ready) });
  } else if (o.ready === false) {
    conditions.push({ type: 'Ready', status: 'False', lastTransitionTime: iso(NOW - 3_600_000) });
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: o.uid ?? `uid-${name}`,
      resourceVersion: o.rv ?? '1',
      ...(o.created === null ? {} : { creationTimestamp: iso(o.created ?? NOW - 3_600_000) }),
      labels: o.labels ?? { app: 'web' },
      ...(o.cost === undefined ? {} : { annotations: { 'controller.kubernetes.io/pod-deletion-cost': o.cost } }),
      ...(o.owner === null || o.owner === undefined ? {} : { ownerReferences: [ownerRef(o.owner)] }),
      ...(o.deleting === true ? { deletionTimestamp: iso(NOW) } : {}),
    },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...(o.node === undefined ? {} : { nodeName: o.node }) },
    status: {
      phase: o.phase ?? (o.node === undefined ? 'Pending' : 'Running'),
      conditions,
      ...(o.restarts === undefined ? {} : { containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: true, restartCount: o.restarts }] }),
    },
  };
}

export function names(pods: readonly Pod[]): string[] {
  return pods.map((p) => p.metadata?.name ?? '');
}
