// The cluster's DNS answers as a pure function: (question, cluster view, now) -> an answer or
// "not ours, forward it". Follows the Kubernetes DNS-Based Service Discovery specification
// (kubernetes/dns docs/specification.md) with the choices of CoreDNS's kubernetes plugin in its
// default kubeadm configuration (`pods insecure`, `fallthrough in-addr.arpa ip6.arpa`, ttl 5):
//   <svc>.<ns>.svc.<zone>            A/AAAA: ClusterIPs, or the ready endpoints of a headless Service
//                                    CNAME: an ExternalName Service's target
//   <ep>.<svc>.<ns>.svc.<zone>       A/AAAA of endpoints whose hostname (else dashed IP) is <ep>
//   _<port>._<proto>.<svc>.<ns>.svc.<zone>  SRV per matching named port (headless: per endpoint)
//   <a-b-c-d>.<ns>.pod.<zone>        A a.b.c.d, unchecked (pods insecure)
//   d.c.b.a.in-addr.arpa             PTR for ClusterIPs and endpoint IPs; other addresses forwarded
//   dns-version.<zone>               TXT with the specification's schema version
// Unknown names in the zone are NXDOMAIN, known names without records of the asked type NODATA,
// both with the zone's SOA (whose minimum, the negative-caching TTL, is the record TTL).
import type { Answer, Question, RecordType, SrvAnswer } from 'dns-packet';
import { isIP, serviceKey, type ClusterView, type EndpointEntry, type ServiceEntry } from './cluster-view.ts';

/** CoreDNS kubernetes plugin's default TTL, for records and negative answers alike. */
export const DEFAULT_DNS_TTL = 5;
/** The schema version of the Kubernetes DNS specification implemented. */
export const DNS_SCHEMA_VERSION = '1.1.0';

export type Rcode = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED';

export interface ResolverOptions {
  /** The cluster domain, e.g. cluster.local (any case, trailing dot or not). */
  zone: string;
  ttl?: number;
}

export interface LocalAnswer {
  kind: 'answer';
  rcode: Rcode;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** An ExternalName's target to resolve as well (the answers hold the CNAME). */
  chase?: { name: string; type: RecordType };
}

export type Resolution = LocalAnswer | { kind: 'forward' };

const FORWARD: Resolution = { kind: 'forward' };

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function familyOf(ip: string): 'A' | 'AAAA' {
  return ip.includes(':') ? 'AAAA' : 'A';
}

/** The IPv4 address a reverse name stands for (4.3.2.1.in-addr.arpa -> 1.2.3.4). */
export function reverseToIPv4(name: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa$/.exec(normalize(name));
  if (m === null) return undefined;
  const octets = [m[4], m[3], m[2], m[1]].map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.join('.');
}

class Answering {
  readonly ttl: number;
  readonly zone: string;

  constructor(readonly q: Question, readonly view: ClusterView, o: ResolverOptions, readonly now: number) {
    this.ttl = o.ttl ?? DEFAULT_DNS_TTL;
    this.zone = normalize(o.zone);
  }

  soa(): Answer {
    return {
      type: 'SOA', name: this.zone, ttl: this.ttl, class: 'IN',
      data: {
        mname: `ns.dns.${this.zone}`, rname: `hostmaster.${this.zone}`,
        serial: this.view.serial > 0 ? this.view.serial : Math.floor(this.now / 1000),
        refresh: 7200, retry: 1800, expire: 86400, minimum: this.ttl,
      },
    };
  }

  nxdomain(): LocalAnswer {
    return { kind: 'answer', rcode: 'NXDOMAIN', answers: [], authorities: [this.soa()], additionals: [] };
  }

  nodata(): LocalAnswer {
    return { kind: 'answer', rcode: 'NOERROR', answers: [], authorities: [this.soa()], additionals: [] };
  }

  ok(answers: Answer[], additionals: Answer[] = []): LocalAnswer {
    return answers.length === 0 ? this.nodata() : { kind: 'answer', rcode: 'NOERROR', answers, authorities: [], additionals };
  }

  address(name: string, ip: string): Answer {
    return { type: familyOf(ip), name, ttl: this.ttl, class: 'IN', data: ip };
  }

  /** A or AAAA records of ips for the question's name; NODATA for other types or families. */
  addresses(ips: readonly string[]): LocalAnswer {
    const t = this.q.type;
    if (t !== 'A' && t !== 'AAAA') return this.nodata();
    return this.ok(unique(ips).filter((ip) => familyOf(ip) === t).map((ip) => this.address(this.q.name, ip)));
  }

  serviceName(svc: ServiceEntry): string {
    return `${svc.name}.${svc.namespace}.svc.${this.zone}`;
  }

  endpointName(svc: ServiceEntry, ep: EndpointEntry): string {
    return `${ep.label}.${this.serviceName(svc)}`;
  }

  /** SRV records with CoreDNS's weights (100 split evenly, priority 0) and their targets' addresses. */
  srv(targets: { target: string; port: number; ip: string }[]): LocalAnswer {
    const seen = new Set<string>();
    const answers: SrvAnswer[] = [];
    const additionals: Answer[] = [];
    const weight = targets.length === 0 ? 0 : Math.floor(100 / targets.length);
    for (const t of targets) {
      const key = `${t.target}|${String(t.port)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      answers.push({ type: 'SRV', name: this.q.name, ttl: this.ttl, class: 'IN', data: { priority: 0, weight, port: t.port, target: t.target } });
      if (!additionals.some((a) => a.name === t.target && a.type === familyOf(t.ip) && a.data === t.ip)) additionals.push(this.address(t.target, t.ip));
    }
    return this.ok(answers, additionals);
  }

  resolve(): Resolution {
    const name = normalize(this.q.name);
    if (this.q.class !== undefined && this.q.class !== 'IN' && this.q.class !== 'ANY') return FORWARD;
    if (name === this.zone) return this.apex();
    if (name.endsWith(`.${this.zone}`)) {
      const labels = name.slice(0, -(this.zone.length + 1)).split('.');
      return this.inZone(labels);
    }
    if (name.endsWith('.in-addr.arpa')) return this.reverse(name);
    return FORWARD;
  }

  apex(): LocalAnswer {
    if (this.q.type === 'SOA') return this.ok([this.soa()]);
    if (this.q.type === 'NS') return this.ok([{ type: 'NS', name: this.q.name, ttl: this.ttl, class: 'IN', data: `ns.dns.${this.zone}` }]);
    return this.nodata();
  }

  inZone(labels: string[]): LocalAnswer {
    const top = labels[labels.length - 1];
    if (labels.length === 1 && top === 'dns-version') {
      return this.q.type === 'TXT' ? this.ok([{ type: 'TXT', name: this.q.name, ttl: this.ttl, class: 'IN', data: DNS_SCHEMA_VERSION }]) : this.nodata();
    }
    if (top === 'svc') return this.svc(labels.slice(0, -1));
    if (top === 'pod') return this.pod(labels.slice(0, -1));
    return this.nxdomain();
  }

  svc(labels: string[]): LocalAnswer {
    if (labels.length === 0) return this.nodata();
    const ns = labels[labels.length - 1] ?? '';
    if (labels.length === 1) return this.view.namespaces.has(ns) ? this.nodata() : this.nxdomain();
    const svc = this.view.services.get(serviceKey(ns, labels[labels.length - 2] ?? ''));
    if (svc === undefined) return this.nxdomain();
    if (labels.length === 2) return this.service(svc);
    if (labels.length === 3) return this.endpoint(svc, labels[0] ?? '');
    if (labels.length === 4) return this.port(svc, labels[0] ?? '', labels[1] ?? '');
    return this.nxdomain();
  }

  service(svc: ServiceEntry): LocalAnswer {
    const t = this.q.type;
    if (svc.kind === 'externalName') {
      // CoreDNS answers only when the target is a name, not an IP
      if (svc.externalName === '' || isIP(svc.externalName)) return this.nxdomain();
      const cname: Answer = { type: 'CNAME', name: this.q.name, ttl: this.ttl, class: 'IN', data: svc.externalName };
      const out = this.ok([cname]);
      return t === 'CNAME' ? out : { ...out, chase: { name: svc.externalName, type: t } };
    }
    if (svc.kind === 'clusterIP') {
      if (t === 'SRV') return this.srv(svc.ports.flatMap((p) => svc.clusterIPs.map((ip) => ({ target: this.serviceName(svc), port: p.port, ip }))));
      return this.addresses(svc.clusterIPs);
    }
    // headless: the ready endpoints; none at all is NXDOMAIN (CoreDNS)
    if (svc.endpoints.length === 0) return this.nxdomain();
    if (t === 'SRV') return this.srv(svc.endpoints.flatMap((ep) => ep.ports.map((p) => ({ target: this.endpointName(svc, ep), port: p.port, ip: ep.ip }))));
    return this.addresses(svc.endpoints.map((ep) => ep.ip));
  }

  endpoint(svc: ServiceEntry, label: string): LocalAnswer {
    const eps = svc.endpoints.filter((ep) => ep.label === label);
    if (svc.kind === 'externalName' || eps.length === 0) return this.nxdomain();
    if (this.q.type === 'SRV') return this.srv(eps.flatMap((ep) => ep.ports.map((p) => ({ target: this.endpointName(svc, ep), port: p.port, ip: ep.ip }))));
    return this.addresses(eps.map((ep) => ep.ip));
  }

  port(svc: ServiceEntry, portLabel: string, protoLabel: string): LocalAnswer {
    if (!portLabel.startsWith('_') || !protoLabel.startsWith('_') || svc.kind === 'externalName') return this.nxdomain();
    const portName = portLabel.slice(1);
    const proto = protoLabel.slice(1);
    const matches = (p: { name: string; protocol: string }): boolean => p.name !== '' && p.name === portName && p.protocol === proto;
    const targets = svc.kind === 'clusterIP'
      ? svc.ports.filter(matches).flatMap((p) => svc.clusterIPs.map((ip) => ({ target: this.serviceName(svc), port: p.port, ip })))
      : svc.endpoints.flatMap((ep) => ep.ports.filter(matches).map((p) => ({ target: this.endpointName(svc, ep), port: p.port, ip: ep.ip })));
    if (targets.length === 0) return this.nxdomain();
    if (this.q.type === 'SRV') return this.srv(targets);
    return this.addresses(targets.map((t) => t.ip));
  }

  pod(labels: string[]): LocalAnswer {
    const ns = labels[labels.length - 1] ?? '';
    // `pods insecure`: any address-shaped name in an existing namespace, no pod looked up
    if (labels.length === 0) return this.nodata();
    if (!this.view.namespaces.has(ns) || labels.length > 2) return this.nxdomain();
    if (labels.length === 1) return this.nodata();
    const ip = podNameToIP(labels[0] ?? '');
    return ip === undefined ? this.nxdomain() : this.addresses([ip]);
  }

  reverse(name: string): Resolution {
    const ip = reverseToIPv4(name);
    const names = ip === undefined ? undefined : this.view.reverse.get(ip);
    // `fallthrough in-addr.arpa`: addresses the cluster does not know go to the upstreams
    if (names === undefined || names.length === 0) return FORWARD;
    if (this.q.type !== 'PTR') return this.ok([]);
    return this.ok(names.map((n) => ({ type: 'PTR', name: this.q.name, ttl: this.ttl, class: 'IN', data: `${n}.svc.${this.zone}` })));
  }
}

/** a-b-c-d to a.b.c.d, or an IPv6 address with dashes for colons (fd00--1), as CoreDNS reads pod names. */
export function podNameToIP(label: string): string | undefined {
  const v4 = (label.match(/-/g) ?? []).length === 3 && !label.includes('--');
  const ip = v4 ? label.replace(/-/g, '.') : label.replace(/-/g, ':');
  return isIP(ip) ? ip : undefined;
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/** Answers a question about the cluster, or says it is for the upstream servers. */
export function resolve(q: Question, view: ClusterView, now: number, o: ResolverOptions): Resolution {
  return new Answering(q, view, o, now).resolve();
}
