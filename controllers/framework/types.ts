// The contract between the controller manager and each controller. A controller is a Reconciler:
// it subscribes to shared informers and names the keys ("namespace/name") that need work; the
// manager's runner gives each key to `sync` one at a time (never the same key twice at once),
// retries a key whose sync threw with per-key exponential back-off, and honours requeueAfterMs.
// Everything a controller reads comes from informers; everything it writes goes through the API
// client, so it runs against any conformant API server.
import type { ApiClient, KubeObject } from '../../kube/client/client.ts';
import type { InformerSource } from '../../kube/informers/types.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';

export type EventType = 'Normal' | 'Warning';

/** core/v1 Events about the objects a controller acts on (client-go's record.EventRecorder). */
export interface EventRecorder {
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

export interface ControllerContext {
  client: ApiClient;
  informers: InformerSource;
  clock: Clock;
  log: Logger;
  /** A recorder whose events name `component` (e.g. "deployment-controller") as their source. */
  recorder(component: string): EventRecorder;
}

export interface Enqueue {
  /** Queues key; a key already waiting is not queued twice. */
  add(key: string): void;
  /** Queues key after ms (e.g. a minReadySeconds or deadline check). */
  addAfter(key: string, ms: number): void;
}

// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a sync that asks for nothing returns nothing
export type SyncResult = void | { requeueAfterMs?: number };

export interface Reconciler {
  /** kube-controller-manager's name for it: "replicaset-controller", "deployment-controller", … */
  readonly name: string;
  /** Concurrent syncs (of different keys); upstream's defaults: 5 for most, 20 for GC. */
  readonly workers?: number;
  /** Adds informer handlers that call queue.add for the keys that need a sync. */
  watch(queue: Enqueue): void;
  /** Reconciles one key; throws to be retried with back-off. */
  sync(key: string): Promise<SyncResult>;
}

/** "namespace/name" (or "name" for cluster-scoped objects), as client-go's MetaNamespaceKeyFunc. */
export function keyOf(obj: KubeObject): string {
  const ns = obj.metadata?.namespace ?? '';
  const name = obj.metadata?.name ?? '';
  return ns === '' ? name : `${ns}/${name}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
