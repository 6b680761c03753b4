// Services, pods, nodes and slices for the EndpointSlice and Endpoints planners' table tests.
import type { Node, Pod, Service, ServicePort } from 'kubernetes-types/core/v1.d.ts';
import type { Endpoint, EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import type { ApiClient } from '../../kube/client/client.ts';
import { PODS } from '../../kube/client/resources.ts';
import { fnv32a } from '../framework/hash.ts';
import { planEndpointSlices, type SlicePlan, type SlicePlanInput } from './planner.ts';
import { CONTROLLER_QUALIFIED_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from './slice-meta.ts';

export const SVC_UID = 'svc-uid';
export const T0 = Date.parse('2026-01-02T03:04:05Z');

export function makeService(o: {
  name?: string; selector?: Record<string, string> | undefined; ports?: ServicePort[]; clusterIP?: string;
  publishNotReady?: boolean; labels?: Record<string, string>; deleting?: boolean; type?: string;
} = {}): Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: {
      name: o.name ?? 'web', namespace: 'default', uid: SVC_UID, creationTimestamp: '2026-01-01T00:00:00Z',
      ...(o.labels === undefined ? {} : { labels: o.labels }),
      ...(o.deleting === true ? { deletionTimestamp: '2026-01-02T00:00:00Z' } : {}),
    },
    spec: {
      ...('selector' in o ? (o.selector === undefined ? {} : { selector: o.selector }) : { selector: { app: 'web' } }),
      ports: o.ports ?? [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
      clusterIP: o.clusterIP ?? '10.96.0.20',
      ipFamilies: ['IPv4'],
      type: o.type ?? 'ClusterIP',
      ...(o.publishNotReady === undefined ? {} : { publishNotReadyAddresses: o.publishNotReady }),
    },
  };
}

export function makePod(name: string, o: {
  ip?: string | null; ready?: boolean; deleting?: boolean; phase?: string; node?: string; labels?: Record<string, string>;
  hostname?: string; subdomain?: string; containerPorts?: { name: string; containerPort: number; protocol?: string }[];
  readySince?: number;
} = {}): Pod {
  const h = fnv32a(name);
  const ip = o.ip === undefined ? `10.244.${String((h >>> 8) & 255)}.${String((h & 254) + 1)}` : o.ip;
  const ready = o.ready ?? true;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: 'default', uid: `uid-${name}`, labels: o.labels ?? { app: 'web' }, resourceVersion: '1',
      ...(o.deleting === true ? { deletionTimestamp: '2026-01-02T00:00:00Z' } : {}),
    },
    spec: {
      nodeName: o.node ?? 'n1',
      ...(o.hostname === undefined ? {} : { hostname: o.hostname }),
      ...(o.subdomain === undefined ? {} : { subdomain: o.subdomain }),
      containers: [{ name: 'main', image: 'busybox', ...(o.containerPorts === undefined ? {} : { ports: o.containerPorts }) }],
    },
    status: {
      phase: o.phase ?? 'Running',
      ...(ip === null ? {} : { podIP: ip, podIPs: [{ ip }] }),
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date(o.readySince ?? T0).toISOString().replace(/\.\d+Z$/, 'Z') }],
    },
  };
}

export function makeNode(name: string, zone?: string): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, ...(zone === undefined ? {} : { labels: { 'topology.kubernetes.io/zone': zone } }) } };
}

const defaultNodes = new Map([['n1', makeNode('n1')], ['n2', makeNode('n2', 'zone-a')]]);

export function plan(input: Partial<SlicePlanInput> & { service?: Service }, nodes: Map<string, Node> = defaultNodes): SlicePlan {
  return planEndpointSlices({
    service: input.service ?? makeService(),
    pods: input.pods ?? [],
    existingSlices: input.existingSlices ?? [],
    nodeOf: (n) => nodes.get(n),
    triggerTime: input.triggerTime,
    ...(input.maxEndpointsPerSlice === undefined ? {} : { maxEndpointsPerSlice: input.maxEndpointsPerSlice }),
  });
}

let sliceSeq = 0;

/** Stores a planned slice as the API server would (a name, a uid, generation 1). */
export function stored(slice: EndpointSlice, name?: string): EndpointSlice {
  sliceSeq++;
  return {
    ...structuredClone(slice),
    metadata: {
      ...structuredClone(slice.metadata),
      name: name ?? slice.metadata?.name ?? `${slice.metadata?.generateName ?? ''}s${String(sliceSeq)}`,
      uid: `slice-uid-${String(sliceSeq)}`, generation: 1, resourceVersion: String(sliceSeq),
    },
  };
}

/** The pod names in a slice, sorted. */
export function podsIn(slice: EndpointSlice | undefined): string[] {
  return (slice?.endpoints ?? []).map((e: Endpoint) => e.targetRef?.name ?? '').sort();
}

export const sliceLabelsFor = (svc = 'web'): Record<string, string> => ({ [SERVICE_NAME_LABEL]: svc, [MANAGED_BY_LABEL]: CONTROLLER_QUALIFIED_NAME });

const nowRfc3339 = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** Control-plane tests: a pod bound to n1 with a named port, given an IP and readiness as the agent would. */
export async function runningPod(client: ApiClient, name: string, ip: string, labels: Record<string, string>, ready = true): Promise<void> {
  await client.create<Pod>(PODS, 'default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels },
    spec: { nodeName: 'n1', containers: [{ name: 'main', image: 'busybox', ports: [{ name: 'web', containerPort: 8080 }] }] },
  });
  await setReady(client, name, ip, ready);
}

/** Control-plane tests: the pod's status as the agent would write it. */
export async function setReady(client: ApiClient, name: string, ip: string, ready: boolean): Promise<void> {
  await client.patch(PODS, 'default', name, {
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: nowRfc3339() }] },
  }, 'merge', { subresource: 'status' });
}
