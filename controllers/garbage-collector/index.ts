// The garbage collector (kube-controller-manager's garbage-collector-controller): one Reconciler
// carrying both of upstream's queues as prefixed keys ("attemptToDelete/<uid>",
// "attemptToOrphan/<uid>"), 20 workers (--concurrent-gc-syncs).
import type { ControllerContext, Reconciler } from '../framework/types.ts';
import { GarbageCollector, type GarbageCollectorOptions } from './garbage-collector.ts';

export { GarbageCollector, GC_COMPONENT, GC_WORKERS, DELETE_KEY_PREFIX, ORPHAN_KEY_PREFIX } from './garbage-collector.ts';
export type { GarbageCollectorOptions } from './garbage-collector.ts';
export { MONITORED_RESOURCES, ENDPOINTS, ENDPOINTSLICES, PERSISTENTVOLUMES } from './kinds.ts';
export type { MonitoredResource } from './kinds.ts';

export function createGarbageCollectorController(ctx: ControllerContext, options: GarbageCollectorOptions = {}): Reconciler {
  return new GarbageCollector(ctx, options);
}
