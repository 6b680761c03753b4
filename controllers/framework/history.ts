// ControllerRevisions, the history the DaemonSet and StatefulSet controllers keep of their pod
// templates (pkg/controller/history): a revision named "<owner>-<hash of its data>", labelled with
// the template's labels, owned by the controller, numbered; equal data means the same revision.
import type { ControllerRevision } from 'kubernetes-types/apps/v1.d.ts';
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import type { KubeObject } from '../../kube/client/client.ts';
import { canonicalJson, computeHash } from './hash.ts';

/** ControllerRevisionName: the prefix is cut to 223 characters so the name stays valid. */
export function revisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

/** HashControllerRevision: the hash of the revision's data and the collision count. */
export function hashRevisionData(data: unknown, collisionCount?: number): string {
  return computeHash(data, collisionCount);
}

/** NewControllerRevision. */
export function newControllerRevision(
  owner: KubeObject, controllerRef: OwnerReference, templateLabels: Record<string, string> | undefined,
  data: unknown, revision: number, collisionCount?: number,
): ControllerRevision {
  const hash = hashRevisionData(data, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionName(owner.metadata?.name ?? '', hash),
      namespace: owner.metadata?.namespace ?? 'default',
      labels: { ...(templateLabels ?? {}), 'controller.kubernetes.io/hash': hash },
      ownerReferences: [controllerRef],
    },
    data: data as NonNullable<ControllerRevision['data']>,
    revision,
  };
}

/** EqualRevision: the same data (hash labels aside). */
export function equalRevision(a: ControllerRevision, b: ControllerRevision): boolean {
  return canonicalJson(a.data ?? null) === canonicalJson(b.data ?? null);
}

/** Revisions oldest first (by revision number, then name), as history.SortControllerRevisions. */
export function sortRevisions(revisions: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revisions].sort((a, b) => a.revision - b.revision || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}
