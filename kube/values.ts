// Reading decoded JSON without trusting its shape, for the validation and defaulting of the
// kinds: a request body may carry any JSON type at any field (structural type checks are another
// layer's job), so reads go through these accessors and a value of the wrong type reads as
// absent, as Go's zero value.

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value as an object, or {} for anything else (a Go struct's zero value; not attached). */
export function o(v: unknown): Obj {
  return isObj(v) ? v : {};
}

/** The value as a string, or '' for anything else. */
export function s(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? (v as unknown[]) : [];
}

export function objs(v: unknown): Obj[] {
  return arr(v).map(o);
}

/** A finite number, or undefined for anything else (absent, null, a string…). */
export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Go's pointer test on decoded JSON: absent and null are nil. */
export function isNil(v: unknown): boolean {
  return v === undefined || v === null;
}

/** The child object at parent[key], created when absent or null; undefined when it holds another type. */
export function child(parent: Obj, key: string): Obj | undefined {
  const v = parent[key];
  if (isObj(v)) return v;
  if (!isNil(v)) return undefined;
  const created: Obj = {};
  parent[key] = created;
  return created;
}
