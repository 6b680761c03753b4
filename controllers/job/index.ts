// The Job controller (kube-controller-manager's "job-controller").
import type { ControllerContext, Reconciler } from '../framework/types.ts';
import { JobController } from './controller.ts';

export { JobController } from './controller.ts';
export { isJobFinished, finishedCondition } from './conditions.ts';

export function createJobController(ctx: ControllerContext): Reconciler {
  return new JobController(ctx);
}
