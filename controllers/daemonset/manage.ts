// The core loop (manage / podsShouldBeOnNode): per node, create the missing daemon pod, delete
// failed ones (under back-off) and succeeded ones, prune duplicates (the oldest stays; with surge,
// one old and one new may coexist until the new one is available), and delete every pod from a
// node that must no longer run it. Pending pods for nodes that are gone are deleted too.
import type { DaemonSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Node, Pod } from 'kubernetes-types/core/v1.d.ts';
import type { EventType } from '../framework/types.ts';
import { unscheduledPodsWithoutNode } from './daemon-pods.ts';
import { failedPodsBackoffKey, type BackoffView } from './failed-pods-backoff.ts';
import { REASON_FAILED_DAEMON_POD, REASON_SUCCEEDED_DAEMON_POD, REVISION_HASH_LABEL } from './constants.ts';
import { isPodAvailable, isPodReady } from '../framework/pod-state.ts';
import { compareDaemonPods } from './pod-state.ts';
import { nodeShouldRunDaemonPod } from './should-run.ts';
import { allowsSurge } from './update-strategy.ts';

export interface PlannedEvent {
  type: EventType;
  reason: string;
  message: string;
}

export interface ManageInput {
  ds: DaemonSet;
  /** In the order the controller walks them (the executor sorts by name). */
  nodes: readonly Node[];
  /** podsByNode(claimed pods, false). */
  byNode: ReadonlyMap<string, Pod[]>;
  hash: string;
  now: number;
  backoff: BackoffView;
}

export interface ManagePlan {
  /** Nodes that need a daemon pod, in node order. */
  createOn: string[];
  /** Pods to delete, in upstream's order. */
  delete: Pod[];
  events: PlannedEvent[];
  /** Back-off keys to advance (a failed pod is being deleted). */
  backoffNext: string[];
  /** Re-sync after these delays (failed pods still in back-off). */
  requeueAfterMs: number[];
}

function isDeleting(pod: Pod): boolean {
  return pod.metadata?.deletionTimestamp !== undefined;
}

function podsShouldBeOnNode(input: ManageInput, node: Node, plan: ManagePlan): void {
  const { ds, hash, now, backoff } = input;
  const nodeName = node.metadata?.name ?? '';
  const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
  const daemonPods = input.byNode.get(nodeName);

  if (shouldRun && daemonPods === undefined) {
    plan.createOn.push(nodeName);
    return;
  }
  if (shouldContinueRunning) {
    const running: Pod[] = [];
    for (const pod of daemonPods ?? []) {
      if (isDeleting(pod)) continue;
      const ref = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
      if (pod.status?.phase === 'Failed') {
        const key = failedPodsBackoffKey(ds.metadata?.uid ?? '', ds.status?.observedGeneration ?? 0, nodeName);
        if (backoff.inBackoffSinceUpdate(key, now)) {
          plan.requeueAfterMs.push(backoff.delay(key));
          continue;
        }
        plan.backoffNext.push(key);
        plan.events.push({ type: 'Warning', reason: REASON_FAILED_DAEMON_POD, message: `Found failed daemon pod ${ref} on node ${nodeName}, will try to kill it` });
        plan.delete.push(pod);
      } else if (pod.status?.phase === 'Succeeded') {
        plan.events.push({ type: 'Normal', reason: REASON_SUCCEEDED_DAEMON_POD, message: `Found succeeded daemon pod ${ref} on node ${nodeName}, will try to delete it` });
        plan.delete.push(pod);
      } else {
        running.push(pod);
      }
    }
    running.sort(compareDaemonPods);

    if (!allowsSurge(ds)) {
      // One pod per node: the oldest stays.
      plan.delete.push(...running.slice(1));
      return;
    }
    if (running.length <= 1) {
      // Surging still needs at least one live pod on the node.
      if (running.length === 0 && shouldRun) plan.createOn.push(nodeName);
      return;
    }
    // With surge, the oldest new pod and the oldest old pod may coexist while the old one is
    // ready and the new one is not yet available; everything else goes.
    let oldestNew: Pod | undefined;
    let oldestOld: Pod | undefined;
    for (const pod of running) {
      const isNew = pod.metadata?.labels?.[REVISION_HASH_LABEL] === hash;
      if (isNew && oldestNew === undefined) oldestNew = pod;
      else if (!isNew && oldestOld === undefined) oldestOld = pod;
      else plan.delete.push(pod);
    }
    if (oldestNew !== undefined && oldestOld !== undefined) {
      if (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0, now)) plan.delete.push(oldestOld);
    }
    return;
  }
  if (daemonPods !== undefined) {
    for (const pod of daemonPods) if (!isDeleting(pod)) plan.delete.push(pod);
  }
}

export function planManage(input: ManageInput): ManagePlan {
  const plan: ManagePlan = { createOn: [], delete: [], events: [], backoffNext: [], requeueAfterMs: [] };
  for (const node of input.nodes) podsShouldBeOnNode(input, node, plan);
  plan.delete.push(...unscheduledPodsWithoutNode(input.nodes, input.byNode));
  return plan;
}
