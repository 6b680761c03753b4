// The StatefulSet controller for the controller manager to run.
import type { ControllerContext, Reconciler } from '../framework/types.ts';
import { StatefulSetController } from './controller.ts';

export { STATEFULSET_CONTROLLER, StatefulSetController } from './controller.ts';
export { planStatefulSet, type StatefulSetPlan, type StatefulSetPlanInput, type StatefulSetAction } from './planner.ts';
export { POD_INDEX_LABEL, POD_NAME_LABEL, REVISION_LABEL } from './identity.ts';

export function createStatefulSetController(ctx: ControllerContext): Reconciler {
  return new StatefulSetController(ctx);
}
