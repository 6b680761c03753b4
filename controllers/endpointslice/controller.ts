// The EndpointSlice controller's executor (kube-controller-manager's "endpointslice-controller"):
// informer handlers name the Services to sync — a Service changed, a pod it selects (or selected)
// changed in a way that matters to its endpoint, or one of its slices changed behind our back —
// and a sync reads the caches, waits out a slice cache that lags our own writes, plans
// (planner.ts) and writes the slices: creations, updates in place, deletions. Services without a
// selector (and ExternalName ones) are left alone: their slices are someone else's.
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.d.ts';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import { isClientNotFound } from '../../kube/client/client.ts';
import { ENDPOINT_SLICES, NODES, PODS, SERVICES } from '../../kube/client/resources.ts';
import type { Informer } from '../../kube/informers/types.ts';
import type { Logger } from '../../lib/log.ts';
import { aggregate, messageOf, namespaceTerminating } from '../framework/errors.ts';
import { splitKey, type ControllerContext, type Enqueue, type EventRecorder, type Reconciler, type SyncResult } from '../framework/types.ts';
import { selectorSetMatches, serviceSelector, watchServicesAndPods } from './pod-endpoints.ts';
import { MAX_ENDPOINTS_PER_SLICE, planEndpointSlices, type SlicePlan } from './planner.ts';
import { CONTROLLER_QUALIFIED_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, serviceKeyForSlice } from './slice-meta.ts';
import { EndpointSliceTracker } from './slice-tracker.ts';
import { TriggerTimeTracker } from './trigger-time.ts';

export const ENDPOINTSLICE_CONTROLLER = 'endpointslice-controller';
/** The events' source component, as upstream's recorder names it. */
export const ENDPOINTSLICE_EVENT_COMPONENT = 'endpoint-slice-controller';
/** endpointSliceChangeMinSyncDelay: a slice changed by someone else is looked at after this. */
export const SLICE_CHANGE_MIN_SYNC_DELAY_MS = 1000;
/** While the slice cache lags our writes, the sync is retried after this, doubling up to 1 s. */
const STALE_RETRY_BASE_MS = 10;
const STALE_RETRY_MAX_MS = 1000;

export interface EndpointSliceControllerOptions {
  /** --max-endpoints-per-slice. */
  maxEndpointsPerSlice?: number;
  /** --endpointslice-updates-batch-period: delay of syncs caused by pod changes (default 0). */
  updatesBatchPeriodMs?: number;
  /** --concurrent-service-endpoint-syncs. */
  workers?: number;
}

function managedByUs(slice: EndpointSlice): boolean {
  return slice.metadata?.labels?.[MANAGED_BY_LABEL] === CONTROLLER_QUALIFIED_NAME;
}

export class EndpointSliceController implements Reconciler {
  readonly name = ENDPOINTSLICE_CONTROLLER;
  readonly workers: number;
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly nodes: Informer<Node>;
  private readonly recorder: EventRecorder;
  private readonly log: Logger;
  private readonly tracker = new EndpointSliceTracker();
  private readonly triggerTimes = new TriggerTimeTracker();
  private readonly staleRetries = new Map<string, number>();
  private readonly maxEndpointsPerSlice: number;
  private readonly batchMs: number;

  constructor(private readonly ctx: ControllerContext, options: EndpointSliceControllerOptions = {}) {
    this.services = ctx.informers.informer<Service>(SERVICES);
    this.pods = ctx.informers.informer<Pod>(PODS);
    this.slices = ctx.informers.informer<EndpointSlice>(ENDPOINT_SLICES);
    this.nodes = ctx.informers.informer<Node>(NODES);
    this.recorder = ctx.recorder(ENDPOINTSLICE_EVENT_COMPONENT);
    this.log = ctx.log.child({ controller: ENDPOINTSLICE_CONTROLLER });
    this.maxEndpointsPerSlice = options.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE;
    this.batchMs = options.updatesBatchPeriodMs ?? 0;
    this.workers = options.workers ?? 5;
  }

  watch(queue: Enqueue): void {
    watchServicesAndPods(this.services, this.pods, queue, this.batchMs);

    const enqueueForSlice = (slice: EndpointSlice): void => {
      const key = serviceKeyForSlice(slice);
      if (key !== undefined) queue.addAfter(key, Math.max(SLICE_CHANGE_MIN_SYNC_DELAY_MS, this.batchMs));
    };
    this.slices.addHandler({
      add: (slice) => { if (managedByUs(slice) && this.tracker.shouldSync(slice)) enqueueForSlice(slice); },
      update: (prev, cur) => {
        // Users may relabel a slice to another Service: both need a look.
        if (prev.metadata?.labels?.[SERVICE_NAME_LABEL] !== cur.metadata?.labels?.[SERVICE_NAME_LABEL]) {
          enqueueForSlice(cur);
          enqueueForSlice(prev);
          return;
        }
        if (managedByUs(prev) !== managedByUs(cur) || (managedByUs(cur) && this.tracker.shouldSync(cur))) enqueueForSlice(cur);
      },
      delete: (slice) => {
        // A deletion we did not make: put the slice back.
        if (managedByUs(slice) && this.tracker.has(slice) && !this.tracker.handleDeletion(slice)) enqueueForSlice(slice);
      },
    });
  }

  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.services.lister.get(namespace, name);
    if (cached === undefined) {
      this.triggerTimes.deleteService(namespace, name);
      this.tracker.deleteService(namespace, name);
      this.staleRetries.delete(key);
      return undefined;
    }
    if (cached.spec?.type === 'ExternalName') return undefined;
    const selector = serviceSelector(cached);
    if (selector === undefined) return undefined;
    const svc: Service = { ...cached, apiVersion: 'v1', kind: 'Service' };

    const pods = this.pods.lister.list(namespace).filter((p) => selectorSetMatches(selector, p.metadata?.labels));
    const slices = this.slices.lister.list(namespace).filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === name
      && managedByUs(s) && s.metadata.deletionTimestamp === undefined);
    if (this.tracker.staleSlices(svc, slices)) {
      const n = this.staleRetries.get(key) ?? 0;
      this.staleRetries.set(key, n + 1);
      this.log.debug({ service: key }, 'EndpointSlice informer cache is out of date');
      return { requeueAfterMs: Math.min(STALE_RETRY_MAX_MS, STALE_RETRY_BASE_MS * 2 ** n) };
    }
    this.staleRetries.delete(key);

    // Computed on every sync so the tracker's state moves on even when nothing is written.
    const triggerTime = this.triggerTimes.compute(namespace, svc, pods);
    const plan = planEndpointSlices({
      service: svc, pods, existingSlices: slices, triggerTime,
      nodeOf: (n) => this.nodes.lister.get('', n),
      maxEndpointsPerSlice: this.maxEndpointsPerSlice,
    });
    const errors: Error[] = plan.errors.map((m) => new Error(m));
    try {
      await this.write(svc, plan);
    } catch (err) {
      errors.push(err instanceof Error ? err : new Error(messageOf(err)));
    }
    const failure = aggregate(errors);
    if (failure !== undefined) {
      this.recorder.event(svc, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${key}: ${failure.message}`);
      throw failure;
    }
    return undefined;
  }

  /** finalize: creations, updates, deletions; the first failure ends it. */
  private async write(svc: Service, plan: SlicePlan): Promise<void> {
    const ns = svc.metadata?.namespace ?? '';
    const svcKey = `${ns}/${svc.metadata?.name ?? ''}`;
    for (const slice of plan.create) {
      let created: EndpointSlice;
      try {
        created = await this.ctx.client.create<EndpointSlice>(ENDPOINT_SLICES, ns, slice);
      } catch (err) {
        // Creations keep failing in a namespace being deleted: drop the work.
        if (namespaceTerminating(err)) return;
        throw new Error(`failed to create EndpointSlice for Service ${svcKey}: ${messageOf(err)}`, { cause: err });
      }
      this.tracker.update(created);
    }
    for (const slice of plan.update) {
      let updated: EndpointSlice;
      try {
        updated = await this.ctx.client.update<EndpointSlice>(ENDPOINT_SLICES, ns, slice);
      } catch (err) {
        throw new Error(`failed to update ${slice.metadata?.name ?? ''} EndpointSlice for Service ${svcKey}: ${messageOf(err)}`, { cause: err });
      }
      this.tracker.update(updated);
    }
    for (const slice of plan.delete) {
      try {
        await this.ctx.client.delete(ENDPOINT_SLICES, ns, slice.metadata?.name ?? '');
      } catch (err) {
        if (isClientNotFound(err)) continue;
        throw new Error(`failed to delete ${slice.metadata?.name ?? ''} EndpointSlice for Service ${svcKey}: ${messageOf(err)}`, { cause: err });
      }
      this.tracker.expectDeletion(slice);
    }
  }
}
