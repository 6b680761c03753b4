// The service accounts, pods and secrets a service-account token may name, kept from watches so
// that a token is checked synchronously on every request: kube's token validator looks the
// service account (and a bound pod or secret) up by name and compares uids, so a token dies
// with its object.
import type { KubeObject } from '../storage/types.ts';
import type { Registry } from './registry.ts';
import type { ResourceWatch } from './resource-store.ts';
import type { IdentityKind, IdentityLookup, IdentityRecord } from './service-account-tokens.ts';

function recordOf(obj: KubeObject): IdentityRecord | undefined {
  const m = obj.metadata ?? {};
  const uid = typeof m['uid'] === 'string' ? m['uid'] : '';
  if (uid === '') return undefined;
  const deletion = typeof m['deletionTimestamp'] === 'string' ? Date.parse(m['deletionTimestamp']) : NaN;
  return Number.isNaN(deletion) ? { uid } : { uid, deletionMs: deletion };
}

/** An index of service accounts, pods and secrets by namespace/name, fed by registry watches. */
export class IdentityIndex implements IdentityLookup {
  private readonly records = new Map<string, IdentityRecord>();
  private readonly watches: ResourceWatch[] = [];

  private constructor() {}

  /** An index filled with the current objects and following every change after. */
  static async open(registry: Registry): Promise<IdentityIndex> {
    const index = new IdentityIndex();
    for (const kind of ['serviceaccounts', 'pods', 'secrets'] as const) {
      const store = registry.find('', 'v1', kind);
      if (store === undefined) continue;
      index.watches.push(await store.watch(undefined, {}, (ev) => {
        const key = `${kind}/${ev.object.metadata?.namespace ?? ''}/${ev.object.metadata?.name ?? ''}`;
        const rec = ev.type === 'DELETED' ? undefined : recordOf(ev.object);
        if (rec === undefined) index.records.delete(key);
        else index.records.set(key, rec);
      }));
    }
    return index;
  }

  get(kind: IdentityKind, namespace: string, name: string): IdentityRecord | undefined {
    return this.records.get(`${kind}/${namespace}/${name}`);
  }

  /** Controller contract: the watches already run. */
  start(): void {
    // started by open()
  }

  stop(): void {
    for (const w of this.watches.splice(0)) w.stop();
  }
}
