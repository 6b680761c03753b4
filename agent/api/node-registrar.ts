// Node registration and node status (the kubelet's kubelet_node_status.go): create the Node with
// default labels, capacity/allocatable, addresses, daemon endpoint, node info and conditions, or
// adopt an existing one (reconciling the default labels). Then every statusUpdateMs compute the
// status against the Node as the server has it and PATCH /status (two-way strategic merge patch)
// when something changed or when reportMs passed since the last report. A Node deleted behind our
// back is registered again. Condition transitions are reported as node events.
import type { Node, NodeCondition, NodeStatus } from 'kubernetes-types/core/v1.d.ts';
import { isClientAlreadyExists, isClientNotFound, NODES } from '../../kube/client/client.ts';
import type { Clock, Timer } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { silentLogger } from '../../lib/log.ts';
import { rfc3339 } from '../pod-util.ts';
import { errorText, type ApiClientLike } from '../../kube/client/client-like.ts';
import { gatherHostFacts, type HostFacts, type HostRuntime } from './host-facts.ts';
import { RetryDelay } from './retry-delay.ts';
import { deepEqual, diffObjects, isPlainObject, NODE_STATUS_LISTS } from './two-way-patch.ts';

export const KUBELET_VERSION = 'v1.32.4';
export const MAX_PODS = 110;
/** --eviction-hard defaults, subtracted from capacity for allocatable. */
export const EVICTION_MEMORY_BYTES = 100 * 1024 * 1024;
export const EVICTION_NODEFS_FRACTION = 0.1;

/** --system-reserved: resources kept for the host, subtracted from capacity for allocatable. */
export interface SystemReserved {
  cpuMillis?: number;
  memoryBytes?: number;
}

export type NodeEventRecorder = (type: 'Normal' | 'Warning', reason: string, message: string) => void;

export interface NodeRegistrarOptions {
  client: ApiClientLike;
  nodeName: string;
  /** The address the API server reaches the agent on (InternalIP). */
  nodeIP: string;
  /** The agent's streaming server port (daemonEndpoints.kubeletEndpoint.Port). */
  kubeletPort: number;
  runtime: HostRuntime;
  rootDir: string;
  clock: Clock;
  log?: Logger;
  /** Extra labels for registration (the defaults always win). */
  labels?: Record<string, string>;
  /** --max-pods: the Node's pods capacity and allocatable (default 110). */
  maxPods?: number;
  /** --system-reserved: subtracted from allocatable cpu and memory. */
  systemReserved?: SystemReserved;
  /** How often the status is computed (kubelet nodeStatusUpdateFrequency, 10 s). */
  statusUpdateMs?: number;
  /** Unchanged status is still reported this often (default 60 s). */
  reportMs?: number;
  /** Node events (Starting, NodeReady, NodeNotReady, NodeHasSufficientMemory, …). */
  recordEvent?: NodeEventRecorder;
  /** Reasons the node is not ready besides the runtime being down (e.g. PLEG), or undefined. */
  readinessProblem?: () => string | undefined;
  /** Host facts; defaults to the runtime plus the host's files (tests inject). */
  hostFacts?: () => Promise<HostFacts>;
}

interface Cond {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

const CONDITION_EVENTS: Record<string, Record<string, string>> = {
  MemoryPressure: { False: 'NodeHasSufficientMemory', True: 'NodeHasInsufficientMemory' },
  DiskPressure: { False: 'NodeHasNoDiskPressure', True: 'NodeHasDiskPressure' },
  PIDPressure: { False: 'NodeHasSufficientPID', True: 'NodeHasInsufficientPID' },
  Ready: { True: 'NodeReady', False: 'NodeNotReady' },
};

function quantityKi(bytes: number): string {
  return `${Math.floor(bytes / 1024)}Ki`;
}

/** Milli-CPUs as the kubelet prints them: whole cores as "4", else "3500m". */
function quantityCpu(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${String(millis)}m`;
}

export function defaultLabels(nodeName: string, facts: Pick<HostFacts, 'operatingSystem' | 'architecture'>): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': facts.architecture,
    'beta.kubernetes.io/os': facts.operatingSystem,
    'kubernetes.io/arch': facts.architecture,
    'kubernetes.io/hostname': nodeName,
    'kubernetes.io/os': facts.operatingSystem,
  };
}

/** The status fields the agent owns, without condition timestamps. */
export function computeNodeStatus(facts: HostFacts, o: {
  nodeName: string;
  nodeIP: string;
  kubeletPort: number;
  notReady: string | undefined;
  maxPods?: number | undefined;
  systemReserved?: SystemReserved | undefined;
}): {
  status: Omit<NodeStatus, 'conditions'>;
  conditions: Cond[];
} {
  // allocatable = capacity - system-reserved - hard eviction threshold (kubelet's GetNodeAllocatable)
  const reserved = o.systemReserved ?? {};
  const cpuCapacityMillis = Math.round(facts.cpus * 1000);
  const cpuAlloc = Math.max(0, cpuCapacityMillis - (reserved.cpuMillis ?? 0));
  const memAlloc = Math.max(0, facts.memoryBytes - (reserved.memoryBytes ?? 0) - EVICTION_MEMORY_BYTES);
  const pods = String(o.maxPods ?? MAX_PODS);
  const diskAlloc = Math.floor(facts.diskBytes * (1 - EVICTION_NODEFS_FRACTION));
  const capacity: Record<string, string> = {
    cpu: quantityCpu(cpuCapacityMillis),
    'ephemeral-storage': quantityKi(facts.diskBytes),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: quantityKi(facts.memoryBytes),
    pods,
  };
  const allocatable: Record<string, string> = {
    ...capacity,
    cpu: quantityCpu(cpuAlloc),
    'ephemeral-storage': String(diskAlloc),
    memory: quantityKi(memAlloc),
  };
  const conditions: Cond[] = [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    o.notReady === undefined
      ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
      : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: o.notReady },
  ];
  return {
    status: {
      capacity,
      allocatable,
      addresses: [{ type: 'InternalIP', address: o.nodeIP }, { type: 'Hostname', address: o.nodeName }],
      daemonEndpoints: { kubeletEndpoint: { Port: o.kubeletPort } },
      nodeInfo: {
        machineID: facts.machineID,
        systemUUID: facts.systemUUID,
        bootID: facts.bootID,
        kernelVersion: facts.kernelVersion,
        osImage: facts.osImage,
        containerRuntimeVersion: facts.containerRuntimeVersion,
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: '',
        operatingSystem: facts.operatingSystem,
        architecture: facts.architecture,
      },
    },
    conditions,
  };
}

/** Conditions with kubelet timestamps: heartbeat now, transition kept while the status holds. */
export function stampConditions(conds: readonly Cond[], old: readonly NodeCondition[] | undefined, now: number): NodeCondition[] {
  const t = rfc3339(now);
  return conds.map((c) => {
    const prev = old?.find((o) => o.type === c.type);
    const transition = prev !== undefined && prev.status === c.status && prev.lastTransitionTime !== undefined ? prev.lastTransitionTime : t;
    return { type: c.type, status: c.status, lastHeartbeatTime: t, lastTransitionTime: transition, reason: c.reason, message: c.message };
  });
}

/** Whether two statuses differ in anything but heartbeat times (nodeStatusHasChanged). */
export function nodeStatusChanged(a: NodeStatus | undefined, b: NodeStatus): boolean {
  const strip = (s: NodeStatus | undefined): unknown => ({
    ...(s ?? {}),
    conditions: (s?.conditions ?? []).map((c) => ({ ...c, lastHeartbeatTime: undefined })),
  });
  return !deepEqual(strip(a), strip(b));
}

/** How long after start a refused connection is retried without back-off. */
const STARTUP_WINDOW_MS = 5000;

function isConnectionRefused(err: unknown): boolean {
  return err instanceof Error && (err as Error & { code?: string }).code === 'ECONNREFUSED';
}

export class NodeRegistrar {
  /** Resolves once the Node exists in the API (created or adopted). */
  readonly registered: Promise<void>;
  private resolveRegistered!: () => void;
  private current: Node | undefined;
  private lastReport = 0;
  private timer: Timer | undefined;
  private stopped = false;
  private readonly abort = new AbortController();
  private running: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  private readonly statusUpdateMs: number;
  private readonly reportMs: number;
  private startedEventSent = false;

  constructor(private readonly o: NodeRegistrarOptions) {
    this.log = o.log ?? silentLogger;
    this.statusUpdateMs = o.statusUpdateMs ?? 10_000;
    this.reportMs = o.reportMs ?? 60_000;
    this.registered = new Promise((resolve) => { this.resolveRegistered = resolve; });
  }

  /** The Node as last written or read (its uid owns the Lease and mirror pods). */
  node(): Node | undefined {
    return this.current;
  }

  /** Registers (retrying with back-off until it works or stop()), then keeps the status fresh. */
  start(): void {
    this.running = this.registerWithRetry().then(() => { this.arm(); }, (err: unknown) => {
      if (!this.stopped) this.log.error({ err }, 'node registration loop ended');
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.timer?.cancel();
    await this.running;
  }

  private facts(): Promise<HostFacts> {
    return this.o.hostFacts?.() ?? gatherHostFacts(this.o.runtime, this.o.rootDir);
  }

  private async runtimeProblem(): Promise<string | undefined> {
    try {
      await this.o.runtime.version();
    } catch {
      return 'container runtime is down';
    }
    return this.o.readinessProblem?.();
  }

  private async registerWithRetry(): Promise<void> {
    const delay = new RetryDelay({ initialMs: 100, maxMs: 7000 });
    const startedAt = this.o.clock.now();
    while (!this.stopped) {
      try {
        await this.register();
        return;
      } catch (err) {
        // Refused in the first seconds: the API server is most likely starting beside us (`nodelet
        // up` starts both at once), so try again at the first delay instead of backing off.
        const starting = isConnectionRefused(err) && this.o.clock.now() - startedAt < STARTUP_WINDOW_MS;
        if (starting) delay.reset();
        const wait = delay.next();
        if (starting) this.log.debug({ err: errorText(err), retryInMs: wait }, 'API server not listening yet');
        else this.log.warn({ err: errorText(err), retryInMs: wait }, 'unable to register node with API server');
        try {
          await this.o.clock.sleep(wait, this.abort.signal);
        } catch {
          return;
        }
      }
    }
  }

  /** One registration attempt (tryRegisterWithAPIServer). */
  async register(): Promise<Node> {
    // both ask the engine: at once, not one after the other (this is on the way to node Ready)
    const [facts, notReady] = await Promise.all([this.facts(), this.runtimeProblem()]);
    const now = this.o.clock.now();
    const computed = computeNodeStatus(facts, { ...this.o, notReady });
    const labels = { ...(this.o.labels ?? {}), ...defaultLabels(this.o.nodeName, facts) };
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.o.nodeName,
        labels,
        annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
      },
      spec: {},
      status: { ...computed.status, conditions: stampConditions(computed.conditions, undefined, now) },
    };
    if (!this.startedEventSent) {
      this.startedEventSent = true;
      this.o.recordEvent?.('Normal', 'Starting', 'Starting kubelet.');
    }
    try {
      const created = await this.o.client.create<Node>(NODES, undefined, node);
      this.current = created;
      this.lastReport = now;
      this.log.info({ node: this.o.nodeName }, 'successfully registered node');
      this.conditionEvents(undefined, created.status?.conditions);
      this.o.recordEvent?.('Normal', 'NodeAllocatableEnforced', 'Updated Node Allocatable limit across pods');
      this.resolveRegistered();
      return created;
    } catch (err) {
      if (!isClientAlreadyExists(err)) throw err;
    }
    // The Node exists (agent restart): adopt it, reconcile the default labels, report status now.
    let existing = await this.o.client.get<Node>(NODES, undefined, this.o.nodeName);
    const want = defaultLabels(this.o.nodeName, facts);
    const have = existing.metadata?.labels ?? {};
    const fix = Object.fromEntries(Object.entries(want).filter(([k, v]) => have[k] !== v));
    if (Object.keys(fix).length > 0) {
      existing = await this.o.client.patch<Node>(NODES, undefined, this.o.nodeName, { metadata: { labels: fix } }, 'strategic');
    }
    this.current = existing;
    this.log.info({ node: this.o.nodeName }, 'node already registered; adopted it');
    this.resolveRegistered();
    await this.syncStatus(true);
    return this.current;
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.o.clock.setTimer(this.statusUpdateMs, () => {
      this.running = this.syncStatusWithRetries().finally(() => { this.arm(); });
    });
  }

  /** updateNodeStatus: a few immediate tries, then wait for the next tick. */
  private async syncStatusWithRetries(): Promise<void> {
    for (let i = 0; i < 5 && !this.stopped; i++) {
      try {
        await this.syncStatus();
        return;
      } catch (err) {
        this.log.warn({ err: errorText(err), attempt: i + 1 }, 'error updating node status, will retry');
      }
    }
  }

  /**
   * One status pass: read the Node, compute the status, PATCH it when changed or due. Returns
   * whether a patch was sent. A missing Node is registered again.
   */
  async syncStatus(force = false): Promise<boolean> {
    let server: Node;
    try {
      server = await this.o.client.get<Node>(NODES, undefined, this.o.nodeName);
    } catch (err) {
      if (!isClientNotFound(err)) throw err;
      this.log.warn({ node: this.o.nodeName }, 'node was deleted from the API server; registering it again');
      await this.register();
      return true;
    }
    const now = this.o.clock.now();
    const [facts, notReady] = await Promise.all([this.facts(), this.runtimeProblem()]);
    const computed = computeNodeStatus(facts, { ...this.o, notReady });
    const oldStatus: NodeStatus = server.status ?? {};
    const next: NodeStatus = {
      ...oldStatus,
      ...computed.status,
      conditions: [
        ...stampConditions(computed.conditions, oldStatus.conditions, now),
        // conditions others own (e.g. NetworkUnavailable) stay as they are
        ...(oldStatus.conditions ?? []).filter((c) => !computed.conditions.some((k) => k.type === c.type)),
      ],
    };
    const changed = nodeStatusChanged(oldStatus, next);
    if (!force && !changed && now - this.lastReport < this.reportMs) {
      this.current = server;
      return false;
    }
    const patch = diffObjects(oldStatus as Record<string, unknown>, next as Record<string, unknown>, NODE_STATUS_LISTS);
    if (patch === undefined || !isPlainObject(patch)) {
      this.current = server;
      return false;
    }
    const updated = await this.o.client.patch<Node>(NODES, undefined, this.o.nodeName, { status: patch }, 'strategic', { subresource: 'status' });
    this.current = updated;
    this.lastReport = now;
    if (changed) this.log.info({ node: this.o.nodeName }, 'node status changed; reported');
    this.conditionEvents(oldStatus.conditions, updated.status?.conditions);
    return true;
  }

  private conditionEvents(before: readonly NodeCondition[] | undefined, after: readonly NodeCondition[] | undefined): void {
    const record = this.o.recordEvent;
    if (record === undefined) return;
    for (const c of after ?? []) {
      const prev = before?.find((p) => p.type === c.type);
      if (prev?.status === c.status && prev.reason === c.reason) continue;
      const reason = CONDITION_EVENTS[c.type]?.[c.status];
      if (reason === undefined) continue;
      record('Normal', reason, `Node ${this.o.nodeName} status is now: ${reason}`);
    }
  }
}
