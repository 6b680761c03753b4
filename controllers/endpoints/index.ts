// The Endpoints controller for the controller manager to run.
import type { ControllerContext, Reconciler } from '../framework/types.ts';
import { EndpointsController } from './controller.ts';

export { ENDPOINT_CONTROLLER, EndpointsController, type EndpointsControllerOptions } from './controller.ts';
export { MAX_CAPACITY, OVER_CAPACITY_ANNOTATION, planEndpoints, type EndpointsPlan, type EndpointsPlanInput } from './planner.ts';
export { repackSubsets, sortSubsets } from './repack.ts';

export function createEndpointsController(ctx: ControllerContext): Reconciler {
  return new EndpointsController(ctx);
}
