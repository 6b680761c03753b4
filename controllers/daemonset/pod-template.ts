// The pod the controller creates for a node (util.CreatePodTemplate + syncNodes): the template
// with the daemon tolerations, the revision hash and template generation labels, and a required
// node affinity naming the node, so the default scheduler (not the controller) binds it there.
import type { DaemonSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.d.ts';
import { newControllerRef } from '../framework/owners.ts';
import { podFromTemplate } from '../framework/pod-control.ts';
import { cloneJson } from '../../lib/clone.ts';
import { CONTROLLER_API_VERSION, CONTROLLER_KIND, REVISION_HASH_LABEL, TEMPLATE_GENERATION_LABEL } from './constants.ts';
import { nodeNameAffinity } from './node-affinity.ts';
import { templateGeneration } from './pod-state.ts';
import { daemonPodTolerations } from './tolerations.ts';

/** CreatePodTemplate: shared by every pod of one sync. */
export function daemonPodTemplate(ds: DaemonSet, hash: string): PodTemplateSpec {
  const template = cloneJson(ds.spec?.template ?? {});
  const spec = template.spec ?? { containers: [] };
  spec.tolerations = daemonPodTolerations(spec);
  template.spec = spec;
  const labels = { ...(template.metadata?.labels ?? {}) };
  const generation = templateGeneration(ds);
  if (generation !== undefined) labels[TEMPLATE_GENERATION_LABEL] = generation;
  if (hash !== '') labels[REVISION_HASH_LABEL] = hash;
  template.metadata = { ...(template.metadata ?? {}), labels };
  return template;
}

/** The pod for one node, owned by ds. */
export function daemonPodForNode(ds: DaemonSet, template: PodTemplateSpec, nodeName: string): Pod {
  const spec = template.spec ?? { containers: [] };
  const pinned: PodTemplateSpec = { ...template, spec: { ...spec, affinity: nodeNameAffinity(spec.affinity, nodeName) } };
  return podFromTemplate(pinned, ds, newControllerRef(ds, CONTROLLER_API_VERSION, CONTROLLER_KIND));
}
