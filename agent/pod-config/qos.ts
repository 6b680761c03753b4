// The pod's QoS class, computed exactly as Kubernetes computes status.qosClass
// (pkg/apis/core/v1/helper/qos ComputePodQOS): only cpu and memory count, zero quantities are
// ignored, init containers are included, and a pod is Guaranteed only when every container
// limits both cpu and memory and the summed requests equal the summed limits.
import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import { addQuantity, compareQuantity, parseQuantity, ZERO_QUANTITY, type Quantity } from './quantity.ts';

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const QOS_RESOURCES = ['cpu', 'memory'] as const;

/**
 * Requests as the API server defaults them: a resource with a limit and no request gets the limit
 * as request. Pods read from the API already carry this; static pods may not, so it is applied
 * here too (a no-op for defaulted pods).
 */
export function effectiveRequests(container: Container): Record<string, string> {
  const requests: Record<string, string> = { ...(container.resources?.requests ?? {}) };
  for (const [name, limit] of Object.entries(container.resources?.limits ?? {})) {
    if (requests[name] === undefined) requests[name] = limit;
  }
  return requests;
}

export function computePodQos(pod: Pod): QosClass {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let isGuaranteed = true;
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  for (const container of all) {
    const req = effectiveRequests(container);
    for (const name of QOS_RESOURCES) {
      const v = req[name];
      if (v === undefined) continue;
      const q = parseQuantity(v);
      if (compareQuantity(q, ZERO_QUANTITY) > 0) requests.set(name, addQuantity(requests.get(name) ?? ZERO_QUANTITY, q));
    }
    const found = new Set<string>();
    for (const name of QOS_RESOURCES) {
      const v = container.resources?.limits?.[name];
      if (v === undefined) continue;
      const q = parseQuantity(v);
      if (compareQuantity(q, ZERO_QUANTITY) > 0) {
        found.add(name);
        limits.set(name, addQuantity(limits.get(name) ?? ZERO_QUANTITY, q));
      }
    }
    if (!found.has('cpu') || !found.has('memory')) isGuaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (isGuaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (lim === undefined || compareQuantity(lim, req) !== 0) {
        isGuaranteed = false;
        break;
      }
    }
  }
  return isGuaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
