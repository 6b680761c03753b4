// The Deployment controller's executor: informer handlers that name the deployments needing a
// sync (as DeploymentController's add/update/delete handlers do), and a sync that reads the
// listers, asks the planner, and carries out the plan through the API client in order. A write
// that fails ends the sync with its error (the runner retries with back-off); a later write to an
// object written earlier in the same sync goes with the resourceVersion that write returned.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { isClientAlreadyExists, isClientInvalid, isClientNotFound } from '../../kube/client/client.ts';
import { DEPLOYMENTS, PODS, REPLICASETS } from '../../kube/client/resources.ts';
import type { Informer } from '../../kube/informers/types.ts';
import { selectorMatches, selectorOf } from '../../kube/labels/selector.ts';
import { controllersSelecting, resolveControllerRef } from '../framework/controller-lookup.ts';
import { messageOf, namespaceTerminating } from '../framework/errors.ts';
import { controllerOf, isControlledBy } from '../framework/owners.ts';
import {
  keyOf, splitKey, type ControllerContext, type Enqueue, type EventRecorder, type Reconciler, type SyncResult,
} from '../framework/types.ts';
import { failedCreateMessage, isOwnNewReplicaSet, withCollision, withFailedCreate } from './create-failures.ts';
import type { DeploymentAction, PlannedEvent } from './plan.ts';
import { planDeployment } from './planner.ts';

export const DEPLOYMENT_CONTROLLER = 'deployment-controller';

function json(v: unknown): string {
  return JSON.stringify(v);
}

/** Thrown to stop a plan early and sync again at once (the world moved under it). */
class Resync extends Error {}

export class DeploymentController implements Reconciler {
  readonly name = DEPLOYMENT_CONTROLLER;
  readonly workers = 5;
  private readonly deployments: Informer<Deployment>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly pods: Informer<Pod>;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext) {
    this.deployments = ctx.informers.informer<Deployment>(DEPLOYMENTS);
    this.replicaSets = ctx.informers.informer<ReplicaSet>(REPLICASETS);
    this.pods = ctx.informers.informer<Pod>(PODS);
    this.recorder = ctx.recorder(DEPLOYMENT_CONTROLLER);
  }

  watch(queue: Enqueue): void {
    const enqueue = (d: Deployment): void => { queue.add(keyOf(d)); };
    this.deployments.addHandler({ add: enqueue, update: (_old, cur) => { enqueue(cur); }, delete: enqueue });
    this.replicaSets.addHandler({
      add: (rs) => { this.replicaSetAdded(rs, enqueue); },
      update: (oldRS, curRS) => { this.replicaSetUpdated(oldRS, curRS, enqueue); },
      delete: (rs) => { this.replicaSetDeleted(rs, enqueue); },
    });
    this.pods.addHandler({ delete: (pod) => { this.podDeleted(pod, enqueue); } });
  }

  /** resolveControllerRef: the deployment a controller reference names, if it is that one. */
  private resolve(namespace: string, ref: ReturnType<typeof controllerOf>): Deployment | undefined {
    return resolveControllerRef(this.deployments.lister, 'Deployment', namespace, ref);
  }

  /** GetDeploymentsForReplicaSet: deployments whose (non-empty, valid) selector matches rs's labels. */
  private deploymentsSelecting(rs: ReplicaSet): Deployment[] {
    return controllersSelecting(this.deployments.lister, rs.metadata?.namespace ?? '', rs.metadata?.labels);
  }

  private replicaSetAdded(rs: ReplicaSet, enqueue: (d: Deployment) => void): void {
    if (rs.metadata?.deletionTimestamp !== undefined) {
      this.replicaSetDeleted(rs, enqueue);
      return;
    }
    const ref = controllerOf(rs);
    if (ref !== undefined) {
      const d = this.resolve(rs.metadata?.namespace ?? '', ref);
      if (d !== undefined) enqueue(d);
      return;
    }
    // an orphan: every deployment that might adopt it
    for (const d of this.deploymentsSelecting(rs)) enqueue(d);
  }

  private replicaSetUpdated(oldRS: ReplicaSet, curRS: ReplicaSet, enqueue: (d: Deployment) => void): void {
    // a resync repeats the same version; two versions never share a resourceVersion
    if (curRS.metadata?.resourceVersion === oldRS.metadata?.resourceVersion) return;
    const curRef = controllerOf(curRS);
    const oldRef = controllerOf(oldRS);
    const refChanged = json(curRef ?? null) !== json(oldRef ?? null);
    if (refChanged && oldRef !== undefined) {
      const d = this.resolve(oldRS.metadata?.namespace ?? '', oldRef);
      if (d !== undefined) enqueue(d);
    }
    if (curRef !== undefined) {
      const d = this.resolve(curRS.metadata?.namespace ?? '', curRef);
      if (d !== undefined) enqueue(d);
      return;
    }
    const labelsChanged = json(curRS.metadata?.labels ?? {}) !== json(oldRS.metadata?.labels ?? {});
    if (labelsChanged || refChanged) for (const d of this.deploymentsSelecting(curRS)) enqueue(d);
  }

  private replicaSetDeleted(rs: ReplicaSet, enqueue: (d: Deployment) => void): void {
    const ref = controllerOf(rs);
    if (ref === undefined) return;
    const d = this.resolve(rs.metadata?.namespace ?? '', ref);
    if (d !== undefined) enqueue(d);
  }

  /** deletePod: a Recreate deployment waits for its last old pod to go; wake it when none is left. */
  private podDeleted(pod: Pod, enqueue: (d: Deployment) => void): void {
    const ns = pod.metadata?.namespace ?? '';
    const rs = resolveControllerRef(this.replicaSets.lister, 'ReplicaSet', ns, controllerOf(pod));
    if (rs === undefined) return;
    const d = this.resolve(ns, controllerOf(rs));
    if (d === undefined || d.spec?.strategy?.type !== 'Recreate') return;
    if (this.podsOf(d).length === 0) enqueue(d);
  }

  /** Pods matching d's selector whose controller is a ReplicaSet that d controls and selects. */
  private podsOf(d: Deployment): Pod[] {
    const sel = selectorOf(d.spec?.selector);
    if (sel === undefined) return [];
    const out: Pod[] = [];
    for (const rs of this.replicaSets.lister.list(d.metadata?.namespace ?? '')) {
      if (!isControlledBy(rs, d) || !selectorMatches(sel, rs.metadata?.labels)) continue;
      for (const pod of this.pods.lister.byOwner(rs.metadata?.uid ?? '')) {
        if (controllerOf(pod)?.uid === rs.metadata?.uid && selectorMatches(sel, pod.metadata?.labels)) out.push(pod);
      }
    }
    return out;
  }

  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const d = this.deployments.lister.get(namespace, name);
    // deleted: its ReplicaSets go by garbage collection
    if (d === undefined) return undefined;
    const replicaSets = this.replicaSets.lister.list(namespace);
    const pods = replicaSets.flatMap((rs) => this.pods.lister.byOwner(rs.metadata?.uid ?? ''));
    const plan = planDeployment({ deployment: d, replicaSets, pods, now: this.ctx.clock.now() });
    try {
      await this.execute(d, plan.actions);
    } catch (err) {
      if (err instanceof Resync) return { requeueAfterMs: 0 };
      throw err;
    }
    if (plan.error !== undefined) throw new Error(plan.error);
    return plan.requeueAfterMs === undefined ? undefined : { requeueAfterMs: plan.requeueAfterMs };
  }

  private async execute(d: Deployment, actions: readonly DeploymentAction[]): Promise<void> {
    const ns = d.metadata?.namespace ?? '';
    const versions = new Map<string, string>();
    const remember = (id: string, obj: { metadata?: { resourceVersion?: string } }): void => {
      const rv = obj.metadata?.resourceVersion;
      if (rv !== undefined) versions.set(id, rv);
    };
    const latest = <T extends { metadata?: { resourceVersion?: string } }>(id: string, obj: T): T => {
      const rv = versions.get(id);
      if (rv !== undefined) obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: rv };
      return obj;
    };
    let adoptionChecked = false;
    for (const a of actions) {
      switch (a.kind) {
        case 'adoptReplicaSet': {
          if (!adoptionChecked) {
            await this.recheckBeforeAdoption(d);
            adoptionChecked = true;
          }
          try {
            remember(`rs/${a.name}`, await this.ctx.client.patch<ReplicaSet>(REPLICASETS, ns, a.name, a.patch, 'merge'));
          } catch (err) {
            // gone meanwhile: the plan counted it as ours, so plan again
            if (isClientNotFound(err)) throw new Resync();
            throw err;
          }
          break;
        }
        case 'releaseReplicaSet':
          try {
            remember(`rs/${a.name}`, await this.ctx.client.patch<ReplicaSet>(REPLICASETS, ns, a.name, a.patch, 'merge'));
          } catch (err) {
            if (!isClientNotFound(err) && !isClientInvalid(err)) throw err;
          }
          break;
        case 'createReplicaSet':
          await this.createReplicaSet(d, a, remember);
          break;
        case 'updateReplicaSet': {
          const id = `rs/${a.replicaSet.metadata?.name ?? ''}`;
          remember(id, await this.ctx.client.update(REPLICASETS, ns, latest(id, { ...a.replicaSet, apiVersion: 'apps/v1', kind: 'ReplicaSet' })));
          this.record(d, a.events);
          break;
        }
        case 'deleteReplicaSet':
          try {
            await this.ctx.client.delete(REPLICASETS, ns, a.name);
          } catch (err) {
            if (!isClientNotFound(err)) throw err;
          }
          break;
        case 'updateDeploymentStatus':
          remember('deployment', await this.ctx.client.updateStatus(DEPLOYMENTS, ns, latest('deployment', { ...a.deployment, apiVersion: 'apps/v1', kind: 'Deployment' })));
          break;
        case 'event':
          this.record(d, [a.event]);
          break;
      }
    }
  }

  private record(d: Deployment, events: readonly PlannedEvent[]): void {
    for (const e of events) this.event(d, e);
  }

  /** Events name the deployment by kind, which objects from a list may not carry. */
  private event(d: Deployment, e: PlannedEvent): void {
    this.recorder.event({ ...d, apiVersion: 'apps/v1', kind: 'Deployment' }, e.type, e.reason, e.message);
  }

  /** RecheckDeletionTimestamp: adopt only for a deployment that still exists and is not going. */
  private async recheckBeforeAdoption(d: Deployment): Promise<void> {
    const ns = d.metadata?.namespace ?? '';
    const name = d.metadata?.name ?? '';
    const fresh = await this.ctx.client.get<Deployment>(DEPLOYMENTS, ns, name);
    if (fresh.metadata?.uid !== d.metadata?.uid) {
      throw new Error(`original Deployment ${ns}/${name} is gone: got uid ${fresh.metadata?.uid ?? ''}, wanted ${d.metadata?.uid ?? ''}`);
    }
    if (fresh.metadata?.deletionTimestamp !== undefined) {
      throw new Error(`${ns}/${name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
    }
  }

  private async createReplicaSet(
    d: Deployment, a: Extract<DeploymentAction, { kind: 'createReplicaSet' }>,
    remember: (id: string, obj: ReplicaSet) => void,
  ): Promise<void> {
    const ns = d.metadata?.namespace ?? '';
    const name = a.replicaSet.metadata?.name ?? '';
    try {
      remember(`rs/${name}`, await this.ctx.client.create(REPLICASETS, ns, a.replicaSet));
    } catch (err) {
      if (isClientAlreadyExists(err)) {
        const existing = this.replicaSets.lister.get(ns, name);
        if (existing === undefined) throw err;
        // our own ReplicaSet that the cache had not shown yet: plan again with it
        if (isOwnNewReplicaSet(a.deployment, existing)) throw new Resync();
        // a hash collision: count it, so the next sync names the ReplicaSet differently
        try {
          await this.ctx.client.updateStatus(DEPLOYMENTS, ns, withCollision(a.deployment));
          this.ctx.log.info({ deployment: `${ns}/${d.metadata?.name ?? ''}` }, 'found a hash collision for deployment - bumping collisionCount to resolve it');
        } catch {
          // the AlreadyExists error below requeues the deployment either way
        }
        throw err;
      }
      if (namespaceTerminating(err)) throw err;
      const message = failedCreateMessage(name, messageOf(err));
      const failed = withFailedCreate(a.deployment, message, this.ctx.clock.now());
      if (failed !== undefined) {
        try {
          await this.ctx.client.updateStatus(DEPLOYMENTS, ns, failed);
        } catch {
          // the create error is the one to report
        }
      }
      this.event(d, { type: 'Warning', reason: 'ReplicaSetCreateError', message });
      throw err;
    }
    this.record(d, a.events);
  }
}

export function createDeploymentController(ctx: ControllerContext): Reconciler {
  return new DeploymentController(ctx);
}
