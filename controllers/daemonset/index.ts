// The DaemonSet controller for the controller manager to run.
import type { ControllerContext, Reconciler } from '../framework/types.ts';
import { DaemonSetController } from './controller.ts';

export { DaemonSetController, type DaemonSetControllerOptions } from './controller.ts';
export { COMPONENT as DAEMONSET_CONTROLLER } from './constants.ts';
export { planDaemonSet, syncGate, type DaemonSetPlan, type DaemonSetPlanInput } from './planner.ts';
export { planHistory, planCleanupHistory, type HistoryPlan } from './revisions.ts';
export { nodeShouldRunDaemonPod, type NodeFit } from './should-run.ts';

export function createDaemonSetController(ctx: ControllerContext): Reconciler {
  return new DaemonSetController(ctx);
}
