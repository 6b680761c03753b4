// Which pods a PDB covers and which PDBs cover a pod, from the caches. The two directions differ
// as upstream's do: getPodsForPdb lists with the selector as given (an empty selector matches
// every pod of the namespace), while GetPodPodDisruptionBudgets never lets an empty selector, or
// a pod without labels, match.
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import type { LabelSelector } from 'kubernetes-types/meta/v1.d.ts';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.d.ts';
import { selectorEmpty, selectorMatches, selectorOf } from '../../kube/labels/selector.ts';

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** Why LabelSelectorAsSelector refuses sel (validation keeps such selectors out of the store). */
function selectorError(sel: LabelSelector | undefined): string {
  const bad = (sel?.matchExpressions ?? []).find((e) => !OPERATORS.includes(e.operator));
  return bad === undefined ? 'invalid label selector' : `${JSON.stringify(bad.operator)} is not a valid label selector operator`;
}

/** getPodsForPdb: the pods of the PDB's namespace its selector matches, in cache order. */
export function podsForPdb(pdb: PodDisruptionBudget, pods: readonly Pod[]): Pod[] | { error: string } {
  const sel = selectorOf(pdb.spec?.selector);
  if (sel === undefined) return { error: selectorError(pdb.spec?.selector) };
  return pods.filter((p) => selectorMatches(sel, p.metadata?.labels ?? {}));
}

/** GetPodPodDisruptionBudgets: the PDBs (of the pod's namespace) whose non-empty selector matches it. */
export function pdbsForPod(pod: Pod, pdbs: readonly PodDisruptionBudget[]): PodDisruptionBudget[] {
  const labels = pod.metadata?.labels ?? {};
  if (Object.keys(labels).length === 0) return [];
  return pdbs.filter((pdb) => {
    const sel = selectorOf(pdb.spec?.selector);
    // A nil or empty selector must match nothing here, never everything.
    return sel !== undefined && !sel.nothing && !selectorEmpty(sel) && selectorMatches(sel, labels);
  });
}
