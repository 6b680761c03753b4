// Namespaces: every active namespace gets a `default` ServiceAccount and the kube-root-ca.crt
// ConfigMap; a deleted namespace (phase Terminating) has its contents deleted (pods gracefully,
// so their nodes stop them first) and is removed once empty.
import type { Clock, Timer } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { ApiError } from '../api/errors.ts';
import { isRecord } from '../registry/object-meta.ts';
import type { Registry } from '../registry/registry.ts';
import type { ResourceWatch } from '../registry/resource-store.ts';
import { storagePrefix } from '../resources.ts';
import type { KubeObject } from '../storage/types.ts';

export interface NamespaceControllerOptions {
  registry: Registry;
  clock: Clock;
  log: Logger;
  /** PEM of the cluster CA, published as kube-root-ca.crt in every namespace. */
  caCert?: string;
  /** How often a terminating namespace is re-checked while pods finish (default 2 s). */
  recheckMs?: number;
}

function ignore(reason: string, err: unknown): void {
  if (!(err instanceof ApiError && err.status.reason === reason)) throw err;
}

export class NamespaceController {
  private watches: ResourceWatch[] = [];
  private timers = new Map<string, Timer>();
  private running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly o: NamespaceControllerOptions) {}

  start(): void {
    void this.o.registry.namespaces.watch(undefined, {}, (e) => {
      const name = e.object.metadata?.name ?? '';
      if (e.type === 'DELETED') return;
      this.enqueue(name);
    }).then((w) => { this.watches.push(w); });
    void this.o.registry.serviceAccounts.watch(undefined, { fieldSelector: 'metadata.name=default' }, (e) => {
      if (e.type === 'DELETED') this.enqueue(e.object.metadata?.namespace ?? '');
    }).then((w) => { this.watches.push(w); });
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watches) w.stop();
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  /** Syncs one namespace (serialised per namespace). */
  enqueue(name: string): void {
    if (this.stopped || name === '') return;
    const prev = this.running.get(name) ?? Promise.resolve();
    const next = prev.then(() => this.sync(name)).catch((err: unknown) => {
      this.o.log.warn({ err, namespace: name }, 'namespace sync failed');
      this.later(name);
    });
    this.running.set(name, next);
  }

  async sync(name: string): Promise<void> {
    if (this.stopped) return;
    let ns: KubeObject;
    try {
      ns = await this.o.registry.namespaces.get(undefined, name);
    } catch (err) {
      ignore('NotFound', err);
      return;
    }
    if (ns.metadata?.['deletionTimestamp'] === undefined) {
      await this.ensureDefaults(name);
      return;
    }
    const remaining = await this.deleteContent(name);
    if (remaining > 0) {
      this.later(name);
      return;
    }
    const spec = isRecord(ns['spec']) ? ns['spec'] : {};
    const finalizers = Array.isArray(spec['finalizers']) ? spec['finalizers'] : [];
    try {
      if (finalizers.includes('kubernetes')) {
        await this.o.registry.namespaces.update(undefined, name, { ...ns, spec: { ...spec, finalizers: finalizers.filter((f) => f !== 'kubernetes') } }, 'finalize');
      }
      await this.o.registry.namespaces.delete(undefined, name, {});
      this.o.log.info({ namespace: name }, 'namespace removed');
    } catch (err) {
      ignore('NotFound', err);
    }
  }

  private later(name: string): void {
    if (this.stopped || this.timers.has(name)) return;
    this.timers.set(name, this.o.clock.setTimer(this.o.recheckMs ?? 2000, () => {
      this.timers.delete(name);
      this.enqueue(name);
    }));
  }

  private async ensureDefaults(namespace: string): Promise<void> {
    try {
      await this.o.registry.serviceAccounts.create(namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    } catch (err) {
      ignore('AlreadyExists', err);
    }
    if (this.o.caCert !== undefined) {
      try {
        await this.o.registry.store('', 'v1', 'configmaps').create(namespace, {
          apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } },
          data: { 'ca.crt': this.o.caCert },
        });
      } catch (err) {
        ignore('AlreadyExists', err);
      }
    }
  }

  /** Deletes everything in the namespace; returns how many objects are still there. */
  private async deleteContent(namespace: string): Promise<number> {
    let remaining = 0;
    const seen = new Set<string>();
    // the served kinds now: custom resources in the namespace go too
    for (const r of this.o.registry.resources()) {
      if (!r.namespaced) continue;
      const prefix = storagePrefix(r);
      if (seen.has(prefix)) continue;
      seen.add(prefix);
      const store = this.o.registry.store(r.group, r.version, r.resource);
      const { items } = await store.list(namespace);
      for (const item of items) {
        try {
          const out = await store.delete(namespace, item.metadata?.name ?? '', { propagationPolicy: 'Background' });
          if (!out.deleted) remaining++;
        } catch (err) {
          ignore('NotFound', err);
        }
      }
    }
    return remaining;
  }
}
