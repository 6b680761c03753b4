// What the DNS server knows of the cluster, indexed for lookups: Services by namespace/name with
// the endpoints their EndpointSlices list, and the reverse map of IPs to names. Built by a pure
// function from the informers' caches (CoreDNS's kubernetes plugin answers from watch-backed
// indexes the same way); the server rebuilds it lazily after any change.
import { isIP as isIPAddress } from 'node:net';
import type { Service } from 'kubernetes-types/core/v1.d.ts';
import type { Endpoint, EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';

/** The label tying an EndpointSlice to its Service. */
import { SERVICE_NAME_LABEL } from '../kube/discovery-labels.ts';

export interface PortEntry {
  /** Lower-cased; '' for an unnamed port. */
  name: string;
  port: number;
  /** Lower-cased: tcp, udp, sctp. */
  protocol: string;
}

export interface EndpointEntry {
  ip: string;
  /** The endpoint's DNS label: its hostname, else its IP with dashes (10-1-2-3), as CoreDNS. */
  label: string;
  ports: PortEntry[];
}

export type ServiceKind = 'clusterIP' | 'headless' | 'externalName';

export interface ServiceEntry {
  namespace: string;
  name: string;
  kind: ServiceKind;
  /** ClusterIP services: their IPs ('' until the API server allocated one: no records). */
  clusterIPs: string[];
  /** ExternalName services: the CNAME target, lower-cased, no trailing dot. */
  externalName: string;
  ports: PortEntry[];
  /** Ready endpoints (all when publishNotReadyAddresses), one per IP and label. */
  endpoints: EndpointEntry[];
}

export interface ClusterView {
  /** By `namespace/name`, lower-cased. */
  services: ReadonlyMap<string, ServiceEntry>;
  /** The namespaces that exist (without a namespace informer: those with a Service). */
  namespaces: ReadonlySet<string>;
  /** IP to the names it has (`svc.ns` for ClusterIPs, `label.svc.ns` for endpoints), zone not included. */
  reverse: ReadonlyMap<string, readonly string[]>;
  /** Seconds since the epoch of the last change seen (the SOA serial), 0 when unknown. */
  serial: number;
}

export function serviceKey(namespace: string, name: string): string {
  return `${namespace.toLowerCase()}/${name.toLowerCase()}`;
}

export function isIP(s: string): boolean {
  return isIPAddress(s) !== 0;
}

function kindOf(svc: Service): ServiceKind {
  if (svc.spec?.type === 'ExternalName') return 'externalName';
  return svc.spec?.clusterIP === 'None' ? 'headless' : 'clusterIP';
}

function dashed(ip: string): string {
  return ip.replace(/[.:]/g, '-');
}

function portsOf(list: readonly { name?: string | undefined; port?: number | undefined; protocol?: string | undefined }[] | null | undefined): PortEntry[] {
  const out: PortEntry[] = [];
  for (const p of list ?? []) {
    if (p.port === undefined) continue;
    out.push({ name: (p.name ?? '').toLowerCase(), port: p.port, protocol: (p.protocol ?? 'TCP').toLowerCase() });
  }
  return out;
}

/** The endpoints of a Service from its slices: ready ones, or all when publishNotReadyAddresses. */
function endpointsOf(svc: Service, slices: readonly EndpointSlice[]): EndpointEntry[] {
  const publishAll = svc.spec?.publishNotReadyAddresses === true;
  const byKey = new Map<string, EndpointEntry>();
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    const ports = portsOf(slice.ports);
    // the API server stores an empty list as null
    for (const ep of (slice.endpoints as Endpoint[] | null | undefined) ?? []) {
      // ready unset means ready (EndpointSlice API); the controller already sets ready=true for
      // every endpoint of a Service that publishes not-ready addresses
      if (!publishAll && ep.conditions?.ready === false) continue;
      for (const ip of (ep.addresses as string[] | null | undefined) ?? []) {
        const label = (ep.hostname ?? '') !== '' ? (ep.hostname ?? '').toLowerCase() : dashed(ip);
        const key = `${ip}|${label}`;
        const known = byKey.get(key);
        if (known === undefined) {
          byKey.set(key, { ip, label, ports: [...ports] });
        } else {
          for (const p of ports) if (!known.ports.some((k) => k.name === p.name && k.port === p.port && k.protocol === p.protocol)) known.ports.push(p);
        }
      }
    }
  }
  return [...byKey.values()];
}

function addReverse(reverse: Map<string, string[]>, ip: string, name: string): void {
  const names = reverse.get(ip);
  if (names === undefined) reverse.set(ip, [name]);
  else if (!names.includes(name)) names.push(name);
}

/** Indexes Services and EndpointSlices (and the names of existing namespaces) for the resolver. */
export function buildClusterView(services: readonly Service[], slices: readonly EndpointSlice[], serial = 0, namespaceNames?: readonly string[]): ClusterView {
  const slicesBySvc = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const svcName = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (svcName === undefined || svcName === '') continue;
    const key = serviceKey(s.metadata?.namespace ?? '', svcName);
    const list = slicesBySvc.get(key);
    if (list === undefined) slicesBySvc.set(key, [s]);
    else list.push(s);
  }
  const entries = new Map<string, ServiceEntry>();
  const namespaces = new Set<string>((namespaceNames ?? []).map((n) => n.toLowerCase()));
  const reverse = new Map<string, string[]>();
  for (const svc of services) {
    const namespace = (svc.metadata?.namespace ?? '').toLowerCase();
    const name = (svc.metadata?.name ?? '').toLowerCase();
    if (namespace === '' || name === '' || svc.metadata?.deletionTimestamp !== undefined) continue;
    const key = serviceKey(namespace, name);
    const kind = kindOf(svc);
    const clusterIPs = kind === 'clusterIP'
      ? (svc.spec?.clusterIPs ?? (svc.spec?.clusterIP !== undefined ? [svc.spec.clusterIP] : [])).filter((ip) => ip !== '' && ip !== 'None')
      : [];
    const endpoints = kind === 'externalName' ? [] : endpointsOf(svc, slicesBySvc.get(key) ?? []);
    const entry: ServiceEntry = {
      namespace, name, kind, clusterIPs,
      externalName: (svc.spec?.externalName ?? '').toLowerCase().replace(/\.$/, ''),
      ports: portsOf(svc.spec?.ports),
      endpoints,
    };
    entries.set(key, entry);
    if (namespaceNames === undefined) namespaces.add(namespace);
    for (const ip of clusterIPs) addReverse(reverse, ip, `${name}.${namespace}`);
    for (const ep of endpoints) addReverse(reverse, ep.ip, `${ep.label}.${name}.${namespace}`);
  }
  return { services: entries, namespaces, reverse, serial };
}

