// Container resources → runtime Resources, as the kubelet computes them
// (pkg/kubelet/cm/helpers_linux.go, kuberuntime calculateLinuxResources, pkg/kubelet/qos/policy.go).
import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import type { Resources } from '../../runtime/types.ts';
import { computePodQos } from './qos.ts';
import { cpuMillis, quantityBytes } from './quantity.ts';

export const MIN_SHARES = 2;
export const MAX_SHARES = 262144;
export const SHARES_PER_CPU = 1024;
export const QUOTA_PERIOD = 100000;
export const MIN_QUOTA_PERIOD = 1000;

export const GUARANTEED_OOM_SCORE_ADJ = -997;
export const BESTEFFORT_OOM_SCORE_ADJ = 1000;
const SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;

/** cpu.shares for a cpu request in millicores (0 → the minimum, 2). */
export function milliCpuToShares(milliCpu: number): number {
  if (milliCpu === 0) return MIN_SHARES;
  const shares = Math.trunc((milliCpu * SHARES_PER_CPU) / 1000);
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
}

/** CFS quota for a cpu limit in millicores over period µs (0 → no quota). */
export function milliCpuToQuota(milliCpu: number, period = QUOTA_PERIOD): number {
  if (milliCpu === 0) return 0;
  return Math.max(MIN_QUOTA_PERIOD, Math.trunc((milliCpu * period) / 1000));
}

function isSidecar(pod: Pod, container: Container): boolean {
  return (pod.spec?.initContainers ?? []).some((c) => c.name === container.name && c.restartPolicy === 'Always');
}

function memoryRequestBytes(container: Container): number {
  const req = container.resources?.requests?.['memory'] ?? container.resources?.limits?.['memory'];
  return req === undefined ? 0 : quantityBytes(req);
}

/** Node-critical pods (system-node-critical and critical by priority or static) are never OOM-killed first. */
function isNodeCriticalPod(pod: Pod, isStaticPod: boolean): boolean {
  if (pod.spec?.priorityClassName !== 'system-node-critical') return false;
  return isStaticPod || (pod.spec.priority ?? 0) >= SYSTEM_CRITICAL_PRIORITY;
}

/**
 * oom_score_adj by QoS: Guaranteed -997, BestEffort 1000, Burstable
 * 1000 - 1000*memRequest/memoryCapacity clamped to [3, 999]; a sidecar is never above the
 * regular container with the smallest memory request.
 */
export function containerOomScoreAdj(pod: Pod, container: Container, memoryCapacityBytes: number, isStaticPod = false): number {
  if (isNodeCriticalPod(pod, isStaticPod)) return GUARANTEED_OOM_SCORE_ADJ;
  const qos = computePodQos(pod);
  if (qos === 'Guaranteed') return GUARANTEED_OOM_SCORE_ADJ;
  if (qos === 'BestEffort') return BESTEFFORT_OOM_SCORE_ADJ;
  const score = (request: number): number => 1000 - Math.trunc((1000 * request) / memoryCapacityBytes);
  let adj = score(memoryRequestBytes(container));
  if (isSidecar(pod, container)) {
    const regular = pod.spec?.containers ?? [];
    if (regular.length > 0) {
      const minRequest = Math.min(...regular.map(memoryRequestBytes));
      adj = Math.min(adj, score(minRequest));
    }
  }
  if (adj < 1000 + GUARANTEED_OOM_SCORE_ADJ) return 1000 + GUARANTEED_OOM_SCORE_ADJ;
  if (adj === BESTEFFORT_OOM_SCORE_ADJ) return adj - 1;
  return adj;
}

/**
 * Memory limit → memoryLimitBytes; cpu request (or the limit when no request) → cpuShares
 * (2 when neither); cpu limit → cpuQuota over a 100 ms period; oomScoreAdj by QoS.
 */
export function containerResources(pod: Pod, container: Container, memoryCapacityBytes: number, isStaticPod = false): Resources {
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  const cpuLimit = limits['cpu'] === undefined ? 0 : cpuMillis(limits['cpu']);
  const cpuRequest = requests['cpu'];
  const shares = cpuRequest === undefined && cpuLimit !== 0
    ? milliCpuToShares(cpuLimit)
    : milliCpuToShares(cpuRequest === undefined ? 0 : cpuMillis(cpuRequest));
  const out: Resources = { cpuShares: shares };
  const memLimit = limits['memory'] === undefined ? 0 : quantityBytes(limits['memory']);
  if (memLimit !== 0) out.memoryLimitBytes = memLimit;
  if (cpuLimit !== 0) {
    out.cpuQuota = milliCpuToQuota(cpuLimit);
    out.cpuPeriod = QUOTA_PERIOD;
  }
  out.oomScoreAdj = containerOomScoreAdj(pod, container, memoryCapacityBytes, isStaticPod);
  return out;
}
