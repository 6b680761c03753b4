// Go's %v of a *metav1.LabelSelector (its generated String()), as upstream's UnmanagedPods event
// message prints the PDB's selector.
import type { LabelSelector } from 'kubernetes-types/meta/v1.d.ts';

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function goLabelSelectorString(sel: LabelSelector | undefined): string {
  if (sel === undefined) return 'nil';
  const labels = sel.matchLabels ?? {};
  const labelText = Object.keys(labels).sort(byteOrder).map((k) => `${k}: ${labels[k] ?? ''},`).join('');
  const exprText = (sel.matchExpressions ?? [])
    .map((e) => `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(' ')}],},`)
    .join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labelText}},MatchExpressions:[]LabelSelectorRequirement{${exprText}},}`;
}
