// The disruption controller (PodDisruptionBudget status) for the controller manager to run.
import type { ControllerContext, Reconciler } from '../framework/types.ts';
import { DisruptionController } from './controller.ts';

export { DisruptionController, STALE_POD_PREFIX, type DisruptionControllerOptions } from './controller.ts';
export { DELETION_TIMEOUT_MS, DISRUPTION_CONTROLLER, STALE_POD_DISRUPTION_TIMEOUT_MS } from './constants.ts';
export { failSafeStatus, planPdb, resetDisruptionTarget, staleDisruption, type PdbPlan, type PdbPlanInput } from './planner.ts';

export function createDisruptionController(ctx: ControllerContext): Reconciler {
  return new DisruptionController(ctx);
}
