// What a configMap, secret, downwardAPI or projected volume contains (the kubelet's MakePayload /
// CollectData / projected collectData): path → bytes + mode, before the AtomicWriter writes it.
import type {
  ConfigMapProjection, ConfigMapVolumeSource, DownwardAPIVolumeFile, KeyToPath, Pod, ProjectedVolumeSource,
  SecretProjection, SecretVolumeSource, ServiceAccountTokenProjection,
} from 'kubernetes-types/core/v1.d.ts';
import { posix } from 'node:path';
import { extractFieldPathAsString } from '../env/field-path.ts';
import { dataToBytes, type ObjectData, type ObjectLookup } from '../env/object-lookup.ts';
import { containerResourceValue, type NodeAllocatable } from '../env/resource-field.ts';
import type { Payload } from './atomic-writer.ts';

export const DEFAULT_MODE = 0o644;

export class PayloadError extends Error {}

/** Go's utilerrors.NewAggregate message: one error as is, several as "[a, b]". */
export function aggregateMessage(messages: string[]): string {
  return messages.length === 1 ? (messages[0] ?? '') : `[${messages.join(', ')}]`;
}

function keysPayload(
  kind: 'configmap' | 'secret',
  items: KeyToPath[] | undefined,
  data: ObjectData,
  defaultMode: number,
  optional: boolean,
): Payload {
  const payload: Payload = new Map();
  if (items === undefined || items.length === 0) {
    for (const [key, value] of Object.entries(data)) payload.set(key, { data: dataToBytes(value), mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    const value = data[item.key];
    if (value === undefined) {
      if (optional) continue;
      throw new PayloadError(kind === 'configmap'
        ? `configmap references non-existent config key: ${item.key}`
        : `references non-existent secret key: ${item.key}`);
    }
    payload.set(item.path, { data: dataToBytes(value), mode: item.mode ?? defaultMode });
  }
  return payload;
}

async function fetchObject(lookup: ObjectLookup, kind: 'configmap' | 'secret', ns: string, name: string, optional: boolean): Promise<ObjectData> {
  const data = kind === 'configmap' ? await lookup.configMap(ns, name) : await lookup.secret(ns, name);
  if (data !== undefined) return data;
  if (optional) return {};
  throw new PayloadError(`${kind} "${name}" not found`);
}

export async function configMapPayload(
  pod: Pod, src: ConfigMapVolumeSource | ConfigMapProjection, lookup: ObjectLookup, defaultMode: number,
): Promise<Payload> {
  const optional = src.optional === true;
  const data = await fetchObject(lookup, 'configmap', pod.metadata?.namespace ?? 'default', src.name ?? '', optional);
  return keysPayload('configmap', src.items, data, defaultMode, optional);
}

export async function secretPayload(
  pod: Pod, name: string, src: SecretVolumeSource | SecretProjection, lookup: ObjectLookup, defaultMode: number,
): Promise<Payload> {
  const optional = src.optional === true;
  const data = await fetchObject(lookup, 'secret', pod.metadata?.namespace ?? 'default', name, optional);
  return keysPayload('secret', src.items, data, defaultMode, optional);
}

/** downwardapi.CollectData: every item is attempted; the errors are aggregated. */
export function downwardApiPayload(pod: Pod, items: DownwardAPIVolumeFile[] | undefined, defaultMode: number, allocatable: NodeAllocatable): Payload {
  const payload: Payload = new Map();
  const errors: string[] = [];
  for (const item of items ?? []) {
    const path = posix.normalize(item.path);
    const mode = item.mode ?? defaultMode;
    let value = '';
    try {
      if (item.fieldRef !== undefined) {
        value = extractFieldPathAsString(pod, item.fieldRef.fieldPath);
      } else if (item.resourceFieldRef !== undefined) {
        const name = item.resourceFieldRef.containerName ?? '';
        const container = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === name);
        if (container === undefined) throw new Error(`container ${name} not found`);
        value = containerResourceValue(item.resourceFieldRef, pod, container, allocatable);
      }
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
    payload.set(path, { data: Buffer.from(value, 'utf8'), mode });
  }
  if (errors.length > 0) throw new PayloadError(aggregateMessage(errors));
  return payload;
}

export type TokenProvider = (pod: Pod, source: ServiceAccountTokenProjection) => Promise<string>;

export async function projectedPayload(
  pod: Pod, src: ProjectedVolumeSource, lookup: ObjectLookup, allocatable: NodeAllocatable, tokenProvider?: TokenProvider,
): Promise<Payload> {
  const defaultMode = src.defaultMode ?? DEFAULT_MODE;
  const payload: Payload = new Map();
  const errors: string[] = [];
  for (const source of src.sources ?? []) {
    try {
      let part: Payload | undefined;
      if (source.secret !== undefined) {
        part = await secretPayload(pod, source.secret.name ?? '', source.secret, lookup, defaultMode);
      } else if (source.configMap !== undefined) {
        part = await configMapPayload(pod, source.configMap, lookup, defaultMode);
      } else if (source.downwardAPI !== undefined) {
        part = downwardApiPayload(pod, source.downwardAPI.items, defaultMode, allocatable);
      } else if (source.serviceAccountToken !== undefined) {
        // Without a token issuer the file exists but is empty (clients fail to authenticate).
        const token = tokenProvider === undefined ? '' : await tokenProvider(pod, source.serviceAccountToken);
        part = new Map([[source.serviceAccountToken.path, { data: Buffer.from(token, 'utf8'), mode: defaultMode }]]);
      } else if (source.clusterTrustBundle !== undefined) {
        throw new PayloadError('clusterTrustBundle projections are not supported by this node');
      }
      for (const [k, v] of part ?? []) payload.set(k, v);
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (errors.length > 0) throw new PayloadError(aggregateMessage(errors));
  return payload;
}
