import { describe, expect, it } from 'vitest';
import type { DnsStats } from './cluster-dns.ts';
import { dnsMetrics } from './metrics.ts';

describe('dnsMetrics', () => {
  it('exposes the running totals at each scrape', async () => {
    const stats: DnsStats = { queries: 3, local: 2, forwarded: 1, cacheHits: 0, nxdomain: 1, servfail: 0 };
    const registry = dnsMetrics(stats);
    expect(await registry.metrics()).toContain('nodelet_dns_requests_total 3');
    stats.queries = 10;
    const text = await registry.metrics();
    expect(text).toContain('nodelet_dns_requests_total 10');
    expect(text).toContain('nodelet_dns_nxdomain_total 1');
    expect(text).toContain('# TYPE nodelet_dns_forward_requests_total counter');
  });
});
