// The scheduler's filters as pure functions (kube-scheduler's NodeUnschedulable, TaintToleration,
// NodeAffinity, NodePorts, NodeResourcesFit, node readiness) and the "0/N nodes are available"
// message with the preemption post-filter's verdict.
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

/** One host port a container asks for, sanitized: no IP is 0.0.0.0, no protocol is TCP. */
export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

const BIND_ALL = '0.0.0.0';

/** The host ports of the pod's containers (the NodePorts plugin's getContainerPorts). */
export function podHostPorts(pod: KubeObject): HostPort[] {
  const out: HostPort[] = [];
  for (const c of arr(rec(pod['spec'])['containers'])) {
    for (const p of arr(c['ports'])) {
      const port = typeof p['hostPort'] === 'number' ? p['hostPort'] : 0;
      if (port <= 0) continue;
      out.push({ ip: s(p['hostIP']) === '' ? BIND_ALL : s(p['hostIP']), protocol: s(p['protocol']) === '' ? 'TCP' : s(p['protocol']), port });
    }
  }
  return out;
}

/**
 * HostPortInfo.CheckConflict: a wanted port on 0.0.0.0 conflicts with the same protocol and port
 * on any address; on one address, with that address or 0.0.0.0.
 */
export function hostPortConflicts(want: readonly HostPort[], used: readonly HostPort[]): boolean {
  return want.some((w) => used.some((u) => u.protocol === w.protocol && u.port === w.port
    && (w.ip === BIND_ALL || u.ip === BIND_ALL || u.ip === w.ip)));
}

export const NODE_PORTS_REASON = "node(s) didn't have free ports for the requested pod ports";

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
  const active = podsOnNode.filter((p) => !isTerminal(p));
  const wantPorts = podHostPorts(pod);
  if (wantPorts.length > 0 && hostPortConflicts(wantPorts, active.flatMap(podHostPorts))) return [NODE_PORTS_REASON];
  const allocatable = rec(rec(node['status'])['allocatable']);
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

/** The sorted "N reason" histogram of a FitError. */
function histogram(reasonsPerNode: readonly (readonly string[])[]): string {
  const counts = new Map<string, number>();
  for (const rs of reasonsPerNode) for (const r of rs) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts.entries()].map(([r, n]) => `${n} ${r}`).sort().join(', ');
}

/**
 * Reasons of the filters that fail UnschedulableAndUnresolvable (NodeUnschedulable,
 * TaintToleration, NodeAffinity): evicting pods would not help on such a node.
 */
function unresolvable(reason: string): boolean {
  return reason === 'node(s) were unschedulable' || reason.startsWith('node(s) had untolerated taint ')
    || reason === "node(s) didn't match Pod's node affinity/selector";
}

/**
 * The default preemption post-filter's verdict, with no preemption done here: a pod that may not
 * preempt says so; otherwise each node is one where preemption is not helpful (its filter failed
 * unresolvably) or one without victims (no pod of lower priority is evicted).
 */
function preemptionMessage(pod: KubeObject | undefined, nodeCount: number, reasonsPerNode: readonly (readonly string[])[]): string {
  if (rec(pod?.['spec'])['preemptionPolicy'] === 'Never') return 'preemption: not eligible due to preemptionPolicy=Never.';
  const verdicts = reasonsPerNode.map((rs) => [rs.some(unresolvable) ? 'Preemption is not helpful for scheduling' : 'No preemption victims found for incoming pod']);
  return `preemption: 0/${nodeCount} nodes are available: ${histogram(verdicts)}.`;
}

/**
 * FitError's message: "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match ...
 * preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2
 * Preemption is not helpful for scheduling..".
 */
export function unschedulableMessage(nodeCount: number, reasonsPerNode: string[][], pod?: KubeObject): string {
  if (nodeCount === 0) return 'no nodes available to schedule pods';
  return `0/${nodeCount} nodes are available: ${histogram(reasonsPerNode)}. ${preemptionMessage(pod, nodeCount, reasonsPerNode)}.`;
}
