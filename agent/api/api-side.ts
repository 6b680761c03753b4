// The agent's API side, assembled: node registration and status, the node Lease, pods bound to
// the node (a PodSource), pod status (a StatusSink), events (an EventSink), ConfigMap/Secret
// lookup, the Services cache (service link variables), and mirror pods for static pods. The agent wiring plugs these into its own pieces:
//
//   const api = createApiSide({ kubeconfigPath, nodeName, kubeletPort, runtime, rootDir, clock, log });
//   api.start();                                       // register, heartbeat, sinks
//   const recorder = new EventRecorder({ clock, nodeName, sink: api.eventSink });
//   const statuses = new StatusManager(api.statusSink);
//   await manifestSource.start(teeHandler(agentHandler, api.mirrorPods));   // static pods → mirrors
//   await api.podSource.start(agentHandler);           // after api.nodeReady, like the kubelet
//   api.mirrorPods.start();                            // both sources delivered: orphans can go
//   … when a pod with deletionTimestamp is fully terminated: statuses.delete(pod) (the sink then
//     confirms), or api.confirmDeleted(pod) directly.
//   await api.stop();
import { arch, platform } from 'node:os';
import type { Event as CoreEvent, Pod } from 'kubernetes-types/core/v1.d.ts';
import { ApiClient } from '../../kube/client/client.ts';
import { loadKubeconfig } from '../../kube/client/kubeconfig.ts';
import type { Clock } from '../../lib/clock.ts';
import { NodeletError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import { silentLogger } from '../../lib/log.ts';
import { rfc3339 } from '../pod-util.ts';
import type { PodSourceHandler } from '../sources/pod-source.ts';
import { ApiEventSink } from '../../kube/events/api-event-sink.ts';
import { ApiObjectLookup } from './api-object-lookup.ts';
import { ApiPodSource } from './api-pod-source.ts';
import { ApiServiceCache } from './api-service-cache.ts';
import { ApiStatusSink } from './api-status-sink.ts';
import type { ApiClientLike } from '../../kube/client/client-like.ts';
import type { HostFacts, HostRuntime } from './host-facts.ts';
import { LeaseHeartbeat } from './lease-heartbeat.ts';
import { MirrorPods } from './mirror-pods.ts';
import { KUBELET_VERSION, NodeRegistrar, type SystemReserved } from './node-registrar.ts';

export interface ApiSideOptions {
  /** Where to find the API server (a kubeconfig with the node token), unless client is given. */
  kubeconfigPath?: string;
  client?: ApiClientLike;
  nodeName: string;
  /** The address the API server reaches this agent on (InternalIP); default 127.0.0.1. */
  nodeIP?: string;
  /** The agent's streaming server port (logs/exec/attach). */
  kubeletPort: number;
  runtime: HostRuntime;
  /** The agent's root dir (its filesystem is the node's ephemeral storage). */
  rootDir: string;
  clock: Clock;
  log?: Logger;
  /** Extra node labels at registration (--node-labels). */
  labels?: Record<string, string>;
  /** --max-pods: the Node's pods capacity/allocatable (default 110). */
  maxPods?: number;
  /** --system-reserved: subtracted from the Node's allocatable cpu and memory. */
  systemReserved?: SystemReserved;
  /** Node status computation period (10 s) and the longest gap between reports (60 s). */
  nodeStatusUpdateMs?: number;
  nodeStatusReportMs?: number;
  /** Lease duration (40 s) and renew interval (duration / 4). */
  leaseDurationSeconds?: number;
  leaseRenewMs?: number;
  /** Back-off of the pod and Service watch reconnects (800 ms → 30 s). */
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  /** Extra reasons the node is not Ready (checked at every status update). */
  readinessProblem?: () => string | undefined;
  /** Host facts override (tests). */
  hostFacts?: () => Promise<HostFacts>;
}

export interface ApiSide {
  client: ApiClientLike;
  registrar: NodeRegistrar;
  lease: LeaseHeartbeat;
  podSource: ApiPodSource;
  statusSink: ApiStatusSink;
  eventSink: ApiEventSink;
  lookup: ApiObjectLookup;
  /** Every Service, for containers' service link variables (started by start()). */
  services: ApiServiceCache;
  mirrorPods: MirrorPods;
  /** Last step of graceful deletion (DELETE grace 0, uid precondition); retried until done. */
  confirmDeleted(pod: Pod): Promise<void>;
  /** Resolves once the Node is registered (created or adopted). */
  nodeReady: Promise<void>;
  /** Starts registration + status, the lease, the Services cache, and the sinks' retry loops. */
  start(): void;
  /** Stops everything this side started (the pod source and mirror pods included). */
  stop(): Promise<void>;
}

/** Delivers every source event to several handlers (e.g. the agent and the mirror pods). */
export function teeHandler(...handlers: PodSourceHandler[]): PodSourceHandler {
  return {
    add: (pod) => { for (const h of handlers) h.add(pod); },
    update: (pod) => { for (const h of handlers) h.update(pod); },
    remove: (uid) => { for (const h of handlers) h.remove(uid); },
  };
}

export function createApiSide(o: ApiSideOptions): ApiSide {
  const log = o.log ?? silentLogger;
  let owned: ApiClient | undefined;
  let client: ApiClientLike;
  if (o.client !== undefined) client = o.client;
  else if (o.kubeconfigPath !== undefined) {
    owned = ApiClient.fromConnection(loadKubeconfig(o.kubeconfigPath), {
      userAgent: `nodelet/${KUBELET_VERSION} (${platform()}/${arch()}) kubelet`,
    });
    client = owned;
  } else {
    throw new NodeletError('config.invalid', 'the API side needs a kubeconfig or a client');
  }
  const { nodeName, clock } = o;

  const eventSink = new ApiEventSink({ client, clock, log: log.child({ part: 'events' }) });
  let seq = 0;
  const nodeEvent = (type: 'Normal' | 'Warning', reason: string, message: string): void => {
    const now = rfc3339(clock.now());
    const event: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      // the kubelet's `<node>.<unix nanoseconds in hex>`; BigInt, as ms × 10^6 is past a double's exact integers
      metadata: { name: `${nodeName}.${(BigInt(Math.floor(clock.now())) * 1_000_000n + BigInt(seq++ % 1_000_000)).toString(16)}`, namespace: 'default' },
      // the kubelet's node reference: the uid is the node name (kubectl describe node looks for it)
      involvedObject: { kind: 'Node', name: nodeName, uid: nodeName, namespace: '' },
      type, reason, message,
      count: 1, firstTimestamp: now, lastTimestamp: now,
      source: { component: 'kubelet', host: nodeName },
      reportingComponent: 'kubelet', reportingInstance: nodeName,
    };
    void eventSink.create(event);
  };

  const registrar = new NodeRegistrar({
    client, nodeName, nodeIP: o.nodeIP ?? '127.0.0.1', kubeletPort: o.kubeletPort, runtime: o.runtime, rootDir: o.rootDir, clock,
    log: log.child({ part: 'node-status' }), recordEvent: nodeEvent,
    ...(o.labels === undefined ? {} : { labels: o.labels }),
    ...(o.maxPods === undefined ? {} : { maxPods: o.maxPods }),
    ...(o.systemReserved === undefined ? {} : { systemReserved: o.systemReserved }),
    ...(o.nodeStatusUpdateMs === undefined ? {} : { statusUpdateMs: o.nodeStatusUpdateMs }),
    ...(o.nodeStatusReportMs === undefined ? {} : { reportMs: o.nodeStatusReportMs }),
    ...(o.readinessProblem === undefined ? {} : { readinessProblem: o.readinessProblem }),
    ...(o.hostFacts === undefined ? {} : { hostFacts: o.hostFacts }),
  });
  const lease = new LeaseHeartbeat({
    client, nodeName, clock, log: log.child({ part: 'lease' }),
    ...(o.leaseDurationSeconds === undefined ? {} : { leaseDurationSeconds: o.leaseDurationSeconds }),
    ...(o.leaseRenewMs === undefined ? {} : { renewIntervalMs: o.leaseRenewMs }),
  });
  // eslint-disable-next-line prefer-const -- the three below refer to each other
  let statusSink: ApiStatusSink;
  const mirrorPods = new MirrorPods({
    client, nodeName, clock, log: log.child({ part: 'mirror-pods' }),
    onMirrorCreated: (staticPod) => { void statusSink.rewrite(staticPod); },
  });
  const podSource = new ApiPodSource({
    client, nodeName, clock, log: log.child({ part: 'pod-source' }),
    onMirrorPod: (event, pod) => { mirrorPods.observe(event, pod); },
    ...(o.reconnectInitialMs === undefined ? {} : { backoffInitialMs: o.reconnectInitialMs }),
    ...(o.reconnectMaxMs === undefined ? {} : { backoffMaxMs: o.reconnectMaxMs }),
  });
  statusSink = new ApiStatusSink({
    client, clock, log: log.child({ part: 'pod-status' }),
    mirrorPodOf: (pod) => mirrorPods.mirrorOf(pod),
    confirmDeleted: (pod) => podSource.confirmDeleted(pod),
  });
  const lookup = new ApiObjectLookup({ client, clock });
  const services = new ApiServiceCache({
    client, clock, log: log.child({ part: 'services' }),
    ...(o.reconnectInitialMs === undefined ? {} : { backoffInitialMs: o.reconnectInitialMs }),
    ...(o.reconnectMaxMs === undefined ? {} : { backoffMaxMs: o.reconnectMaxMs }),
  });

  return {
    client, registrar, lease, podSource, statusSink, eventSink, lookup, services, mirrorPods,
    confirmDeleted: (pod) => podSource.confirmDeleted(pod),
    nodeReady: registrar.registered,
    start() {
      registrar.start();
      lease.start();
      services.start();
      statusSink.start();
    },
    async stop() {
      await Promise.all([podSource.stop(), mirrorPods.stop(), registrar.stop(), lease.stop(), services.stop(), statusSink.stop()]);
      await eventSink.flush();
      owned?.close();
    },
  };
}
