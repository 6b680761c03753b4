// Node lifecycle (kube-controller-manager's node lifecycle controller, without evictions): a node
// whose Lease in kube-node-lease has not been renewed for the grace period (40 s) gets its
// conditions set to Unknown ("Kubelet stopped posting node status."), the unreachable taints
// (NoSchedule + NoExecute), and its pods Ready=False. Nothing is deleted. When the Lease is
// renewed again, the taints go and Ready is restored until the agent reports its own status.
import type { Clock, Timer } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { ApiError } from '../api/errors.ts';
import { isRecord, rfc3339 } from '../registry/object-meta.ts';
import type { Registry } from '../registry/registry.ts';
import type { KubeObject } from '../storage/types.ts';
import { recordEvent } from './events.ts';

export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
const NODE_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export interface NodeLifecycleOptions {
  registry: Registry;
  clock: Clock;
  log: Logger;
  /** How long a node may go without renewing its Lease (default 40 s). */
  gracePeriodMs?: number;
  /** How often nodes are checked (default 5 s). */
  monitorPeriodMs?: number;
}

interface Probe {
  leaseVersion: string;
  /** When this controller last saw the lease change (kube uses its own clock, not renewTime). */
  seenAt: number;
}

type Obj = Record<string, unknown>;

function arr(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

export class NodeLifecycleController {
  private readonly probes = new Map<string, Probe>();
  private timer: Timer | undefined;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly o: NodeLifecycleOptions) {}

  start(): void {
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.o.clock.setTimer(this.o.monitorPeriodMs ?? 5000, () => {
      this.running = this.running.then(() => this.monitor()).catch((err: unknown) => {
        this.o.log.warn({ err }, 'node monitor pass failed');
      }).finally(() => { this.arm(); });
    });
  }

  /** One pass over all nodes (tests call it directly). */
  async monitor(): Promise<void> {
    const now = this.o.clock.now();
    const grace = this.o.gracePeriodMs ?? 40_000;
    const nodes = (await this.o.registry.nodes.list(undefined)).items;
    const names = new Set(nodes.map((n) => n.metadata?.name ?? ''));
    for (const n of this.probes.keys()) if (!names.has(n)) this.probes.delete(n);
    for (const node of nodes) {
      const name = node.metadata?.name ?? '';
      const leaseVersion = await this.leaseVersion(name);
      let probe = this.probes.get(name);
      if (probe === undefined) {
        // First sight: count from now (kube does the same after a controller restart).
        probe = { leaseVersion, seenAt: now };
        this.probes.set(name, probe);
      } else if (probe.leaseVersion !== leaseVersion) {
        probe.leaseVersion = leaseVersion;
        probe.seenAt = now;
      }
      const expired = now - probe.seenAt > grace;
      if (expired && !this.markedUnknown(node)) await this.markUnknown(name);
      else if (!expired && this.markedUnknown(node)) await this.markReachable(name);
    }
  }

  private async leaseVersion(node: string): Promise<string> {
    try {
      const lease = await this.o.registry.leases.get('kube-node-lease', node);
      return lease.metadata?.resourceVersion ?? '';
    } catch (err) {
      if (err instanceof ApiError && err.status.reason === 'NotFound') return '';
      throw err;
    }
  }

  private markedUnknown(node: KubeObject): boolean {
    const spec = isRecord(node['spec']) ? node['spec'] : {};
    return arr(spec['taints']).some((t) => t['key'] === UNREACHABLE_TAINT);
  }

  private async markUnknown(name: string): Promise<void> {
    const now = rfc3339(this.o.clock.now());
    const node = await this.o.registry.nodes.guaranteedUpdate(undefined, name, {}, (n) => {
      const status = isRecord(n['status']) ? n['status'] : {};
      const conditions = arr(status['conditions']);
      for (const type of NODE_CONDITIONS) {
        let c = conditions.find((x) => x['type'] === type);
        if (c === undefined) {
          c = { type, lastHeartbeatTime: now };
          conditions.push(c);
        }
        if (c['status'] !== 'Unknown') c['lastTransitionTime'] = now;
        c['status'] = 'Unknown';
        c['reason'] = 'NodeStatusUnknown';
        c['message'] = 'Kubelet stopped posting node status.';
      }
      n['status'] = { ...status, conditions };
      const spec = isRecord(n['spec']) ? n['spec'] : {};
      const taints = arr(spec['taints']).filter((t) => t['key'] !== UNREACHABLE_TAINT);
      taints.push({ key: UNREACHABLE_TAINT, effect: 'NoSchedule', timeAdded: now });
      taints.push({ key: UNREACHABLE_TAINT, effect: 'NoExecute', timeAdded: now });
      n['spec'] = { ...spec, taints };
      return n;
    });
    this.o.log.warn({ node: name }, 'node stopped renewing its lease; marked Unknown and unreachable');
    await recordEvent(this.o.registry, this.o.clock, this.o.log, node, {
      type: 'Normal', reason: 'NodeNotReady', message: `Node ${name} status is now: NodeNotReady`, component: 'node-controller',
    });
    await this.setPodsReady(name, false);
  }

  private async markReachable(name: string): Promise<void> {
    const now = rfc3339(this.o.clock.now());
    await this.o.registry.nodes.guaranteedUpdate(undefined, name, {}, (n) => {
      const spec = isRecord(n['spec']) ? n['spec'] : {};
      const taints = arr(spec['taints']).filter((t) => t['key'] !== UNREACHABLE_TAINT);
      if (taints.length > 0) n['spec'] = { ...spec, taints };
      else {
        const rest = { ...spec };
        delete rest['taints'];
        n['spec'] = rest;
      }
      const status = isRecord(n['status']) ? n['status'] : {};
      const conditions = arr(status['conditions']);
      for (const c of conditions) {
        if (c['reason'] !== 'NodeStatusUnknown') continue;
        // The agent renews its lease again; until it reports, assume the usual healthy state.
        const healthy = HEALTHY[String(c['type'])];
        if (healthy === undefined) continue;
        Object.assign(c, healthy, { lastTransitionTime: now, lastHeartbeatTime: now });
      }
      n['status'] = { ...status, conditions };
      return n;
    });
    this.o.log.info({ node: name }, 'node renewed its lease again');
    await this.setPodsReady(name, true);
  }

  private async setPodsReady(nodeName: string, ready: boolean): Promise<void> {
    const pods = (await this.o.registry.pods.list(undefined, { fieldSelector: `spec.nodeName=${nodeName}` })).items;
    const now = rfc3339(this.o.clock.now());
    for (const pod of pods) {
      const status = isRecord(pod['status']) ? pod['status'] : {};
      const conditions = arr(status['conditions']);
      const readyCond = conditions.find((c) => c['type'] === 'Ready');
      if (readyCond === undefined) continue;
      if (ready) {
        const containersReady = conditions.find((c) => c['type'] === 'ContainersReady');
        if (readyCond['status'] === 'True' || containersReady?.['status'] !== 'True') continue;
      } else if (readyCond['status'] === 'False') continue;
      try {
        await this.o.registry.pods.guaranteedUpdate(pod.metadata?.namespace, pod.metadata?.name ?? '', {}, (p) => {
          const st = isRecord(p['status']) ? p['status'] : {};
          const conds = arr(st['conditions']);
          for (const c of conds) {
            if (c['type'] !== 'Ready') continue;
            c['status'] = ready ? 'True' : 'False';
            c['lastTransitionTime'] = now;
            if (ready) {
              delete c['reason'];
              delete c['message'];
            }
          }
          p['status'] = { ...st, conditions: conds };
          return p;
        });
      } catch (err) {
        if (!(err instanceof ApiError && err.status.reason === 'NotFound')) throw err;
      }
    }
  }
}

const HEALTHY: Record<string, Obj> = {
  Ready: { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
  MemoryPressure: { status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
  DiskPressure: { status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
  PIDPressure: { status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
};
