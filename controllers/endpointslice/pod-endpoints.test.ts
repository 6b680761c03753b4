import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { findPort, rfc3339Nano, serviceSelector, servicesToUpdateOnPodChange, shouldPodBeInEndpoints } from './pod-endpoints.ts';
import { makePod, makeService } from './test-fixtures.ts';

const web = makeService({ name: 'web', selector: { app: 'web' } });
const api = makeService({ name: 'api', selector: { app: 'api' } });
const all = makeService({ name: 'all', selector: { tier: 'x' } });
const none = makeService({ name: 'none', selector: undefined });
const services = [web, api, all, none];

function bump(pod: Pod, change: (p: Pod) => Pod): Pod {
  const next = change(structuredClone(pod));
  return { ...next, metadata: { ...next.metadata, resourceVersion: String(Number(pod.metadata?.resourceVersion ?? '1') + 1) } };
}

describe('servicesToUpdateOnPodChange', () => {
  const pod = makePod('a', { labels: { app: 'web', tier: 'x' } });
  it.each([
    { name: 'a resync (same resourceVersion)', next: structuredClone(pod), want: [] },
    { name: 'an irrelevant change (annotations)', next: bump(pod, (p) => ({ ...p, metadata: { ...p.metadata, annotations: { a: 'b' } } })), want: [] },
    { name: 'readiness', next: bump(pod, (p) => ({ ...p, status: { ...p.status, conditions: [{ type: 'Ready', status: 'False' }] } })), want: ['default/all', 'default/web'] },
    { name: 'deletion began', next: bump(pod, (p) => ({ ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } })), want: ['default/all', 'default/web'] },
    { name: 'a new IP', next: bump(pod, (p) => ({ ...p, status: { ...p.status, podIPs: [{ ip: '10.9.9.9' }] } })), want: ['default/all', 'default/web'] },
    { name: 'labels only: the Services gained and lost', next: bump(pod, (p) => ({ ...p, metadata: { ...p.metadata, labels: { app: 'api', tier: 'x' } } })), want: ['default/api', 'default/web'] },
    {
      name: 'labels and readiness: old and new Services',
      next: bump(pod, (p) => ({ ...p, metadata: { ...p.metadata, labels: { app: 'api', tier: 'x' } }, status: { ...p.status, conditions: [] } })),
      want: ['default/all', 'default/api', 'default/web'],
    },
  ])('$name', ({ next, want }) => {
    expect([...servicesToUpdateOnPodChange(services, pod, next)].sort()).toEqual(want);
  });
});

describe('pod helpers', () => {
  it('an empty selector selects nothing (it never survives storage upstream)', () => {
    expect(serviceSelector(makeService({ selector: {} }))).toBeUndefined();
    expect(serviceSelector(web)).toEqual({ app: 'web' });
  });

  it('shouldPodBeInEndpoints', () => {
    expect(shouldPodBeInEndpoints(makePod('a'), false)).toBe(true);
    expect(shouldPodBeInEndpoints(makePod('a', { deleting: true }), false)).toBe(false);
    expect(shouldPodBeInEndpoints(makePod('a', { deleting: true }), true)).toBe(true);
    expect(shouldPodBeInEndpoints(makePod('a', { phase: 'Failed' }), true)).toBe(false);
    expect(shouldPodBeInEndpoints(makePod('a', { ip: null }), true)).toBe(false);
  });

  it('findPort: numbers as they are, names by name and protocol, sidecars too, "8080" as a name', () => {
    const pod = makePod('a', { containerPorts: [{ name: 'web', containerPort: 8080 }, { name: 'dns', containerPort: 5353, protocol: 'UDP' }] });
    pod.spec = { ...pod.spec, containers: pod.spec?.containers ?? [], initContainers: [{ name: 'side', restartPolicy: 'Always', ports: [{ name: 'side', containerPort: 9000 }] }, { name: 'init', ports: [{ name: 'init', containerPort: 9001 }] }] };
    expect(findPort(pod, { port: 80, targetPort: 81 })).toBe(81);
    expect(findPort(pod, { port: 80 })).toBe(80);
    expect(findPort(pod, { port: 80, targetPort: 'web' })).toBe(8080);
    expect(findPort(pod, { port: 80, targetPort: 'web', protocol: 'UDP' })).toBeUndefined();
    expect(findPort(pod, { port: 53, targetPort: 'dns', protocol: 'UDP' })).toBe(5353);
    expect(findPort(pod, { port: 80, targetPort: 'side' })).toBe(9000);
    expect(findPort(pod, { port: 80, targetPort: 'init' })).toBeUndefined();
    expect(findPort(pod, { port: 80, targetPort: '8080' })).toBeUndefined();
  });

  it('rfc3339Nano drops trailing zeros', () => {
    expect(rfc3339Nano(Date.parse('2026-01-02T03:04:05Z'))).toBe('2026-01-02T03:04:05Z');
    expect(rfc3339Nano(Date.parse('2026-01-02T03:04:05.120Z'))).toBe('2026-01-02T03:04:05.12Z');
  });
});
