// One DaemonSet sync as a pure function (syncDaemonSet after the history is settled): the core
// loop, then — when it had nothing to do — the rolling update, the history cleanup and the status.
// The executor claims pods and revisions, settles the current revision (its hash) and carries the
// plan out; creations and deletions are capped at BurstReplicas per sync, as syncNodes does.
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.d.ts';
import type { Node, Pod } from 'kubernetes-types/core/v1.d.ts';
import { isNil, isObj } from '../../kube/values.ts';
import { podsByNode } from './daemon-pods.ts';
import type { BackoffView } from './failed-pods-backoff.ts';
import { BURST_REPLICAS } from './constants.ts';
import { planManage, type PlannedEvent } from './manage.ts';
import { planCleanupHistory } from './revisions.ts';
import { planRollingUpdate } from './rolling-update.ts';
import { countStatus, nextStatus, type StatusCounts } from './status.ts';
import { isRollingUpdate } from './update-strategy.ts';

export type { PlannedEvent } from './manage.ts';

export interface DaemonSetPlanInput {
  ds: DaemonSet;
  nodes: readonly Node[];
  /** The pods the DaemonSet controls (after adoption and release). */
  pods: readonly Pod[];
  /** The current revision's hash. */
  hash: string;
  /** The revisions other than the current one. */
  oldRevisions: readonly ControllerRevision[];
  now: number;
  /** Every creation and deletion asked for earlier has been observed. */
  expectationsSatisfied: boolean;
  backoff: BackoffView;
}

export interface DaemonSetPlan {
  /** Which step produced the pod actions ('none': nothing to do, or expectations pending). */
  step: 'manage' | 'rolling-update' | 'none';
  /** Nodes to create a daemon pod on, in order (at most BurstReplicas). */
  createOn: string[];
  /** Pods to delete, in order (at most BurstReplicas). */
  delete: Pod[];
  events: PlannedEvent[];
  /** Failed-pod back-off keys to advance. */
  backoffNext: string[];
  /** Revisions to delete once the pod actions succeeded. */
  cleanupRevisions: ControllerRevision[];
  counts: StatusCounts;
  /** The status to write, when it changed. */
  status?: DaemonSetStatus;
  /** A rolling update that could not be planned (bad maxUnavailable/maxSurge, missing node). */
  error?: string;
  requeueAfterMs?: number;
}

export type SyncGate = 'sync' | 'selecting-all' | 'deleting';

export const SELECTING_ALL_MESSAGE = 'This daemon set is selecting all pods. A non-empty selector is required.';

/**
 * What syncDaemonSet does before anything else: a selector that is exactly `{}` selects every pod
 * (warned about, nothing done); a DaemonSet being deleted is left alone (its history may be gone).
 */
export function syncGate(ds: DaemonSet): SyncGate {
  const sel: unknown = ds.spec?.selector;
  if (isObj(sel) && isNil(sel['matchLabels']) && isNil(sel['matchExpressions'])) return 'selecting-all';
  if (ds.metadata?.deletionTimestamp !== undefined) return 'deleting';
  return 'sync';
}

function byName(a: Node, b: Node): number {
  const an = a.metadata?.name ?? '';
  const bn = b.metadata?.name ?? '';
  return an < bn ? -1 : an > bn ? 1 : 0;
}

export function planDaemonSet(input: DaemonSetPlanInput): DaemonSetPlan {
  const { ds, hash, now } = input;
  // Upstream walks the node lister's order (a Go map); by name keeps plans reproducible.
  const nodes = [...input.nodes].sort(byName);
  const byNode = podsByNode(input.pods, false);
  const counts = countStatus(ds, nodes, byNode, hash, now);
  const plan: DaemonSetPlan = { step: 'none', createOn: [], delete: [], events: [], backoffNext: [], cleanupRevisions: [], counts };
  const delays: number[] = [];

  if (!input.expectationsSatisfied) {
    // Status only; observedGeneration stays, since this generation was not acted on.
    const status = nextStatus(ds, counts, false);
    if (status !== undefined) plan.status = status;
  } else {
    const managed = planManage({ ds, nodes, byNode, hash, now, backoff: input.backoff });
    plan.events.push(...managed.events);
    plan.backoffNext.push(...managed.backoffNext);
    delays.push(...managed.requeueAfterMs);
    plan.createOn = managed.createOn.slice(0, BURST_REPLICAS);
    plan.delete = managed.delete.slice(0, BURST_REPLICAS);
    if (plan.createOn.length > 0 || plan.delete.length > 0) {
      plan.step = 'manage';
    } else if (isRollingUpdate(ds)) {
      // The core loop asked for nothing, so its expectations are met at once and the update runs.
      const rolled = planRollingUpdate({ ds, nodes, byNode, hash, now });
      if ('error' in rolled) {
        plan.error = rolled.error;
      } else {
        plan.createOn = rolled.createOn.slice(0, BURST_REPLICAS);
        plan.delete = rolled.delete.slice(0, BURST_REPLICAS);
        if (plan.createOn.length > 0 || plan.delete.length > 0) plan.step = 'rolling-update';
      }
    }
    if (plan.error === undefined) plan.cleanupRevisions = planCleanupHistory(ds, input.oldRevisions, input.pods);
    const status = nextStatus(ds, counts, true);
    if (status !== undefined) plan.status = status;
  }

  const minReady = ds.spec?.minReadySeconds ?? 0;
  // A last line of defence against clock skew: look again once pods may have become available.
  if (minReady > 0 && counts.numberReady !== counts.numberAvailable) delays.push(minReady * 1000);
  if (delays.length > 0) plan.requeueAfterMs = Math.min(...delays);
  return plan;
}
