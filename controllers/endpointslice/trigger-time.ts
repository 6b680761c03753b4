// TriggerTimeTracker (k8s.io/endpointslice/util): the value of the
// endpoints.kubernetes.io/last-change-trigger-time annotation. A Service seen for the first time
// reports its creation; later syncs report the earliest trigger that changed since the previous
// sync (a pod's Ready transition, the Service's creation), or nothing (the annotation goes).
// Shared by the EndpointSlice and Endpoints controllers; one tracker per controller, called for a
// given Service by one worker at a time.
import type { Pod, Service } from 'kubernetes-types/core/v1.d.ts';
import { timeMs } from '../framework/meta-time.ts';
import { podReadyCondition } from '../framework/pod-state.ts';

interface ServiceState {
  lastServiceTriggerTime: number | undefined;
  lastPodTriggerTimes: Map<string, number>;
}

const after = (t: number, than: number | undefined): boolean => than === undefined || t > than;

export class TriggerTimeTracker {
  private readonly states = new Map<string, ServiceState>();

  /**
   * ComputeEndpointLastChangeTriggerTime: milliseconds since the epoch, or undefined (Go's zero
   * time: no annotation). Updates the remembered state even when the sync writes nothing.
   */
  compute(namespace: string, svc: Service, pods: readonly Pod[]): number | undefined {
    const key = `${namespace}/${svc.metadata?.name ?? ''}`;
    const state = this.states.get(key);
    let minChanged: number | undefined;
    const podTimes = new Map<string, number>();
    for (const pod of pods) {
      const t = timeMs(podReadyCondition(pod)?.lastTransitionTime);
      if (t === undefined) continue;
      const name = pod.metadata?.name ?? '';
      podTimes.set(name, t);
      if (after(t, state?.lastPodTriggerTimes.get(name))) minChanged = minChanged === undefined ? t : Math.min(minChanged, t);
    }
    const svcTime = timeMs(svc.metadata?.creationTimestamp);
    if (svcTime !== undefined && after(svcTime, state?.lastServiceTriggerTime)) minChanged = minChanged === undefined ? svcTime : Math.min(minChanged, svcTime);
    this.states.set(key, { lastPodTriggerTimes: podTimes, lastServiceTriggerTime: svcTime });
    // A new Service: its creation.
    if (state === undefined) return svcTime;
    return minChanged;
  }

  deleteService(namespace: string, name: string): void {
    this.states.delete(`${namespace}/${name}`);
  }
}
