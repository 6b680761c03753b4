// What apiextensions-apiserver does to a custom resource's JSON after decoding it and before
// validation (pkg/apiserver/schema/pruning and defaulting): structural pruning of the fields the
// schema does not specify (unless x-kubernetes-preserve-unknown-fields; apiVersion, kind and
// metadata at the root and of embedded resources are kept), with the pruned paths for
// fieldValidation (`spec.foo`, `spec.list[0].bar`, sorted); the removal of nulls where the schema
// is neither nullable nor defaulted; and defaulting (`default`, applied where a field is absent or
// a non-nullable null). Mutate their argument. Pure otherwise.
import { additionalProperties, additionalSchema, copyJson, defaultOf, fieldSchema, isEmbedded, isNullable, isSchema, items, preservesUnknown, properties, type JSONSchema } from './schema.ts';

type Obj = Record<string, unknown>;

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Pruner {
  readonly unknown: string[] = [];
  private readonly path: string[] = [];

  constructor(private readonly track: boolean) {}

  private record(field: string): void {
    if (!this.track) return;
    this.unknown.push(this.joined(field));
  }

  private joined(field?: string): string {
    let out = '';
    for (const p of this.path) out += p.startsWith('[') || out === '' ? p : `.${p}`;
    if (field !== undefined) out += out === '' ? field : `.${field}`;
    return out;
  }

  prune(x: unknown, s: JSONSchema | undefined, embedded: boolean): void {
    if (s !== undefined && preservesUnknown(s)) {
      this.skip(x, s, embedded);
      return;
    }
    if (isObj(x)) {
      if (s === undefined) {
        for (const k of Object.keys(x)) {
          this.record(k);
          Reflect.deleteProperty(x, k);
        }
        return;
      }
      const props = properties(s);
      const additional = additionalProperties(s);
      for (const k of Object.keys(x)) {
        if (embedded && META_FIELDS.has(k)) continue;
        const prop = props?.[k];
        if (prop !== undefined) {
          this.in(k, () => { this.prune(x[k], prop, isEmbedded(prop)); });
        } else if (additional !== undefined) {
          const values = isSchema(additional) ? additional : undefined;
          this.in(k, () => { this.prune(x[k], values, values !== undefined && isEmbedded(values)); });
        } else {
          if (!META_FIELDS.has(k) || this.path.length > 0) this.record(k);
          Reflect.deleteProperty(x, k);
        }
      }
    } else if (Array.isArray(x)) {
      const item = s === undefined ? undefined : items(s);
      x.forEach((v, i) => { this.in(`[${i}]`, () => { this.prune(v, item, item !== undefined && isEmbedded(item)); }); });
    }
  }

  /** Under x-kubernetes-preserve-unknown-fields: only what the schema specifies is pruned further. */
  private skip(x: unknown, s: JSONSchema, embedded: boolean): void {
    if (isObj(x)) {
      const props = properties(s);
      const values = additionalSchema(s);
      const additional = additionalProperties(s);
      for (const k of Object.keys(x)) {
        if (embedded && META_FIELDS.has(k)) continue;
        const prop = props?.[k];
        if (prop !== undefined) this.in(k, () => { this.prune(x[k], prop, isEmbedded(prop)); });
        else if (additional !== undefined) this.in(k, () => { this.prune(x[k], values, values !== undefined && isEmbedded(values)); });
      }
    } else if (Array.isArray(x)) {
      const item = items(s);
      if (item === undefined) return;
      x.forEach((v, i) => { this.in(`[${i}]`, () => { this.skip(v, item, isEmbedded(item)); }); });
    }
  }

  private in(seg: string, fn: () => void): void {
    this.path.push(seg);
    try {
      fn();
    } finally {
      this.path.pop();
    }
  }
}

/**
 * Prunes obj (a whole custom resource) by schema; returns the pruned paths, sorted, when track.
 * The root is an embedded resource: its apiVersion, kind and metadata are never pruned.
 */
export function pruneUnknown(obj: Obj, schema: JSONSchema | undefined, track: boolean): string[] {
  const p = new Pruner(track);
  p.prune(obj, schema ?? {}, true);
  return p.unknown.sort();
}

/** PruneNonNullableNullsWithoutDefaults: drops null fields whose schema is not nullable and has no default. */
export function pruneNulls(x: unknown, s: JSONSchema | undefined): void {
  if (isObj(x)) {
    for (const [k, v] of Object.entries(x)) {
      const sub = fieldSchema(s, k);
      if (v === null && sub !== undefined && !isNullable(sub) && defaultOf(sub) === undefined) Reflect.deleteProperty(x, k);
      else pruneNulls(v, sub);
    }
  } else if (Array.isArray(x)) {
    const item = s === undefined ? undefined : items(s);
    for (const v of x) pruneNulls(v, item);
  }
}

function nonNullableNull(x: unknown, s: JSONSchema | undefined): boolean {
  return x === null && s !== undefined && !isNullable(s);
}

/** structuraldefaulting.Default: fills absent (and non-nullable null) fields with their defaults. */
export function applyDefaults(x: unknown, s: JSONSchema | undefined): void {
  if (s === undefined) return;
  if (isObj(x)) {
    const props = properties(s) ?? {};
    for (const [k, prop] of Object.entries(props)) {
      const d = defaultOf(prop);
      if (d === undefined) continue;
      if (!Object.hasOwn(x, k) || nonNullableNull(x[k], prop)) x[k] = copyJson(d.value);
    }
    const values = additionalSchema(s);
    for (const k of Object.keys(x)) {
      const prop = props[k];
      if (prop !== undefined) {
        applyDefaults(x[k], prop);
      } else if (additionalProperties(s) !== undefined) {
        if (values !== undefined && nonNullableNull(x[k], values)) x[k] = copyJson(defaultOf(values)?.value ?? null);
        applyDefaults(x[k], values);
      }
    }
  } else if (Array.isArray(x)) {
    const item = items(s);
    for (let i = 0; i < x.length; i++) {
      if (item !== undefined && nonNullableNull(x[i], item)) x[i] = copyJson(defaultOf(item)?.value ?? null);
      applyDefaults(x[i], item);
    }
  }
}
