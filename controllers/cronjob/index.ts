// The CronJob controller for the controller manager.
import type { ControllerContext, Reconciler } from '../framework/types.ts';
import { CronJobController } from './controller.ts';

export { CronJobController, CONTROLLER_NAME } from './controller.ts';

export function createCronJobController(ctx: ControllerContext): Reconciler {
  return new CronJobController(ctx);
}
