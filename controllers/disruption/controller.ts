// The disruption controller's executor (kube-controller-manager's DisruptionController): pod and
// PDB events name the PDBs to sync; a sync reads the caches (and, for maxUnavailable or a
// percentage, the pods' controllers), plans (planner.ts) and writes the PDB's status, falling
// back to the fail-safe status when anything fails. Pods whose DisruptionTarget condition went
// stale (the eviction was allowed but the pod never deleted) are reset through keys of their own
// ("stale-pod:<ns>/<name>"), upstream's second queue.
import type { Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.d.ts';
import { isClientConflict } from '../../kube/client/client.ts';
import { DEPLOYMENTS, PODDISRUPTIONBUDGETS, PODS, REPLICASETS, STATEFULSETS } from '../../kube/client/resources.ts';
import type { Informer } from '../../kube/informers/types.ts';
import { cloneJson } from '../../lib/clone.ts';
import type { Logger } from '../../lib/log.ts';
import { keyOf, splitKey, type ControllerContext, type Enqueue, type EventRecorder, type Reconciler, type SyncResult } from '../framework/types.ts';
import { DISRUPTION_CONTROLLER, EVENT_COMPONENT, PDB_API_VERSION, PDB_KIND } from './constants.ts';
import { controllerFinder } from './controller-finders.ts';
import { expectedScale, needsControllerScale, type ExpectedScale, type FindController } from './expected-count.ts';
import { failSafeStatus, planPdb, resetDisruptionTarget, staleDisruption, type PlannedEvent } from './planner.ts';
import { pdbsForPod, podsForPdb } from './pod-selection.ts';
import { ApiScaleSource, type ScaleSource } from './scale-lookup.ts';

/** Keys of pods whose DisruptionTarget condition is to be reset; PDB keys are plain "ns/name". */
export const STALE_POD_PREFIX = 'stale-pod:';

export interface DisruptionControllerOptions {
  /** The scale subresource reader (tests swap it). */
  scales?: ScaleSource;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class DisruptionController implements Reconciler {
  readonly name = DISRUPTION_CONTROLLER;
  /**
   * Upstream runs one worker on its PDB queue and one on its stale-pod queue; both kinds of key
   * share this controller's queue, so two workers keep that concurrency.
   */
  readonly workers = 2;
  private readonly pdbInformer: Informer<PodDisruptionBudget>;
  private readonly podInformer: Informer<Pod>;
  private readonly recorder: EventRecorder;
  private readonly log: Logger;
  private readonly findController: FindController;

  constructor(private readonly ctx: ControllerContext, options: DisruptionControllerOptions = {}) {
    this.pdbInformer = ctx.informers.informer<PodDisruptionBudget>(PODDISRUPTIONBUDGETS);
    this.podInformer = ctx.informers.informer<Pod>(PODS);
    // Read through listers only (no handlers, as upstream): a scale change shows in pod events.
    this.findController = controllerFinder({
      replicaSets: ctx.informers.informer<ReplicaSet>(REPLICASETS).lister,
      deployments: ctx.informers.informer<Deployment>(DEPLOYMENTS).lister,
      statefulSets: ctx.informers.informer<StatefulSet>(STATEFULSETS).lister,
    }, options.scales ?? new ApiScaleSource(ctx.client));
    this.recorder = ctx.recorder(EVENT_COMPONENT);
    this.log = ctx.log.child({ controller: DISRUPTION_CONTROLLER });
  }

  watch(queue: Enqueue): void {
    this.pdbInformer.addHandler({
      add: (pdb) => { queue.add(keyOf(pdb)); },
      update: (_old, cur) => { queue.add(keyOf(cur)); },
      delete: (pdb) => { queue.add(keyOf(pdb)); },
    });
    this.podInformer.addHandler({
      add: (pod) => { this.onPodChanged(queue, pod); },
      update: (_old, cur) => { this.onPodChanged(queue, cur); },
      delete: (pod) => { this.enqueuePdbOf(queue, pod); },
    });
  }

  private onPodChanged(queue: Enqueue, pod: Pod): void {
    this.enqueuePdbOf(queue, pod);
    const stale = staleDisruption(pod, this.ctx.clock.now());
    if (!stale.stale) return;
    const key = STALE_POD_PREFIX + keyOf(pod);
    if (stale.waitMs > 0) queue.addAfter(key, stale.waitMs);
    else queue.add(key);
  }

  /** getPdbForPod: only the first covering PDB is synced; more than one is worth a warning. */
  private enqueuePdbOf(queue: Enqueue, pod: Pod): void {
    const pdbs = pdbsForPod(pod, this.pdbInformer.lister.list(pod.metadata?.namespace ?? ''));
    const first = pdbs[0];
    if (first === undefined) return;
    if (pdbs.length > 1) {
      const q = JSON.stringify;
      const msg = `Pod ${q(pod.metadata?.namespace ?? '')}/${q(pod.metadata?.name ?? '')} matches multiple PodDisruptionBudgets.  Chose ${q(first.metadata?.name ?? '')} arbitrarily.`;
      this.log.info({ pod: keyOf(pod) }, msg);
      this.recorder.event(asPod(pod), 'Warning', 'MultiplePodDisruptionBudgets', msg);
    }
    queue.add(keyOf(first));
  }

  async sync(key: string): Promise<SyncResult> {
    if (key.startsWith(STALE_POD_PREFIX)) return this.syncStalePod(key.slice(STALE_POD_PREFIX.length));
    return this.syncPdb(key);
  }

  private async syncPdb(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.pdbInformer.lister.get(namespace, name);
    if (cached === undefined) return undefined;
    const pdb: PodDisruptionBudget = { ...cloneJson(cached), apiVersion: PDB_API_VERSION, kind: PDB_KIND };
    const pods = podsForPdb(pdb, this.podInformer.lister.list(namespace));
    let scale: ExpectedScale | undefined;
    if (!('error' in pods) && needsControllerScale(pdb)) scale = await expectedScale(pods, this.findController);
    const plan = planPdb({ pdb, pods, ...(scale === undefined ? {} : { scale }), now: this.ctx.clock.now() });
    this.record(pdb, plan.events);
    if (plan.outcome === 'failed') return this.failSafe(pdb, plan.error);
    if (plan.status !== undefined) {
      try {
        await this.writeStatus(pdb, plan.status);
      } catch (err) {
        // A conflict is only a stale cache: retry without blocking evictions.
        if (isClientConflict(err)) throw err;
        return this.failSafe(pdb, messageOf(err));
      }
    }
    return plan.recheckAfterMs === undefined ? undefined : { requeueAfterMs: Math.max(0, plan.recheckAfterMs) };
  }

  /** failSafe: disruptionsAllowed 0 and SyncFailed; a sync whose fail-safe write lands is done. */
  private async failSafe(pdb: PodDisruptionBudget, error: string): Promise<SyncResult> {
    this.log.error({ podDisruptionBudget: keyOf(pdb), err: error }, 'Failed to sync PDB');
    await this.writeStatus(pdb, failSafeStatus(pdb, error, this.ctx.clock.now()));
    return undefined;
  }

  /** writePdbStatus: one PUT of the status subresource; a failure is the sync's. */
  private async writeStatus(pdb: PodDisruptionBudget, status: PodDisruptionBudgetStatus): Promise<void> {
    await this.ctx.client.updateStatus<PodDisruptionBudget>(PODDISRUPTIONBUDGETS, pdb.metadata?.namespace, { ...pdb, status });
  }

  private record(pdb: PodDisruptionBudget, events: readonly PlannedEvent[]): void {
    for (const e of events) this.recorder.event(e.on === 'pdb' ? pdb : asPod(e.on), e.type, e.reason, e.message);
  }

  /** syncStalePodDisruption: DisruptionTarget=True left on a pod that was never deleted becomes False. */
  private async syncStalePod(podKey: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(podKey);
    const cached = this.podInformer.lister.get(namespace, name);
    if (cached === undefined) return undefined;
    const now = this.ctx.clock.now();
    const stale = staleDisruption(cached, now);
    if (!stale.stale) return undefined;
    if (stale.waitMs > 0) return { requeueAfterMs: stale.waitMs };
    const status = resetDisruptionTarget(cached, now);
    if (status === undefined) return undefined;
    await this.ctx.client.updateStatus<Pod>(PODS, namespace, { ...asPod(cloneJson(cached)), status });
    this.log.info({ pod: podKey }, 'Reset stale DisruptionTarget condition to False');
    return undefined;
  }
}

/** Cached pods carry no apiVersion/kind; events and writes name them. */
function asPod(pod: Pod): Pod {
  return { ...pod, apiVersion: 'v1', kind: 'Pod' };
}
