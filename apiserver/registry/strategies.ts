// Per-kind behaviour of the generic registry, after kube's registry strategies: what create
// resets, whether status is a separate subresource, how pods are deleted gracefully, and the events.k8s.io/v1 <-> core/v1 Event conversion.
import { compareQuantities, parseQuantity, type Quantity } from '../api/quantity.ts';
import type { KubeObject } from '../storage/types.ts';
import type { ResourceInfo } from '../resources.ts';
import { isRecord, meta, section, str } from './object-meta.ts';

export interface DeleteOptionsBody {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  dryRun?: string[];
}

export interface Strategy {
  /** status is written only through the status subresource. */
  statusSubresource: boolean;
  /** PUT without metadata.resourceVersion overwrites unconditionally. */
  allowUnconditionalUpdate: boolean;
  prepareForCreate(obj: KubeObject): void;
  /** Runs on every create and update before validation (e.g. Secret stringData -> data). */
  normalize?(obj: KubeObject): void;
  /** Seconds of grace for a delete (0 = remove now); undefined for kinds without graceful delete. */
  gracePeriod?(obj: KubeObject, options: DeleteOptionsBody): number;
  /** Converts from the served version to the stored form and back (only events.k8s.io). */
  toStorage?(obj: KubeObject): KubeObject;
  fromStorage?(obj: KubeObject): KubeObject;
}

function get(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (!isRecord(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

function s(obj: unknown, path: string): string {
  const v = get(obj, path);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

const plain = (_namespaced: boolean): Strategy => ({
  statusSubresource: false,
  allowUnconditionalUpdate: true,
  prepareForCreate: () => undefined,
});

const podStrategy: Strategy = {
  statusSubresource: true,
  allowUnconditionalUpdate: true,
  prepareForCreate(obj) {
    const status: Record<string, unknown> = { phase: 'Pending' };
    const qos = qosClass(obj);
    if (qos !== undefined) status['qosClass'] = qos;
    obj['status'] = status;
  },
  gracePeriod(obj, options) {
    const spec = isRecord(obj['spec']) ? obj['spec'] : {};
    let grace = options.gracePeriodSeconds ?? (typeof spec['terminationGracePeriodSeconds'] === 'number' ? spec['terminationGracePeriodSeconds'] : 30);
    const phase = s(obj, 'status.phase');
    if (str(spec['nodeName']) === undefined || str(spec['nodeName']) === '') grace = 0;
    if (phase === 'Succeeded' || phase === 'Failed') grace = 0;
    return Math.max(0, grace);
  },
};

function quantity(v: unknown): Quantity | undefined {
  if (typeof v === 'number') return parseQuantity(String(v));
  return typeof v === 'string' ? parseQuantity(v) : undefined;
}

/** The pod's QoS class from its containers' requests and limits (Guaranteed/Burstable/BestEffort). */
export function qosClass(pod: KubeObject): string | undefined {
  const spec = pod['spec'];
  if (!isRecord(spec)) return undefined;
  const containers: unknown[] = [spec['initContainers'], spec['containers']].flatMap((c): unknown[] => (Array.isArray(c) ? c : []));
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const res = isRecord(c) && isRecord(c['resources']) ? c['resources'] : {};
    const req = isRecord(res['requests']) ? res['requests'] : {};
    const lim = isRecord(res['limits']) ? res['limits'] : {};
    if (Object.keys(req).length > 0 || Object.keys(lim).length > 0) any = true;
    for (const r of ['cpu', 'memory']) {
      const l = quantity(lim[r]);
      const q = quantity(req[r]) ?? l;
      if (l === undefined || q === undefined || compareQuantities(q, l) !== 0) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

const nodeStrategy: Strategy = {
  statusSubresource: true,
  allowUnconditionalUpdate: true,
  prepareForCreate: () => undefined,
};

const namespaceStrategy: Strategy = {
  statusSubresource: true,
  allowUnconditionalUpdate: true,
  prepareForCreate(obj) {
    obj['status'] = { phase: 'Active' };
    const spec = section(obj, 'spec');
    const fin = Array.isArray(spec['finalizers']) ? (spec['finalizers'] as unknown[]) : [];
    if (!fin.includes('kubernetes')) spec['finalizers'] = [...fin, 'kubernetes'];
    // kube labels every namespace with its own name.
    const m = meta(obj);
    m.labels = { ...(m.labels ?? {}), 'kubernetes.io/metadata.name': m.name ?? '' };
  },
};

const coreEventStrategy: Strategy = plain(true);

function copyIf(from: Record<string, unknown>, fk: string, to: Record<string, unknown>, tk: string): void {
  if (from[fk] !== undefined && from[fk] !== null) to[tk] = from[fk];
}

/** events.k8s.io/v1 Event -> stored core/v1 Event. */
export function eventFromEventsV1(e: KubeObject): KubeObject {
  const out: KubeObject = { apiVersion: 'v1', kind: 'Event', metadata: e.metadata ?? {} };
  copyIf(e, 'regarding', out, 'involvedObject');
  copyIf(e, 'note', out, 'message');
  for (const k of ['reason', 'type', 'eventTime', 'series', 'action', 'related', 'reportingInstance']) copyIf(e, k, out, k);
  copyIf(e, 'reportingController', out, 'reportingComponent');
  copyIf(e, 'deprecatedSource', out, 'source');
  copyIf(e, 'deprecatedFirstTimestamp', out, 'firstTimestamp');
  copyIf(e, 'deprecatedLastTimestamp', out, 'lastTimestamp');
  copyIf(e, 'deprecatedCount', out, 'count');
  out['involvedObject'] ??= {};
  return out;
}

/** Stored core/v1 Event -> events.k8s.io/v1 Event. */
export function eventToEventsV1(e: KubeObject): KubeObject {
  const out: KubeObject = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: e.metadata ?? {} };
  copyIf(e, 'involvedObject', out, 'regarding');
  copyIf(e, 'message', out, 'note');
  for (const k of ['reason', 'type', 'eventTime', 'series', 'action', 'related', 'reportingInstance']) copyIf(e, k, out, k);
  copyIf(e, 'reportingComponent', out, 'reportingController');
  copyIf(e, 'source', out, 'deprecatedSource');
  copyIf(e, 'firstTimestamp', out, 'deprecatedFirstTimestamp');
  copyIf(e, 'lastTimestamp', out, 'deprecatedLastTimestamp');
  copyIf(e, 'count', out, 'deprecatedCount');
  return out;
}

const eventsV1Strategy: Strategy = {
  ...plain(true),
  toStorage: eventFromEventsV1,
  fromStorage: eventToEventsV1,
};

const secretStrategy: Strategy = {
  ...plain(true),
  prepareForCreate(obj) {
    obj['type'] ??= 'Opaque';
  },
  normalize(obj) {
    const stringData = obj['stringData'];
    if (!isRecord(stringData)) return;
    const data = section(obj, 'data');
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    delete obj['stringData'];
  },
};

export function strategyFor(r: ResourceInfo): Strategy {
  switch (`${r.group}/${r.resource}`) {
    case '/pods': return podStrategy;
    case '/nodes': return nodeStrategy;
    case '/namespaces': return namespaceStrategy;
    case '/events': return coreEventStrategy;
    case 'events.k8s.io/events': return eventsV1Strategy;
    case '/secrets': return secretStrategy;
    default: return plain(r.namespaced);
  }
}
