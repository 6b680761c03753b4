// Calls a kind's own subresource handler against a Registry, as the API handler would: the
// parent's store, other kinds' stores, the clock, the token authority.
import type { Clock } from '../../lib/clock.ts';
import type { ParentStore, RequestUser, SubresourceHandler, TokenAuthority } from '../kinds/kind.ts';
import type { Registry } from '../registry/registry.ts';
import type { ResourceStore } from '../registry/resource-store.ts';

function parentOf(store: ResourceStore): ParentStore {
  return {
    get: (ns, name) => store.get(ns, name),
    update: (ns, name, fn, options) => store.guaranteedUpdate(ns, name, options, (current) => (options.prepared === true ? fn(current) : store.prepareUpdate(current, fn(current), undefined))),
    delete: (ns, name, options, write) => store.delete(ns, name, options, write),
  };
}

export interface CallOptions {
  method?: string;
  namespace?: string;
  body?: unknown;
  contentType?: string;
  dryRun?: boolean;
  user?: RequestUser;
  tokens?: TokenAuthority | undefined;
}

/** The answer of handler for `<resource>/<name>/<sub>` of registry's group/resource. */
export function callSubresource(
  registry: Registry, clock: Clock, resource: { group: string; resource: string }, name: string, handler: SubresourceHandler, o: CallOptions = {},
): Promise<{ code: number; body: unknown }> {
  const find = (group: string, res: string): ResourceStore | undefined => registry.all().find((s) => s.info.group === group && s.info.resource === res);
  const store = find(resource.group, resource.resource);
  if (store === undefined) throw new Error(`${resource.resource} is not served`);
  return handler({
    method: o.method ?? 'POST',
    namespace: o.namespace,
    name,
    body: o.body,
    query: new URLSearchParams(o.dryRun === true ? 'dryRun=All' : ''),
    dryRun: o.dryRun === true,
    contentType: o.contentType ?? 'application/json',
    user: o.user ?? { name: 'admin', groups: ['system:masters', 'system:authenticated'] },
    clock,
    tokens: o.tokens,
    parent: parentOf(store),
    storeOf: (group, res) => {
      const s = find(group, res);
      return s === undefined ? undefined : parentOf(s);
    },
    list: async (group, res, ns) => {
      const s = find(group, res);
      return s === undefined ? [] : (await s.list(ns)).items;
    },
  });
}
