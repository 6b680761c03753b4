// The Endpoints controller's executor (kube-controller-manager's "endpoint-controller"): informer
// handlers name the Services to sync — a Service changed, a pod it selects (or selected) changed in
// a way that matters to its address, an Endpoints object was deleted — and a sync reads the caches,
// plans (planner.ts) and creates or updates the v1 Endpoints of the Service's name. A deleted
// Service takes its Endpoints along; Endpoints left without a Service are found once at start.
// Services without a selector (and ExternalName ones) are left alone: their Endpoints are
// someone else's.
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.d.ts';
import { isClientNotFound } from '../../kube/client/client.ts';
import { ENDPOINTS, PODS, SERVICES } from '../../kube/client/resources.ts';
import type { Informer } from '../../kube/informers/types.ts';
import type { Logger } from '../../lib/log.ts';
import { messageOf, namespaceTerminating } from '../framework/errors.ts';
import { keyOf, splitKey, type ControllerContext, type Enqueue, type EventRecorder, type Reconciler, type SyncResult } from '../framework/types.ts';
import { selectorSetMatches, serviceSelector, watchServicesAndPods } from '../endpointslice/pod-endpoints.ts';
import { TriggerTimeTracker } from '../endpointslice/trigger-time.ts';
import { planEndpoints } from './planner.ts';

export const ENDPOINT_CONTROLLER = 'endpoint-controller';
/** resourcelock.LeaderElectionRecordAnnotationKey: such Endpoints are a lock, not a Service's. */
const LEADER_ELECTION_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
/** While the Endpoints cache still shows what we replaced, the sync is retried after this, doubling up to 1 s. */
const STALE_RETRY_BASE_MS = 10;
const STALE_RETRY_MAX_MS = 1000;

export interface EndpointsControllerOptions {
  /** --endpoint-updates-batch-period: delay of syncs caused by pod changes (default 0). */
  updatesBatchPeriodMs?: number;
  /** --concurrent-endpoint-syncs. */
  workers?: number;
}

export class EndpointsController implements Reconciler {
  readonly name = ENDPOINT_CONTROLLER;
  readonly workers: number;
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly endpoints: Informer<Endpoints>;
  private readonly recorder: EventRecorder;
  private readonly log: Logger;
  private readonly triggerTimes = new TriggerTimeTracker();
  /** staleEndpointsTracker: the resourceVersion each Endpoints had before our last update. */
  private readonly replaced = new Map<string, string>();
  /** Endpoints we created that the cache has not shown yet (a second create would only fail). */
  private readonly created = new Set<string>();
  private readonly staleRetries = new Map<string, number>();
  private readonly batchMs: number;

  constructor(private readonly ctx: ControllerContext, options: EndpointsControllerOptions = {}) {
    this.services = ctx.informers.informer<Service>(SERVICES);
    this.pods = ctx.informers.informer<Pod>(PODS);
    this.endpoints = ctx.informers.informer<Endpoints>(ENDPOINTS);
    this.recorder = ctx.recorder(ENDPOINT_CONTROLLER);
    this.log = ctx.log.child({ controller: ENDPOINT_CONTROLLER });
    this.batchMs = options.updatesBatchPeriodMs ?? 0;
    this.workers = options.workers ?? 5;
  }

  watch(queue: Enqueue): void {
    watchServicesAndPods(this.services, this.pods, queue, this.batchMs);
    this.endpoints.addHandler({
      // checkLeftoverEndpoints: every Endpoints of the first list is synced once (after all caches
      // are), so those left without a Service (leader-election locks aside) are deleted.
      add: (ep) => {
        if (this.endpoints.hasSynced() || ep.metadata?.annotations?.[LEADER_ELECTION_ANNOTATION] !== undefined) return;
        queue.add(keyOf(ep));
      },
      delete: (ep) => {
        this.created.delete(keyOf(ep));
        queue.add(keyOf(ep));
      },
    });
  }

  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.services.lister.get(namespace, name);
    if (cached === undefined) {
      // The Service is gone: so are its Endpoints.
      try {
        await this.ctx.client.delete(ENDPOINTS, namespace, name);
      } catch (err) {
        if (!isClientNotFound(err)) throw err;
      }
      this.triggerTimes.deleteService(namespace, name);
      this.replaced.delete(key);
      this.created.delete(key);
      this.staleRetries.delete(key);
      return undefined;
    }
    if (cached.spec?.type === 'ExternalName') return undefined;
    const selector = serviceSelector(cached);
    if (selector === undefined) return undefined;
    const svc: Service = { ...cached, apiVersion: 'v1', kind: 'Service' };

    const pods = this.pods.lister.list(namespace).filter((p) => selectorSetMatches(selector, p.metadata?.labels));
    const triggerTime = this.triggerTimes.compute(namespace, svc, pods);
    const current = this.endpoints.lister.get(namespace, name);
    if (current !== undefined) this.created.delete(key);
    if ((current === undefined && this.created.has(key)) || (current !== undefined && this.replaced.get(key) === current.metadata?.resourceVersion)) {
      const n = this.staleRetries.get(key) ?? 0;
      this.staleRetries.set(key, n + 1);
      this.log.debug({ service: key, resourceVersion: current?.metadata?.resourceVersion }, 'endpoints informer cache is out of date');
      return { requeueAfterMs: Math.min(STALE_RETRY_MAX_MS, STALE_RETRY_BASE_MS * 2 ** n) };
    }
    this.staleRetries.delete(key);

    const plan = planEndpoints({ service: svc, pods, current, triggerTime });
    if (plan.action === 'none') return undefined;
    this.log.debug({ service: key, readyEndpoints: plan.ready, notreadyEndpoints: plan.notReady }, 'Update endpoints');
    if (plan.action === 'create') {
      try {
        await this.ctx.client.create<Endpoints>(ENDPOINTS, namespace, plan.endpoints);
      } catch (err) {
        // Creations keep failing in a namespace being deleted: drop the work.
        if (namespaceTerminating(err)) return undefined;
        this.recorder.event(plan.endpoints, 'Warning', 'FailedToCreateEndpoint', `Failed to create endpoint for service ${key}: ${messageOf(err)}`);
        throw err;
      }
      this.created.add(key);
      return undefined;
    }
    let updated: Endpoints;
    try {
      updated = await this.ctx.client.update<Endpoints>(ENDPOINTS, namespace, plan.endpoints);
    } catch (err) {
      this.recorder.event(plan.endpoints, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${key}: ${messageOf(err)}`);
      throw err;
    }
    const before = current?.metadata?.resourceVersion;
    if (before !== undefined && updated.metadata?.resourceVersion !== before) this.replaced.set(key, before);
    return undefined;
  }
}
