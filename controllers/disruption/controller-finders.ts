// The finder chain that maps a pod's controller reference to the controller whose scale the PDB
// counts (upstream's finders(), in its order): a ReplicaSet owned by a Deployment counts as the
// Deployment, a lone ReplicaSet and a StatefulSet as themselves (all from the shared caches),
// and any other kind through its scale subresource. ReplicationControllers are not served here,
// so they too fall to the scale lookup.
import type { Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.d.ts';
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import type { Lister } from '../../kube/informers/types.ts';
import { controllerOf } from '../framework/owners.ts';
import type { ControllerScale, FindController } from './expected-count.ts';
import { parseGroupVersion } from './group-version.ts';
import type { ScaleSource } from './scale-lookup.ts';

/** verifyGroupKind: ref names kind in one of groups (a malformed apiVersion is an error). */
function isGroupKind(ref: OwnerReference, kind: string, groups: readonly string[]): boolean {
  const { group } = parseGroupVersion(ref.apiVersion);
  return ref.kind === kind && groups.includes(group);
}

const RS_GROUPS = ['apps', 'extensions'];

export interface ControllerListers {
  replicaSets: Lister<ReplicaSet>;
  deployments: Lister<Deployment>;
  statefulSets: Lister<StatefulSet>;
}

/** spec.replicas, which the API server defaults to 1. */
function replicasOf(obj: { spec?: { replicas?: number } }): number {
  return obj.spec?.replicas ?? 1;
}

/** getPodDeployment: the Deployment behind the pod's ReplicaSet. */
function deploymentOf(l: ControllerListers, ref: OwnerReference, ns: string): ControllerScale | undefined {
  if (!isGroupKind(ref, 'ReplicaSet', RS_GROUPS)) return undefined;
  const rs = l.replicaSets.get(ns, ref.name);
  if (rs === undefined || rs.metadata?.uid !== ref.uid) return undefined;
  const rsRef = controllerOf(rs);
  if (rsRef === undefined || !isGroupKind(rsRef, 'Deployment', RS_GROUPS)) return undefined;
  const d = l.deployments.get(ns, rsRef.name);
  if (d === undefined || d.metadata?.uid !== rsRef.uid) return undefined;
  return { uid: d.metadata.uid, scale: replicasOf(d) };
}

/** getPodReplicaSet: a ReplicaSet that no Deployment controls. */
function replicaSetOf(l: ControllerListers, ref: OwnerReference, ns: string): ControllerScale | undefined {
  if (!isGroupKind(ref, 'ReplicaSet', RS_GROUPS)) return undefined;
  const rs = l.replicaSets.get(ns, ref.name);
  if (rs === undefined || rs.metadata?.uid !== ref.uid) return undefined;
  if (controllerOf(rs)?.kind === 'Deployment') return undefined;
  return { uid: rs.metadata.uid, scale: replicasOf(rs) };
}

/** getPodStatefulSet. */
function statefulSetOf(l: ControllerListers, ref: OwnerReference, ns: string): ControllerScale | undefined {
  if (!isGroupKind(ref, 'StatefulSet', ['apps'])) return undefined;
  const ss = l.statefulSets.get(ns, ref.name);
  if (ss === undefined || ss.metadata?.uid !== ref.uid) return undefined;
  return { uid: ss.metadata.uid, scale: replicasOf(ss) };
}

/** The whole chain: cached kinds first, then the scale subresource. */
export function controllerFinder(listers: ControllerListers, scales: ScaleSource): FindController {
  return async (ref, ns) => {
    for (const find of [deploymentOf, replicaSetOf, statefulSetOf]) {
      const found = find(listers, ref, ns);
      if (found !== undefined) return found;
    }
    return scales.scaleOf(ref, ns);
  };
}
