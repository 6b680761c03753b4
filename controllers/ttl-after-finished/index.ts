// The TTL-after-finished controller (kube-controller-manager's "ttl-after-finished-controller").
import type { ControllerContext, Reconciler } from '../framework/types.ts';
import { TtlAfterFinishedController } from './controller.ts';

export { TtlAfterFinishedController } from './controller.ts';

export function createTtlAfterFinishedController(ctx: ControllerContext): Reconciler {
  return new TtlAfterFinishedController(ctx);
}
