// Grouping a DaemonSet's pods by the node they are for (getNodesToDaemonPods): a bound pod by
// spec.nodeName, a pending one by its node-name affinity. Terminal pods already being deleted are
// left out of placement decisions (the kubelet or pod GC finishes them) but kept when deciding
// which revisions are still in use.
import type { Node, Pod } from 'kubernetes-types/core/v1.d.ts';
import { targetNodeName } from './node-affinity.ts';
import { isPodTerminal } from '../framework/pod-state.ts';

export function podsByNode(pods: readonly Pod[], includeDeletedTerminal: boolean): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const pod of pods) {
    if (!includeDeletedTerminal && isPodTerminal(pod) && pod.metadata?.deletionTimestamp !== undefined) continue;
    const node = targetNodeName(pod);
    if (node === undefined) continue;
    const list = out.get(node);
    if (list === undefined) out.set(node, [pod]);
    else list.push(pod);
  }
  return out;
}

/**
 * getUnscheduledPodsWithoutNode: pending pods for nodes that do not exist. Nothing else would
 * remove them (pod GC only collects pods bound to missing nodes).
 */
export function unscheduledPodsWithoutNode(nodes: readonly Node[], byNode: ReadonlyMap<string, Pod[]>): Pod[] {
  const existing = new Set(nodes.map((n) => n.metadata?.name ?? ''));
  const out: Pod[] = [];
  for (const name of [...byNode.keys()].sort()) {
    if (existing.has(name)) continue;
    for (const pod of byNode.get(name) ?? []) if ((pod.spec?.nodeName ?? '') === '') out.push(pod);
  }
  return out;
}
