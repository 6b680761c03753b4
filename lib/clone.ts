// Deep copies of JSON values (objects, request bodies, patches). Walking plain objects and arrays
// by hand is several times faster than structuredClone on object-dense trees such as managedFields.
// Anything that is not a plain object or array (a Buffer, a Date) goes through structuredClone;
// undefined members and an own `__proto__` key (JSON.parse makes those) are kept as
// structuredClone keeps them.

export function cloneJson<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out: unknown[] = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneJson(v[i] as unknown);
    return out as T;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(src)) {
    if (k === '__proto__') Object.defineProperty(out, k, { value: cloneJson(src[k]), enumerable: true, writable: true, configurable: true });
    else out[k] = cloneJson(src[k]);
  }
  return out as T;
}
