// The stable identity of a StatefulSet's pods (stateful_set_utils.go): a pod is "<set>-<ordinal>",
// labelled with its own name and index, with hostname = its name and subdomain = the governing
// Service (so it resolves as <pod>.<service>), and mounts one claim per volumeClaimTemplate named
// "<template>-<set>-<ordinal>". A pod belongs to a set by name alone (isMemberOf), which is why a
// pod of another set with an overlapping selector is never adopted.
import type { StatefulSet } from 'kubernetes-types/apps/v1.d.ts';
import type { PersistentVolumeClaim, Pod, Volume } from 'kubernetes-types/core/v1.d.ts';
import { newControllerRef } from '../framework/owners.ts';
import { podFromTemplate } from '../framework/pod-control.ts';
import { cloneJson } from '../../lib/clone.ts';

/** apps.StatefulSetPodNameLabel. */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** apps.StatefulSetRevisionLabel: the ControllerRevision name a pod was made from. */
export const REVISION_LABEL = 'controller-revision-hash';
/** apps.PodIndexLabel (PodIndexLabel is on by default in 1.32). */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

const STATEFUL_POD_NAME = /(.*)-([0-9]+)$/;
const INT32_MAX = 2 ** 31 - 1;

/** getParentNameAndOrdinal: the ordinal is -1 when the name has none (or it overflows an int32). */
export function parentAndOrdinal(podName: string): { parent: string; ordinal: number } {
  const m = STATEFUL_POD_NAME.exec(podName);
  if (m === null) return { parent: '', ordinal: -1 };
  const digits = m[2] ?? '';
  const n = Number(digits);
  return { parent: m[1] ?? '', ordinal: n <= INT32_MAX ? n : -1 };
}

export function ordinalOf(pod: Pod): number {
  return parentAndOrdinal(pod.metadata?.name ?? '').ordinal;
}

export function setName(set: StatefulSet): string {
  return set.metadata?.name ?? '';
}

export function setNamespace(set: StatefulSet): string {
  return set.metadata?.namespace ?? 'default';
}

/** spec.replicas, defaulted as the API server does. */
export function replicasOf(set: StatefulSet): number {
  return set.spec?.replicas ?? 1;
}

/** getStartOrdinal: spec.ordinals.start (StatefulSetStartOrdinal is GA in 1.31). */
export function startOrdinal(set: StatefulSet): number {
  return set.spec?.ordinals?.start ?? 0;
}

/** getEndOrdinal (inclusive). */
export function endOrdinal(set: StatefulSet): number {
  return startOrdinal(set) + replicasOf(set) - 1;
}

export function ordinalInRange(set: StatefulSet, ordinal: number): boolean {
  return ordinal >= startOrdinal(set) && ordinal <= endOrdinal(set);
}

export function podInOrdinalRange(pod: Pod, set: StatefulSet): boolean {
  return ordinalInRange(set, ordinalOf(pod));
}

export function podName(set: StatefulSet, ordinal: number): string {
  return `${setName(set)}-${String(ordinal)}`;
}

/** getPersistentVolumeClaimName. */
export function claimName(set: StatefulSet, templateName: string, ordinal: number): string {
  return `${templateName}-${setName(set)}-${String(ordinal)}`;
}

/** isMemberOf: the pod's name says it is one of set's. */
export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  return parentAndOrdinal(pod.metadata?.name ?? '').parent === setName(set);
}

/** identityMatches: name, namespace and the pod-name label agree with the ordinal. */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const name = pod.metadata?.name ?? '';
  const { parent, ordinal } = parentAndOrdinal(name);
  return ordinal >= 0 && parent === setName(set) && name === podName(set, ordinal)
    && (pod.metadata?.namespace ?? 'default') === setNamespace(set)
    && pod.metadata?.labels?.[POD_NAME_LABEL] === name;
}

/** storageMatches: every claim template is mounted from this ordinal's claim. */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = ordinalOf(pod);
  if (ordinal < 0) return false;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  return (set.spec?.volumeClaimTemplates ?? []).every((t) => {
    const name = t.metadata?.name ?? '';
    const v = volumes.get(name);
    return v?.persistentVolumeClaim !== undefined && v.persistentVolumeClaim.claimName === claimName(set, name, ordinal);
  });
}

/**
 * getPersistentVolumeClaims: the claims pod needs, in template order, keyed by template name;
 * each a copy of its template named for the ordinal and labelled with the set's matchLabels.
 */
export function claimsForPod(set: StatefulSet, pod: Pod): { template: string; claim: PersistentVolumeClaim }[] {
  const ordinal = ordinalOf(pod);
  const matchLabels = set.spec?.selector.matchLabels ?? {};
  return (set.spec?.volumeClaimTemplates ?? []).map((t) => {
    const claim = cloneJson(t);
    const template = t.metadata?.name ?? '';
    const meta = claim.metadata ?? {};
    claim.apiVersion = 'v1';
    claim.kind = 'PersistentVolumeClaim';
    claim.metadata = {
      ...meta,
      name: claimName(set, template, ordinal),
      namespace: setNamespace(set),
      labels: { ...(meta.labels ?? {}), ...matchLabels },
    };
    return { template, claim };
  });
}

/** updateStorage: the template claims' volumes first, then the pod's other volumes. */
export function withStorage(set: StatefulSet, pod: Pod): Pod {
  const out = cloneJson(pod);
  const claims = claimsForPod(set, pod);
  const names = new Set(claims.map((c) => c.template));
  const volumes: Volume[] = claims.map((c) => ({
    name: c.template,
    persistentVolumeClaim: { claimName: c.claim.metadata?.name ?? '' },
  }));
  for (const v of pod.spec?.volumes ?? []) if (!names.has(v.name)) volumes.push(cloneJson(v));
  out.spec = { ...(out.spec ?? { containers: [] }), volumes };
  return out;
}

/** updateIdentity: the name, namespace and identity labels for the pod's ordinal. */
export function withIdentity(set: StatefulSet, pod: Pod): Pod {
  const out = cloneJson(pod);
  const ordinal = ordinalOf(pod);
  const name = podName(set, ordinal);
  out.metadata = {
    ...(out.metadata ?? {}),
    name,
    namespace: setNamespace(set),
    labels: { ...(out.metadata?.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) },
  };
  return out;
}

/** newStatefulSetPod: the template's pod for ordinal, owned by set, hostname and subdomain set. */
export function newStatefulSetPod(set: StatefulSet, ordinal: number): Pod {
  const template = set.spec?.template ?? { spec: { containers: [] } };
  const base = podFromTemplate(template, set, newControllerRef(set, 'apps/v1', 'StatefulSet'));
  base.metadata = { ...(base.metadata ?? {}), name: podName(set, ordinal) };
  const pod = withIdentity(set, base);
  // hostname and subdomain are immutable, so they are written only when the pod is made
  const service = set.spec?.serviceName ?? '';
  pod.spec = { ...(pod.spec ?? { containers: [] }), hostname: pod.metadata?.name ?? '', ...(service === '' ? {} : { subdomain: service }) };
  return withStorage(set, pod);
}

/** setPodRevision. */
export function withRevision(pod: Pod, revision: string): Pod {
  pod.metadata = { ...(pod.metadata ?? {}), labels: { ...(pod.metadata?.labels ?? {}), [REVISION_LABEL]: revision } };
  return pod;
}

/** getPodRevision: '' when the pod has none. */
export function podRevision(pod: Pod): string {
  return pod.metadata?.labels?.[REVISION_LABEL] ?? '';
}
