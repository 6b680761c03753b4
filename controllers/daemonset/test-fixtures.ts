// Small builders for the DaemonSet controller's table tests.
import type { DaemonSet, DaemonSetUpdateStrategy } from 'kubernetes-types/apps/v1.d.ts';
import type { Affinity, Node, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.d.ts';
import { nodeNameAffinity } from './node-affinity.ts';
import { REVISION_HASH_LABEL } from './constants.ts';

export const T0 = Date.UTC(2026, 0, 1);
export const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function node(name: string, o: { labels?: Record<string, string>; taints?: Taint[] } = {}): Node {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, ...(o.labels === undefined ? {} : { labels: o.labels }) },
    spec: o.taints === undefined ? {} : { taints: o.taints },
  };
}

export interface DsOptions {
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  hostNetwork?: boolean;
  nodeName?: string;
  strategy?: DaemonSetUpdateStrategy;
  minReadySeconds?: number;
  generation?: number;
  observedGeneration?: number;
  annotations?: Record<string, string>;
  image?: string;
  revisionHistoryLimit?: number;
}

export function daemonSet(name: string, o: DsOptions = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet',
    metadata: {
      name, namespace: 'default', uid: `uid-${name}`, generation: o.generation ?? 1,
      ...(o.annotations === undefined ? {} : { annotations: o.annotations }),
    },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'c', image: o.image ?? 'busybox' }],
          ...(o.nodeSelector === undefined ? {} : { nodeSelector: o.nodeSelector }),
          ...(o.affinity === undefined ? {} : { affinity: o.affinity }),
          ...(o.tolerations === undefined ? {} : { tolerations: o.tolerations }),
          ...(o.hostNetwork === undefined ? {} : { hostNetwork: o.hostNetwork }),
          ...(o.nodeName === undefined ? {} : { nodeName: o.nodeName }),
        },
      },
      updateStrategy: o.strategy ?? { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      ...(o.minReadySeconds === undefined ? {} : { minReadySeconds: o.minReadySeconds }),
      ...(o.revisionHistoryLimit === undefined ? {} : { revisionHistoryLimit: o.revisionHistoryLimit }),
    },
    status: {
      currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0,
      ...(o.observedGeneration === undefined ? {} : { observedGeneration: o.observedGeneration }),
    },
  };
}

export interface PodOptions {
  hash?: string;
  phase?: string;
  /** Ready since this time (ms). */
  readySince?: number;
  created?: number;
  deleting?: boolean;
  /** Not bound yet: only the node-name affinity says where it goes. */
  pending?: boolean;
  owner?: DaemonSet;
}

export function pod(name: string, nodeName: string, o: PodOptions = {}): Pod {
  const labels: Record<string, string> = { app: o.owner?.metadata?.name ?? 'ds' };
  if (o.hash !== undefined) labels[REVISION_HASH_LABEL] = o.hash;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: 'default', uid: `uid-${name}`, labels, creationTimestamp: iso(o.created ?? T0),
      ...(o.deleting === true ? { deletionTimestamp: iso(T0) } : {}),
    },
    spec: {
      containers: [{ name: 'c', image: 'busybox' }],
      affinity: nodeNameAffinity(undefined, nodeName),
      ...(o.pending === true ? {} : { nodeName }),
    },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.readySince === undefined ? {} : { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: iso(o.readySince) }] }),
    },
  };
}
