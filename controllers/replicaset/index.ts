// The ReplicaSet controller for the controller manager to run.
import type { ControllerContext, Reconciler } from '../framework/types.ts';
import { ReplicaSetController } from './controller.ts';

export { REPLICASET_CONTROLLER, ReplicaSetController, type ReplicaSetControllerOptions } from './controller.ts';
export { BURST_REPLICAS, planClaims, planManage, planReplicaSet, type ClaimPlan, type ManagePlan, type ReplicaSetPlan } from './planner.ts';

export function createReplicaSetController(ctx: ControllerContext): Reconciler {
  return new ReplicaSetController(ctx);
}
