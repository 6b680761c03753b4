// The scheduler's filters as pure functions (kube-scheduler's NodeUnschedulable, TaintToleration,
// NodeAffinity, NodeResourcesFit, node readiness) and the "0/N nodes are available" message.
import { parseQuantity } from '../api/quantity.ts';
import { isRecord } from '../registry/object-meta.ts';
import type { KubeObject } from '../storage/types.ts';

type Obj = Record<string, unknown>;

function rec(v: unknown): Obj {
  return isRecord(v) ? v : {};
}

function arr(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function s(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

/** Does some toleration of the pod tolerate the taint (v1helper.TolerationsTolerateTaint). */
export function tolerates(tolerations: Obj[], taint: Taint): boolean {
  return tolerations.some((t) => {
    const effect = s(t['effect']);
    if (effect !== '' && effect !== taint.effect) return false;
    const key = s(t['key']);
    const op = s(t['operator']) === '' ? 'Equal' : s(t['operator']);
    if (key === '') return op === 'Exists';
    if (key !== taint.key) return false;
    if (op === 'Exists') return true;
    return s(t['value']) === (taint.value ?? '');
  });
}

export function nodeTaints(node: KubeObject): Taint[] {
  return arr(rec(node['spec'])['taints']).map((t) => {
    const taint: Taint = { key: s(t['key']), effect: s(t['effect']) };
    if (typeof t['value'] === 'string') taint.value = t['value'];
    return taint;
  });
}

export function nodeReady(node: KubeObject): boolean {
  return arr(rec(node['status'])['conditions']).some((c) => c['type'] === 'Ready' && c['status'] === 'True');
}

function matchExpression(labels: Record<string, string>, e: Obj): boolean {
  const key = s(e['key']);
  const values = Array.isArray(e['values']) ? e['values'].map(String) : [];
  const has = Object.prototype.hasOwnProperty.call(labels, key);
  const v = labels[key] ?? '';
  switch (s(e['operator'])) {
    case 'In': return has && values.includes(v);
    case 'NotIn': return !has || !values.includes(v);
    case 'Exists': return has;
    case 'DoesNotExist': return !has;
    case 'Gt': return has && Number(v) > Number(values[0]);
    case 'Lt': return has && Number(v) < Number(values[0]);
    default: return false;
  }
}

function matchFields(node: KubeObject, e: Obj): boolean {
  if (s(e['key']) !== 'metadata.name') return false;
  return matchExpression({ 'metadata.name': node.metadata?.name ?? '' }, e);
}

/** nodeSelector and requiredDuringSchedulingIgnoredDuringExecution node affinity. */
export function matchesNodeSelector(pod: KubeObject, node: KubeObject): boolean {
  const spec = rec(pod['spec']);
  const labels = rec(node.metadata?.['labels']) as Record<string, string>;
  for (const [k, v] of Object.entries(rec(spec['nodeSelector']))) {
    if (labels[k] !== v) return false;
  }
  const required = rec(rec(rec(spec['affinity'])['nodeAffinity'])['requiredDuringSchedulingIgnoredDuringExecution']);
  const terms = arr(required['nodeSelectorTerms']);
  if (terms.length === 0) return true;
  return terms.some((t) => {
    const exprs = arr(t['matchExpressions']);
    const fields = arr(t['matchFields']);
    if (exprs.length === 0 && fields.length === 0) return false;
    return exprs.every((e) => matchExpression(labels, e)) && fields.every((e) => matchFields(node, e));
  });
}

function quantityNanos(v: unknown): bigint {
  const q = parseQuantity(typeof v === 'number' ? String(v) : s(v));
  return q?.nanos ?? 0n;
}

/** The pod's effective requests: sum of containers, at least the largest init container, plus overhead. */
export function podRequests(pod: KubeObject): Map<string, bigint> {
  const spec = rec(pod['spec']);
  const sum = new Map<string, bigint>();
  for (const c of arr(spec['containers'])) {
    for (const [k, v] of Object.entries(rec(rec(c['resources'])['requests']))) sum.set(k, (sum.get(k) ?? 0n) + quantityNanos(v));
  }
  for (const c of arr(spec['initContainers'])) {
    const sidecar = c['restartPolicy'] === 'Always';
    for (const [k, v] of Object.entries(rec(rec(c['resources'])['requests']))) {
      const q = quantityNanos(v);
      if (sidecar) sum.set(k, (sum.get(k) ?? 0n) + q);
      else if (q > (sum.get(k) ?? 0n)) sum.set(k, q);
    }
  }
  for (const [k, v] of Object.entries(rec(spec['overhead']))) sum.set(k, (sum.get(k) ?? 0n) + quantityNanos(v));
  return sum;
}

export function isTerminal(pod: KubeObject): boolean {
  const phase = rec(pod['status'])['phase'];
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Why a node does not fit a pod (kube-scheduler's per-node reasons), or [] when it fits. */
export function unfitReasons(pod: KubeObject, node: KubeObject, podsOnNode: KubeObject[]): string[] {
  const reasons: string[] = [];
  const spec = rec(pod['spec']);
  const tolerations = arr(spec['tolerations']);
  if (rec(node['spec'])['unschedulable'] === true) {
    const t: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
    if (!tolerates(tolerations, t)) reasons.push('node(s) were unschedulable');
  }
  const taints = nodeTaints(node);
  if (!nodeReady(node) && !taints.some((t) => t.key === 'node.kubernetes.io/not-ready' || t.key === 'node.kubernetes.io/unreachable')) {
    taints.push({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' });
  }
  const untolerated = taints.find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(tolerations, t));
  if (untolerated !== undefined && reasons.length === 0) {
    reasons.push(`node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ''}}`);
  }
  if (reasons.length > 0) return reasons;
  if (!matchesNodeSelector(pod, node)) return ["node(s) didn't match Pod's node affinity/selector"];
  const allocatable = rec(rec(node['status'])['allocatable']);
  const active = podsOnNode.filter((p) => !isTerminal(p));
  const maxPods = quantityNanos(allocatable['pods'] ?? '110');
  if (BigInt(active.length + 1) * 1_000_000_000n > maxPods) reasons.push('Too many pods');
  const want = podRequests(pod);
  for (const [name, amount] of want) {
    if (amount === 0n) continue;
    const alloc = allocatable[name];
    if (alloc === undefined) {
      reasons.push(`Insufficient ${name}`);
      continue;
    }
    let used = 0n;
    for (const p of active) used += podRequests(p).get(name) ?? 0n;
    const free = quantityNanos(alloc) - used;
    if (amount > free) reasons.push(`Insufficient ${name}`);
  }
  return reasons;
}

/** Lower is better: the share of cpu and memory that would be in use (LeastAllocated). */
export function allocationScore(pod: KubeObject, node: KubeObject, podsOnNode: KubeObject[]): number {
  const allocatable = rec(rec(node['status'])['allocatable']);
  let score = 0;
  for (const r of ['cpu', 'memory']) {
    const cap = quantityNanos(allocatable[r]);
    if (cap === 0n) continue;
    let used = podRequests(pod).get(r) ?? 0n;
    for (const p of podsOnNode) if (!isTerminal(p)) used += podRequests(p).get(r) ?? 0n;
    score += Number((used * 1000n) / cap);
  }
  return score + podsOnNode.length;
}

/** "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match ...". */
export function unschedulableMessage(nodeCount: number, reasonsPerNode: string[][]): string {
  if (nodeCount === 0) return 'no nodes available to schedule pods';
  const counts = new Map<string, number>();
  for (const rs of reasonsPerNode) for (const r of rs) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts.entries()].map(([r, n]) => `${n} ${r}`).sort();
  return `0/${nodeCount} nodes are available: ${parts.join(', ')}.`;
}
