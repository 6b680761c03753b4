// What a controller sees of a shared informer: a read-only cache (lister) kept by one list+watch
// per resource, and change notifications. Objects from the cache are shared by every controller:
// never mutate them; copy (lib/clone.ts cloneJson) before changing one to write it back.
import type { KubeObject, ResourceType } from '../client/client.ts';

export interface EventHandlers<T extends KubeObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  /** The last state the cache knew of the deleted object. */
  delete?(obj: T): void;
}

export interface Lister<T extends KubeObject> {
  /** namespace '' for cluster-scoped objects. */
  get(namespace: string, name: string): T | undefined;
  /** Every cached object, or those in one namespace. */
  list(namespace?: string): T[];
  /** Objects with an ownerReference (controller or not) whose uid is ownerUid. */
  byOwner(ownerUid: string): T[];
}

export interface Informer<T extends KubeObject> {
  readonly lister: Lister<T>;
  /** Handlers added before the first list see an add for every listed object. */
  addHandler(h: EventHandlers<T>): void;
  /** True once the first list has been delivered. */
  hasSynced(): boolean;
}

/** One shared informer per resource, made on first request. */
export interface InformerSource {
  informer<T extends KubeObject>(r: ResourceType): Informer<T>;
}
