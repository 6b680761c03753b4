// The DNS server publishes itself as upstream clusters have CoreDNS: the Service
// kube-system/kube-dns with the well-known ClusterIP (10.96.0.10: the kubelet's --cluster-dns),
// ports dns 53/UDP and dns-tcp 53/TCP, CoreDNS's labels, and no selector, since no pod serves it:
// this process does, so it writes the EndpointSlice (and the legacy Endpoints, marked not to be
// mirrored) itself, pointing at its node address and port. desiredKubeDns is pure; publishKubeDns
// creates or corrects the three objects and is safe to run at every start.
import type { EndpointPort, Endpoints, Service } from 'kubernetes-types/core/v1.d.ts';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import { isClientAlreadyExists, isClientConflict, isClientNotFound, type ApiClient, type KubeObject, type ResourceType } from '../kube/client/client.ts';
import { ENDPOINT_SLICES as ENDPOINTSLICES, ENDPOINTS, SERVICES } from '../kube/client/resources.ts';
import { KUBE_DNS } from '../kube/cluster-network.ts';
import type { Logger } from '../lib/log.ts';
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL, SKIP_MIRROR_LABEL } from '../kube/discovery-labels.ts';


/** endpointslice.kubernetes.io/managed-by on the slice this server writes (the controllers leave it alone). */
export const DNS_SLICE_MANAGER = 'dns.nodelet.dev';

/** CoreDNS's Service labels (kubernetes/kubernetes cluster/addons/dns/coredns, kubeadm). */
export const KUBE_DNS_LABELS: Readonly<Record<string, string>> = {
  'k8s-app': 'kube-dns',
  'kubernetes.io/cluster-service': 'true',
  'kubernetes.io/name': 'CoreDNS',
};

export interface KubeDnsParams {
  /** The Service's ClusterIP (kubeDnsServiceIP of the service CIDR). */
  serviceIP: string;
  /** The node address the server listens on. */
  address: string;
  /** The port the server listens on (both UDP and TCP). */
  port: number;
  nodeName?: string;
}

export interface KubeDnsObjects {
  service: Service;
  slice: EndpointSlice;
  endpoints: Endpoints;
}

export function desiredKubeDns(p: KubeDnsParams): KubeDnsObjects {
  const { namespace, name } = KUBE_DNS;
  const ports: EndpointPort[] = [
    { name: KUBE_DNS.udpPortName, port: p.port, protocol: 'UDP' },
    { name: KUBE_DNS.tcpPortName, port: p.port, protocol: 'TCP' },
  ];
  return {
    service: {
      apiVersion: 'v1', kind: 'Service',
      metadata: { namespace, name, labels: { ...KUBE_DNS_LABELS } },
      spec: {
        type: 'ClusterIP',
        clusterIP: p.serviceIP,
        ports: [
          { name: KUBE_DNS.udpPortName, port: KUBE_DNS.port, protocol: 'UDP', targetPort: p.port },
          { name: KUBE_DNS.tcpPortName, port: KUBE_DNS.port, protocol: 'TCP', targetPort: p.port },
        ],
      },
    },
    slice: {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { namespace, name, labels: { ...KUBE_DNS_LABELS, [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: DNS_SLICE_MANAGER } },
      addressType: 'IPv4',
      endpoints: [{
        addresses: [p.address],
        conditions: { ready: true, serving: true, terminating: false },
        ...(p.nodeName !== undefined ? { nodeName: p.nodeName } : {}),
      }],
      ports: ports.map((x) => ({ ...x })),
    },
    endpoints: {
      apiVersion: 'v1', kind: 'Endpoints',
      metadata: { namespace, name, labels: { ...KUBE_DNS_LABELS, [SKIP_MIRROR_LABEL]: 'true' } },
      subsets: [{ addresses: [{ ip: p.address, ...(p.nodeName !== undefined ? { nodeName: p.nodeName } : {}) }], ports }],
    },
  };
}

function labelsMatch(have: KubeObject, want: KubeObject): boolean {
  const h = have.metadata?.labels ?? {};
  return Object.entries(want.metadata?.labels ?? {}).every(([k, v]) => h[k] === v);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export type PublishAction = 'create' | 'none' | 'update' | 'recreate';

/** What an existing Service needs to become the desired one (its ClusterIP is immutable). Pure. */
export function serviceAction(have: Service | undefined, want: Service): PublishAction {
  if (have === undefined) return 'create';
  if (have.spec?.clusterIP !== want.spec?.clusterIP || have.spec?.type !== want.spec?.type) return 'recreate';
  const ports = (have.spec?.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol, targetPort: p.targetPort }));
  const wantPorts = (want.spec?.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol, targetPort: p.targetPort }));
  const selector = have.spec?.selector ?? {};
  return same(ports, wantPorts) && labelsMatch(have, want) && Object.keys(selector).length === 0 ? 'none' : 'update';
}

export function sliceAction(have: EndpointSlice | undefined, want: EndpointSlice): PublishAction {
  if (have === undefined) return 'create';
  if (have.addressType !== want.addressType) return 'recreate';
  const eps = (have.endpoints as EndpointSlice['endpoints'] | null | undefined ?? []).map((e) => ({ addresses: e.addresses, ready: e.conditions?.ready, nodeName: e.nodeName }));
  const wantEps = want.endpoints.map((e) => ({ addresses: e.addresses, ready: e.conditions?.ready, nodeName: e.nodeName }));
  return same(eps, wantEps) && same(have.ports ?? [], want.ports ?? []) && labelsMatch(have, want) ? 'none' : 'update';
}

export function endpointsAction(have: Endpoints | undefined, want: Endpoints): PublishAction {
  if (have === undefined) return 'create';
  return same(have.subsets ?? [], want.subsets ?? []) && labelsMatch(have, want) ? 'none' : 'update';
}

async function getOrUndefined<T extends KubeObject>(client: ApiClient, r: ResourceType, namespace: string, name: string): Promise<T | undefined> {
  try {
    return await client.get<T>(r, namespace, name);
  } catch (err) {
    if (isClientNotFound(err)) return undefined;
    throw err;
  }
}

/** The desired object written over the existing one: its labels merged in, its fields taking over. */
function merged<T extends KubeObject>(have: T, want: T): T {
  return {
    ...have, ...want,
    metadata: { ...have.metadata, labels: { ...(have.metadata?.labels ?? {}), ...(want.metadata?.labels ?? {}) } },
  };
}

/** A Service keeps what the API server filled in (clusterIPs, families) but loses any selector. */
function mergedService(have: Service, want: Service): Service {
  const { selector: _selector, ...spec } = have.spec ?? {};
  return { ...merged(have, want), spec: { ...spec, ...want.spec } };
}

async function ensure<T extends KubeObject>(
  client: ApiClient, r: ResourceType, want: T, decide: (have: T | undefined, want: T) => PublishAction, log: Logger,
  merge: (have: T, want: T) => T = merged,
): Promise<PublishAction> {
  const namespace = want.metadata?.namespace ?? '';
  const name = want.metadata?.name ?? '';
  // two tries: a concurrent writer (a second start, a controller) may win the first
  for (let attempt = 0; ; attempt++) {
    const have = await getOrUndefined<T>(client, r, namespace, name);
    const action = decide(have, want);
    try {
      if (action === 'create') await client.create(r, namespace, want);
      else if (action === 'update' && have !== undefined) await client.update(r, namespace, merge(have, want));
      else if (action === 'recreate') {
        await client.delete(r, namespace, name);
        await client.create(r, namespace, want);
      }
      if (action !== 'none') log.info({ resource: r.resource, namespace, name, action }, 'published kube-dns object');
      return action;
    } catch (err) {
      if (attempt >= 2 || !(isClientAlreadyExists(err) || isClientNotFound(err) || isClientConflict(err))) throw err;
    }
  }
}

export interface PublishResult {
  service: PublishAction;
  slice: PublishAction;
  endpoints: PublishAction;
}

/** Creates or corrects the kube-dns Service, EndpointSlice and Endpoints. Idempotent. */
export async function publishKubeDns(client: ApiClient, p: KubeDnsParams, log: Logger): Promise<PublishResult> {
  const want = desiredKubeDns(p);
  const service = await ensure(client, SERVICES, want.service, serviceAction, log, mergedService);
  const slice = await ensure(client, ENDPOINTSLICES, want.slice, sliceAction, log);
  const endpoints = await ensure(client, ENDPOINTS, want.endpoints, endpointsAction, log);
  return { service, slice, endpoints };
}
