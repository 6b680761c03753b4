// ConfigMaps, Secrets (and claims, for persistentVolumeClaim volumes) for env and volumes, read from the API server with a short cache (the
// kubelet's TTL-based configmap/secret managers): a value is reused for ttlMs, concurrent reads
// of the same object share one request, and "not found" is cached too (briefly). Secret data is
// decoded from base64; a ConfigMap's binaryData as bytes. Not found → undefined (the caller
// reports CreateContainerConfigError); other failures are thrown.
import type { ConfigMap, PersistentVolumeClaim, Secret } from 'kubernetes-types/core/v1.d.ts';
import { CONFIGMAPS, isClientNotFound, SECRETS } from '../../kube/client/client.ts';
import { PERSISTENTVOLUMECLAIMS } from '../../kube/client/resources.ts';
import type { Clock } from '../../lib/clock.ts';
import { decodeSecretData, type ClaimInfo, type ObjectData, type ObjectLookup } from '../env/object-lookup.ts';
import type { ApiClientLike } from '../../kube/client/client-like.ts';

export interface ApiObjectLookupOptions {
  client: ApiClientLike;
  clock: Clock;
  /** How long a read object is reused (default 10 s). */
  ttlMs?: number;
  /** How long "not found" is reused (default 2 s). */
  notFoundTtlMs?: number;
}

interface Entry {
  at: number;
  value: unknown;
}

export function configMapData(cm: ConfigMap): ObjectData {
  const out: ObjectData = { ...(cm.data ?? {}) };
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) out[k] = new Uint8Array(Buffer.from(v, 'base64'));
  return out;
}

export class ApiObjectLookup implements ObjectLookup {
  private readonly cache = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(private readonly o: ApiObjectLookupOptions) {}

  configMap(namespace: string, name: string): Promise<ObjectData | undefined> {
    return this.read(`configmap/${namespace}/${name}`, async () => configMapData(await this.o.client.get<ConfigMap>(CONFIGMAPS, namespace, name)));
  }

  secret(namespace: string, name: string): Promise<ObjectData | undefined> {
    return this.read(`secret/${namespace}/${name}`, async () => {
      const s = await this.o.client.get<Secret>(SECRETS, namespace, name);
      return decodeSecretData(s.data, s.stringData);
    });
  }

  persistentVolumeClaim(namespace: string, name: string): Promise<ClaimInfo | undefined> {
    return this.read(`pvc/${namespace}/${name}`, async () => {
      const c = await this.o.client.get<PersistentVolumeClaim>(PERSISTENTVOLUMECLAIMS, namespace, name);
      return { uid: c.metadata?.uid ?? '', deleting: c.metadata?.deletionTimestamp !== undefined };
    });
  }

  /** Forgets everything cached (e.g. after the pods using them are gone). */
  invalidate(): void {
    this.cache.clear();
  }

  private read<T>(key: string, fetch: () => Promise<T>): Promise<T | undefined> {
    const now = this.o.clock.now();
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      const ttl = hit.value === undefined ? (this.o.notFoundTtlMs ?? 2000) : (this.o.ttlMs ?? 10_000);
      if (now - hit.at < ttl) return Promise.resolve(hit.value as T | undefined);
    }
    const running = this.inflight.get(key);
    if (running !== undefined) return running as Promise<T | undefined>;
    const p = (async (): Promise<T | undefined> => {
      let value: T | undefined;
      try {
        value = await fetch();
      } catch (err) {
        if (!isClientNotFound(err)) throw err;
        value = undefined;
      }
      this.cache.set(key, { at: this.o.clock.now(), value });
      return value;
    })().finally(() => { this.inflight.delete(key); });
    this.inflight.set(key, p);
    return p;
  }
}
