// The scale subresource (autoscaling/v1 Scale) of kinds that declare where their replicas live:
// a view built from the object (spec.replicas, status.replicas, the selector as a string) and the
// write that puts a Scale's spec.replicas back. `kubectl scale` and HPAs go through it.
import { ApiError, fieldErrors } from '../api/errors.ts';
import type { ScaleSpec } from '../kinds/kind.ts';
import type { KubeObject } from '../storage/types.ts';
import { isRecord } from './object-meta.ts';

function at(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const p of path.split('.')) {
    if (!isRecord(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

function setAt(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (!isRecord(cur[p])) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1] ?? ''] = value;
}

function values(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').sort() : [];
}

/**
 * metav1.LabelSelectorAsSelector(sel).String(): requirements sorted by key, `k=v`, `k in (a,b)`,
 * `k notin (a,b)`, `k`, `!k`.
 */
export function labelSelectorString(sel: unknown): string {
  if (!isRecord(sel)) return '';
  const reqs: { key: string; text: string }[] = [];
  const ml = isRecord(sel['matchLabels']) ? sel['matchLabels'] : {};
  for (const [k, v] of Object.entries(ml)) reqs.push({ key: k, text: `${k}=${String(v)}` });
  for (const e of Array.isArray(sel['matchExpressions']) ? sel['matchExpressions'] : []) {
    if (!isRecord(e) || typeof e['key'] !== 'string') continue;
    const k = e['key'];
    switch (e['operator']) {
      case 'In': reqs.push({ key: k, text: `${k} in (${values(e['values']).join(',')})` }); break;
      case 'NotIn': reqs.push({ key: k, text: `${k} notin (${values(e['values']).join(',')})` }); break;
      case 'Exists': reqs.push({ key: k, text: k }); break;
      case 'DoesNotExist': reqs.push({ key: k, text: `!${k}` }); break;
      default:
    }
  }
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((r) => r.text).join(',');
}

/** The Scale view of an object. */
export function scaleOf(obj: KubeObject, spec: ScaleSpec): KubeObject {
  const m = obj.metadata ?? {};
  const metadata: Record<string, unknown> = {};
  for (const k of ['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp']) if (m[k] !== undefined) metadata[k] = m[k];
  const specReplicas = at(obj, spec.specReplicasPath);
  const status: Record<string, unknown> = { replicas: typeof at(obj, spec.statusReplicasPath) === 'number' ? at(obj, spec.statusReplicasPath) : 0 };
  if (spec.labelSelectorPath !== undefined) {
    // a custom resource keeps the selector as a string already (its CRD's labelSelectorPath)
    const raw = at(obj, spec.labelSelectorPath);
    const sel = typeof raw === 'string' ? raw : labelSelectorString(raw);
    if (sel !== '') status['selector'] = sel;
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata,
    spec: { replicas: typeof specReplicas === 'number' ? specReplicas : 1 },
    status,
  };
}

/**
 * The object with the Scale's spec.replicas written back; a negative or non-integer count is
 * the 422 upstream's ValidateScale answers.
 */
export function withScale(obj: KubeObject, scale: unknown, spec: ScaleSpec, name: string): KubeObject {
  const replicas = isRecord(scale) && isRecord(scale['spec']) ? scale['spec']['replicas'] : undefined;
  const n = replicas === undefined || replicas === null ? 0 : replicas;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw ApiError.badRequest(`Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal ${typeof n === 'string' ? 'string' : typeof n === 'number' ? `number ${String(n)}` : Array.isArray(n) ? 'array' : typeof n} into Go struct field ScaleSpec.spec.replicas of type int32`);
  }
  if (n < 0) throw ApiError.invalid('Scale', name, [fieldErrors.invalid('spec.replicas', n, 'must be greater than or equal to 0')], 'autoscaling');
  const out = structuredClone(obj) as Record<string, unknown>;
  setAt(out, spec.specReplicasPath, n);
  return out;
}
