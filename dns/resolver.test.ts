import type { Answer, Question, RecordType } from 'dns-packet';
import type { Service } from 'kubernetes-types/core/v1.d.ts';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { buildClusterView } from './cluster-view.ts';
import { resolve, reverseToIPv4, type LocalAnswer, type Resolution } from './resolver.ts';

const NOW = Date.UTC(2026, 0, 1);
const ZONE = 'cluster.local';

function svc(namespace: string, name: string, spec: NonNullable<Service['spec']>): Service {
  return { metadata: { namespace, name }, spec };
}

function slice(namespace: string, service: string, name: string, endpoints: EndpointSlice['endpoints'], ports: EndpointSlice['ports'] = [{ name: 'http', port: 8080, protocol: 'TCP' }]): EndpointSlice {
  return { metadata: { namespace, name, labels: { 'kubernetes.io/service-name': service } }, addressType: 'IPv4', endpoints, ports };
}

const services: Service[] = [
  svc('default', 'kubernetes', { clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }),
  svc('prod', 'web', { clusterIP: '10.96.1.10', clusterIPs: ['10.96.1.10'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }, { port: 9000 }] }),
  // a StatefulSet's governing Service
  svc('prod', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }),
  svc('prod', 'empty', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }),
  svc('prod', 'notready', { clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ name: 'http', port: 80 }] }),
  svc('prod', 'ext', { type: 'ExternalName', externalName: 'db.example.test.' }),
  svc('prod', 'extip', { type: 'ExternalName', externalName: '192.0.2.1' }),
  svc('prod', 'pending', { ports: [{ port: 80 }] }),
];
const slices: EndpointSlice[] = [
  slice('prod', 'web', 'web-abc', [{ addresses: ['10.244.0.5'], conditions: { ready: true } }]),
  slice('prod', 'db', 'db-1', [
    { addresses: ['10.244.0.7'], hostname: 'db-0', conditions: { ready: true } },
    { addresses: ['10.244.0.8'], hostname: 'db-1' },
    { addresses: ['10.244.0.9'], hostname: 'db-2', conditions: { ready: false } },
  ], [{ name: 'pg', port: 5432, protocol: 'TCP' }]),
  // a second slice of the same Service adds an endpoint without hostname
  slice('prod', 'db', 'db-2', [{ addresses: ['10.244.0.10'], conditions: { ready: true } }], [{ name: 'pg', port: 5432, protocol: 'TCP' }]),
  slice('prod', 'empty', 'empty-1', [{ addresses: ['10.244.0.11'], conditions: { ready: false } }]),
  slice('prod', 'notready', 'nr-1', [{ addresses: ['10.244.0.12'], conditions: { ready: false } }]),
];
const view = buildClusterView(services, slices, 1_767_225_600);

function ask(name: string, type: RecordType): Resolution {
  return resolve({ name, type, class: 'IN' } satisfies Question, view, NOW, { zone: ZONE });
}

function local(r: Resolution): LocalAnswer {
  if (r.kind !== 'answer') throw new Error('forwarded');
  return r;
}

/** The answer section as compact strings. */
function rrs(records: Answer[]): string[] {
  return records.map((a) => {
    if (a.type === 'SRV') return `${a.name} ${String(a.ttl)} SRV ${String(a.data.priority)} ${String(a.data.weight)} ${String(a.data.port)} ${a.data.target}`;
    if (a.type === 'SOA') return `${a.name} ${String(a.ttl)} SOA ${a.data.mname} ${a.data.rname} ${String(a.data.minimum)}`;
    if (a.type === 'OPT') return 'OPT';
    return `${a.name} ${String(a.ttl)} ${a.type} ${JSON.stringify(a.data)}`;
  }).sort();
}

describe('resolve', () => {
  const SOA = 'cluster.local 5 SOA ns.dns.cluster.local hostmaster.cluster.local 5';
  const cases: { what: string; name: string; type: RecordType; rcode: string; answers: string[]; additionals?: string[] }[] = [
    { what: 'ClusterIP service A', name: 'web.prod.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['web.prod.svc.cluster.local 5 A "10.96.1.10"'] },
    { what: 'names are case-insensitive, trailing dot allowed', name: 'WEB.Prod.SVC.Cluster.Local.', type: 'A', rcode: 'NOERROR', answers: ['WEB.Prod.SVC.Cluster.Local. 5 A "10.96.1.10"'] },
    { what: 'the kubernetes service', name: 'kubernetes.default.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['kubernetes.default.svc.cluster.local 5 A "10.96.0.1"'] },
    { what: 'AAAA of an IPv4 service is NODATA', name: 'web.prod.svc.cluster.local', type: 'AAAA', rcode: 'NOERROR', answers: [] },
    { what: 'MX of a service is NODATA', name: 'web.prod.svc.cluster.local', type: 'MX', rcode: 'NOERROR', answers: [] },
    { what: 'an unknown service is NXDOMAIN', name: 'nope.prod.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', answers: [] },
    { what: 'a service in another namespace is NXDOMAIN', name: 'web.default.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', answers: [] },
    { what: 'a service not yet given an IP has no records', name: 'pending.prod.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: [] },
    {
      what: 'headless: ready endpoints (ready unset counts as ready), across slices', name: 'db.prod.svc.cluster.local', type: 'A', rcode: 'NOERROR',
      answers: ['db.prod.svc.cluster.local 5 A "10.244.0.10"', 'db.prod.svc.cluster.local 5 A "10.244.0.7"', 'db.prod.svc.cluster.local 5 A "10.244.0.8"'],
    },
    { what: 'headless without ready endpoints is NXDOMAIN', name: 'empty.prod.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', answers: [] },
    { what: 'publishNotReadyAddresses publishes not-ready endpoints', name: 'notready.prod.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['notready.prod.svc.cluster.local 5 A "10.244.0.12"'] },
    { what: 'StatefulSet pod hostname', name: 'db-0.db.prod.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['db-0.db.prod.svc.cluster.local 5 A "10.244.0.7"'] },
    { what: 'a not-ready pod has no name', name: 'db-2.db.prod.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', answers: [] },
    { what: 'an endpoint without hostname is named by its dashed IP', name: '10-244-0-10.db.prod.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['10-244-0-10.db.prod.svc.cluster.local 5 A "10.244.0.10"'] },
    { what: 'endpoint names work for ClusterIP services too', name: '10-244-0-5.web.prod.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['10-244-0-5.web.prod.svc.cluster.local 5 A "10.244.0.5"'] },
    {
      what: 'SRV of a named port of a ClusterIP service', name: '_http._tcp.web.prod.svc.cluster.local', type: 'SRV', rcode: 'NOERROR',
      answers: ['_http._tcp.web.prod.svc.cluster.local 5 SRV 0 100 80 web.prod.svc.cluster.local'],
      additionals: ['web.prod.svc.cluster.local 5 A "10.96.1.10"'],
    },
    { what: 'SRV protocol must match', name: '_dns._tcp.web.prod.svc.cluster.local', type: 'SRV', rcode: 'NXDOMAIN', answers: [] },
    { what: 'SRV over udp', name: '_DNS._UDP.web.prod.svc.cluster.local', type: 'SRV', rcode: 'NOERROR', answers: ['_DNS._UDP.web.prod.svc.cluster.local 5 SRV 0 100 53 web.prod.svc.cluster.local'] },
    { what: 'A of a port name gives the service IP', name: '_http._tcp.web.prod.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['_http._tcp.web.prod.svc.cluster.local 5 A "10.96.1.10"'] },
    {
      what: 'SRV of a headless service: one per endpoint, its hostname the target', name: '_pg._tcp.db.prod.svc.cluster.local', type: 'SRV', rcode: 'NOERROR',
      answers: [
        '_pg._tcp.db.prod.svc.cluster.local 5 SRV 0 33 5432 10-244-0-10.db.prod.svc.cluster.local',
        '_pg._tcp.db.prod.svc.cluster.local 5 SRV 0 33 5432 db-0.db.prod.svc.cluster.local',
        '_pg._tcp.db.prod.svc.cluster.local 5 SRV 0 33 5432 db-1.db.prod.svc.cluster.local',
      ],
      additionals: ['10-244-0-10.db.prod.svc.cluster.local 5 A "10.244.0.10"', 'db-0.db.prod.svc.cluster.local 5 A "10.244.0.7"', 'db-1.db.prod.svc.cluster.local 5 A "10.244.0.8"'],
    },
    {
      what: 'SRV of the bare service name lists every port', name: 'web.prod.svc.cluster.local', type: 'SRV', rcode: 'NOERROR',
      answers: [
        'web.prod.svc.cluster.local 5 SRV 0 33 53 web.prod.svc.cluster.local',
        'web.prod.svc.cluster.local 5 SRV 0 33 80 web.prod.svc.cluster.local',
        'web.prod.svc.cluster.local 5 SRV 0 33 9000 web.prod.svc.cluster.local',
      ],
    },
    { what: 'ExternalName is a CNAME', name: 'ext.prod.svc.cluster.local', type: 'CNAME', rcode: 'NOERROR', answers: ['ext.prod.svc.cluster.local 5 CNAME "db.example.test"'] },
    { what: 'ExternalName to an IP has no records (CoreDNS)', name: 'extip.prod.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', answers: [] },
    { what: 'pod A (pods insecure)', name: '10-244-1-2.prod.pod.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['10-244-1-2.prod.pod.cluster.local 5 A "10.244.1.2"'] },
    { what: 'pod AAAA is NODATA', name: '10-244-1-2.prod.pod.cluster.local', type: 'AAAA', rcode: 'NOERROR', answers: [] },
    { what: 'pod AAAA of an IPv6 pod name', name: 'fd00-10-244--5.prod.pod.cluster.local', type: 'AAAA', rcode: 'NOERROR', answers: ['fd00-10-244--5.prod.pod.cluster.local 5 AAAA "fd00:10:244::5"'] },
    { what: 'a pod in a namespace that does not exist is NXDOMAIN', name: '10-244-1-2.nothing.pod.cluster.local', type: 'A', rcode: 'NXDOMAIN', answers: [] },
    { what: 'pod.<zone> exists', name: 'pod.cluster.local', type: 'A', rcode: 'NOERROR', answers: [] },
    { what: 'an existing namespace under pod exists', name: 'prod.pod.cluster.local', type: 'A', rcode: 'NOERROR', answers: [] },
    { what: 'a malformed pod name is NXDOMAIN', name: '10-244-1-300.prod.pod.cluster.local', type: 'A', rcode: 'NXDOMAIN', answers: [] },
    { what: 'PTR of a ClusterIP', name: '10.1.96.10.in-addr.arpa', type: 'PTR', rcode: 'NOERROR', answers: ['10.1.96.10.in-addr.arpa 5 PTR "web.prod.svc.cluster.local"'] },
    { what: 'PTR of a StatefulSet pod', name: '7.0.244.10.in-addr.arpa.', type: 'PTR', rcode: 'NOERROR', answers: ['7.0.244.10.in-addr.arpa. 5 PTR "db-0.db.prod.svc.cluster.local"'] },
    { what: 'PTR of an endpoint without hostname', name: '5.0.244.10.in-addr.arpa', type: 'PTR', rcode: 'NOERROR', answers: ['5.0.244.10.in-addr.arpa 5 PTR "10-244-0-5.web.prod.svc.cluster.local"'] },
    { what: 'the zone SOA', name: 'cluster.local', type: 'SOA', rcode: 'NOERROR', answers: [SOA] },
    { what: 'the zone apex has no A', name: 'cluster.local', type: 'A', rcode: 'NOERROR', answers: [] },
    { what: 'svc.<zone> exists', name: 'svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: [] },
    { what: 'a namespace with services exists', name: 'prod.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: [] },
    { what: 'a namespace without services does not', name: 'nothing.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', answers: [] },
    { what: 'other names in the zone do not', name: 'foo.cluster.local', type: 'A', rcode: 'NXDOMAIN', answers: [] },
    { what: 'too many labels', name: 'a.b.db-0.db.prod.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', answers: [] },
    { what: 'dns-version', name: 'dns-version.cluster.local', type: 'TXT', rcode: 'NOERROR', answers: ['dns-version.cluster.local 5 TXT "1.1.0"'] },
  ];
  it.each(cases)('$what', (c) => {
    const r = local(ask(c.name, c.type));
    expect(r.rcode).toBe(c.rcode);
    expect(rrs(r.answers)).toEqual([...c.answers].sort());
    // negative answers (NXDOMAIN and NODATA) carry the zone's SOA for negative caching
    expect(rrs(r.authorities)).toEqual(c.answers.length === 0 ? [SOA] : []);
    if (c.additionals !== undefined) expect(rrs(r.additionals)).toEqual([...c.additionals].sort());
  });

  it('ExternalName asks for the target to be resolved as well', () => {
    const r = local(ask('ext.prod.svc.cluster.local', 'A'));
    expect(r.chase).toEqual({ name: 'db.example.test', type: 'A' });
    expect(rrs(r.answers)).toEqual(['ext.prod.svc.cluster.local 5 CNAME "db.example.test"']);
  });

  it('the SOA serial is the time of the last change', () => {
    const r = local(ask('nope.prod.svc.cluster.local', 'A'));
    const soa = r.authorities[0];
    expect(soa?.type === 'SOA' ? soa.data : undefined).toMatchObject({ serial: 1_767_225_600, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 });
  });

  it.each([
    ['a name outside the zone', 'example.test', 'A'],
    ['a name ending like the zone', 'notcluster.local', 'A'],
    ['the reverse of an address the cluster does not know', '1.2.0.192.in-addr.arpa', 'PTR'],
    ['a partial reverse name', '96.10.in-addr.arpa', 'PTR'],
  ] as const)('forwards %s', (_what, name, type) => {
    expect(ask(name, type)).toEqual({ kind: 'forward' });
  });

  it('knows namespaces without Services when given them', () => {
    const withNs = buildClusterView(services, slices, 1, ['prod', 'quiet']);
    const r = (name: string): Resolution => resolve({ name, type: 'A' }, withNs, NOW, { zone: ZONE });
    expect(local(r('quiet.svc.cluster.local')).rcode).toBe('NOERROR');
    expect(local(r('10-0-0-1.quiet.pod.cluster.local')).answers).toHaveLength(1);
    expect(local(r('10-0-0-1.gone.pod.cluster.local')).rcode).toBe('NXDOMAIN');
  });

  it('honours a custom zone and TTL', () => {
    const r = local(resolve({ name: 'web.prod.svc.k8s.example', type: 'A' }, view, NOW, { zone: 'k8s.example.', ttl: 30 }));
    expect(rrs(r.answers)).toEqual(['web.prod.svc.k8s.example 30 A "10.96.1.10"']);
  });
});

describe('reverseToIPv4', () => {
  it.each([
    ['4.3.2.1.in-addr.arpa', '1.2.3.4'],
    ['4.3.2.1.IN-ADDR.ARPA.', '1.2.3.4'],
    ['4.3.2.256.in-addr.arpa', undefined],
    ['3.2.1.in-addr.arpa', undefined],
  ])('%s', (name, ip) => {
    expect(reverseToIPv4(name)).toBe(ip);
  });
});
