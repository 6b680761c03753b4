import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { ContainerConfigError } from '../env/errors.ts';
import { kernelHostname, podHostnameAndDomain, truncateHostname } from './hostname.ts';

function pod(name: string, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return { metadata: { name, namespace: 'ns1' }, spec: { containers: [], ...spec } };
}

describe('hostname', () => {
  it('uses the pod name, or spec.hostname', () => {
    expect(podHostnameAndDomain(pod('web-0'), 'cluster.local')).toEqual({ hostname: 'web-0', domain: '' });
    expect(podHostnameAndDomain(pod('web-0', { hostname: 'h' }), 'cluster.local')).toEqual({ hostname: 'h', domain: '' });
  });

  it('truncates to 63 characters without trailing - or .', () => {
    const name = `${'a'.repeat(61)}-.-b`;
    expect(truncateHostname(name, name)).toBe('a'.repeat(61));
    expect(truncateHostname('x', 'a'.repeat(63))).toBe('a'.repeat(63));
    expect(podHostnameAndDomain(pod(`${'b'.repeat(62)}-tail`), 'c').hostname).toBe('b'.repeat(62));
  });

  it('adds the subdomain domain and the FQDN with setHostnameAsFQDN', () => {
    const p = pod('web-0', { hostname: 'h', subdomain: 'sub', setHostnameAsFQDN: true });
    const names = podHostnameAndDomain(p, 'cluster.local');
    expect(names).toEqual({ hostname: 'h', domain: 'sub.ns1.svc.cluster.local' });
    expect(kernelHostname(p, names)).toBe('h.sub.ns1.svc.cluster.local');
    expect(kernelHostname(pod('web-0', { subdomain: 'sub' }), names)).toBe('h');
    const long = pod('x', { hostname: 'h'.repeat(41), subdomain: 's', setHostnameAsFQDN: true });
    expect(() => kernelHostname(long, podHostnameAndDomain(long, 'cluster.local'))).toThrow(
      `failed to construct FQDN from pod hostname and cluster domain, FQDN ${'h'.repeat(41)}.s.ns1.svc.cluster.local is too long (64 characters is the max, 65 characters requested)`,
    );
  });

  it('rejects invalid hostnames and subdomains', () => {
    expect(() => podHostnameAndDomain(pod('p', { hostname: 'Bad_Name' }), 'c')).toThrow(ContainerConfigError);
    expect(() => podHostnameAndDomain(pod('p', { subdomain: 'a.b' }), 'c')).toThrow(/^pod Subdomain "a.b" is not a valid DNS label/);
  });
});
