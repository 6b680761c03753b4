// Small helpers on the JSON shape of Kubernetes objects shared by the registry and controllers.
import { randomBytes } from 'node:crypto';
import { cloneJson } from '../../lib/clone.ts';
import type { KubeObject } from '../storage/types.ts';

export type Meta = NonNullable<KubeObject['metadata']> & {
  uid?: string | undefined;
  generateName?: string | undefined;
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
  creationTimestamp?: string | undefined;
  deletionTimestamp?: string | undefined;
  deletionGracePeriodSeconds?: number | undefined;
  finalizers?: string[] | undefined;
  generation?: number | undefined;
  ownerReferences?: unknown[] | undefined;
  managedFields?: unknown[] | undefined;
};

export function meta(obj: KubeObject): Meta {
  obj.metadata ??= {};
  return obj.metadata;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A field of obj as a record, created when absent. */
export function section(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = obj[key];
  if (isRecord(v)) return v;
  const fresh: Record<string, unknown> = {};
  obj[key] = fresh;
  return fresh;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** RFC 3339 with second precision, as metav1.Time marshals. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** RFC 3339 with microseconds, as metav1.MicroTime marshals. */
export function rfc3339Micro(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

// names.SimpleNameGenerator: 5 characters from an alphabet without vowels or look-alikes.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
export function generateNameSuffix(): string {
  const bytes = randomBytes(5);
  let s = '';
  for (const b of bytes) s += ALPHABET.charAt(b % ALPHABET.length);
  return s;
}

/** A deep copy of a JSON value (lib/clone.ts: faster than structuredClone on Kubernetes objects). */
export function deepClone<T>(v: T): T {
  return cloneJson(v);
}

/** JSON equality of two objects ignoring metadata.resourceVersion. */
export function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject): string => canonicalJson({ ...o, metadata: { ...(o.metadata ?? {}), resourceVersion: undefined } });
  return strip(a) === strip(b);
}

/** JSON with object keys sorted, for content comparison. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) => {
    if (!isRecord(value)) return value;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) sorted[k] = value[k];
    return sorted;
  });
}
