// The pod's resolv.conf (pkg/kubelet/network/dns GetPodDNS): dnsPolicy picks the base (ClusterFirst:
// cluster DNS servers, cluster search domains then the host's, ndots:5; ClusterFirst on a
// hostNetwork pod and Default: the host's resolv.conf; None: empty), spec.dnsConfig is merged in,
// then the limits apply (3 nameservers, 32 search domains, 2048 characters). ClusterFirst with no
// cluster DNS configured falls back to Default, with a MissingClusterDNS warning.
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import type { DnsConfig } from '../../runtime/types.ts';

export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;

export interface DnsOptions {
  /** Cluster DNS server IPs (kubelet --cluster-dns); empty = none configured. */
  clusterDNS: readonly string[];
  /** e.g. cluster.local; '' = none. */
  clusterDomain: string;
  /** Content of the resolv.conf the node's pods inherit; undefined = kubelet --resolv-conf="". */
  hostResolvConf: string | undefined;
  /** Node IPs, for the localhost nameserver used when hostResolvConf is undefined. */
  nodeIPs: readonly string[];
}

export interface DnsEvent {
  reason: 'MissingClusterDNS' | 'DNSConfigForming';
  message: string;
}

export interface PodDns {
  dns: DnsConfig;
  /** Warning events to record on the pod. */
  events: DnsEvent[];
}

function omitDuplicates<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function optionName(op: string): [string, string] {
  const i = op.indexOf(':');
  return i === -1 ? [op, ''] : [op.slice(0, i), op.slice(i + 1)];
}

function mergeOptions(existing: readonly string[], added: readonly { name?: string; value?: string }[]): string[] {
  const m = new Map<string, string>();
  for (const op of existing) {
    const [k, v] = optionName(op);
    m.set(k, v);
  }
  for (const op of added) m.set(op.name ?? '', op.value ?? '');
  return [...m].map(([k, v]) => (v === '' ? k : `${k}:${v}`));
}

export function parseResolvConf(content: string): DnsConfig {
  const servers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  for (const line of content.split('\n')) {
    if (line.startsWith('#') || line.startsWith(';')) continue;
    const fields = line.trim().split(/\s+/).filter((f) => f !== '');
    const [key, ...rest] = fields;
    if (key === 'nameserver' && rest[0] !== undefined) servers.push(rest[0]);
    if (key === 'search') searches = rest.filter((s) => s !== '.').map((s) => s.replace(/\.$/, ''));
    if (key === 'options') options = mergeOptions(options, rest.map((r) => { const [name, value] = optionName(r); return { name, value }; }));
  }
  return { servers, searches, options };
}

function isIPv6(ip: string): boolean {
  return ip.includes(':');
}

function searchFitsLimits(search: string[], events: DnsEvent[]): string[] {
  let exceeded = false;
  let composed = search;
  if (composed.length > MAX_DNS_SEARCH_PATHS) {
    composed = composed.slice(0, MAX_DNS_SEARCH_PATHS);
    exceeded = true;
  }
  const filtered = composed.filter((s) => s.length <= DNS1123_SUBDOMAIN_MAX_LENGTH);
  if (filtered.length !== composed.length) exceeded = true;
  composed = filtered;
  const lineLen = composed.join(' ').length;
  if (lineLen > MAX_DNS_SEARCH_LIST_CHARS) {
    let cutLen = 0;
    let cutNum = 0;
    for (let i = composed.length - 1; i >= 0; i--) {
      cutLen += (composed[i]?.length ?? 0) + 1;
      cutNum++;
      if (lineLen - cutLen <= MAX_DNS_SEARCH_LIST_CHARS) break;
    }
    composed = composed.slice(0, composed.length - cutNum);
    exceeded = true;
  }
  if (exceeded) {
    events.push({ reason: 'DNSConfigForming', message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${composed.join(' ')}` });
  }
  return composed;
}

type DnsType = 'none' | 'cluster' | 'host';

function podDnsType(pod: Pod): DnsType {
  switch (pod.spec?.dnsPolicy ?? 'ClusterFirst') {
    case 'None':
      return 'none';
    case 'ClusterFirstWithHostNet':
      return 'cluster';
    case 'ClusterFirst':
      return pod.spec?.hostNetwork === true ? 'host' : 'cluster';
    case 'Default':
      return 'host';
    default:
      return 'cluster';
  }
}

export function podDnsConfig(pod: Pod, opts: DnsOptions): PodDns {
  const events: DnsEvent[] = [];
  const host = opts.hostResolvConf === undefined ? { servers: [], searches: [], options: [] } : parseResolvConf(opts.hostResolvConf);
  let dns: DnsConfig = { servers: [...host.servers], searches: [...host.searches], options: [...host.options] };
  let type = podDnsType(pod);
  if (type === 'none') {
    dns = { servers: [], searches: [], options: [] };
  } else if (type === 'cluster') {
    if (opts.clusterDNS.length > 0) {
      dns.servers = [...opts.clusterDNS];
      if (opts.clusterDomain !== '') {
        const ns = pod.metadata?.namespace ?? 'default';
        dns.searches = omitDuplicates([`${ns}.svc.${opts.clusterDomain}`, `svc.${opts.clusterDomain}`, opts.clusterDomain, ...dns.searches]);
      }
      dns.options = ['ndots:5'];
    } else {
      events.push({
        reason: 'MissingClusterDNS',
        message: `pod: "${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`,
      });
      type = 'host';
    }
  }
  if (type === 'host' && opts.hostResolvConf === undefined) {
    for (const ip of opts.nodeIPs) dns.servers.push(isIPv6(ip) ? '::1' : '127.0.0.1');
    if (dns.servers.length === 0) dns.servers.push('127.0.0.1');
    dns.searches = ['.'];
  }
  const extra = pod.spec?.dnsConfig;
  if (extra !== undefined) {
    dns.servers = omitDuplicates([...dns.servers, ...(extra.nameservers ?? [])]);
    dns.searches = omitDuplicates([...dns.searches, ...(extra.searches ?? [])]);
    dns.options = mergeOptions(dns.options, extra.options ?? []);
  }
  if (dns.servers.length > MAX_DNS_NAMESERVERS) {
    dns.servers = dns.servers.slice(0, MAX_DNS_NAMESERVERS);
    events.push({ reason: 'DNSConfigForming', message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${dns.servers.join(' ')}` });
  }
  dns.searches = searchFitsLimits(dns.searches, events);
  return { dns, events };
}
