import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { containerOomScoreAdj, containerResources, milliCpuToQuota, milliCpuToShares } from './resources.ts';

const GiB = 1024 ** 3;
function pod(containers: Container[], extra: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return { metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers, ...extra } };
}

describe('cpu shares and quota', () => {
  it('converts millicores like the kubelet', () => {
    expect(milliCpuToShares(0)).toBe(2);
    expect(milliCpuToShares(1)).toBe(2);
    expect(milliCpuToShares(250)).toBe(256);
    expect(milliCpuToShares(1000)).toBe(1024);
    expect(milliCpuToShares(1_000_000)).toBe(262144);
    expect(milliCpuToQuota(0)).toBe(0);
    expect(milliCpuToQuota(5)).toBe(1000);
    expect(milliCpuToQuota(1250)).toBe(125000);
  });
});

describe('containerResources', () => {
  it('maps requests/limits to shares, quota, period and memory', () => {
    const c: Container = { name: 'a', resources: { requests: { cpu: '250m', memory: '32Mi' }, limits: { cpu: '1250m', memory: '64Mi' } } };
    expect(containerResources(pod([c]), c, 8 * GiB)).toEqual({
      cpuShares: 256, cpuQuota: 125000, cpuPeriod: 100000, memoryLimitBytes: 67108864, oomScoreAdj: 997,
    });
  });

  it('uses the cpu limit for shares when no request, 2 when neither', () => {
    const c: Container = { name: 'a', resources: { limits: { cpu: '500m', memory: '1Gi' } } };
    expect(containerResources(pod([c]), c, 8 * GiB)).toEqual({ cpuShares: 512, cpuQuota: 50000, cpuPeriod: 100000, memoryLimitBytes: GiB, oomScoreAdj: -997 });
    const b: Container = { name: 'b' };
    expect(containerResources(pod([b]), b, 8 * GiB)).toEqual({ cpuShares: 2, oomScoreAdj: 1000 });
  });
});

describe('oom_score_adj', () => {
  const burst = (mem: string): Container => ({ name: 'a', resources: { requests: { memory: mem } } });
  it('Burstable: 1000 - 1000*request/capacity, clamped to [3, 999]', () => {
    expect(containerOomScoreAdj(pod([burst('1Gi')]), burst('1Gi'), 4 * GiB)).toBe(750);
    expect(containerOomScoreAdj(pod([burst('4Gi')]), burst('4Gi'), 4 * GiB)).toBe(3);
    expect(containerOomScoreAdj(pod([burst('1')]), burst('1'), 4 * GiB)).toBe(999);
    // A container without a request in a Burstable pod.
    const plain: Container = { name: 'b' };
    expect(containerOomScoreAdj(pod([burst('1Gi'), plain]), plain, 4 * GiB)).toBe(999);
  });

  it('sidecars never score above the regular container with the smallest request', () => {
    const sidecar: Container = { name: 's', restartPolicy: 'Always', resources: { requests: { memory: '100Mi' } } };
    const p = pod([burst('2Gi')], { initContainers: [sidecar] });
    expect(containerOomScoreAdj(p, sidecar, 4 * GiB)).toBe(500);
  });

  it('node-critical pods get -997', () => {
    const p = pod([{ name: 'a' }], { priorityClassName: 'system-node-critical', priority: 2000001000 });
    expect(containerOomScoreAdj(p, { name: 'a' }, 4 * GiB)).toBe(-997);
  });
});
