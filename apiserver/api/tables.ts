// Server-side Table printing (meta.k8s.io/v1 Table) with the columns and cell logic of
// kubernetes/pkg/printers/internalversion/printers.go, which `kubectl get` renders. Pure: the
// current time comes in through `now`.
import type { ObjectMeta } from 'kubernetes-types/meta/v1.d.ts';

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** A kind's own printer: its columns and the cells of one object (priority-1 cells included). */
export interface TableSpec {
  columns: readonly TableColumnDefinition[];
  row(obj: Record<string, unknown>, now: number): { cells: unknown[]; conditions?: TableRowCondition[] };
}

export interface TableOptions {
  /** The `includeObject` query parameter (default Metadata: PartialObjectMetadata per row). */
  includeObject?: IncludeObject;
  /** Wide cells (priority-1 columns). The apiserver always generates them; default true. */
  wide?: boolean;
  /** Current time, ms since the epoch (or a Date). */
  now: number | Date;
  /** The list's resourceVersion / continue token, copied into the Table's metadata. */
  resourceVersion?: string;
  continue?: string;
  /** Omit columnDefinitions (watch events after the first carry none). */
  noHeaders?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Durations

/** duration.HumanDuration (apimachinery util/duration) of a duration in milliseconds. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

function nowMs(now: number | Date): number {
  return typeof now === 'number' ? now : now.getTime();
}

/** translateTimestampSince: `<unknown>` for a missing time, else the human duration since it. */
export function translateTimestampSince(ts: unknown, now: number | Date): string {
  if (typeof ts !== 'string' || ts === '') return '<unknown>';
  const t = Date.parse(ts);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(nowMs(now) - t);
}

// ---------------------------------------------------------------------------------------------
// Column definitions

const DOC = {
  name: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  creationTimestamp: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  podIP: 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
  nodeName: 'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename',
  nominatedNodeName: 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.',
  readinessGates: 'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
  kubeletVersion: 'Kubelet Version reported by the node.',
  addresses: "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).",
  osImage: 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
  kernelVersion: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
  containerRuntimeVersion: 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
  eventLastTimestamp: 'The time at which the most recent occurrence of this event was recorded.',
  eventType: 'Type of this event (Normal, Warning), new types could be added in the future',
  eventReason: "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
  eventInvolvedObject: 'The object that this event is about.',
  fieldPath: 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
  eventSource: 'The component reporting this event. Should be a short machine understandable string.',
  eventMessage: 'A human-readable description of the status of this operation.',
  eventFirstTimestamp: 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
  eventCount: 'The number of times this event has occurred.',
  configMapData: "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
  secretType: 'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types',
  secretData: "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
  serviceAccountSecrets: 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to "true". The "kubernetes.io/enforce-mountable-secrets" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret',
  holderIdentity: 'holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.',
};

export function col(name: string, description: string, priority = 0, format = ''): TableColumnDefinition {
  return { name, type: 'string', format, description, priority };
}

export const NAME = col('Name', DOC.name, 0, 'name');
export const AGE = col('Age', DOC.creationTimestamp);

/** Column definitions by resource (plural, lower case). */
export const COLUMNS: Readonly<Record<string, readonly TableColumnDefinition[]>> = {
  pods: [
    NAME,
    col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE,
    col('IP', DOC.podIP, 1),
    col('Node', DOC.nodeName, 1),
    col('Nominated Node', DOC.nominatedNodeName, 1),
    col('Readiness Gates', DOC.readinessGates, 1),
  ],
  nodes: [
    NAME,
    col('Status', 'The status of the node'),
    col('Roles', 'The roles of the node'),
    AGE,
    col('Version', DOC.kubeletVersion),
    col('Internal-IP', DOC.addresses, 1),
    col('External-IP', DOC.addresses, 1),
    col('OS-Image', DOC.osImage, 1),
    col('Kernel-Version', DOC.kernelVersion, 1),
    col('Container-Runtime', DOC.containerRuntimeVersion, 1),
  ],
  namespaces: [NAME, col('Status', 'The status of the namespace'), AGE],
  events: [
    col('Last Seen', DOC.eventLastTimestamp),
    col('Type', DOC.eventType),
    col('Reason', DOC.eventReason),
    col('Object', DOC.eventInvolvedObject),
    col('Subobject', DOC.fieldPath, 1),
    col('Source', DOC.eventSource, 1),
    col('Message', DOC.eventMessage),
    col('First Seen', DOC.eventFirstTimestamp, 1),
    col('Count', DOC.eventCount, 1),
    col('Name', DOC.name, 1, 'name'),
  ],
  configmaps: [NAME, col('Data', DOC.configMapData), AGE],
  secrets: [NAME, col('Type', DOC.secretType), col('Data', DOC.secretData), AGE],
  serviceaccounts: [NAME, col('Secrets', DOC.serviceAccountSecrets), AGE],
  leases: [NAME, col('Holder', DOC.holderIdentity), AGE],
};

/** The default table for resources without a printer: Name and Age (DefaultTableConvertor). */
const DEFAULT_COLUMNS: readonly TableColumnDefinition[] = [
  { name: 'Name', type: 'string', format: 'name', description: DOC.name, priority: 0 },
  { name: 'Created At', type: 'date', format: '', description: DOC.creationTimestamp, priority: 0 },
];

// ---------------------------------------------------------------------------------------------
// Rows

type Obj = Record<string, unknown>;

function o(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}
function s(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
function objs(v: unknown): Obj[] {
  return Array.isArray(v) ? (v as unknown[]).map(o) : [];
}
function n(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}
function meta(obj: unknown): Obj {
  return o(o(obj)['metadata']);
}

interface Row {
  cells: unknown[];
  conditions?: TableRowCondition[];
}

function isRestartableInit(c: Obj | undefined): boolean {
  return c?.['restartPolicy'] === 'Always';
}

function later(a: string, b: unknown): string {
  const bs = s(b);
  if (bs === '') return a;
  if (a === '') return bs;
  return Date.parse(bs) > Date.parse(a) ? bs : a;
}

/** The pod row exactly as printPod builds it (READY, STATUS, RESTARTS, …). */
export function podRow(pod: unknown, now: number | Date, wide = true): Row {
  const spec = o(o(pod)['spec']);
  const status = o(o(pod)['status']);
  const m = meta(pod);
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = objs(spec['containers']).length;
  let readyContainers = 0;
  let lastRestartDate = '';
  let lastRestartableInitRestartDate = '';
  const phase = s(status['phase']);
  let reason = s(status['reason']) !== '' ? s(status['reason']) : phase;
  const conditions = objs(status['conditions']);
  for (const c of conditions) {
    if (c['type'] === 'PodScheduled' && c['reason'] === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const row: Row = { cells: [] };
  if (phase === 'Succeeded') row.conditions = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
  else if (phase === 'Failed') row.conditions = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

  const initSpecs = objs(spec['initContainers']);
  const initContainers = new Map(initSpecs.map((c) => [s(c['name']), c]));
  for (const c of initSpecs) if (isRestartableInit(c)) totalContainers++;

  let initializing = false;
  const initStatuses = objs(status['initContainerStatuses']);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i] ?? {};
    restarts += n(cs['restartCount']);
    const lastTerm = o(o(cs['lastState'])['terminated']);
    if ('finishedAt' in lastTerm) lastRestartDate = later(lastRestartDate, lastTerm['finishedAt']);
    const restartable = isRestartableInit(initContainers.get(s(cs['name'])));
    if (restartable) {
      restartableInitRestarts += n(cs['restartCount']);
      if ('finishedAt' in lastTerm) lastRestartableInitRestartDate = later(lastRestartableInitRestartDate, lastTerm['finishedAt']);
    }
    const state = o(cs['state']);
    const terminated = state['terminated'] === undefined || state['terminated'] === null ? undefined : o(state['terminated']);
    const waiting = state['waiting'] === undefined || state['waiting'] === null ? undefined : o(state['waiting']);
    if (terminated !== undefined && n(terminated['exitCode']) === 0) continue;
    if (restartable && cs['started'] === true) {
      if (cs['ready'] === true) readyContainers++;
      continue;
    }
    if (terminated !== undefined) {
      if (s(terminated['reason']) === '') {
        reason = n(terminated['signal']) !== 0 ? `Init:Signal:${n(terminated['signal'])}` : `Init:ExitCode:${n(terminated['exitCode'])}`;
      } else reason = `Init:${s(terminated['reason'])}`;
    } else if (waiting !== undefined && s(waiting['reason']) !== '' && waiting['reason'] !== 'PodInitializing') {
      reason = `Init:${s(waiting['reason'])}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  const initializedTrue = conditions.some((c) => c['type'] === 'Initialized' && c['status'] === 'True');
  if (!initializing || initializedTrue) {
    restarts = restartableInitRestarts;
    lastRestartDate = lastRestartableInitRestartDate;
    let hasRunning = false;
    const statuses = objs(status['containerStatuses']);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i] ?? {};
      restarts += n(cs['restartCount']);
      const lastTerm = o(o(cs['lastState'])['terminated']);
      if ('finishedAt' in lastTerm) lastRestartDate = later(lastRestartDate, lastTerm['finishedAt']);
      const state = o(cs['state']);
      const waiting = state['waiting'] === undefined || state['waiting'] === null ? undefined : o(state['waiting']);
      const terminated = state['terminated'] === undefined || state['terminated'] === null ? undefined : o(state['terminated']);
      const running = state['running'] !== undefined && state['running'] !== null;
      if (waiting !== undefined && s(waiting['reason']) !== '') reason = s(waiting['reason']);
      else if (terminated !== undefined && s(terminated['reason']) !== '') reason = s(terminated['reason']);
      else if (terminated !== undefined) {
        reason = n(terminated['signal']) !== 0 ? `Signal:${n(terminated['signal'])}` : `ExitCode:${n(terminated['exitCode'])}`;
      } else if (cs['ready'] === true && running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditions.some((c) => c['type'] === 'Ready' && c['status'] === 'True') ? 'Running' : 'NotReady';
    }
  }

  const deleting = m['deletionTimestamp'] !== undefined && m['deletionTimestamp'] !== null;
  if (deleting && status['reason'] === 'NodeLost') reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestartDate !== '') restartsStr = `${restarts} (${translateTimestampSince(lastRestartDate, now)} ago)`;

  row.cells.push(s(m['name']), `${readyContainers}/${totalContainers}`, reason, restartsStr, translateTimestampSince(m['creationTimestamp'], now));
  if (wide) {
    const podIPs = objs(status['podIPs']);
    const podIP = s(podIPs[0]?.['ip']) || '<none>';
    const nodeName = s(spec['nodeName']) || '<none>';
    const nominated = s(status['nominatedNodeName']) || '<none>';
    let readinessGates = '<none>';
    const gates = objs(spec['readinessGates']);
    if (gates.length > 0) {
      let trueConditions = 0;
      for (const g of gates) {
        const c = conditions.find((x) => x['type'] === g['conditionType']);
        if (c?.['status'] === 'True') trueConditions++;
      }
      readinessGates = `${trueConditions}/${gates.length}`;
    }
    row.cells.push(podIP, nodeName, nominated, readinessGates);
  }
  return row;
}

function nodeRow(node: unknown, now: number | Date, wide: boolean): Row {
  const m = meta(node);
  const spec = o(o(node)['spec']);
  const status = o(o(node)['status']);
  const statusParts: string[] = [];
  const ready = objs(status['conditions']).filter((c) => c['type'] === 'Ready').pop();
  if (ready !== undefined) statusParts.push(ready['status'] === 'True' ? 'Ready' : 'NotReady');
  if (statusParts.length === 0) statusParts.push('Unknown');
  if (spec['unschedulable'] === true) statusParts.push('SchedulingDisabled');
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(o(m['labels']))) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role !== '') roles.add(role);
    } else if (k === 'kubernetes.io/role' && s(v) !== '') roles.add(s(v));
  }
  const info = o(status['nodeInfo']);
  const cells: unknown[] = [s(m['name']), statusParts.join(','), [...roles].sort().join(',') || '<none>',
    translateTimestampSince(m['creationTimestamp'], now), s(info['kubeletVersion'])];
  if (wide) {
    const addr = (type: string): string => s(objs(status['addresses']).find((a) => a['type'] === type)?.['address']) || '<none>';
    cells.push(addr('InternalIP'), addr('ExternalIP'), s(info['osImage']) || '<unknown>', s(info['kernelVersion']) || '<unknown>',
      s(info['containerRuntimeVersion']) || '<unknown>');
  }
  return { cells };
}

function eventRow(ev: unknown, now: number | Date, wide: boolean): Row {
  const e = o(ev);
  const first = s(e['firstTimestamp']) !== '' ? translateTimestampSince(e['firstTimestamp'], now) : translateTimestampSince(e['eventTime'], now);
  let last = s(e['lastTimestamp']) !== '' ? translateTimestampSince(e['lastTimestamp'], now) : first;
  let count = n(e['count']);
  const series = e['series'];
  if (series !== undefined && series !== null) {
    last = translateTimestampSince(o(series)['lastObservedTime'], now);
    count = n(o(series)['count']);
  } else if (count === 0) count = 1;
  const io = o(e['involvedObject']);
  const kind = s(io['kind']).toLowerCase();
  const target = s(io['name']) !== '' ? `${kind}/${s(io['name'])}` : kind;
  const message = s(e['message']).trim();
  if (!wide) return { cells: [last, s(e['type']), s(e['reason']), target, message] };
  const source = o(e['source']);
  const component = s(source['component']) || s(e['reportingComponent']);
  const instance = s(source['host']) || s(e['reportingInstance']);
  return {
    cells: [last, s(e['type']), s(e['reason']), target, s(io['fieldPath']), instance === '' ? component : `${component}, ${instance}`,
      message, first, count, s(meta(ev)['name'])],
  };
}

/** Table cells for one object of `resource` (plural). */
export function rowFor(resource: string, obj: unknown, now: number | Date, wide = true): Row {
  const m = meta(obj);
  const age = translateTimestampSince(m['creationTimestamp'], now);
  const name = s(m['name']);
  const x = o(obj);
  switch (resource) {
    case 'pods': return podRow(obj, now, wide);
    case 'nodes': return nodeRow(obj, now, wide);
    case 'namespaces': return { cells: [name, s(o(x['status'])['phase']), age] };
    case 'events': return eventRow(obj, now, wide);
    case 'configmaps': return { cells: [name, Object.keys(o(x['data'])).length + Object.keys(o(x['binaryData'])).length, age] };
    case 'secrets': return { cells: [name, s(x['type']), Object.keys(o(x['data'])).length, age] };
    case 'serviceaccounts': return { cells: [name, objs(x['secrets']).length, age] };
    case 'leases': return { cells: [name, s(o(x['spec'])['holderIdentity']), age] };
    default: return { cells: [name, s(m['creationTimestamp'])] };
  }
}

/** PartialObjectMetadata for a row's object (includeObject=Metadata). */
export function partialObjectMetadata(obj: unknown): { kind: 'PartialObjectMetadata'; apiVersion: 'meta.k8s.io/v1'; metadata: ObjectMeta } {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: meta(obj) };
}

/**
 * Converts objects of `resource` (plural, e.g. 'pods') to a meta.k8s.io/v1 Table as
 * kube-apiserver answers `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
 */
export function toTable(resource: string, objects: readonly unknown[], options: TableOptions, spec?: TableSpec): Table {
  const wide = options.wide ?? true;
  const include = options.includeObject ?? 'Metadata';
  const columns = spec?.columns ?? COLUMNS[resource] ?? DEFAULT_COLUMNS;
  const now = typeof options.now === 'number' ? options.now : options.now.getTime();
  const rows = objects.map((obj): TableRow => {
    const r = spec !== undefined ? spec.row(o(obj), now) : rowFor(resource, obj, options.now, wide);
    const row: TableRow = { cells: r.cells };
    if (r.conditions !== undefined) row.conditions = r.conditions;
    if (include === 'Object') row.object = obj;
    else if (include === 'Metadata') row.object = partialObjectMetadata(obj);
    return row;
  });
  const metadata: Table['metadata'] = {};
  if (options.resourceVersion !== undefined) metadata.resourceVersion = options.resourceVersion;
  if (options.continue !== undefined && options.continue !== '') metadata.continue = options.continue;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: options.noHeaders === true ? [] : columns.map((c) => ({ ...c })),
    rows,
  };
}
