// The metadata of the EndpointSlices this controller manages (k8s.io/endpointslice utils.go):
// their labels (the Service's own, minus the reserved ones, plus service-name, managed-by and the
// headless marker), a new slice's generateName and controller reference, and whether a slice is
// owned by a Service.
import type { Service } from 'kubernetes-types/core/v1.d.ts';
import type { EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import { newControllerRef } from '../framework/owners.ts';
import { isServiceIPSet } from '../../kube/cluster-network.ts';
import { HEADLESS_LABEL } from './pod-endpoints.ts';

import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from '../../kube/discovery-labels.ts';
export { MANAGED_BY_LABEL, SERVICE_NAME_LABEL };
/** The managed-by value of kube-controller-manager's EndpointSlice controller. */
export const CONTROLLER_QUALIFIED_NAME = 'endpointslice-controller.k8s.io';

export type AddressType = 'IPv4' | 'IPv6';

function isReservedLabel(key: string): boolean {
  return key === SERVICE_NAME_LABEL || key === MANAGED_BY_LABEL || key === HEADLESS_LABEL;
}

function withoutReserved(labels: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) if (!isReservedLabel(k)) out[k] = v;
  return out;
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}

/**
 * setEndpointSliceLabels: the labels the slice should carry, and whether its non-reserved labels
 * differ from the Service's (the reserved ones changing alone is no reason to update).
 */
export function sliceLabels(slice: EndpointSlice, svc: Service): { labels: Record<string, string>; changed: boolean } {
  const svcLabels = withoutReserved(svc.metadata?.labels);
  const changed = !sameMap(withoutReserved(slice.metadata?.labels), svcLabels);
  const labels: Record<string, string> = { ...svcLabels };
  if (!isServiceIPSet(svc)) labels[HEADLESS_LABEL] = '';
  labels[SERVICE_NAME_LABEL] = svc.metadata?.name ?? '';
  labels[MANAGED_BY_LABEL] = CONTROLLER_QUALIFIED_NAME;
  return { labels, changed };
}

/** newEndpointSlice: no endpoints yet, generateName "<service>-", controlled by the Service. */
export function newEndpointSlice(svc: Service, ports: EndpointPort[], addressType: AddressType): EndpointSlice {
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata?.name ?? ''}-`,
      namespace: svc.metadata?.namespace ?? '',
      labels: {},
      ownerReferences: [newControllerRef(svc, 'v1', 'Service')],
    },
    addressType,
    endpoints: [],
    ports,
  };
  slice.metadata = { ...slice.metadata, labels: sliceLabels(slice, svc).labels };
  return slice;
}

/** ownedBy: an ownerReference (controller or not) to this very Service. */
export function sliceOwnedBy(slice: EndpointSlice, svc: Service): boolean {
  return (slice.metadata?.ownerReferences ?? []).some((r) => r.uid === svc.metadata?.uid && r.kind === 'Service' && r.apiVersion === 'v1');
}

/** The Service key ("namespace/name") a slice names in its service-name label. */
export function serviceKeyForSlice(slice: EndpointSlice): string | undefined {
  const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL] ?? '';
  return name === '' ? undefined : `${slice.metadata?.namespace ?? ''}/${name}`;
}

/** getAddressTypesForService: from ipFamilies; else the cluster IP's family; headless: both. */
export function addressTypesForService(svc: Service): Set<AddressType> {
  const out = new Set<AddressType>();
  for (const family of svc.spec?.ipFamilies ?? []) {
    if (family === 'IPv4') out.add('IPv4');
    if (family === 'IPv6') out.add('IPv6');
  }
  if (out.size > 0) return out;
  const ip = svc.spec?.clusterIP ?? '';
  if (ip !== '' && ip !== 'None') return new Set([ip.includes(':') ? 'IPv6' : 'IPv4']);
  return new Set(['IPv4', 'IPv6']);
}
