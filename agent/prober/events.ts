// The event sink probes and hooks report through. Probers never call the API: the agent's event
// recorder implements this and turns each record into a core/v1 Event whose involvedObject is the
// pod, with fieldPath spec.containers{name} (or spec.initContainers{name} for sidecars).
import type { Pod } from 'kubernetes-types/core/v1.d.ts';

export interface ContainerEventRecord {
  pod: Pod;
  containerName: string;
  type: 'Normal' | 'Warning';
  /** Unhealthy, ProbeWarning, FailedPostStartHook, FailedPreStopHook, LifecycleHTTPFallback. */
  reason: string;
  message: string;
}

export interface ContainerEventSink {
  emit(event: ContainerEventRecord): void;
}
