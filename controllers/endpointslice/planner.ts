// The EndpointSlice controller's plan for one Service (k8s.io/endpointslice reconciler.go): from
// the pods its selector picks, the nodes they run on and the slices it already has, which slices
// to create, update and delete. Each address type the Service serves is planned on its own; within
// it, endpoints are grouped by their port set (a pod lacking a named port gets a slice whose ports
// lack it too). Churn is kept low: endpoints stay in the slice that has them and change in place,
// emptied slices go, new endpoints fill slices being updated anyway, then the unchanged slice they
// fit best, and only then new slices of at most maxEndpointsPerSlice. A Service with no endpoints
// keeps one empty placeholder slice. Pure: the executor (controller.ts) writes the result.
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.d.ts';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import { cloneJson } from '../../lib/clone.ts';
import { canonicalJson } from '../framework/hash.ts';
import { isPodReady } from '../framework/pod-state.ts';
import { findPort, podIPs, rfc3339Nano, shouldPodBeInEndpoints, shouldSetHostname, TRIGGER_TIME_ANNOTATION } from './pod-endpoints.ts';
import { addressTypesForService, newEndpointSlice, sliceLabels, sliceOwnedBy, type AddressType } from './slice-meta.ts';

/** --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;
/** v1.LabelTopologyZone. */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export interface SlicePlanInput {
  service: Service;
  /** The pods the Service's selector matches, in any phase. */
  pods: readonly Pod[];
  /** The slices labelled for this Service and managed by this controller, not being deleted. */
  existingSlices: readonly EndpointSlice[];
  /** The node of that name from the cache, if there is one. */
  nodeOf(name: string): Node | undefined;
  /** The trigger-time annotation's value for written slices (undefined: none). */
  triggerTime: number | undefined;
  maxEndpointsPerSlice?: number;
}

export interface SlicePlan {
  /** In write order: creations, then updates, then deletions. */
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
  /** Pods left out for a missing node (the sync fails after writing, to retry). */
  errors: string[];
}

/** The identity of an endpoint: its addresses, hostname and pod (endpointHash). */
function endpointKey(ep: Endpoint): string {
  return canonicalJson({
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a stored slice may hold null
    addresses: [...(ep.addresses ?? [])].sort(),
    hostname: ep.hostname ?? '',
    namespace: ep.targetRef?.namespace ?? '',
    name: ep.targetRef?.name ?? '',
  });
}

function normalPort(p: EndpointPort): Record<string, unknown> {
  return { name: p.name ?? '', port: p.port ?? null, protocol: p.protocol ?? 'TCP', appProtocol: p.appProtocol };
}

/** NewPortMapKey: the port set, order aside. Sorts ports in place, as upstream does. */
function portMapKey(ports: EndpointPort[]): string {
  ports.sort((a, b) => {
    const x = canonicalJson(normalPort(a));
    const y = canonicalJson(normalPort(b));
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return canonicalJson(ports.map(normalPort));
}

/** getEndpointPorts: each Service port the pod has (a headless Service may have none). */
export function endpointPorts(svc: Service, pod: Pod): EndpointPort[] {
  const ports = svc.spec?.ports ?? [];
  if (ports.length === 0 && svc.spec?.clusterIP === 'None') return [];
  const out: EndpointPort[] = [];
  for (const sp of ports) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    out.push({
      name: sp.name ?? '',
      port,
      protocol: sp.protocol ?? 'TCP',
      ...(sp.appProtocol === undefined ? {} : { appProtocol: sp.appProtocol }),
    });
  }
  return out;
}

const isIPv6 = (ip: string): boolean => ip.includes(':');

/**
 * podToEndpoint: serving is the Ready condition; terminating is a deletion timestamp; ready is
 * serving and not terminating, or always with publishNotReadyAddresses.
 */
export function podToEndpoint(pod: Pod, node: Node | undefined, svc: Service, addressType: AddressType): Endpoint {
  const serving = isPodReady(pod);
  const terminating = pod.metadata?.deletionTimestamp !== undefined;
  const ready = svc.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const ep: Endpoint = {
    addresses: podIPs(pod).filter((ip) => isIPv6(ip) === (addressType === 'IPv6')),
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
  };
  const nodeName = pod.spec?.nodeName ?? '';
  if (nodeName !== '') ep.nodeName = nodeName;
  const zone = node?.metadata?.labels?.[ZONE_LABEL] ?? '';
  if (zone !== '') ep.zone = zone;
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec?.hostname ?? '';
  return ep;
}

function sameOptional<T>(a: T | undefined, b: T | undefined): boolean {
  return a === b;
}

/** EndpointsEqualBeyondHash: node, zone, conditions and target (its resourceVersion aside). */
export function endpointsEqualBeyondHash(a: Endpoint, b: Endpoint): boolean {
  if (!sameOptional(a.nodeName, b.nodeName) || !sameOptional(a.zone, b.zone)) return false;
  const ca = a.conditions ?? {};
  const cb = b.conditions ?? {};
  if (!sameOptional(ca.ready, cb.ready) || !sameOptional(ca.serving, cb.serving) || !sameOptional(ca.terminating, cb.terminating)) return false;
  const ra = a.targetRef === undefined ? null : { ...a.targetRef, resourceVersion: undefined };
  const rb = b.targetRef === undefined ? null : { ...b.targetRef, resourceVersion: undefined };
  return canonicalJson(ra) === canonicalJson(rb);
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a stored slice may hold null
const endpointsOf = (s: EndpointSlice): Endpoint[] => s.endpoints ?? [];

/** getSliceToFill: the slice that n more endpoints would bring closest to full, if any fits them. */
function sliceToFill(slices: EndpointSlice[], n: number, max: number): EndpointSlice | undefined {
  let closestDiff = max;
  let closest: EndpointSlice | undefined;
  for (const s of slices) {
    const diff = max - (n + endpointsOf(s).length);
    if (diff >= 0 && diff < closestDiff) {
      closestDiff = diff;
      closest = s;
      if (diff === 0) return s;
    }
  }
  return closest;
}

interface PortMappingResult {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

/** reconcileByPortMapping: the slices of one port set against its desired endpoints. */
function reconcileByPortMapping(svc: Service, existing: readonly EndpointSlice[], desired: Map<string, Endpoint>, ports: EndpointPort[], addressType: AddressType, max: number): PortMappingResult {
  const byName = new Map<string, EndpointSlice>();
  const unchanged = new Set<string>();
  const toUpdate = new Set<string>();
  const toDelete = new Set<string>();

  // 1. Keep the endpoints still wanted (changed ones in place), drop the rest.
  for (const slice of existing) {
    const name = slice.metadata?.name ?? '';
    byName.set(name, slice);
    const kept: Endpoint[] = [];
    let endpointUpdated = false;
    for (const ep of endpointsOf(slice)) {
      const key = endpointKey(ep);
      const want = desired.get(key);
      if (want === undefined) continue;
      kept.push(want);
      if (!endpointsEqualBeyondHash(want, ep)) endpointUpdated = true;
      desired.delete(key);
    }
    const { labels, changed: labelsChanged } = sliceLabels(slice, svc);
    if (endpointUpdated || kept.length !== endpointsOf(slice).length) {
      if (kept.length === 0) {
        toDelete.add(name);
      } else {
        const copy = cloneJson(slice);
        copy.endpoints = kept;
        copy.metadata = { ...copy.metadata, labels };
        byName.set(name, copy);
        toUpdate.add(name);
      }
    } else if (labelsChanged) {
      const copy = cloneJson(slice);
      copy.metadata = { ...copy.metadata, labels };
      byName.set(name, copy);
      toUpdate.add(name);
    } else {
      unchanged.add(name);
    }
  }

  const popAny = (): Endpoint | undefined => {
    for (const [k, ep] of desired) {
      desired.delete(k);
      return ep;
    }
    return undefined;
  };

  // 2. Fill the slices being updated anyway, fullest first.
  if (desired.size > 0 && toUpdate.size > 0) {
    const slices = [...toUpdate].map((n) => byName.get(n)).filter((s): s is EndpointSlice => s !== undefined);
    slices.sort((a, b) => endpointsOf(b).length - endpointsOf(a).length);
    for (const slice of slices) {
      const eps = endpointsOf(slice);
      while (desired.size > 0 && eps.length < max) {
        const ep = popAny();
        if (ep !== undefined) eps.push(ep);
      }
      slice.endpoints = eps;
    }
  }

  // 3. The rest into the unchanged slice they fit best, else into new slices.
  const create: EndpointSlice[] = [];
  while (desired.size > 0) {
    let fill: EndpointSlice | undefined;
    if (desired.size < max && unchanged.size > 0) {
      const candidates = [...unchanged].map((n) => byName.get(n)).filter((s): s is EndpointSlice => s !== undefined);
      fill = sliceToFill(candidates, desired.size, max);
    }
    if (fill === undefined) {
      fill = newEndpointSlice(svc, cloneJson(ports), addressType);
    } else {
      fill = cloneJson(fill);
      byName.set(fill.metadata?.name ?? '', fill);
    }
    const eps = endpointsOf(fill);
    while (desired.size > 0 && eps.length < max) {
      const ep = popAny();
      if (ep !== undefined) eps.push(ep);
    }
    fill.endpoints = eps;
    const name = fill.metadata?.name ?? '';
    if (name !== '') {
      toUpdate.add(name);
      unchanged.delete(name);
    } else {
      create.push(fill);
    }
  }

  const pick = (names: Set<string>): EndpointSlice[] => [...names].map((n) => byName.get(n)).filter((s): s is EndpointSlice => s !== undefined);
  return { create, update: pick(toUpdate), delete: pick(toDelete) };
}

const TOPOLOGY_MODE_ANNOTATION = 'service.kubernetes.io/topology-mode';
const TOPOLOGY_AWARE_HINTS_ANNOTATION = 'service.kubernetes.io/topology-aware-hints';

/** trafficDistribution PreferClose, and no topology annotation asking for the (unimplemented) Auto mode. */
function usesPreferClose(svc: Service): boolean {
  if (svc.spec?.trafficDistribution !== 'PreferClose') return false;
  const a = svc.metadata?.annotations ?? {};
  const mode = a[TOPOLOGY_AWARE_HINTS_ANNOTATION] ?? a[TOPOLOGY_MODE_ANNOTATION];
  return mode !== 'Auto' && mode !== 'auto';
}

const endpointReady = (ep: Endpoint): boolean => ep.conditions?.ready === true;

/** preferCloseHeuristic.needsUpdate: a ready endpoint whose zone hint is missing, wrong or stale. */
function needsZoneHints(slice: EndpointSlice): boolean {
  return endpointsOf(slice).some((ep) => {
    if (!endpointReady(ep)) return false;
    const zones = ep.hints?.forZones ?? [];
    if (ep.zone !== undefined) return zones.length !== 1 || zones[0]?.name !== ep.zone;
    return zones.length > 0;
  });
}

/** preferCloseHeuristic.update: each ready endpoint with a zone is hinted for its zone. */
function addZoneHints(slice: EndpointSlice): void {
  for (const ep of endpointsOf(slice)) {
    if (!endpointReady(ep)) continue;
    if (ep.zone !== undefined) ep.hints = { forZones: [{ name: ep.zone }] };
    else delete ep.hints;
  }
}

function removeHints(slice: EndpointSlice): void {
  for (const ep of endpointsOf(slice)) delete ep.hints;
}

/** placeholderSliceCompare: an empty slice of this type with exactly the labels wanted. */
function isPlaceholder(slice: EndpointSlice, placeholder: EndpointSlice): boolean {
  if (slice.metadata?.namespace !== placeholder.metadata?.namespace) return false;
  if (slice.addressType !== placeholder.addressType) return false;
  if (endpointsOf(slice).length > 0 || (slice.ports ?? []).length > 0) return false;
  const a = slice.metadata?.labels ?? {};
  const b = placeholder.metadata?.labels ?? {};
  return Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
}

function withTriggerTime(slice: EndpointSlice, triggerTime: number | undefined): EndpointSlice {
  const annotations = Object.fromEntries(Object.entries(slice.metadata?.annotations ?? {}).filter(([k]) => k !== TRIGGER_TIME_ANNOTATION));
  if (triggerTime !== undefined) annotations[TRIGGER_TIME_ANNOTATION] = rfc3339Nano(triggerTime);
  return { ...slice, metadata: { ...slice.metadata, annotations } };
}

/** reconcileByAddressType, up to and including finalize's choice of writes. */
function planAddressType(input: SlicePlanInput, existing: readonly EndpointSlice[], addressType: AddressType, max: number, errors: string[]): PortMappingResult {
  const svc = input.service;
  let toDelete: EndpointSlice[] = [];
  const existingByPorts = new Map<string, EndpointSlice[]>();
  for (const slice of existing) {
    if (!sliceOwnedBy(slice, svc)) {
      toDelete.push(slice);
      continue;
    }
    const key = portMapKey([...(slice.ports ?? [])]);
    existingByPorts.set(key, [...(existingByPorts.get(key) ?? []), slice]);
  }

  const desiredPorts = new Map<string, EndpointPort[]>();
  const desired = new Map<string, Map<string, Endpoint>>();
  const svcName = `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
  for (const pod of input.pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(svc, pod);
    const key = portMapKey(ports);
    if (!desired.has(key)) desired.set(key, new Map());
    if (!desiredPorts.has(key)) desiredPorts.set(key, ports);
    const nodeName = pod.spec?.nodeName ?? '';
    const node = input.nodeOf(nodeName);
    if (node === undefined && svc.spec?.publishNotReadyAddresses !== true) {
      errors.push(`skipping Pod ${pod.metadata?.name ?? ''} for Service ${svcName}: Node ${nodeName} Not Found`);
      continue;
    }
    const ep = podToEndpoint(pod, node, svc, addressType);
    if (ep.addresses.length > 0) desired.get(key)?.set(endpointKey(ep), ep);
  }

  let toCreate: EndpointSlice[] = [];
  let toUpdate: EndpointSlice[] = [];
  for (const [key, endpoints] of desired) {
    const r = reconcileByPortMapping(svc, existingByPorts.get(key) ?? [], endpoints, desiredPorts.get(key) ?? [], addressType, max);
    toCreate.push(...r.create);
    toUpdate.push(...r.update);
    toDelete.push(...r.delete);
  }
  // Port sets no longer wanted: all their slices go.
  for (const [key, slices] of existingByPorts) if (!desired.has(key)) toDelete.push(...slices);

  // No slice would be left: keep (or make) one empty placeholder.
  if (existing.length === toDelete.length && toCreate.length < 1) {
    const placeholder = newEndpointSlice(svc, [], addressType);
    const only = toDelete[0];
    if (toDelete.length === 1 && only !== undefined && isPlaceholder(only, placeholder)) toDelete = [];
    else toCreate.push(placeholder);
  }

  // Hints: zone hints for ready endpoints under trafficDistribution PreferClose (unchanged slices
  // whose hints are off are updated too); otherwise none on what is written.
  if (usesPreferClose(svc)) {
    const changed = new Set([...toUpdate, ...toDelete].map((s) => s.metadata?.name ?? ''));
    for (const slice of existing) {
      if (!changed.has(slice.metadata?.name ?? '') && needsZoneHints(slice)) toUpdate.push(cloneJson(slice));
    }
    for (const slice of [...toCreate, ...toUpdate]) addZoneHints(slice);
  } else {
    for (const slice of [...toCreate, ...toUpdate]) removeHints(slice);
  }

  // finalize: a slice to create takes over one to delete (same type, owned by this Service).
  for (let i = 0; i < toDelete.length;) {
    const victim = toDelete[i];
    const fresh = toCreate[toCreate.length - 1];
    if (fresh === undefined || victim === undefined) break;
    if (victim.addressType === fresh.addressType && sliceOwnedBy(victim, svc)) {
      fresh.metadata = { ...fresh.metadata, name: victim.metadata?.name ?? '' };
      toCreate = toCreate.slice(0, -1);
      toUpdate = [...toUpdate, fresh];
      toDelete = [...toDelete.slice(0, i), ...toDelete.slice(i + 1)];
    } else {
      i++;
    }
  }
  // Nothing is created for a Service being deleted (the garbage collector would race it).
  if (svc.metadata?.deletionTimestamp !== undefined) toCreate = [];
  return {
    create: toCreate.map((s) => withTriggerTime(s, input.triggerTime)),
    update: toUpdate.map((s) => withTriggerTime(s, input.triggerTime)),
    delete: toDelete,
  };
}

/** Reconcile: every address type the Service serves; slices of other types go. */
export function planEndpointSlices(input: SlicePlanInput): SlicePlan {
  const max = input.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE;
  const types = addressTypesForService(input.service);
  const byType = new Map<string, EndpointSlice[]>();
  const unsupported: EndpointSlice[] = [];
  for (const slice of input.existingSlices) {
    const t = slice.addressType;
    if (t !== 'IPv4' && t !== 'IPv6') {
      unsupported.push(slice);
      continue;
    }
    if (!types.has(t)) {
      unsupported.push(slice);
      continue;
    }
    byType.set(t, [...(byType.get(t) ?? []), slice]);
  }
  const plan: SlicePlan = { create: [], update: [], delete: [], errors: [] };
  for (const t of types) {
    const r = planAddressType(input, byType.get(t) ?? [], t, max, plan.errors);
    plan.create.push(...r.create);
    plan.update.push(...r.update);
    plan.delete.push(...r.delete);
  }
  plan.delete.push(...unsupported);
  return plan;
}
