// The executor against in-memory informers and a scripted client (FakeClock time): which keys pod
// and PDB events queue, the multiple-budgets warning, the recheck delay, conflicts retried versus
// other write failures answered with the fail-safe status, and the stale-pod keys.
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.d.ts';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiClientError, type ApiClient, type KubeObject, type ResourceType } from '../../kube/client/client.ts';
import { PODDISRUPTIONBUDGETS, PODS } from '../../kube/client/resources.ts';
import type { EventHandlers, Informer, InformerSource, Lister } from '../../kube/informers/types.ts';
import { FakeClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/log.ts';
import type { ControllerContext, Enqueue, EventRecorder, EventType } from '../framework/types.ts';
import { DisruptionController, STALE_POD_PREFIX } from './controller.ts';
import { ago, NOW, pdb, pod } from './test-fixtures.ts';

class MemInformer<T extends KubeObject> implements Informer<T>, Lister<T> {
  readonly items: T[] = [];
  readonly handlers: EventHandlers<T>[] = [];
  readonly lister: Lister<T> = this;
  addHandler(h: EventHandlers<T>): void { this.handlers.push(h); }
  hasSynced(): boolean { return true; }
  get(ns: string, name: string): T | undefined { return this.items.find((o) => o.metadata?.namespace === ns && o.metadata.name === name); }
  list(ns?: string): T[] { return this.items.filter((o) => ns === undefined || o.metadata?.namespace === ns); }
  byOwner(): T[] { return []; }
  put(obj: T): void {
    const i = this.items.findIndex((o) => o.metadata?.name === obj.metadata?.name);
    const old = this.items[i];
    if (old === undefined) this.items.push(obj);
    else this.items[i] = obj;
    for (const h of this.handlers) {
      if (old === undefined) h.add?.(obj);
      else h.update?.(old, obj);
    }
  }
}

class MemInformers implements InformerSource {
  private readonly all = new Map<string, MemInformer<KubeObject>>();
  informer<T extends KubeObject>(r: ResourceType): MemInformer<T> {
    let inf = this.all.get(r.resource);
    if (inf === undefined) this.all.set(r.resource, inf = new MemInformer<KubeObject>());
    return inf as unknown as MemInformer<T>;
  }
}

class Queue implements Enqueue {
  added: string[] = [];
  later: [string, number][] = [];
  add(key: string): void { this.added.push(key); }
  addAfter(key: string, ms: number): void { this.later.push([key, ms]); }
}

let clock: FakeClock;
let informers: MemInformers;
let queue: Queue;
let events: { name: string; type: EventType; reason: string; message: string }[];
let writes: KubeObject[];
let onWrite: (obj: KubeObject, n: number) => Promise<KubeObject>;
let controller: DisruptionController;

beforeEach(() => {
  clock = new FakeClock(NOW);
  informers = new MemInformers();
  queue = new Queue();
  events = [];
  writes = [];
  onWrite = (obj) => Promise.resolve(obj);
  const recorder: EventRecorder = { event: (obj, type, reason, message) => { events.push({ name: obj.metadata?.name ?? '', type, reason, message }); } };
  const client = {
    updateStatus: (_r: ResourceType, _ns: string | undefined, obj: KubeObject) => {
      writes.push(obj);
      return onWrite(obj, writes.length);
    },
  };
  const ctx: ControllerContext = { client: client as unknown as ApiClient, informers, clock, log: silentLogger, recorder: () => recorder };
  controller = new DisruptionController(ctx, { scales: { scaleOf: () => Promise.resolve(undefined) } });
  controller.watch(queue);
});

const pdbs = (): MemInformer<PodDisruptionBudget> => informers.informer<PodDisruptionBudget>(PODDISRUPTIONBUDGETS);
const pods = (): MemInformer<Pod> => informers.informer<Pod>(PODS);

function named(name: string, p: PodDisruptionBudget): PodDisruptionBudget {
  return { ...p, metadata: { ...p.metadata, name } };
}

describe('DisruptionController', () => {
  it('a pod event queues the first covering PDB and warns on the pod when there are several', () => {
    pdbs().put(named('one', pdb({ minAvailable: 1 })));
    pdbs().put(named('two', pdb({ minAvailable: 1 })));
    queue.added = [];
    pods().put(pod('a'));
    expect(queue.added).toEqual(['default/one']);
    expect(events).toEqual([{
      name: 'a', type: 'Warning', reason: 'MultiplePodDisruptionBudgets',
      message: 'Pod "default"/"a" matches multiple PodDisruptionBudgets.  Chose "one" arbitrarily.',
    }]);
    pods().put(pod('b', { labels: { app: 'other' } }));
    expect(queue.added).toEqual(['default/one']);
  });

  it('writes the status, and asks to come back when a disruptedPods entry expires', async () => {
    pdbs().put(pdb({ minAvailable: 1 }, { disruptedPods: { a: ago(30_000) } }));
    pods().put(pod('a'));
    pods().put(pod('b'));
    expect(await controller.sync('default/web-pdb')).toEqual({ requeueAfterMs: 90_000 });
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', status: { currentHealthy: 1, disruptionsAllowed: 0, disruptedPods: { a: ago(30_000) } } });
  });

  it('a deleted PDB is nothing to do', async () => {
    expect(await controller.sync('default/gone')).toBeUndefined();
    expect(writes).toEqual([]);
  });

  it('retries a conflict, but answers any other write failure with the fail-safe status', async () => {
    pdbs().put(pdb({ minAvailable: 1 }));
    pods().put(pod('a'));
    pods().put(pod('b'));
    onWrite = () => Promise.reject(new ApiClientError(409, { reason: 'Conflict', message: 'the object has been modified' }));
    await expect(controller.sync('default/web-pdb')).rejects.toThrow('the object has been modified');
    expect(writes).toHaveLength(1);

    writes = [];
    onWrite = (obj, n) => (n === 1 ? Promise.reject(new ApiClientError(500, { reason: 'InternalError', message: 'etcd is sad' })) : Promise.resolve(obj));
    expect(await controller.sync('default/web-pdb')).toBeUndefined();
    expect(writes).toHaveLength(2);
    expect(writes[1]).toMatchObject({ status: { disruptionsAllowed: 0, conditions: [{ type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: 'etcd is sad' }] } });
  });

  it('a stale DisruptionTarget condition queues a pod key for when it goes stale, which resets it', async () => {
    const p = pod('a');
    const stuck: Pod = { ...p, status: { ...p.status, conditions: [...p.status!.conditions!, { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', lastTransitionTime: ago(30_000) }] } };
    pods().put(stuck);
    expect(queue.later).toEqual([[`${STALE_POD_PREFIX}default/a`, 90_000]]);
    expect(await controller.sync(`${STALE_POD_PREFIX}default/a`)).toEqual({ requeueAfterMs: 90_000 });
    await clock.step(90_000);
    expect(await controller.sync(`${STALE_POD_PREFIX}default/a`)).toBeUndefined();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } });
    expect((writes[0] as Pod).status?.conditions?.[1]).toEqual({ type: 'DisruptionTarget', status: 'False', lastTransitionTime: ago(-90_000) });
  });
});
