// Which nodes a pod's nodeSelector and required node affinity admit (component-helpers
// nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)), and the node-name affinity the
// controller pins each daemon pod with so the default scheduler binds it to its node
// (util.ReplaceDaemonSetPodNodeNameNodeAffinity, util.GetTargetNodeName).
import type { Affinity, Node, NodeSelectorRequirement, NodeSelectorTerm, Pod, PodSpec } from 'kubernetes-types/core/v1.d.ts';
import { isQualifiedName, isValidLabelValue } from '../../kube/names.ts';

/** metav1.ObjectNameField: the only field a node selector term may match. */
export const OBJECT_NAME_FIELD = 'metadata.name';

const INTEGER = /^[+-]?\d+$/;

type Matcher = (values: Readonly<Record<string, string>>) => boolean;

/** labels.NewRequirement's checks and Requirement.Matches; undefined when the requirement is invalid. */
function labelRequirement(r: NodeSelectorRequirement): Matcher | undefined {
  const key = r.key;
  const values = r.values ?? [];
  if (isQualifiedName(key).length > 0) return undefined;
  if (!values.every((v) => isValidLabelValue(v).length === 0)) return undefined;
  const has = (l: Readonly<Record<string, string>>): boolean => Object.prototype.hasOwnProperty.call(l, key);
  switch (r.operator) {
    case 'In':
    case 'NotIn': {
      if (values.length === 0) return undefined;
      const set = new Set(values);
      return r.operator === 'In' ? (l) => has(l) && set.has(l[key] ?? '') : (l) => !has(l) || !set.has(l[key] ?? '');
    }
    case 'Exists':
    case 'DoesNotExist':
      if (values.length !== 0) return undefined;
      return r.operator === 'Exists' ? has : (l) => !has(l);
    case 'Gt':
    case 'Lt': {
      const bound = values[0];
      if (values.length !== 1 || bound === undefined || !INTEGER.test(bound)) return undefined;
      const limit = BigInt(bound);
      return (l) => {
        const v = l[key];
        if (v === undefined || !INTEGER.test(v)) return false;
        return r.operator === 'Gt' ? BigInt(v) > limit : BigInt(v) < limit;
      };
    }
    default:
      return undefined;
  }
}

/** nodeSelectorRequirementsAsFieldSelector: one value, In (=) or NotIn (!=). */
function fieldRequirement(r: NodeSelectorRequirement): Matcher | undefined {
  const values = r.values ?? [];
  const value = values[0];
  if (values.length !== 1 || value === undefined) return undefined;
  if (r.operator === 'In') return (f) => (f[r.key] ?? '') === value;
  if (r.operator === 'NotIn') return (f) => (f[r.key] ?? '') !== value;
  return undefined;
}

/** A term: undefined when it can match nothing (empty, or a requirement fails to parse). */
function termMatcher(term: NodeSelectorTerm): ((labels: Record<string, string>, fields: Record<string, string>) => boolean) | undefined {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return undefined;
  const labelMatchers = exprs.map(labelRequirement);
  const fieldMatchers = fields.map(fieldRequirement);
  if (labelMatchers.includes(undefined) || fieldMatchers.includes(undefined)) return undefined;
  return (labels, nodeFields) => labelMatchers.every((m) => m?.(labels) === true) && fieldMatchers.every((m) => m?.(nodeFields) === true);
}

/** RequiredNodeAffinity.Match: nodeSelector labels, then any required node selector term. */
export function requiredAffinityMatches(spec: PodSpec, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) {
    if (!Object.prototype.hasOwnProperty.call(labels, k) || labels[k] !== v) return false;
  }
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required === undefined) return true;
  const fields: Record<string, string> = { [OBJECT_NAME_FIELD]: node.metadata?.name ?? '' };
  return required.nodeSelectorTerms.some((term) => termMatcher(term)?.(labels, fields) === true);
}

/**
 * ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes the single term
 * `metadata.name In [nodeName]` (the controller has already checked the user's terms admit the
 * node); preferred terms and pod (anti-)affinity are kept. Returns a new Affinity.
 */
export function nodeNameAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const term: NodeSelectorTerm = { matchFields: [{ key: OBJECT_NAME_FIELD, operator: 'In', values: [nodeName] }] };
  const required = { ...(affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? {}), nodeSelectorTerms: [term] };
  return { ...(affinity ?? {}), nodeAffinity: { ...(affinity?.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: required } };
}

/**
 * GetTargetNodeName: spec.nodeName once bound, else the node named by the pinning affinity;
 * undefined when neither names exactly one node.
 */
export function targetNodeName(pod: Pod): string | undefined {
  const bound = pod.spec?.nodeName ?? '';
  if (bound !== '') return bound;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const r of term.matchFields ?? []) {
      if (r.key === OBJECT_NAME_FIELD && r.operator === 'In') {
        const values = r.values ?? [];
        return values.length === 1 ? values[0] : undefined;
      }
    }
  }
  return undefined;
}
