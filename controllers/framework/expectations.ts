// "Expectations" as kube-controller-manager keeps them (pkg/controller/controller_utils.go): after
// a controller asks for N creations (or deletions) for a key it does not act on that key again until
// the informer has shown it all N, so a sync that runs before the watch catches up never creates
// (or deletes) the same pods twice. Expectations older than five minutes are treated as met, so a
// lost watch event cannot wedge a controller. Deletions can be tracked by pod uid
// (UIDTrackingControllerExpectations), so only a deletion the controller asked for lowers the count.
import type { KubeObject } from '../../kube/client/client.ts';
import type { EventHandlers } from '../../kube/informers/types.ts';
import type { Clock } from '../../lib/clock.ts';
import { keyOf, type Enqueue } from './types.ts';

/** ExpectationsTimeout. */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Record {
  add: number;
  del: number;
  at: number;
  uids: Set<string>;
}

export class ControllerExpectations {
  private readonly records = new Map<string, Record>();

  constructor(private readonly clock: Clock, private readonly ttlMs = EXPECTATIONS_TIMEOUT_MS) {}

  /** SatisfiedExpectations: true when nothing is awaited for key, all was seen, or it expired. */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (r === undefined) return true;
    if (r.add <= 0 && r.del <= 0) return true;
    return this.clock.now() - r.at > this.ttlMs;
  }

  /** ExpectCreations: replaces what is awaited for key. */
  expectCreations(key: string, adds: number): void {
    this.records.set(key, { add: adds, del: 0, at: this.clock.now(), uids: new Set() });
  }

  /** ExpectDeletions by uid: only deletions of these pods lower the count. */
  expectDeletions(key: string, uids: readonly string[]): void {
    this.records.set(key, { add: 0, del: uids.length, at: this.clock.now(), uids: new Set(uids) });
  }

  /** Raises what is awaited (a later batch of creations while earlier ones are still awaited). */
  raise(key: string, adds: number): void {
    const r = this.records.get(key);
    if (r === undefined) this.expectCreations(key, adds);
    else r.add += adds;
  }

  /** CreationObserved, or a creation that failed and will never be observed. */
  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r !== undefined) r.add--;
  }

  /** DeletionObserved: counts only pods whose deletion was expected (or any, when uid is omitted). */
  deletionObserved(key: string, uid?: string): void {
    const r = this.records.get(key);
    if (r === undefined) return;
    if (uid !== undefined && r.uids.size > 0) {
      if (!r.uids.delete(uid)) return;
    }
    r.del--;
  }

  /** DeleteExpectations: the controller object is gone. */
  forget(key: string): void {
    this.records.delete(key);
  }
}

/**
 * The handlers of a controller's own objects when it keeps expectations: every change queues the
 * object; a deletion, and an object deleted and made again under the same name between two watch
 * events (an update with another uid), first forget the old object's expectations — a new object
 * of the same name starts with none.
 */
export function ownObjectHandlers<T extends KubeObject>(queue: Enqueue, expectations: ControllerExpectations): EventHandlers<T> {
  const deleted = (obj: T): void => {
    const key = keyOf(obj);
    expectations.forget(key);
    queue.add(key);
  };
  return {
    add: (obj) => { queue.add(keyOf(obj)); },
    update: (oldObj, curObj) => {
      if (oldObj.metadata?.uid !== curObj.metadata?.uid) deleted(oldObj);
      queue.add(keyOf(curObj));
    },
    delete: deleted,
  };
}
