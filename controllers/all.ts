// Every controller the manager can run, by kube-controller-manager's names (its --controllers
// flag takes these; "*" is all of them). The order is the start order.
import type { ControllerFactory } from './manager.ts';
import { createCronJobController } from './cronjob/index.ts';
import { createDaemonSetController } from './daemonset/index.ts';
import { createDeploymentController } from './deployment/index.ts';
import { createDisruptionController } from './disruption/index.ts';
import { createEndpointsController } from './endpoints/index.ts';
import { createEndpointSliceController } from './endpointslice/index.ts';
import { createGarbageCollectorController } from './garbage-collector/index.ts';
import { createJobController } from './job/index.ts';
import { createReplicaSetController } from './replicaset/index.ts';
import { createStatefulSetController } from './statefulset/index.ts';
import { createTtlAfterFinishedController } from './ttl-after-finished/index.ts';

export const CONTROLLERS: ReadonlyMap<string, ControllerFactory> = new Map<string, ControllerFactory>([
  ['replicaset-controller', createReplicaSetController],
  ['deployment-controller', createDeploymentController],
  ['daemonset-controller', createDaemonSetController],
  ['statefulset-controller', createStatefulSetController],
  ['job-controller', createJobController],
  ['cronjob-controller', createCronJobController],
  ['ttl-after-finished-controller', createTtlAfterFinishedController],
  ['disruption-controller', createDisruptionController],
  ['endpoint-controller', createEndpointsController],
  ['endpointslice-controller', createEndpointSliceController],
  ['garbage-collector-controller', (ctx) => createGarbageCollectorController(ctx)],
]);

/**
 * The controllers a --controllers list selects, as upstream reads it: "*" is every one, "name"
 * adds one, "-name" removes one; unknown names are an error.
 */
export function selectControllers(spec: readonly string[]): string[] {
  const known = [...CONTROLLERS.keys()];
  const on = new Set<string>();
  for (const raw of spec.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '')) {
    const name = raw.startsWith('-') ? raw.slice(1) : raw;
    if (name === '*') {
      for (const k of known) on.add(k);
      continue;
    }
    if (!CONTROLLERS.has(name)) throw new Error(`"${name}" is not in the list of known controllers: ${known.join(', ')}`);
    if (raw.startsWith('-')) on.delete(name);
    else on.add(name);
  }
  return known.filter((k) => on.has(k));
}
