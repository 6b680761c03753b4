// The Endpoints controller's plan for one Service (pkg/controller/endpoint syncService): the v1
// Endpoints named as the Service, with one address per selected pod that has an IP of the
// Service's family — ready pods under addresses, the others under notReadyAddresses (every pod
// counts as ready with publishNotReadyAddresses; terminating pods are left out unless that is set)
// — for every Service port the pod has, repacked into canonical subsets. The Service's labels are
// copied (plus the headless marker); the last-change-trigger-time annotation is set or removed;
// beyond 1000 addresses the list is truncated and marked over-capacity. Nothing is written when
// subsets, labels and the capacity mark already match. Pure.
import type { EndpointAddress, EndpointPort, Endpoints, EndpointSubset, Pod, Service } from 'kubernetes-types/core/v1.d.ts';
import { canonicalJson } from '../framework/hash.ts';
import { isPodReady } from '../framework/pod-state.ts';
import { isServiceIPSet } from '../../kube/cluster-network.ts';
import { findPort, HEADLESS_LABEL, podIPs, rfc3339Nano, shouldPodBeInEndpoints, shouldSetHostname, TRIGGER_TIME_ANNOTATION } from '../endpointslice/pod-endpoints.ts';
import { repackSubsets } from './repack.ts';

/** maxCapacity: addresses an Endpoints object holds before it is truncated. */
export const MAX_CAPACITY = 1000;
/** v1.EndpointsOverCapacity. */
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';

export interface EndpointsPlanInput {
  service: Service;
  /** The pods the Service's selector matches, in any phase. */
  pods: readonly Pod[];
  /** The Endpoints of the Service's name in the cache, if any. */
  current: Endpoints | undefined;
  /** The trigger-time annotation's value (undefined: none). */
  triggerTime: number | undefined;
}

export type EndpointsPlan =
  | { action: 'none' }
  | { action: 'create' | 'update'; endpoints: Endpoints; ready: number; notReady: number };

/** podToEndpointAddressForService: the pod's first IP of the Service's (first) family. */
export function podToEndpointAddress(svc: Service, pod: Pod): EndpointAddress | undefined {
  let v6: boolean;
  const families = svc.spec?.ipFamilies ?? [];
  if (families.length > 0) {
    v6 = families[0] === 'IPv6';
  } else {
    const clusterIP = svc.spec?.clusterIP ?? '';
    // Headless: the pod's own family.
    v6 = clusterIP !== '' && clusterIP !== 'None' ? clusterIP.includes(':') : (pod.status?.podIP ?? '').includes(':');
  }
  const ip = podIPs(pod).find((a) => a.includes(':') === v6);
  if (ip === undefined) return undefined;
  const nodeName = pod.spec?.nodeName ?? '';
  return {
    ip,
    ...(nodeName === '' ? {} : { nodeName }),
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
  };
}

/** The subsets the Service's pods make, before repacking. */
function rawSubsets(svc: Service, pods: readonly Pod[]): { subsets: EndpointSubset[]; ready: number; notReady: number } {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const subsets: EndpointSubset[] = [];
  let ready = 0;
  let notReady = 0;
  const add = (pod: Pod, addr: EndpointAddress, port: EndpointPort | undefined): void => {
    const ports = port === undefined ? [] : [port];
    if (publishNotReady || isPodReady(pod)) {
      subsets.push({ addresses: [addr], ports });
      ready++;
    } else {
      subsets.push({ notReadyAddresses: [addr], ports });
      notReady++;
    }
  };
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const base = podToEndpointAddress(svc, pod);
    if (base === undefined) continue;
    const addr: EndpointAddress = shouldSetHostname(pod, svc) ? { ...base, hostname: pod.spec?.hostname ?? '' } : base;
    const svcPorts = svc.spec?.ports ?? [];
    if (svcPorts.length === 0) {
      // A headless Service may have no ports.
      if (svc.spec?.clusterIP === 'None') add(pod, addr, undefined);
      continue;
    }
    for (const sp of svcPorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      add(pod, addr, {
        name: sp.name ?? '',
        port,
        protocol: sp.protocol ?? 'TCP',
        ...(sp.appProtocol === undefined ? {} : { appProtocol: sp.appProtocol }),
      });
    }
  }
  return { subsets, ready, notReady };
}

/** The subsets as Semantic.DeepEqual sees them: empty lists absent, targets' resourceVersions aside. */
function comparable(subsets: readonly EndpointSubset[] | undefined): string {
  const addr = (a: EndpointAddress): unknown => ({
    ip: a.ip,
    hostname: a.hostname === '' ? undefined : a.hostname,
    nodeName: a.nodeName,
    targetRef: a.targetRef === undefined ? undefined : { ...a.targetRef, resourceVersion: undefined },
  });
  const list = <T>(xs: readonly T[] | undefined, f: (x: T) => unknown): unknown => (xs === undefined || xs.length === 0 ? undefined : xs.map(f));
  const subsetsList = subsets ?? [];
  return canonicalJson(subsetsList.length === 0 ? null : subsetsList.map((ss) => ({
    addresses: list(ss.addresses, addr),
    notReadyAddresses: list(ss.notReadyAddresses, addr),
    ports: list(ss.ports, (p: EndpointPort) => ({ ...p, name: p.name === '' ? undefined : p.name })),
  })));
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const x = a ?? {};
  const y = b ?? {};
  const kx = Object.keys(x);
  return kx.length === Object.keys(y).length && kx.every((k) => y[k] === x[k]);
}

function addressCount(subsets: readonly EndpointSubset[] | undefined): number {
  return (subsets ?? []).reduce((n, ss) => n + (ss.addresses?.length ?? 0) + (ss.notReadyAddresses?.length ?? 0), 0);
}

/** capacityAnnotationSetCorrectly: within capacity and not marked over it. */
function capacityAnnotationSetCorrectly(annotations: Record<string, string> | undefined, subsets: readonly EndpointSubset[] | undefined): boolean {
  if (addressCount(subsets) > MAX_CAPACITY) return false;
  return annotations?.[OVER_CAPACITY_ANNOTATION] === undefined;
}

/**
 * truncateEndpoints: above capacity, ready addresses are kept first; each subset keeps its share
 * (rounded up) of what fits. True when something was cut.
 */
export function truncateSubsets(subsets: EndpointSubset[]): boolean {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const ss of subsets) {
    totalReady += ss.addresses?.length ?? 0;
    totalNotReady += ss.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= MAX_CAPACITY) return false;
  const truncateReady = totalReady > MAX_CAPACITY;
  const max = truncateReady ? MAX_CAPACITY : MAX_CAPACITY - totalReady;
  const numTotal = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = max;
  for (const ss of subsets) {
    const inSubset = truncateReady ? (ss.addresses?.length ?? 0) : (ss.notReadyAddresses?.length ?? 0);
    const toBeAdded = Math.min(Math.ceil((inSubset / numTotal) * max), canBeAdded);
    if (truncateReady) {
      ss.addresses = (ss.addresses ?? []).slice(0, toBeAdded);
      delete ss.notReadyAddresses;
      canBeAdded -= ss.addresses.length;
    } else {
      ss.notReadyAddresses = (ss.notReadyAddresses ?? []).slice(0, toBeAdded);
      canBeAdded -= ss.notReadyAddresses.length;
    }
  }
  return true;
}

function withoutKey(m: Record<string, string>, key: string): Record<string, string> {
  return Object.fromEntries(Object.entries(m).filter(([k]) => k !== key));
}

/** syncService after the pods are listed: what to write, if anything. */
export function planEndpoints(input: EndpointsPlanInput): EndpointsPlan {
  const svc = input.service;
  const { subsets: raw, ready, notReady } = rawSubsets(svc, input.pods);
  const subsets = repackSubsets(raw);
  const current = input.current;
  const svcLabels = svc.metadata?.labels;

  if (current !== undefined) {
    const compareLabels = withoutKey(current.metadata?.labels ?? {}, HEADLESS_LABEL);
    if (comparable(current.subsets) === comparable(subsets) && sameLabels(compareLabels, svcLabels)
      && capacityAnnotationSetCorrectly(current.metadata?.annotations, current.subsets)) return { action: 'none' };
  }

  let annotations = withoutKey(current?.metadata?.annotations ?? {}, TRIGGER_TIME_ANNOTATION);
  if (input.triggerTime !== undefined) annotations[TRIGGER_TIME_ANNOTATION] = rfc3339Nano(input.triggerTime);
  annotations = withoutKey(annotations, OVER_CAPACITY_ANNOTATION);
  if (truncateSubsets(subsets)) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';

  let labels = { ...(svcLabels ?? {}) };
  if (!isServiceIPSet(svc)) labels[HEADLESS_LABEL] = '';
  else labels = withoutKey(labels, HEADLESS_LABEL);

  const base: Endpoints = current === undefined
    ? { metadata: { name: svc.metadata?.name ?? '', namespace: svc.metadata?.namespace ?? '' } }
    : structuredClone(current);
  const endpoints: Endpoints = {
    ...base,
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { ...base.metadata, labels, annotations },
    subsets,
  };
  return { action: current === undefined ? 'create' : 'update', endpoints, ready, notReady };
}
