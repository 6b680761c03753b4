// The DNS server's Prometheus metrics (prom-client, own registry, as the agent's and the controller
// manager's): counters read from the server's running totals at each scrape.
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { DnsStats } from './cluster-dns.ts';

const COUNTERS: [name: string, help: string, key: keyof DnsStats][] = [
  ['nodelet_dns_requests_total', 'DNS queries received.', 'queries'],
  ['nodelet_dns_local_answers_total', 'Queries answered from the cluster view.', 'local'],
  ['nodelet_dns_forward_requests_total', 'Queries forwarded to the upstream servers.', 'forwarded'],
  ['nodelet_dns_cache_hits_total', 'Forwarded queries answered from the cache.', 'cacheHits'],
  ['nodelet_dns_nxdomain_total', 'NXDOMAIN answers.', 'nxdomain'],
  ['nodelet_dns_servfail_total', 'SERVFAIL answers.', 'servfail'],
];

export function dnsMetrics(stats: DnsStats, opts: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  for (const [name, help, key] of COUNTERS) {
    new Counter({
      name, help, registers: [registry],
      collect() {
        this.reset();
        this.inc(stats[key]);
      },
    });
  }
  if (opts.defaultMetrics === true) collectDefaultMetrics({ register: registry });
  return registry;
}
