import { describe, expect, it } from 'vitest';
import { cidrContains, kubeDnsServiceIP, kubernetesServiceIP, parseCidr } from './cluster-network.ts';

describe('cluster network', () => {
  it('parses a CIDR to its network and size and names the well-known Service IPs', () => {
    const c = parseCidr('10.96.0.0/12')!;
    expect(c.size).toBe(2 ** 20);
    expect(kubernetesServiceIP(c)).toBe('10.96.0.1');
    expect(kubeDnsServiceIP(c)).toBe('10.96.0.10');
    expect(cidrContains(c, '10.111.255.254')).toBe(true);
    expect(cidrContains(c, '10.112.0.0')).toBe(false);
  });

  it('normalizes a host address to its network and refuses what is not a CIDR', () => {
    expect(parseCidr('10.96.5.7/16')?.base).toBe(parseCidr('10.96.0.0/16')?.base);
    for (const bad of ['10.96.0.0', '10.96.0.0/33', '10.256.0.0/16', 'x/8', '10.96.0.0/12/1']) expect(parseCidr(bad)).toBeUndefined();
  });
});
