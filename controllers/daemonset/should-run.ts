// NodeShouldRunDaemonPod: whether a node should get a daemon pod (shouldRun) and whether a daemon
// pod already there may stay (shouldContinueRunning). The pod is simulated as it would be created:
// the template with the node's name and the daemon tolerations. A NoSchedule taint the pod does not
// tolerate keeps new pods off but leaves a running one; an untolerated NoExecute taint evicts it.
import type { DaemonSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Node, PodSpec, Taint } from 'kubernetes-types/core/v1.d.ts';
import { requiredAffinityMatches } from './node-affinity.ts';
import { daemonPodTolerations, findUntoleratedTaint } from './tolerations.ts';

export interface NodeFit {
  shouldRun: boolean;
  shouldContinueRunning: boolean;
}

/** NewPod's spec: the template's, on nodeName, with the daemon tolerations. */
export function simulatedPodSpec(ds: DaemonSet, nodeName: string): PodSpec {
  const spec: PodSpec = { ...(ds.spec?.template.spec ?? { containers: [] }) };
  return { ...spec, nodeName, tolerations: daemonPodTolerations(spec) };
}

export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): NodeFit {
  const nodeName = node.metadata?.name ?? '';
  const templateNode = ds.spec?.template.spec?.nodeName ?? '';
  if (templateNode !== '' && templateNode !== nodeName) return { shouldRun: false, shouldContinueRunning: false };
  const spec = simulatedPodSpec(ds, nodeName);
  if (!requiredAffinityMatches(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints: Taint[] = node.spec?.taints ?? [];
  const tolerations = spec.tolerations ?? [];
  const blocking = findUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoExecute' || t.effect === 'NoSchedule');
  if (blocking === undefined) return { shouldRun: true, shouldContinueRunning: true };
  const evicting = findUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoExecute');
  return { shouldRun: false, shouldContinueRunning: evicting === undefined };
}
