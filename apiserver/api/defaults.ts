// What kube-apiserver adds to an object it stores: scheme defaulting (pkg/apis/core/v1/defaults.go and
// the generated +default markers), the registries' PrepareForCreate/PrepareForUpdate, and the
// default admission plugins that mutate Pods (ServiceAccount, Priority, DefaultTolerationSeconds).
// Pure: every function mutates and returns the object it is given; no I/O, no clock.
import { canonicalQuantity, compareQuantities, parseQuantity } from './quantity.ts';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(parent: Obj, key: string): Obj {
  const v = parent[key];
  if (isObj(v)) return v;
  const created: Obj = {};
  parent[key] = created;
  return created;
}

function list(parent: Obj, key: string): Obj[] {
  const v = parent[key];
  return Array.isArray(v) ? v.filter(isObj) : [];
}

function setIfEmpty(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null || o[key] === '') o[key] = value;
}

/** apiVersion/kind of an object, e.g. ['v1', 'Pod']. */
function gvk(o: Obj): [string, string] {
  return [typeof o['apiVersion'] === 'string' ? o['apiVersion'] : '', typeof o['kind'] === 'string' ? o['kind'] : ''];
}

/** The tag kube's parsers.ParseImageName finds: '' for digests, 'latest' when no tag is given. */
export function imageTag(image: string): string {
  if (image.includes('@')) {
    // name@digest (with or without a tag before the digest)
    const beforeDigest = image.slice(0, image.indexOf('@'));
    const slash = beforeDigest.lastIndexOf('/');
    const colon = beforeDigest.lastIndexOf(':');
    return colon > slash ? beforeDigest.slice(colon + 1) : '';
  }
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : 'latest';
}

// ---------------------------------------------------------------------------------------------
// Scheme defaulting

function defaultResourceList(rl: unknown): void {
  if (!isObj(rl)) return;
  for (const [k, v] of Object.entries(rl)) {
    if (typeof v === 'string') rl[k] = canonicalQuantity(v, true);
    else if (typeof v === 'number') rl[k] = canonicalQuantity(String(v), true);
  }
}

function defaultHTTPGet(h: unknown): void {
  if (!isObj(h)) return;
  setIfEmpty(h, 'path', '/');
  setIfEmpty(h, 'scheme', 'HTTP');
}

function defaultHandler(h: unknown): void {
  if (!isObj(h)) return;
  defaultHTTPGet(h['httpGet']);
  const grpc = h['grpc'];
  if (isObj(grpc) && (grpc['service'] === undefined || grpc['service'] === null)) grpc['service'] = '';
}

function defaultProbe(p: unknown): void {
  if (!isObj(p)) return;
  for (const [k, v] of [['timeoutSeconds', 1], ['periodSeconds', 10], ['successThreshold', 1], ['failureThreshold', 3]] as const) {
    if (p[k] === undefined || p[k] === null || p[k] === 0) p[k] = v;
  }
  defaultHandler(p);
}

function defaultFieldRef(f: unknown): void {
  if (isObj(f)) setIfEmpty(f, 'apiVersion', 'v1');
}

function defaultContainer(c: Obj): void {
  if (c['imagePullPolicy'] === undefined || c['imagePullPolicy'] === '') {
    const image = typeof c['image'] === 'string' ? c['image'] : '';
    c['imagePullPolicy'] = imageTag(image) === 'latest' ? 'Always' : 'IfNotPresent';
  }
  setIfEmpty(c, 'terminationMessagePath', '/dev/termination-log');
  setIfEmpty(c, 'terminationMessagePolicy', 'File');
  for (const p of list(c, 'ports')) setIfEmpty(p, 'protocol', 'TCP');
  for (const e of list(c, 'env')) {
    const vf = e['valueFrom'];
    if (isObj(vf)) defaultFieldRef(vf['fieldRef']);
  }
  const resources = obj(c, 'resources');
  defaultResourceList(resources['limits']);
  defaultResourceList(resources['requests']);
  defaultProbe(c['livenessProbe']);
  defaultProbe(c['readinessProbe']);
  defaultProbe(c['startupProbe']);
  const lifecycle = c['lifecycle'];
  if (isObj(lifecycle)) {
    defaultHandler(lifecycle['postStart']);
    defaultHandler(lifecycle['preStop']);
  }
}

const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile',
  'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume',
  'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
] as const;

/** Names of the volume source fields of core/v1 Volume. */
export const VOLUME_SOURCE_FIELDS: readonly string[] = VOLUME_SOURCES;

function defaultVolume(v: Obj): void {
  if (VOLUME_SOURCES.every((s) => v[s] === undefined || v[s] === null)) v['emptyDir'] = {};
  const defaultMode = (src: unknown): void => {
    if (isObj(src) && (src['defaultMode'] === undefined || src['defaultMode'] === null)) src['defaultMode'] = 420;
  };
  defaultMode(v['secret']);
  defaultMode(v['configMap']);
  defaultMode(v['downwardAPI']);
  defaultMode(v['projected']);
  const hostPath = v['hostPath'];
  if (isObj(hostPath) && (hostPath['type'] === undefined || hostPath['type'] === null)) hostPath['type'] = '';
  const downward = v['downwardAPI'];
  if (isObj(downward)) for (const item of list(downward, 'items')) defaultFieldRef(item['fieldRef']);
  const projected = v['projected'];
  if (isObj(projected)) {
    for (const source of list(projected, 'sources')) {
      const d = source['downwardAPI'];
      if (isObj(d)) for (const item of list(d, 'items')) defaultFieldRef(item['fieldRef']);
      const sat = source['serviceAccountToken'];
      if (isObj(sat) && (sat['expirationSeconds'] === undefined || sat['expirationSeconds'] === null)) sat['expirationSeconds'] = 3600;
    }
  }
}

export function defaultPodSpec(spec: Obj): void {
  setIfEmpty(spec, 'dnsPolicy', 'ClusterFirst');
  setIfEmpty(spec, 'restartPolicy', 'Always');
  if (!isObj(spec['securityContext'])) spec['securityContext'] = {};
  if (typeof spec['terminationGracePeriodSeconds'] !== 'number') spec['terminationGracePeriodSeconds'] = 30;
  setIfEmpty(spec, 'schedulerName', 'default-scheduler');
  for (const c of [...list(spec, 'initContainers'), ...list(spec, 'containers'), ...list(spec, 'ephemeralContainers')]) {
    defaultContainer(c);
  }
  for (const v of list(spec, 'volumes')) defaultVolume(v);
}

function defaultPod(pod: Obj): void {
  const spec = obj(pod, 'spec');
  defaultPodSpec(spec);
  // SetDefaults_Pod: requests default to limits, per container.
  for (const c of [...list(spec, 'containers'), ...list(spec, 'initContainers')]) {
    const resources = obj(c, 'resources');
    const limits = resources['limits'];
    if (isObj(limits)) {
      const requests = obj(resources, 'requests');
      for (const [k, v] of Object.entries(limits)) if (!(k in requests)) requests[k] = v;
    }
  }
  if (typeof spec['enableServiceLinks'] !== 'boolean') spec['enableServiceLinks'] = true;
  if (spec['hostNetwork'] === true) {
    for (const c of [...list(spec, 'containers'), ...list(spec, 'initContainers')]) {
      for (const p of list(c, 'ports')) {
        if (p['hostPort'] === undefined || p['hostPort'] === 0) p['hostPort'] = p['containerPort'];
      }
    }
  }
  // The v1 conversion mirrors serviceAccountName into the deprecated serviceAccount field.
  if (typeof spec['serviceAccountName'] === 'string' && spec['serviceAccountName'] !== '') {
    spec['serviceAccount'] = spec['serviceAccountName'];
  } else if (typeof spec['serviceAccount'] === 'string' && spec['serviceAccount'] !== '') {
    spec['serviceAccountName'] = spec['serviceAccount'];
  }
}

/**
 * Scheme defaulting for the served kinds, as on every decode of a request body (create, update,
 * patch). Idempotent. Unknown kinds are returned unchanged.
 */
export function applyDefaults<T>(object: T): T {
  if (!isObj(object)) return object;
  const [apiVersion, kind] = gvk(object);
  if (apiVersion === 'v1') {
    switch (kind) {
      case 'Pod':
        defaultPod(object);
        break;
      case 'Namespace': {
        const meta = obj(object, 'metadata');
        if (typeof meta['name'] === 'string' && meta['name'] !== '') {
          obj(meta, 'labels')['kubernetes.io/metadata.name'] = meta['name'];
        }
        setIfEmpty(obj(object, 'status'), 'phase', 'Active');
        break;
      }
      case 'Secret': {
        setIfEmpty(object, 'type', 'Opaque');
        // Conversion to the internal type folds stringData into data (base64 in JSON) and drops it.
        const stringData = object['stringData'];
        if (isObj(stringData)) {
          const data = obj(object, 'data');
          for (const [k, v] of Object.entries(stringData)) {
            data[k] = Buffer.from(typeof v === 'string' ? v : String(v), 'utf8').toString('base64');
          }
        }
        delete object['stringData'];
        break;
      }
      case 'Node': {
        const status = object['status'];
        if (isObj(status)) {
          if (isObj(status['capacity'])) defaultResourceList(status['capacity']);
          if (isObj(status['allocatable'])) defaultResourceList(status['allocatable']);
          if ((status['allocatable'] === undefined || status['allocatable'] === null) && isObj(status['capacity'])) {
            status['allocatable'] = { ...status['capacity'] };
          }
        }
        break;
      }
      case 'Event':
        // reportingComponent / reportingInstance are not omitempty in core/v1 Event.
        setIfEmpty(object, 'reportingComponent', '');
        setIfEmpty(object, 'reportingInstance', '');
        break;
      default:
    }
  }
  return object;
}

// ---------------------------------------------------------------------------------------------
// PrepareForCreate and mutating admission

const BUILTIN_PRIORITY: Record<string, number> = {
  'system-node-critical': 2000001000,
  'system-cluster-critical': 2000000000,
};

const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';

/** The DefaultTolerationSeconds admission plugin (300 s for not-ready and unreachable). */
function addDefaultTolerations(spec: Obj): void {
  const tolerations = list(spec, 'tolerations');
  const tolerates = (taint: string): boolean => tolerations.some((t) => {
    const key = typeof t['key'] === 'string' ? t['key'] : '';
    const effect = typeof t['effect'] === 'string' ? t['effect'] : '';
    return (key === taint || key === '') && (effect === 'NoExecute' || effect === '');
  });
  const add: Obj[] = [];
  if (!tolerates(NOT_READY_TAINT)) {
    add.push({ key: NOT_READY_TAINT, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  if (!tolerates(UNREACHABLE_TAINT)) {
    add.push({ key: UNREACHABLE_TAINT, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  const existing: unknown[] = Array.isArray(spec['tolerations']) ? (spec['tolerations'] as unknown[]) : [];
  if (add.length > 0) spec['tolerations'] = [...existing, ...add];
}

type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** qos.GetPodQOS over cpu and memory of containers and init containers. */
export function podQOSClass(pod: unknown): QosClass {
  if (!isObj(pod)) return 'BestEffort';
  const spec = isObj(pod['spec']) ? pod['spec'] : {};
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let isGuaranteed = true;
  const supported = new Set(['cpu', 'memory']);
  for (const c of [...list(spec, 'containers'), ...list(spec, 'initContainers')]) {
    const res = isObj(c['resources']) ? c['resources'] : {};
    const req = isObj(res['requests']) ? res['requests'] : {};
    const lim = isObj(res['limits']) ? res['limits'] : {};
    for (const [name, raw] of Object.entries(req)) {
      if (!supported.has(name)) continue;
      const q = parseQuantity(String(raw));
      if (q === undefined || q.nanos === 0n) continue;
      requests.set(name, (requests.get(name) ?? 0n) + q.nanos);
    }
    const qosLimitsFound = new Set<string>();
    for (const [name, raw] of Object.entries(lim)) {
      if (!supported.has(name)) continue;
      const q = parseQuantity(String(raw));
      if (q === undefined || q.nanos === 0n) continue;
      qosLimitsFound.add(name);
      limits.set(name, (limits.get(name) ?? 0n) + q.nanos);
    }
    if (!(qosLimitsFound.has('cpu') && qosLimitsFound.has('memory'))) isGuaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (isGuaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (lim === undefined || lim !== req) {
        isGuaranteed = false;
        break;
      }
    }
  }
  return isGuaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/**
 * What the apiserver does to a new object after defaulting: the registry's PrepareForCreate
 * (Pod status Pending + qosClass, Namespace finalizers and phase, status dropped where the
 * registry drops it) and the default mutating admission plugins for Pods (ServiceAccount's
 * serviceAccountName, Priority, DefaultTolerationSeconds). Does not set uid, creationTimestamp,
 * resourceVersion or generation: storage owns those.
 */
export function prepareForCreate<T>(input: T): T {
  if (!isObj(input)) return input;
  const object: Obj = input;
  applyDefaults(object);
  const [apiVersion, kind] = gvk(object);
  if (apiVersion !== 'v1') return input;
  switch (kind) {
    case 'Pod': {
      const spec = obj(object, 'spec');
      setIfEmpty(spec, 'serviceAccountName', 'default');
      spec['serviceAccount'] = spec['serviceAccountName'];
      const pc = typeof spec['priorityClassName'] === 'string' ? spec['priorityClassName'] : '';
      if (typeof spec['priority'] !== 'number') spec['priority'] = BUILTIN_PRIORITY[pc] ?? 0;
      setIfEmpty(spec, 'preemptionPolicy', 'PreemptLowerPriority');
      addDefaultTolerations(spec);
      object['status'] = { phase: 'Pending', qosClass: podQOSClass(object) };
      break;
    }
    case 'Namespace': {
      const spec = obj(object, 'spec');
      const finalizers = Array.isArray(spec['finalizers']) ? (spec['finalizers'] as unknown[]) : [];
      if (!finalizers.includes('kubernetes')) spec['finalizers'] = [...finalizers, 'kubernetes'];
      object['status'] = { phase: 'Active' };
      break;
    }
    default:
  }
  return input;
}

/** Resources whose main endpoint ignores status changes, and whose /status ignores spec changes. */
const STATUS_SPLIT = new Set(['Pod', 'Node', 'Namespace']);

/**
 * The registry's PrepareForUpdate: a PUT/PATCH on the main resource keeps the old status (Pod,
 * Node, Namespace); one on `/status` keeps the old spec (and, for Pods,
 * the old ownerReferences). Namespace spec.finalizers can only change through
 * /finalize, so it is kept from the old object. Mutates and returns `newObj`.
 */
export function prepareForUpdate<T>(input: T, oldObj: unknown, subresource: '' | 'status' = ''): T {
  if (!isObj(input) || !isObj(oldObj)) return input;
  const newObj: Obj = input;
  applyDefaults(newObj);
  const [, kind] = gvk(newObj);
  if (!STATUS_SPLIT.has(kind)) return input;
  if (subresource === '') {
    if (oldObj['status'] === undefined) delete newObj['status'];
    else newObj['status'] = structuredClone(oldObj['status']);
    if (kind === 'Namespace') {
      const oldSpec = isObj(oldObj['spec']) ? oldObj['spec'] : {};
      const newSpec = obj(newObj, 'spec');
      if (oldSpec['finalizers'] === undefined) delete newSpec['finalizers'];
      else newSpec['finalizers'] = structuredClone(oldSpec['finalizers']);
    }
  } else {
    if (oldObj['spec'] === undefined) delete newObj['spec'];
    else newObj['spec'] = structuredClone(oldObj['spec']);
    if (kind === 'Pod') {
      // pods/status may not touch owner references (podStatusStrategy).
      const oldMeta = isObj(oldObj['metadata']) ? oldObj['metadata'] : {};
      const newMeta = obj(newObj, 'metadata');
      if (oldMeta['ownerReferences'] === undefined) delete newMeta['ownerReferences'];
      else newMeta['ownerReferences'] = structuredClone(oldMeta['ownerReferences']);
    }
  }
  return input;
}

/** Compares two quantity strings; undefined when either does not parse. */
export function compareQuantityStrings(a: string, b: string): number | undefined {
  const qa = parseQuantity(a);
  const qb = parseQuantity(b);
  return qa === undefined || qb === undefined ? undefined : compareQuantities(qa, qb);
}
