// CustomResourceDefinitions (apiextensions-apiserver's naming, establishing and finalizer
// controllers, in one): a watch enqueues definition names; sync(name) reads the definition and
// the others of its group and writes what kinds/apiextensions/crd-names.ts decides — accepted
// names, NamesAccepted and Established — through the status subresource. A deleted definition
// (Terminating, held by its cleanup finalizer) has its custom resources deleted, then loses the
// finalizer and is gone. One worker, as upstream's naming controller: a definition's names are
// decided after every earlier decision was written. A failed sync is retried later.
import type { Clock, Timer } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { ApiError } from '../api/errors.ts';
import { o, s, type Obj } from '../../kube/values.ts';
import { awaitsCleanup, acceptedNamesOf, namingStatus, withoutCleanupFinalizer } from '../kinds/apiextensions/crd-names.ts';
import { conditionTrue, setCondition } from '../kinds/apiextensions/crd-validation.ts';
import { CRD_GROUP } from '../kinds/apiextensions.ts';
import { rfc3339 } from '../registry/object-meta.ts';
import type { Registry } from '../registry/registry.ts';
import type { ResourceStore, ResourceWatch } from '../registry/resource-store.ts';
import type { KubeObject } from '../storage/types.ts';

export interface CrdControllerOptions {
  registry: Registry;
  clock: Clock;
  log: Logger;
  /** How long before a failed sync, or a cleanup still waiting for finalizers, is retried (default 2 s). */
  retryMs?: number;
}

function notFound(err: unknown): boolean {
  return err instanceof ApiError && err.status.reason === 'NotFound';
}

export class CrdController {
  private watch: ResourceWatch | undefined;
  private readonly timers = new Map<string, Timer>();
  /** The one worker's queue, and the names waiting in it (a name waits once). */
  private queue: Promise<void> = Promise.resolve();
  private readonly pending = new Set<string>();
  private stopped = false;

  constructor(private readonly o: CrdControllerOptions) {}

  private get crds(): ResourceStore {
    return this.o.registry.store(CRD_GROUP, 'v1', 'customresourcedefinitions');
  }

  start(): void {
    void this.crds.watch(undefined, {}, (e) => {
      const crd = e.object as Obj;
      if (e.type !== 'DELETED') {
        this.enqueue(s(o(crd['metadata'])['name']));
        return;
      }
      // names a deleted definition held may now go to others of its group
      const group = s(o(crd['spec'])['group']);
      void this.crds.list(undefined).then(({ items }) => {
        for (const other of items) if (o(other['spec'])['group'] === group) this.enqueue(other.metadata?.name ?? '');
      });
    }).then((w) => {
      if (this.stopped) w.stop();
      else this.watch = w;
    });
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  /** Queues a sync of one definition. */
  enqueue(name: string): void {
    if (this.stopped || name === '' || this.pending.has(name)) return;
    this.pending.add(name);
    this.queue = this.queue.then(async () => {
      this.pending.delete(name);
      try {
        await this.sync(name);
      } catch (err) {
        this.o.log.warn({ err, crd: name }, 'CustomResourceDefinition sync failed');
        this.later(name);
      }
    });
  }

  async sync(name: string): Promise<void> {
    if (this.stopped) return;
    let crd: KubeObject;
    try {
      crd = await this.crds.get(undefined, name);
    } catch (err) {
      if (notFound(err)) return;
      throw err;
    }
    if (awaitsCleanup(crd)) {
      await this.cleanup(crd);
      return;
    }
    const { items } = await this.crds.list(undefined);
    await this.writeStatus(name, (current) => {
      const used = acceptedNamesOf(items, s(o(current['spec'])['group']));
      return namingStatus(current, used, this.now());
    });
  }

  private now(): string {
    return rfc3339(this.o.clock.now());
  }

  /** A write of the definition's status (or finalizers) computed from the current object; none when fn says so. */
  private async writeStatus(name: string, fn: (current: Obj) => Obj | undefined): Promise<Obj | undefined> {
    let written: Obj | undefined;
    try {
      await this.crds.guaranteedUpdate(undefined, name, {}, (current) => {
        const next = fn(current);
        if (next === undefined) return current;
        written = next;
        return this.crds.prepareUpdate(current, next, 'status');
      });
    } catch (err) {
      if (notFound(err)) return undefined;
      throw err;
    }
    return written;
  }

  /** The finalizer controller: delete the custom resources, then let the definition go. */
  private async cleanup(crd: KubeObject): Promise<void> {
    const name = crd.metadata?.name ?? '';
    const def = crd as Obj;
    await this.writeStatus(name, (current) => {
      const next = structuredClone(current);
      setCondition(next, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' }, this.now());
      return next;
    });
    let condition = { type: 'Terminating', status: 'False', reason: 'NeverEstablished', message: 'resource was never established' };
    if (conditionTrue(def, 'Established')) {
      const remaining = await this.deleteInstances(def);
      if (remaining > 0) {
        await this.writeStatus(name, (current) => {
          const next = structuredClone(current);
          setCondition(next, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionCheck', message: 'could not confirm zero CustomResources remaining: timed out waiting for the condition' }, this.now());
          return next;
        });
        this.later(name);
        return;
      }
      condition = { type: 'Terminating', status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances' };
    }
    await this.writeStatus(name, (current) => {
      const next = withoutCleanupFinalizer(current);
      setCondition(next, condition, this.now());
      return next;
    });
    this.o.log.info({ crd: name }, 'CustomResourceDefinition removed');
  }

  /** Deletes every custom resource of the definition; returns how many are still there (finalizers). */
  private async deleteInstances(crd: Obj): Promise<number> {
    const spec = o(crd['spec']);
    const group = s(spec['group']);
    const plural = s(o(o(crd['status'])['acceptedNames'])['plural']);
    const versions = Array.isArray(spec['versions']) ? spec['versions'].map(o) : [];
    const store = versions.map((v) => this.o.registry.find(group, s(v['name']), plural)).find((s) => s !== undefined);
    if (store === undefined) return 0;
    const { items } = await store.list(undefined);
    let remaining = 0;
    for (const item of items) {
      try {
        const out = await store.delete(item.metadata?.namespace, item.metadata?.name ?? '', {});
        if (!out.deleted) remaining++;
      } catch (err) {
        if (!notFound(err)) throw err;
      }
    }
    return remaining;
  }

  private later(name: string): void {
    if (this.stopped || this.timers.has(name)) return;
    this.timers.set(name, this.o.clock.setTimer(this.o.retryMs ?? 2000, () => {
      this.timers.delete(name);
      this.enqueue(name);
    }));
  }
}
