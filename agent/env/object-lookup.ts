// How env and volumes read ConfigMaps and Secrets: an injected lookup, so the API-backed source
// (a cache or watch) plugs in later and static pods use one that knows nothing.

/** Values of a ConfigMap (data and binaryData) or of a Secret (already base64-decoded). */
export type ObjectData = Record<string, string | Uint8Array>;

export interface ObjectLookup {
  /** Undefined when the ConfigMap does not exist. */
  configMap(namespace: string, name: string): Promise<ObjectData | undefined>;
  /** Undefined when the Secret does not exist; values are decoded (not base64). */
  secret(namespace: string, name: string): Promise<ObjectData | undefined>;
  /** The claim's identity, or undefined when it does not exist (static pods: no claims at all). */
  persistentVolumeClaim?(namespace: string, name: string): Promise<ClaimInfo | undefined>;
}

/** What a pod's persistentVolumeClaim volume needs of its claim. */
export interface ClaimInfo {
  uid: string;
  /** The claim has a deletionTimestamp: pods that are not running yet may not use it. */
  deleting: boolean;
}

/** For static pods and tests: no ConfigMap or Secret exists. */
export const emptyLookup: ObjectLookup = {
  configMap: () => Promise.resolve(undefined),
  secret: () => Promise.resolve(undefined),
};

/** An in-memory lookup keyed `namespace/name`, for tests and manifests that ship their objects. */
export function staticLookup(objects: { configMaps?: Record<string, ObjectData>; secrets?: Record<string, ObjectData> }): ObjectLookup {
  return {
    configMap: (ns, name) => Promise.resolve(objects.configMaps?.[`${ns}/${name}`]),
    secret: (ns, name) => Promise.resolve(objects.secrets?.[`${ns}/${name}`]),
  };
}

/** Decodes a Secret's `data` (base64 values, as the API stores them) into bytes. */
export function decodeSecretData(data: Record<string, string> | undefined, stringData?: Record<string, string>): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(data ?? {})) out[k] = Buffer.from(v, 'base64');
  for (const [k, v] of Object.entries(stringData ?? {})) out[k] = Buffer.from(v, 'utf8');
  return out;
}

export function dataToString(v: string | Uint8Array): string {
  return typeof v === 'string' ? v : Buffer.from(v).toString('utf8');
}

export function dataToBytes(v: string | Uint8Array): Uint8Array {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}
