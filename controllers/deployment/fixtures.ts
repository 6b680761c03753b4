// Deployments and ReplicaSets for the planner's table tests: a deployment as the API server stores
// it after defaulting, and ReplicaSets made the way the controller makes them (so template
// equality and hash names are real), with the status a ReplicaSet controller would report.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import { cloneJson } from '../../lib/clone.ts';
import { DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, REVISION_ANNOTATION } from './annotations.ts';
import { newReplicaSetFor } from './new-replica-set.ts';
import type { DeploymentAction, DeploymentPlan } from './plan.ts';

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export interface DeploymentOptions {
  name?: string;
  replicas?: number;
  image?: string;
  strategy?: 'RollingUpdate' | 'Recreate';
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  generation?: number;
  progressDeadlineSeconds?: number;
  revisionHistoryLimit?: number;
  paused?: boolean;
  minReadySeconds?: number;
  annotations?: Record<string, string>;
  status?: Deployment['status'];
}

export function deployment(o: DeploymentOptions = {}): Deployment {
  const name = o.name ?? 'web';
  const strategy = o.strategy ?? 'RollingUpdate';
  const d: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name, namespace: 'default', uid: `uid-${name}`, generation: o.generation ?? 1, resourceVersion: '10',
      creationTimestamp: new Date(T0 - 3600_000).toISOString().replace('.000Z', 'Z'),
      ...(o.annotations === undefined ? {} : { annotations: { ...o.annotations } }),
    },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: o.image ?? 'busybox:1', imagePullPolicy: 'IfNotPresent' }], restartPolicy: 'Always' },
      },
      strategy: strategy === 'Recreate'
        ? { type: 'Recreate' }
        : { type: 'RollingUpdate', rollingUpdate: { maxSurge: o.maxSurge ?? '25%', maxUnavailable: o.maxUnavailable ?? '25%' } },
      revisionHistoryLimit: o.revisionHistoryLimit ?? 10,
      progressDeadlineSeconds: o.progressDeadlineSeconds ?? 600,
      ...(o.paused === undefined ? {} : { paused: o.paused }),
      ...(o.minReadySeconds === undefined ? {} : { minReadySeconds: o.minReadySeconds }),
    },
    status: o.status ?? {},
  };
  return d;
}

export interface ReplicaSetOptions {
  /** The template's image (the deployment's when absent: the new ReplicaSet). */
  image?: string;
  replicas: number;
  /** status.replicas / readyReplicas / availableReplicas (default: all = replicas). */
  actual?: number;
  ready?: number;
  available?: number;
  revision?: number;
  /** Seconds after T0 - 1h the ReplicaSet was created. */
  created?: number;
  desired?: number;
  max?: number;
  generation?: number;
  observedGeneration?: number;
}

/** A ReplicaSet of d as the controller made it, with a status. */
export function replicaSet(d: Deployment, o: ReplicaSetOptions): ReplicaSet {
  const source = cloneJson(d);
  const container = source.spec?.template.spec?.containers[0];
  if (o.image !== undefined && container !== undefined) container.image = o.image;
  source.status = {};
  const rs = newReplicaSetFor(source);
  const name = rs.metadata?.name ?? '';
  const annotations: Record<string, string> = {};
  if (o.revision !== undefined) annotations[REVISION_ANNOTATION] = String(o.revision);
  if (o.desired !== undefined) annotations[DESIRED_REPLICAS_ANNOTATION] = String(o.desired);
  if (o.max !== undefined) annotations[MAX_REPLICAS_ANNOTATION] = String(o.max);
  rs.metadata = {
    ...(rs.metadata ?? {}),
    uid: `uid-${name}`, resourceVersion: '5', generation: o.generation ?? 1, annotations,
    creationTimestamp: new Date(T0 - 3600_000 + (o.created ?? 0) * 1000).toISOString().replace('.000Z', 'Z'),
  };
  rs.spec = { ...(rs.spec ?? { selector: {} }), replicas: o.replicas };
  const actual = o.actual ?? o.replicas;
  const ready = o.ready ?? actual;
  const available = o.available ?? ready;
  const status: NonNullable<ReplicaSet['status']> = { replicas: actual, observedGeneration: o.observedGeneration ?? o.generation ?? 1 };
  if (ready !== 0) status.readyReplicas = ready;
  if (available !== 0) status.availableReplicas = available;
  return { ...rs, status };
}

/** One line per action, for comparing plans. */
export function summary(plan: DeploymentPlan): string[] {
  return plan.actions.map((a: DeploymentAction) => {
    switch (a.kind) {
      case 'adoptReplicaSet': return `adopt ${a.name}`;
      case 'releaseReplicaSet': return `release ${a.name}`;
      case 'createReplicaSet': return `create ${a.replicaSet.metadata?.name ?? ''} ${a.replicaSet.spec?.replicas ?? 0}`;
      case 'updateReplicaSet': return `update ${a.replicaSet.metadata?.name ?? ''} ${a.replicaSet.spec?.replicas ?? 0}`;
      case 'deleteReplicaSet': return `delete ${a.name}`;
      case 'updateDeploymentStatus': return 'status';
      case 'event': return `event ${a.event.reason}`;
    }
  });
}

/** The event messages a plan records (after its writes succeed). */
export function eventMessages(plan: DeploymentPlan): string[] {
  return plan.actions.flatMap((a) => {
    if (a.kind === 'event') return [a.event.message];
    if (a.kind === 'createReplicaSet' || a.kind === 'updateReplicaSet') return a.events.map((e) => e.message);
    return [];
  });
}

/** The last deployment status the plan writes. */
export function lastStatus(plan: DeploymentPlan): Deployment | undefined {
  const writes = plan.actions.filter((a) => a.kind === 'updateDeploymentStatus');
  const last = writes[writes.length - 1];
  return last?.deployment;
}
