// RollingUpdate (rollingUpdate in update.go), run only when the core loop had nothing to do.
// Without surge: delete old pods, node by node, while at most maxUnavailable nodes are without an
// available pod (an old pod that is not available may always be replaced; nodes with no pod, with
// both an old and a new pod, or with an unavailable new pod count as unavailable); the core loop
// then creates the new pods. With surge: create a new pod beside an available old one on at most
// maxSurge nodes at once, and delete the old pod once the new one is available.
import type { DaemonSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Node, Pod } from 'kubernetes-types/core/v1.d.ts';
import { isPodAvailable } from '../framework/pod-state.ts';
import { isPodUpdated, templateGeneration } from './pod-state.ts';
import { nodeShouldRunDaemonPod } from './should-run.ts';
import { surgeCount, unavailableCount } from './update-strategy.ts';

export interface RollingUpdateInput {
  ds: DaemonSet;
  nodes: readonly Node[];
  /** podsByNode(claimed pods, false). */
  byNode: ReadonlyMap<string, Pod[]>;
  hash: string;
  now: number;
}

export type RollingUpdatePlan = { createOn: string[]; delete: Pod[] } | { error: string };

export interface UpdateBudget {
  maxSurge: number;
  maxUnavailable: number;
  desiredNumberScheduled: number;
}

/**
 * updatedDesiredNodeCounts: the budget out of the nodes that should run the daemon; with neither
 * surge nor unavailability allowed the controller falls back to maxUnavailable 1. Nodes that
 * should run the daemon but have no pod get an empty entry in the returned map.
 */
export function updateBudget(input: RollingUpdateInput): { budget: UpdateBudget; byNode: Map<string, Pod[]> } | { error: string } {
  const byNode = new Map(input.byNode);
  let desired = 0;
  for (const node of input.nodes) {
    if (!nodeShouldRunDaemonPod(node, input.ds).shouldRun) continue;
    desired++;
    const name = node.metadata?.name ?? '';
    if (!byNode.has(name)) byNode.set(name, []);
  }
  const unavailable = unavailableCount(input.ds, desired);
  if ('error' in unavailable) return { error: `couldn't get unavailable numbers: invalid value for MaxUnavailable: ${unavailable.error}` };
  const surge = surgeCount(input.ds, desired);
  if ('error' in surge) return { error: `couldn't get unavailable numbers: invalid value for MaxSurge: ${surge.error}` };
  let maxUnavailable = unavailable.value;
  if (desired > 0 && maxUnavailable === 0 && surge.value === 0) maxUnavailable = 1;
  return { budget: { maxSurge: surge.value, maxUnavailable, desiredNumberScheduled: desired }, byNode };
}

/**
 * findUpdatedPodsOnNode: the node's live new and old pod, or undefined when it has more than one
 * of either (the core loop prunes those first).
 */
export function updatedPodsOnNode(ds: DaemonSet, pods: readonly Pod[], hash: string): { newPod?: Pod; oldPod?: Pod } | undefined {
  const generation = templateGeneration(ds);
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp !== undefined) continue;
    if (isPodUpdated(pod, hash, generation)) {
      if (newPod !== undefined) return undefined;
      newPod = pod;
    } else {
      if (oldPod !== undefined) return undefined;
      oldPod = pod;
    }
  }
  return { ...(newPod === undefined ? {} : { newPod }), ...(oldPod === undefined ? {} : { oldPod }) };
}

export function planRollingUpdate(input: RollingUpdateInput): RollingUpdatePlan {
  const counted = updateBudget(input);
  if ('error' in counted) return counted;
  const { budget, byNode } = counted;
  const { ds, hash, now } = input;
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const available = (p: Pod): boolean => isPodAvailable(p, minReady, now);
  // Upstream walks a Go map (random order); nodes by name keep plans reproducible.
  const nodeNames = [...byNode.keys()].sort();

  if (budget.maxSurge === 0) {
    let numUnavailable = 0;
    const replacements: Pod[] = [];
    const candidates: Pod[] = [];
    for (const nodeName of nodeNames) {
      const found = updatedPodsOnNode(ds, byNode.get(nodeName) ?? [], hash);
      if (found === undefined) {
        numUnavailable++;
        continue;
      }
      const { newPod, oldPod } = found;
      if ((oldPod === undefined) === (newPod === undefined)) {
        // No pod yet, or an old and a new one: the core loop is acting on this node.
        numUnavailable++;
      } else if (newPod !== undefined) {
        if (!available(newPod)) numUnavailable++;
      } else if (oldPod !== undefined) {
        if (!available(oldPod)) {
          replacements.push(oldPod);
          numUnavailable++;
        } else if (numUnavailable < budget.maxUnavailable) {
          candidates.push(oldPod);
        }
      }
    }
    const remaining = Math.min(Math.max(budget.maxUnavailable - numUnavailable, 0), candidates.length);
    return { createOn: [], delete: [...replacements, ...candidates.slice(0, remaining)] };
  }

  const nodesByName = new Map(input.nodes.map((n) => [n.metadata?.name ?? '', n]));
  const oldPodsToDelete: Pod[] = [];
  const shouldNotRunPodsToDelete: Pod[] = [];
  const candidateNewNodes: string[] = [];
  const allowedNewNodes: string[] = [];
  let numSurge = 0;
  let numAvailable = 0;
  for (const nodeName of nodeNames) {
    const found = updatedPodsOnNode(ds, byNode.get(nodeName) ?? [], hash);
    if (found === undefined) {
      numSurge++;
      continue;
    }
    const { newPod, oldPod } = found;
    // Availability counts every node, also those being sunset by a scheduling change.
    if (oldPod !== undefined) {
      if (available(oldPod)) numAvailable++;
    } else if (newPod !== undefined && available(newPod)) {
      numAvailable++;
    }
    if (oldPod === undefined) continue;
    if (newPod === undefined) {
      const node = nodesByName.get(nodeName);
      if (node === undefined) return { error: `couldn't get node for nodeName "${nodeName}": node "${nodeName}" not found` };
      const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
      if (!available(oldPod)) {
        if (!shouldRun) oldPodsToDelete.push(oldPod);
        else allowedNewNodes.push(nodeName);
        continue;
      }
      if (!shouldRun) {
        shouldNotRunPodsToDelete.push(oldPod);
        continue;
      }
      if (numSurge >= budget.maxSurge) continue;
      candidateNewNodes.push(nodeName);
      continue;
    }
    // Already surged here: wait for the new pod, then retire the old one.
    if (!available(newPod)) {
      numSurge++;
      continue;
    }
    oldPodsToDelete.push(oldPod);
  }

  // With surge the owner expects full availability: a pod on a node leaving the daemon's
  // placement goes only once enough pods elsewhere are available.
  const deletable = Math.min(numAvailable - budget.desiredNumberScheduled, shouldNotRunPodsToDelete.length);
  if (deletable > 0) oldPodsToDelete.push(...shouldNotRunPodsToDelete.slice(0, deletable));

  const remainingSurge = Math.min(Math.max(budget.maxSurge - numSurge, 0), candidateNewNodes.length);
  return { createOn: [...allowedNewNodes, ...candidateNewNodes.slice(0, remainingSurge)], delete: oldPodsToDelete };
}
