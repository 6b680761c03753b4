// From the API's Services and EndpointSlices to what the rules need: one entry per service port
// with its addresses, its policies and its endpoints (deduplicated, sorted), as kube-proxy's
// change trackers build ServicePortMap and EndpointsMap. Pure: the same objects give the same
// list in the same order, so a restart writes the same bytes.
import type { Service } from 'kubernetes-types/core/v1.d.ts';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import { ipv4ToNumber } from '../kube/cluster-network.ts';
import { servicePortName } from './chains.ts';

import { SERVICE_NAME_LABEL } from '../kube/discovery-labels.ts';
/** Services with this label (non-empty) belong to another proxy; kube-proxy skips them too. */
export const SERVICE_PROXY_NAME_LABEL = 'service.kubernetes.io/service-proxy-name';
/** kube-proxy's default sessionAffinityConfig.clientIP.timeoutSeconds (3 hours). */
export const DEFAULT_AFFINITY_SECONDS = 10800;

export type Protocol = 'tcp' | 'udp' | 'sctp';

export interface ProxyEndpoint {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** On this node (its nodeName is ours). */
  local: boolean;
}

export interface ServicePort {
  /** "ns/name:portName". */
  name: string;
  protocol: Protocol;
  clusterIP: string;
  port: number;
  /** 0: none. */
  nodePort: number;
  externalIPs: string[];
  /** ClientIP affinity timeout in seconds, or 0 for none. */
  affinitySeconds: number;
  internalLocal: boolean;
  externalLocal: boolean;
  endpoints: ProxyEndpoint[];
}

function protocolOf(p: string | undefined): Protocol | undefined {
  switch (p ?? 'TCP') {
    case 'TCP': return 'tcp';
    case 'UDP': return 'udp';
    case 'SCTP': return 'sctp';
    default: return undefined;
  }
}

function isIPv4(ip: string | undefined): ip is string {
  return ip !== undefined && ipv4ToNumber(ip) !== undefined;
}

/** Whether the proxy programs this Service at all. */
export function proxiedService(svc: Service): boolean {
  const spec = svc.spec;
  if (spec === undefined) return false;
  if ((svc.metadata?.labels?.[SERVICE_PROXY_NAME_LABEL] ?? '') !== '') return false;
  if (spec.type === 'ExternalName') return false;
  return isIPv4(spec.clusterIP);
}

function slicesByService(slices: EndpointSlice[]): Map<string, EndpointSlice[]> {
  const out = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    if (s.addressType !== 'IPv4') continue;
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (svc === undefined || svc === '') continue;
    const key = `${s.metadata?.namespace ?? ''}/${svc}`;
    const list = out.get(key);
    if (list === undefined) out.set(key, [s]);
    else list.push(s);
  }
  return out;
}

function endpointKey(e: { ip: string; port: number }): string {
  return `${e.ip}:${e.port}`;
}

function compareEndpoints(a: ProxyEndpoint, b: ProxyEndpoint): number {
  const ai = ipv4ToNumber(a.ip) ?? 0;
  const bi = ipv4ToNumber(b.ip) ?? 0;
  return ai !== bi ? ai - bi : a.port - b.port;
}

/** The endpoints of one service port, from every slice of its Service. */
function endpointsFor(slices: EndpointSlice[], portName: string, protocol: Protocol, nodeName: string): ProxyEndpoint[] {
  const byKey = new Map<string, ProxyEndpoint>();
  for (const slice of slices) {
    for (const p of slice.ports ?? []) {
      if ((p.name ?? '') !== portName || protocolOf(p.protocol) !== protocol || p.port === undefined) continue;
      for (const e of slice.endpoints) {
        const ready = e.conditions?.ready ?? true;
        const serving = e.conditions?.serving ?? ready;
        const terminating = e.conditions?.terminating ?? false;
        for (const ip of e.addresses.slice(0, 1)) {
          if (!isIPv4(ip)) continue;
          const ep: ProxyEndpoint = { ip, port: p.port, ready, serving, terminating, local: nodeName !== '' && e.nodeName === nodeName };
          const k = endpointKey(ep);
          const seen = byKey.get(k);
          // the same endpoint in two slices (mid-move between them): the ready copy wins
          if (seen === undefined || (!seen.ready && ep.ready)) byKey.set(k, ep);
        }
      }
    }
  }
  return [...byKey.values()].sort(compareEndpoints);
}

/** Every service port the proxy programs, sorted by name and protocol. */
export function buildServicePorts(services: Service[], slices: EndpointSlice[], nodeName: string): ServicePort[] {
  const bySvc = slicesByService(slices);
  const out: ServicePort[] = [];
  for (const svc of services) {
    if (!proxiedService(svc)) continue;
    const spec = svc.spec;
    if (spec === undefined) continue;
    const ns = svc.metadata?.namespace ?? '';
    const name = svc.metadata?.name ?? '';
    const svcSlices = bySvc.get(`${ns}/${name}`) ?? [];
    const affinitySeconds = spec.sessionAffinity === 'ClientIP'
      ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS
      : 0;
    const externallyReachable = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
    for (const p of spec.ports ?? []) {
      const protocol = protocolOf(p.protocol);
      if (protocol === undefined) continue;
      const portName = p.name ?? '';
      out.push({
        name: servicePortName(ns, name, portName),
        protocol,
        clusterIP: spec.clusterIP ?? '',
        port: p.port,
        nodePort: externallyReachable ? p.nodePort ?? 0 : 0,
        externalIPs: (spec.externalIPs ?? []).filter(isIPv4),
        affinitySeconds,
        internalLocal: spec.internalTrafficPolicy === 'Local',
        externalLocal: spec.externalTrafficPolicy === 'Local' && (externallyReachable || (spec.externalIPs ?? []).length > 0),
        endpoints: endpointsFor(svcSlices, portName, protocol, nodeName),
      });
    }
  }
  return out.sort((a, b) => (a.name === b.name ? a.protocol.localeCompare(b.protocol) : a.name < b.name ? -1 : 1));
}

/**
 * The endpoints traffic may go to, kube-proxy's CategorizeEndpoints: the ready ones, or when
 * none is ready the serving-and-terminating ones (so a rolling update drains instead of
 * refusing); with a Local policy only this node's.
 */
export function usableEndpoints(endpoints: ProxyEndpoint[], localOnly: boolean): ProxyEndpoint[] {
  const pool = localOnly ? endpoints.filter((e) => e.local) : endpoints;
  const ready = pool.filter((e) => e.ready);
  if (ready.length > 0) return ready;
  return pool.filter((e) => e.serving && e.terminating);
}
