// All served resources over one Storage: looks up the ResourceStore for a group/version/resource.
// The served set is the built-in kinds plus the kinds of the established
// CustomResourceDefinitions, which change while the server runs (custom-resources.ts installs
// them; bootstrap.ts starts that): routing, discovery and OpenAPI read it from here.
import type { Clock } from '../../lib/clock.ts';
import { ApiError } from '../api/errors.ts';
import type { KindDefinition } from '../kinds/kind.ts';
import { RESOURCES, type ResourceInfo } from '../resources.ts';
import type { Storage } from '../storage/types.ts';
import { isRecord } from './object-meta.ts';
import { ResourceStore, type NamespacePhase, type StoreContext } from './resource-store.ts';

const keyOf = (r: Pick<ResourceInfo, 'group' | 'version' | 'resource'>): string => `${r.group}/${r.version}/${r.resource}`;

export class Registry {
  private readonly stores = new Map<string, ResourceStore>();
  /** The stores of the kinds served from CustomResourceDefinitions, replaced as a whole. */
  private custom = new Map<string, ResourceStore>();
  private served: readonly ResourceInfo[] = RESOURCES;
  private generation = 0;
  private readonly ctx: StoreContext;

  constructor(readonly storage: Storage, readonly clock: Clock) {
    this.ctx = { storage, clock, namespacePhase: (name: string) => this.namespacePhase(name) };
    for (const r of RESOURCES) this.stores.set(keyOf(r), new ResourceStore(r, this.ctx));
  }

  /** Every served resource's store. */
  all(): ResourceStore[] {
    return [...this.stores.values(), ...this.custom.values()];
  }

  /** The store of a served resource, or undefined. */
  find(group: string, version: string, resource: string): ResourceStore | undefined {
    const key = `${group}/${version}/${resource}`;
    return this.stores.get(key) ?? this.custom.get(key);
  }

  /**
   * Serves exactly these kinds of custom resources (in discovery order) besides the built-in
   * ones, which win over a custom kind at the same group/version/resource. A kind whose
   * definition object is unchanged keeps its store.
   */
  setCustomKinds(kinds: readonly KindDefinition[]): void {
    const next = new Map<string, ResourceStore>();
    for (const k of kinds) {
      const key = keyOf(k);
      if (this.stores.has(key) || next.has(key)) continue;
      const old = this.custom.get(key);
      next.set(key, old?.info === k ? old : new ResourceStore(k, this.ctx));
    }
    const changed = next.size !== this.custom.size || [...next].some(([key, store]) => this.custom.get(key) !== store);
    this.custom = next;
    if (!changed) return;
    this.served = [...RESOURCES, ...[...next.values()].map((s) => s.info)];
    this.generation++;
  }

  /** Counts the changes of the served set: what discovery and OpenAPI caches are keyed by. */
  get servedGeneration(): number {
    return this.generation;
  }

  /** The store of a served resource; throws when it is not served (a programming error). */
  store(group: string, version: string, resource: string): ResourceStore {
    const s = this.find(group, version, resource);
    if (s === undefined) throw new Error(`resource ${group}/${version}/${resource} is not served`);
    return s;
  }

  get pods(): ResourceStore { return this.store('', 'v1', 'pods'); }
  get nodes(): ResourceStore { return this.store('', 'v1', 'nodes'); }
  get namespaces(): ResourceStore { return this.store('', 'v1', 'namespaces'); }
  get events(): ResourceStore { return this.store('', 'v1', 'events'); }
  get leases(): ResourceStore { return this.store('coordination.k8s.io', 'v1', 'leases'); }
  get serviceAccounts(): ResourceStore { return this.store('', 'v1', 'serviceaccounts'); }

  /** The served resources now: the built-in kinds, then the custom ones. */
  resources(): readonly ResourceInfo[] {
    return this.served;
  }

  async namespacePhase(name: string): Promise<NamespacePhase> {
    try {
      const ns = await this.namespaces.get(undefined, name);
      const status = isRecord(ns['status']) ? ns['status'] : {};
      return status['phase'] === 'Terminating' || ns.metadata?.['deletionTimestamp'] !== undefined ? 'Terminating' : 'Active';
    } catch (err) {
      if (err instanceof ApiError && err.status.reason === 'NotFound') return undefined;
      throw err;
    }
  }
}
