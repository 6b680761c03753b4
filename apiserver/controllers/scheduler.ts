// A small default-scheduler: binds each pod without a node (and schedulerName default-scheduler)
// to the least-allocated Ready node that fits, records `Scheduled` events, and marks pods that fit
// nowhere PodScheduled=False/Unschedulable with kube's "0/N nodes are available" message. Pods
// are retried whenever nodes or bound pods change, and periodically.
import type { Clock, Timer } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { ApiError } from '../api/errors.ts';
import { isRecord } from '../registry/object-meta.ts';
import { bindPod, podNodeName } from '../registry/pod-binding.ts';
import { setPodCondition } from '../registry/pod-conditions.ts';
import type { Registry } from '../registry/registry.ts';
import type { ResourceWatch } from '../registry/resource-store.ts';
import type { KubeObject } from '../storage/types.ts';
import { recordEvent } from './events.ts';
import { allocationScore, isTerminal, unfitReasons, unschedulableMessage } from './scheduler-fit.ts';

export const SCHEDULER_NAME = 'default-scheduler';

export interface SchedulerOptions {
  registry: Registry;
  clock: Clock;
  log: Logger;
  /** Unschedulable pods are retried at least this often (default 10 s). */
  retryMs?: number;
}

function key(pod: KubeObject): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

function wantsScheduling(pod: KubeObject): boolean {
  const spec = isRecord(pod['spec']) ? pod['spec'] : {};
  const name = typeof spec['schedulerName'] === 'string' ? spec['schedulerName'] : SCHEDULER_NAME;
  return podNodeName(pod) === '' && name === SCHEDULER_NAME && pod.metadata?.['deletionTimestamp'] === undefined && !isTerminal(pod);
}

export class Scheduler {
  private readonly pending = new Set<string>();
  private watches: ResourceWatch[] = [];
  private running: Promise<void> = Promise.resolve();
  private scheduled = false;
  private timer: Timer | undefined;
  private stopped = false;

  constructor(private readonly o: SchedulerOptions) {}

  start(): void {
    void this.o.registry.pods.watch(undefined, {}, (e) => {
      if (e.type !== 'DELETED' && wantsScheduling(e.object)) this.add(key(e.object));
      else if (e.type === 'DELETED' || podNodeName(e.object) !== '') {
        this.pending.delete(key(e.object));
        // A pod leaving a node frees room for others.
        if (e.type === 'DELETED' || isTerminal(e.object)) this.kick();
      }
    }).then((w) => { this.watches.push(w); });
    void this.o.registry.nodes.watch(undefined, {}, () => { this.kick(); }).then((w) => { this.watches.push(w); });
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watches) w.stop();
    this.timer?.cancel();
  }

  /** Waits until the current scheduling pass (if any) is over; for tests. */
  idle(): Promise<void> {
    return this.running;
  }

  private add(k: string): void {
    this.pending.add(k);
    this.kick();
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.o.clock.setTimer(this.o.retryMs ?? 10_000, () => {
      this.kick();
      this.arm();
    });
  }

  private kick(): void {
    if (this.stopped || this.scheduled || this.pending.size === 0) return;
    this.scheduled = true;
    this.running = this.running.then(async () => {
      this.scheduled = false;
      await this.pass();
    }).catch((err: unknown) => { this.o.log.error({ err }, 'scheduling pass failed'); });
  }

  /** Tries every pending pod once, in creation order. */
  async pass(): Promise<void> {
    const nodes = (await this.o.registry.nodes.list(undefined)).items;
    const bound = (await this.o.registry.pods.list(undefined)).items.filter((p) => podNodeName(p) !== '');
    const byNode = new Map<string, KubeObject[]>();
    for (const p of bound) {
      const n = podNodeName(p);
      byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    for (const k of [...this.pending]) {
      if (this.stopped) return;
      const [ns = '', name = ''] = k.split('/');
      let pod: KubeObject;
      try {
        pod = await this.o.registry.pods.get(ns, name);
      } catch {
        this.pending.delete(k);
        continue;
      }
      if (!wantsScheduling(pod)) {
        this.pending.delete(k);
        continue;
      }
      const fits: { node: KubeObject; score: number }[] = [];
      const reasons: string[][] = [];
      for (const node of nodes) {
        const on = byNode.get(node.metadata?.name ?? '') ?? [];
        const why = unfitReasons(pod, node, on);
        if (why.length === 0) fits.push({ node, score: allocationScore(pod, node, on) });
        else reasons.push(why);
      }
      fits.sort((a, b) => a.score - b.score || (a.node.metadata?.name ?? '').localeCompare(b.node.metadata?.name ?? ''));
      const best = fits[0];
      if (best === undefined) {
        await this.markUnschedulable(pod, unschedulableMessage(nodes.length, reasons, pod));
        continue;
      }
      const nodeName = best.node.metadata?.name ?? '';
      try {
        const updated = await bindPod(this.o.registry.pods, this.o.clock, ns, name, nodeName, typeof pod.metadata?.['uid'] === 'string' ? pod.metadata['uid'] : undefined);
        this.pending.delete(k);
        byNode.set(nodeName, [...(byNode.get(nodeName) ?? []), updated]);
        this.o.log.info({ pod: k, node: nodeName }, 'pod scheduled');
        await recordEvent(this.o.registry, this.o.clock, this.o.log, updated, {
          type: 'Normal', reason: 'Scheduled', message: `Successfully assigned ${k} to ${nodeName}`, component: SCHEDULER_NAME, action: 'Binding',
        });
      } catch (err) {
        if (err instanceof ApiError && (err.status.reason === 'Conflict' || err.status.reason === 'NotFound')) {
          this.pending.delete(k);
          continue;
        }
        throw err;
      }
    }
  }

  private async markUnschedulable(pod: KubeObject, message: string): Promise<void> {
    const status = isRecord(pod['status']) ? pod['status'] : {};
    const conditions = Array.isArray(status['conditions']) ? status['conditions'].filter(isRecord) : [];
    const current = conditions.find((c) => c['type'] === 'PodScheduled');
    if (current?.['status'] === 'False' && current['reason'] === 'Unschedulable' && current['message'] === message) return;
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    try {
      const updated = await this.o.registry.pods.guaranteedUpdate(ns, name, {}, (p) => {
        setPodCondition(p, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }, this.o.clock.now());
        return p;
      });
      await recordEvent(this.o.registry, this.o.clock, this.o.log, updated, {
        type: 'Warning', reason: 'FailedScheduling', message, component: SCHEDULER_NAME, action: 'Scheduling',
      });
    } catch (err) {
      if (!(err instanceof ApiError && err.status.reason === 'NotFound')) throw err;
    }
  }
}
