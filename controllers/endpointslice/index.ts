// The EndpointSlice controller for the controller manager to run, and the pieces the Endpoints
// controller shares with it.
import type { ControllerContext, Reconciler } from '../framework/types.ts';
import { EndpointSliceController } from './controller.ts';

export { ENDPOINTSLICE_CONTROLLER, EndpointSliceController, type EndpointSliceControllerOptions } from './controller.ts';
export { MAX_ENDPOINTS_PER_SLICE, planEndpointSlices, type SlicePlan, type SlicePlanInput } from './planner.ts';
export { CONTROLLER_QUALIFIED_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from './slice-meta.ts';
export { HEADLESS_LABEL, TRIGGER_TIME_ANNOTATION } from './pod-endpoints.ts';

export function createEndpointSliceController(ctx: ControllerContext): Reconciler {
  return new EndpointSliceController(ctx);
}
