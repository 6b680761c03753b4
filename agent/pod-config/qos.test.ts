import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { computePodQos } from './qos.ts';

function c(name: string, requests?: Record<string, string>, limits?: Record<string, string>): Container {
  return { name, image: 'busybox', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } };
}
function pod(containers: Container[], initContainers: Container[] = []): Pod {
  return { metadata: { name: 'p' }, spec: { containers, initContainers } };
}

describe('computePodQos', () => {
  it('BestEffort without any cpu/memory request or limit (others and zeros ignored)', () => {
    expect(computePodQos(pod([c('a')]))).toBe('BestEffort');
    expect(computePodQos(pod([c('a', { 'ephemeral-storage': '1Gi' }, { 'nvidia.com/gpu': '1' })]))).toBe('BestEffort');
    expect(computePodQos(pod([c('a', { cpu: '0' }, { memory: '0' })]))).toBe('BestEffort');
  });

  it('Guaranteed when every container limits cpu and memory and requests equal limits', () => {
    expect(computePodQos(pod([c('a', { cpu: '1', memory: '1Gi' }, { cpu: '1000m', memory: '1024Mi' })]))).toBe('Guaranteed');
    // Limits only: requests default to limits.
    expect(computePodQos(pod([c('a', undefined, { cpu: '1', memory: '1Gi' })]))).toBe('Guaranteed');
  });

  it('Burstable otherwise', () => {
    expect(computePodQos(pod([c('a', { cpu: '500m', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })]))).toBe('Burstable');
    expect(computePodQos(pod([c('a', { cpu: '1' })]))).toBe('Burstable');
    expect(computePodQos(pod([c('a', undefined, { cpu: '1', memory: '1Gi' }), c('b')]))).toBe('Burstable');
    expect(computePodQos(pod([c('a', undefined, { cpu: '1' })]))).toBe('Burstable');
  });

  it('counts init containers', () => {
    const g = c('a', undefined, { cpu: '1', memory: '1Gi' });
    expect(computePodQos(pod([g], [c('init')]))).toBe('Burstable');
    expect(computePodQos(pod([g], [c('init', undefined, { cpu: '2', memory: '1Gi' })]))).toBe('Guaranteed');
    expect(computePodQos(pod([c('a')], [c('init', { memory: '10Mi' })]))).toBe('Burstable');
  });
});
