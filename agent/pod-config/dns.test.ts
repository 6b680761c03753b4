import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CLUSTER_DOMAIN, DEFAULT_SERVICE_CIDR, kubeDnsServiceIP, parseCidr } from '../../kube/cluster-network.ts';
import { parseResolvConf, podDnsConfig, type DnsOptions } from './dns.ts';

const hostResolv = '# generated\nnameserver 192.168.1.1\nnameserver 8.8.8.8\nsearch example.com corp.example.com.\noptions edns0 ndots:2\n';
const base: DnsOptions = { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', hostResolvConf: hostResolv, nodeIPs: ['192.168.1.2'] };

function pod(spec: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return { metadata: { name: 'p', namespace: 'ns1', uid: 'u1' }, spec: { containers: [], ...spec } };
}

describe('parseResolvConf', () => {
  it('reads nameservers, the last search line (without trailing dots) and options', () => {
    expect(parseResolvConf(hostResolv)).toEqual({ servers: ['192.168.1.1', '8.8.8.8'], searches: ['example.com', 'corp.example.com'], options: ['edns0', 'ndots:2'] });
  });
});

describe('podDnsConfig', () => {
  it('ClusterFirst: cluster server, cluster searches then the host ones, ndots:5', () => {
    expect(podDnsConfig(pod(), base)).toEqual({
      dns: { servers: ['10.96.0.10'], searches: ['ns1.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'example.com', 'corp.example.com'], options: ['ndots:5'] },
      events: [],
    });
  });

  it('nodelet up\'s --cluster-dns (kube-dns of the default service range) and --cluster-domain: the kubelet\'s ClusterFirst resolv.conf', () => {
    const cidr = parseCidr(DEFAULT_SERVICE_CIDR);
    if (cidr === undefined) throw new Error('bad default service CIDR');
    const stub = 'nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n';
    const opts: DnsOptions = { clusterDNS: [kubeDnsServiceIP(cidr)], clusterDomain: DEFAULT_CLUSTER_DOMAIN, hostResolvConf: stub, nodeIPs: ['192.168.1.2'] };
    expect(podDnsConfig(pod(), opts)).toEqual({
      dns: { servers: ['10.96.0.10'], searches: ['ns1.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'lan'], options: ['ndots:5'] },
      events: [],
    });
    // a host without a search line: the cluster's three only
    expect(podDnsConfig(pod(), { ...opts, hostResolvConf: 'nameserver 1.1.1.1\n' }).dns.searches).toEqual(['ns1.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
  });

  it('ClusterFirst with an empty cluster domain: the cluster servers, the host\'s searches only', () => {
    expect(podDnsConfig(pod(), { ...base, clusterDomain: '' })).toEqual({
      dns: { servers: ['10.96.0.10'], searches: ['example.com', 'corp.example.com'], options: ['ndots:5'] },
      events: [],
    });
  });

  it('ClusterFirst without cluster DNS falls back to Default with a MissingClusterDNS event', () => {
    const r = podDnsConfig(pod(), { ...base, clusterDNS: [] });
    expect(r.dns).toEqual({ servers: ['192.168.1.1', '8.8.8.8'], searches: ['example.com', 'corp.example.com'], options: ['edns0', 'ndots:2'] });
    expect(r.events).toEqual([{
      reason: 'MissingClusterDNS',
      message: 'pod: "p_ns1(u1)". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.',
    }]);
  });

  it('hostNetwork ClusterFirst uses the host; ClusterFirstWithHostNet the cluster', () => {
    expect(podDnsConfig(pod({ hostNetwork: true }), base).dns.servers).toEqual(['192.168.1.1', '8.8.8.8']);
    expect(podDnsConfig(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), base).dns.servers).toEqual(['10.96.0.10']);
  });

  it('Default without a host resolv.conf uses localhost and search "."', () => {
    expect(podDnsConfig(pod({ dnsPolicy: 'Default' }), { ...base, hostResolvConf: undefined, nodeIPs: ['192.168.1.2', 'fd00::2'] }).dns).toEqual({
      servers: ['127.0.0.1', '::1'], searches: ['.'], options: [],
    });
  });

  it('None + dnsConfig merges, dedups and overrides options', () => {
    const p = pod({
      dnsPolicy: 'ClusterFirst',
      dnsConfig: { nameservers: ['1.1.1.1', '10.96.0.10'], searches: ['my.dns.search.suffix', 'svc.cluster.local'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
    });
    expect(podDnsConfig(p, base).dns).toEqual({
      servers: ['10.96.0.10', '1.1.1.1'],
      searches: ['ns1.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'example.com', 'corp.example.com', 'my.dns.search.suffix'],
      options: ['ndots:2', 'edns0'],
    });
    const none = pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], searches: ['a.b'], options: [{ name: 'timeout', value: '1' }] } });
    expect(podDnsConfig(none, base).dns).toEqual({ servers: ['1.2.3.4'], searches: ['a.b'], options: ['timeout:1'] });
  });

  it('applies the nameserver and search limits with DNSConfigForming events', () => {
    const p = pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'], searches: Array.from({ length: 34 }, (_, i) => `d${i}.example`) } });
    const r = podDnsConfig(p, base);
    expect(r.dns.servers).toEqual(['1.1.1.1', '2.2.2.2', '3.3.3.3']);
    expect(r.dns.searches).toHaveLength(32);
    expect(r.events.map((e) => e.message)).toEqual([
      'Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 1.1.1.1 2.2.2.2 3.3.3.3',
      `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${r.dns.searches.join(' ')}`,
    ]);
    const long = pod({ dnsPolicy: 'None', dnsConfig: { searches: Array.from({ length: 10 }, (_, i) => `${String(i)}${'x'.repeat(249)}`) } });
    const lr = podDnsConfig(long, base);
    expect(lr.dns.searches).toHaveLength(8);
    expect(lr.dns.searches.join(' ').length).toBeLessThanOrEqual(2048);
  });
});
