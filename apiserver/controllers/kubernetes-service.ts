// The `default/kubernetes` Service and its endpoints, as kube-apiserver's kubernetesservice
// controller and lease endpoint reconciler keep them: the Service (the range's first address,
// port `https` 443/TCP to the server's secure port, labels provider=kubernetes and
// component=apiserver), the Endpoints (labelled endpointslice.kubernetes.io/skip-mirror) and the
// EndpointSlice (labelled kubernetes.io/service-name) pointing at the address pods reach the
// server on. Checked at start and every 10 s (EndpointInterval): what was deleted comes back,
// what was changed is put right. `planKubernetesService` decides; the controller reads and writes.
import type { Clock, Timer } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { jsonEqual } from '../api/validation.ts';
import { isRecord } from '../registry/object-meta.ts';
import type { Registry } from '../registry/registry.ts';
import type { KubeObject } from '../storage/types.ts';
import { ApiError } from '../api/errors.ts';
import { SERVICE_NAME_LABEL, SKIP_MIRROR_LABEL as SKIP_MIRROR } from '../../kube/discovery-labels.ts';

export const KUBERNETES_SERVICE = { namespace: 'default', name: 'kubernetes', portName: 'https', port: 443 } as const;
/** controlplane's DefaultEndpointReconcilerInterval. */
export const KUBERNETES_SERVICE_INTERVAL_MS = 10_000;

export interface KubernetesServiceFacts {
  /** The Service's ClusterIP (the service range's first address). */
  clusterIP: string;
  /** The server's secure port: the target port and the endpoints' port. */
  port: number;
  /** Where pods reach the server (--advertise-address). */
  address: string;
}

export interface Observed {
  service?: KubeObject | undefined;
  endpoints?: KubeObject | undefined;
  slice?: KubeObject | undefined;
}

export type Action =
  | { op: 'create'; resource: 'services' | 'endpoints' | 'endpointslices'; object: KubeObject }
  | { op: 'update'; resource: 'services' | 'endpoints' | 'endpointslices'; object: KubeObject }
  | { op: 'delete'; resource: 'endpointslices'; name: string };

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);

function objectMeta(labels: Record<string, string>): Record<string, unknown> {
  return { name: KUBERNETES_SERVICE.name, namespace: KUBERNETES_SERVICE.namespace, labels };
}

function servicePorts(f: KubernetesServiceFacts): Record<string, unknown>[] {
  return [{ name: KUBERNETES_SERVICE.portName, protocol: 'TCP', port: KUBERNETES_SERVICE.port, targetPort: f.port }];
}

export function desiredService(f: KubernetesServiceFacts): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: objectMeta({ component: 'apiserver', provider: 'kubernetes' }),
    spec: { type: 'ClusterIP', clusterIP: f.clusterIP, sessionAffinity: 'None', ports: servicePorts(f) },
  };
}

function endpointsSubsets(f: KubernetesServiceFacts): Record<string, unknown>[] {
  return [{ addresses: [{ ip: f.address }], ports: [{ name: KUBERNETES_SERVICE.portName, port: f.port, protocol: 'TCP' }] }];
}

function slicePorts(f: KubernetesServiceFacts): Record<string, unknown>[] {
  return [{ name: KUBERNETES_SERVICE.portName, port: f.port, protocol: 'TCP' }];
}

function sliceEndpoints(f: KubernetesServiceFacts): Record<string, unknown>[] {
  return [{ addresses: [f.address], conditions: { ready: true } }];
}

export function desiredEndpoints(f: KubernetesServiceFacts): KubeObject {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: objectMeta({ [SKIP_MIRROR]: 'true' }), subsets: endpointsSubsets(f) };
}

export function desiredSlice(f: KubernetesServiceFacts): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: objectMeta({ [SERVICE_NAME_LABEL]: KUBERNETES_SERVICE.name }),
    addressType: 'IPv4', endpoints: sliceEndpoints(f), ports: slicePorts(f),
  };
}

/** The fields a comparison looks at, as they read once stored (defaults filled in). */
function pick(items: Record<string, unknown>[], keys: readonly string[]): Record<string, unknown>[] {
  return items.map((i) => Object.fromEntries(keys.filter((k) => i[k] !== undefined && i[k] !== null).map((k) => [k, i[k]])));
}

/** getMasterServiceUpdateIfNeeded: one port named https, 443/TCP to the secure port, type ClusterIP. */
function serviceNeedsUpdate(svc: KubeObject, f: KubernetesServiceFacts): boolean {
  const spec = rec(svc['spec']);
  const want = pick(servicePorts(f), ['name', 'protocol', 'port', 'targetPort']);
  return spec['type'] !== 'ClusterIP' || !jsonEqual(pick(list(spec['ports']), ['name', 'protocol', 'port', 'targetPort']), want);
}

/** What to create, update or delete so the three objects are as kube-apiserver keeps them. */
export function planKubernetesService(observed: Observed, f: KubernetesServiceFacts): Action[] {
  const actions: Action[] = [];
  const { service, endpoints, slice } = observed;
  if (service === undefined) {
    actions.push({ op: 'create', resource: 'services', object: desiredService(f) });
  } else if (serviceNeedsUpdate(service, f)) {
    const next = structuredClone(service);
    next['spec'] = { ...rec(next['spec']), type: 'ClusterIP', ports: servicePorts(f) };
    actions.push({ op: 'update', resource: 'services', object: next });
  }
  const ep = desiredEndpoints(f);
  if (endpoints === undefined) {
    actions.push({ op: 'create', resource: 'endpoints', object: ep });
  } else {
    const subsets = list(endpoints['subsets']).map((ss) => ({
      addresses: pick(list(ss['addresses']), ['ip']),
      ports: pick(list(ss['ports']), ['name', 'port', 'protocol']),
    }));
    if (!jsonEqual(subsets, ep['subsets']) || !jsonEqual(rec(endpoints.metadata?.labels), ep.metadata?.labels)) {
      actions.push({ op: 'update', resource: 'endpoints', object: { ...structuredClone(endpoints), metadata: { ...endpoints.metadata, labels: ep.metadata?.labels }, subsets: ep['subsets'] } });
    }
  }
  const want = desiredSlice(f);
  if (slice !== undefined && slice['addressType'] !== 'IPv4') {
    // the address type is immutable: a slice of another family goes, and a new one comes
    actions.push({ op: 'delete', resource: 'endpointslices', name: KUBERNETES_SERVICE.name });
    actions.push({ op: 'create', resource: 'endpointslices', object: want });
  } else if (slice === undefined) {
    actions.push({ op: 'create', resource: 'endpointslices', object: want });
  } else {
    const same = jsonEqual(pick(list(slice['endpoints']), ['addresses', 'conditions']).map((e) => ({ ...e, conditions: { ready: rec(e['conditions'])['ready'] } })), want['endpoints'])
      && jsonEqual(pick(list(slice['ports']), ['name', 'port', 'protocol']), want['ports'])
      && jsonEqual(rec(slice.metadata?.labels), want.metadata?.labels);
    if (!same) {
      actions.push({ op: 'update', resource: 'endpointslices', object: { ...structuredClone(slice), metadata: { ...slice.metadata, labels: want.metadata?.labels }, endpoints: want['endpoints'], ports: want['ports'] } });
    }
  }
  return actions;
}

export interface KubernetesServiceOptions extends KubernetesServiceFacts {
  registry: Registry;
  clock: Clock;
  log: Logger;
  intervalMs?: number;
}

const GROUPS = { services: ['', 'v1'], endpoints: ['', 'v1'], endpointslices: ['discovery.k8s.io', 'v1'] } as const;

export class KubernetesServiceController {
  private timer: Timer | undefined;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly o: KubernetesServiceOptions) {}

  start(): void {
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** Waits until the current pass is over; for tests. */
  idle(): Promise<void> {
    return this.running;
  }

  private tick(): void {
    if (this.stopped) return;
    this.running = this.running.then(() => this.sync()).catch((err: unknown) => {
      this.o.log.warn({ err }, 'could not reconcile the kubernetes service');
    });
    this.timer = this.o.clock.setTimer(this.o.intervalMs ?? KUBERNETES_SERVICE_INTERVAL_MS, () => { this.tick(); });
  }

  private store(resource: keyof typeof GROUPS): ReturnType<Registry['store']> {
    const [group, version] = GROUPS[resource];
    return this.o.registry.store(group, version, resource);
  }

  private async read(resource: keyof typeof GROUPS): Promise<KubeObject | undefined> {
    try {
      return await this.store(resource).get(KUBERNETES_SERVICE.namespace, KUBERNETES_SERVICE.name);
    } catch (err) {
      if (err instanceof ApiError && err.status.reason === 'NotFound') return undefined;
      throw err;
    }
  }

  /** One pass: read the three objects, write what the plan says. */
  async sync(): Promise<void> {
    if (this.stopped) return;
    const observed: Observed = { service: await this.read('services'), endpoints: await this.read('endpoints'), slice: await this.read('endpointslices') };
    const ns = KUBERNETES_SERVICE.namespace;
    for (const a of planKubernetesService(observed, this.o)) {
      try {
        if (a.op === 'create') await this.store(a.resource).create(ns, a.object);
        else if (a.op === 'update') await this.store(a.resource).update(ns, KUBERNETES_SERVICE.name, a.object, undefined);
        else await this.store(a.resource).delete(ns, a.name);
        this.o.log.info({ resource: a.resource, op: a.op }, 'reconciled the kubernetes service');
      } catch (err) {
        // someone else wrote in between: the next pass sees what they wrote
        if (err instanceof ApiError && ['AlreadyExists', 'Conflict', 'NotFound'].includes(err.status.reason ?? '')) continue;
        throw err;
      }
    }
  }
}
