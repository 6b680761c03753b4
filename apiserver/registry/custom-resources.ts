// Serving custom resources (apiextensions-apiserver's crdHandler and discovery controller): the
// stored CustomResourceDefinitions are watched and, on every change, the whole set of custom
// kinds is computed again — one per served version of each Established definition, in
// group/version/resource order — and handed to the registry in one step, which routing,
// discovery and /openapi read. A definition's kinds are rebuilt only when the definition
// changed. The watch is on storage itself, so the served set changes within the write that
// establishes or deletes a definition.
import { customResourceKinds } from '../kinds/apiextensions/custom-kind.ts';
import { CUSTOM_RESOURCE_DEFINITION_KIND } from '../kinds/apiextensions.ts';
import type { KindDefinition } from '../kinds/kind.ts';
import { storagePrefix } from '../resources.ts';
import type { KubeObject, StorageWatch } from '../storage/types.ts';
import type { Registry } from './registry.ts';

function compare(a: KindDefinition, b: KindDefinition): number {
  const ka = `${a.group}\u0000${a.version}\u0000${a.resource}`;
  const kb = `${b.group}\u0000${b.version}\u0000${b.resource}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export class CustomResourceServing {
  /** The stored definitions, by storage key. */
  private readonly crds = new Map<string, KubeObject>();
  /** The kinds built from each definition, by name, with the resourceVersion they were built from. */
  private readonly built = new Map<string, { resourceVersion: string; kinds: KindDefinition[] }>();
  private watch: StorageWatch | undefined;

  constructor(private readonly registry: Registry) {}

  /** Lists the stored definitions, serves their kinds and follows their changes (idempotent). */
  async start(): Promise<void> {
    if (this.watch !== undefined) return;
    const prefix = storagePrefix(CUSTOM_RESOURCE_DEFINITION_KIND);
    const { items, revision } = await this.registry.storage.list(prefix);
    for (const item of items) this.crds.set(item.key, item.object);
    this.apply();
    this.watch = this.registry.storage.watch(prefix, revision, (ev) => {
      if (ev.type === 'DELETED') this.crds.delete(ev.key);
      else this.crds.set(ev.key, ev.object);
      this.apply();
    });
  }

  stop(): void {
    this.watch?.stop();
    this.watch = undefined;
  }

  private kindsOf(crd: KubeObject): KindDefinition[] {
    const name = crd.metadata?.name ?? '';
    const rv = crd.metadata?.resourceVersion ?? '';
    const hit = this.built.get(name);
    if (hit !== undefined && hit.resourceVersion === rv) return hit.kinds;
    let kinds: KindDefinition[];
    try {
      kinds = customResourceKinds(crd);
    } catch {
      // a stored definition the validation would not take any more is not served
      kinds = [];
    }
    this.built.set(name, { resourceVersion: rv, kinds });
    return kinds;
  }

  private apply(): void {
    const names = new Set<string>();
    const kinds: KindDefinition[] = [];
    for (const crd of this.crds.values()) {
      names.add(crd.metadata?.name ?? '');
      kinds.push(...this.kindsOf(crd));
    }
    for (const name of [...this.built.keys()]) if (!names.has(name)) this.built.delete(name);
    this.registry.setCustomKinds(kinds.sort(compare));
  }
}
