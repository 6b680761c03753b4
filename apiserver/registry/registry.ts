// All served resources over one Storage: looks up the ResourceStore for a group/version/resource
// and creates the namespaces every cluster starts with.
import type { Clock } from '../../lib/clock.ts';
import { ApiError } from '../api/errors.ts';
import { findResource, RESOURCES, type ResourceInfo } from '../resources.ts';
import type { KubeObject, Storage } from '../storage/types.ts';
import { isRecord } from './object-meta.ts';
import { bootstrapRbac } from './rbac-bootstrap.ts';
import { ResourceStore, type NamespacePhase } from './resource-store.ts';

export const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

export class Registry {
  private readonly stores = new Map<string, ResourceStore>();

  constructor(readonly storage: Storage, readonly clock: Clock) {
    const ctx = { storage, clock, namespacePhase: (name: string) => this.namespacePhase(name) };
    for (const r of RESOURCES) this.stores.set(`${r.group}/${r.version}/${r.resource}`, new ResourceStore(r, ctx));
  }

  /** Every served resource's store. */
  all(): ResourceStore[] {
    return [...this.stores.values()];
  }

  /** The store of a served resource, or undefined. */
  find(group: string, version: string, resource: string): ResourceStore | undefined {
    return this.stores.get(`${group}/${version}/${resource}`);
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

  resources(): ResourceInfo[] {
    return RESOURCES.filter((r) => findResource(r.group, r.version, r.resource) !== undefined);
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

  /** Creates the namespaces and the RBAC policy a cluster starts with (idempotent). */
  async bootstrap(): Promise<void> {
    for (const name of INITIAL_NAMESPACES) {
      const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
      try {
        await this.namespaces.create(undefined, ns);
      } catch (err) {
        if (!(err instanceof ApiError && err.status.reason === 'AlreadyExists')) throw err;
      }
    }
    await bootstrapRbac(this);
  }
}
