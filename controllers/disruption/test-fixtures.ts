// Builders for the disruption controller's tests.
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import type { PodDisruptionBudget, PodDisruptionBudgetSpec, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.d.ts';
import { rfc3339 } from './conditions.ts';

export const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

export function ago(ms: number): string {
  return rfc3339(NOW - ms);
}

export function pdb(spec: PodDisruptionBudgetSpec, status?: Partial<PodDisruptionBudgetStatus>, generation = 1): PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'web-pdb', namespace: 'default', uid: 'pdb-uid', generation },
    spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
    status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, ...status },
  };
}

export interface PodOptions {
  ready?: boolean;
  deleting?: boolean;
  owner?: OwnerReference;
  labels?: Record<string, string>;
}

export function pod(name: string, o: PodOptions = {}): Pod {
  return {
    metadata: {
      name, namespace: 'default', uid: `${name}-uid`,
      labels: o.labels ?? { app: 'web' },
      ...(o.owner === undefined ? {} : { ownerReferences: [o.owner] }),
      ...(o.deleting === true ? { deletionTimestamp: ago(1000) } : {}),
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

export function ref(kind: string, name: string, uid: string, apiVersion = 'apps/v1'): OwnerReference {
  return { apiVersion, kind, name, uid, controller: true };
}
