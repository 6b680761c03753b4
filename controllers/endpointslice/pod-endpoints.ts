// What the EndpointSlice and Endpoints controllers ask of a pod and its Services (k8s.io/endpointslice
// util and podutil.FindPort): whether the pod belongs in endpoints at all, whether its hostname is
// published, which container port a Service port targets, which Services select it, and whether
// a pod update can change any endpoint. Pure functions of the objects.
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.d.ts';
import type { Informer } from '../../kube/informers/types.ts';
import { isPodReady, isPodTerminal } from '../framework/pod-state.ts';
import { keyOf, type Enqueue } from '../framework/types.ts';

/** v1.IsHeadlessService: the label both controllers put on the endpoints of a headless Service. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
/** v1.EndpointsLastChangeTriggerTime. */
export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';

/**
 * The Service's selector, or undefined when it selects nothing. An empty selector counts as none:
 * upstream never sees one, since `selector: {}` is dropped (omitempty) on its way through storage.
 */
export function serviceSelector(svc: Service): Record<string, string> | undefined {
  const sel = svc.spec?.selector;
  return sel === undefined || Object.keys(sel).length === 0 ? undefined : sel;
}

/** labels.Set(selector).Matches(labels). */
export function selectorSetMatches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  const have = labels ?? {};
  return Object.entries(selector).every(([k, v]) => have[k] === v);
}

/** The Services in `services` whose selector matches labels (GetPodServiceMemberships). */
export function servicesSelecting(services: readonly Service[], labels: Record<string, string> | undefined): Service[] {
  return services.filter((svc) => {
    const sel = serviceSelector(svc);
    return sel !== undefined && selectorSetMatches(sel, labels);
  });
}


/** The pod's IPs (status.podIPs, else status.podIP). */
export function podIPs(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).flatMap((p) => (p.ip === undefined || p.ip === '' ? [] : [p.ip]));
  if (ips.length > 0) return ips;
  const ip = pod.status?.podIP ?? '';
  return ip === '' ? [] : [ip];
}

/**
 * ShouldPodBeInEndpoints: not terminal (Succeeded/Failed), has an IP, and, unless
 * includeTerminating, not being deleted.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if ((pod.status?.podIP ?? '') === '' && (pod.status?.podIPs ?? []).length === 0) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp !== undefined) return false;
  return true;
}

/** ShouldSetHostname: the pod names a hostname and the Service (same namespace) as its subdomain. */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  const hostname = pod.spec?.hostname ?? '';
  return hostname !== '' && pod.spec?.subdomain === svc.metadata?.name && svc.metadata?.namespace === pod.metadata?.namespace;
}

/**
 * FindPort: a numeric targetPort as it is; a named one looked up (by name and the Service port's
 * protocol) in the containers' ports, then in sidecars' (init containers with restartPolicy
 * Always). undefined: the pod has no such port. An absent targetPort is the port itself (the
 * API server defaults it so).
 */
export function findPort(pod: Pod, svcPort: ServicePort): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  const protocol = svcPort.protocol ?? 'TCP';
  // A string (even "8080") is a port name, as intstr.String.
  if (typeof target === 'number') return target;
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    if (c.restartPolicy !== 'Always') continue;
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const x = a ?? {};
  const y = b ?? {};
  const kx = Object.keys(x);
  return kx.length === Object.keys(y).length && kx.every((k) => y[k] === x[k]);
}

/**
 * podEndpointsChanged: [podChanged, labelsChanged]. The first: a change that may alter the pod's
 * endpoint (deletion began, readiness, IPs); the second: one that may alter which Services select
 * it or its hostname (labels, hostname, subdomain).
 */
export function podEndpointsChanged(oldPod: Pod, newPod: Pod): [boolean, boolean] {
  const labelsChanged = !sameLabels(oldPod.metadata?.labels, newPod.metadata?.labels)
    || (oldPod.spec?.hostname ?? '') !== (newPod.spec?.hostname ?? '')
    || (oldPod.spec?.subdomain ?? '') !== (newPod.spec?.subdomain ?? '');
  if (oldPod.metadata?.deletionTimestamp !== newPod.metadata?.deletionTimestamp) return [true, labelsChanged];
  if (isPodReady(oldPod) !== isPodReady(newPod)) return [true, labelsChanged];
  const oldIPs = (oldPod.status?.podIPs ?? []).map((p) => p.ip);
  const newIPs = (newPod.status?.podIPs ?? []).map((p) => p.ip);
  if (oldIPs.length !== newIPs.length || oldIPs.some((ip, i) => ip !== newIPs[i])) return [true, labelsChanged];
  return [false, labelsChanged];
}

function keyOfService(svc: Service): string {
  return `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
}

/**
 * GetServicesToUpdateOnPodChange: the keys of the Services to resync after a pod update, given the
 * Services of the pod's namespace. A resync (same resourceVersion) or an irrelevant change names
 * none; a label change names the Services gained and lost, or all old and new ones when the
 * endpoint changed too.
 */
export function servicesToUpdateOnPodChange(services: readonly Service[], oldPod: Pod, newPod: Pod): Set<string> {
  if (oldPod.metadata?.resourceVersion === newPod.metadata?.resourceVersion) return new Set();
  const [podChanged, labelsChanged] = podEndpointsChanged(oldPod, newPod);
  if (!podChanged && !labelsChanged) return new Set();
  const current = new Set(servicesSelecting(services, newPod.metadata?.labels).map(keyOfService));
  if (!labelsChanged) return current;
  const old = new Set(servicesSelecting(services, oldPod.metadata?.labels).map(keyOfService));
  if (podChanged) return new Set([...current, ...old]);
  const out = new Set<string>();
  for (const k of current) if (!old.has(k)) out.add(k);
  for (const k of old) if (!current.has(k)) out.add(k);
  return out;
}

/** The keys of the Services selecting a pod (added or deleted). */
export function servicesForPod(services: readonly Service[], pod: Pod): Set<string> {
  return new Set(servicesSelecting(services, pod.metadata?.labels).map(keyOfService));
}

/** time.Time.UTC().Format(time.RFC3339Nano): trailing zeros of the fraction dropped. */
export function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac === '' ? 'Z' : `.${frac}Z`));
}

/**
 * The Service and Pod handlers both endpoint controllers share: a Service change syncs it; a pod
 * change syncs the Services selecting it (before or after, as upstream's podToServices), after
 * the batch period.
 */
export function watchServicesAndPods(services: Informer<Service>, pods: Informer<Pod>, queue: Enqueue, batchMs: number): void {
  const enqueueService = (svc: Service): void => { queue.add(keyOf(svc)); };
  services.addHandler({ add: enqueueService, update: (_old, cur) => { enqueueService(cur); }, delete: enqueueService });
  const enqueueAll = (keys: Set<string>): void => {
    for (const k of keys) queue.addAfter(k, batchMs);
  };
  const onPod = (pod: Pod): void => { enqueueAll(servicesForPod(services.lister.list(pod.metadata?.namespace ?? ''), pod)); };
  pods.addHandler({
    add: onPod,
    update: (oldPod, curPod) => { enqueueAll(servicesToUpdateOnPodChange(services.lister.list(curPod.metadata?.namespace ?? ''), oldPod, curPod)); },
    delete: onPod,
  });
}
