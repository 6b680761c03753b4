// A two-way strategic merge patch (apimachinery strategicpatch.CreateTwoWayMergePatch) for the
// status objects the agent writes: maps merge key by key (null deletes), lists with a merge key
// (conditions by type, podIPs by ip) send the changed elements, `$patch: delete` for removed ones
// and `$setElementOrder/<list>`, lists marked "replace" end with `{"$patch":"replace"}` (the
// kubelet's fixup for node addresses), and every other list is atomic (sent whole).

type Obj = Record<string, unknown>;

/** Per list field: its merge key, or 'replace' for a forced whole-list replace. */
export type ListStrategies = Readonly<Record<string, string>>;

export const POD_STATUS_LISTS: ListStrategies = { conditions: 'type', podIPs: 'ip', hostIPs: 'ip' };
export const NODE_STATUS_LISTS: ListStrategies = { conditions: 'type', addresses: 'replace' };

export function isPlainObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    // a field set to null is the same as an absent one (Go's zero metav1.Time marshals as null)
    const ka = Object.keys(a).filter((k) => a[k] !== undefined && a[k] !== null);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined && b[k] !== null);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

function mergeListDiff(oldList: unknown[], curList: unknown[], key: string): unknown[] {
  const keyOf = (e: unknown): unknown => (isPlainObject(e) ? e[key] : undefined);
  const out: unknown[] = [];
  for (const e of curList) {
    const prev = oldList.find((o) => keyOf(o) === keyOf(e));
    if (prev === undefined || !isPlainObject(prev) || !isPlainObject(e)) {
      if (!deepEqual(prev, e)) out.push(e);
      continue;
    }
    const d = diffObjects(prev, e);
    if (d !== undefined) out.push({ ...d, [key]: e[key] });
  }
  for (const o of oldList) {
    if (!curList.some((e) => keyOf(e) === keyOf(o))) out.push({ [key]: keyOf(o), $patch: 'delete' });
  }
  return out;
}

/**
 * The patch that turns `old` into `cur`, or undefined when they are equal. `lists` applies to
 * the list fields directly inside these objects; nested objects merge as maps.
 */
export function diffObjects(old: Obj, cur: Obj, lists: ListStrategies = {}): Obj | undefined {
  const patch: Obj = {};
  const keys = new Set([...Object.keys(old), ...Object.keys(cur)]);
  for (const k of keys) {
    const o = old[k];
    const c = cur[k];
    if (c === undefined || c === null) {
      if (o !== undefined && o !== null) patch[k] = null;
      continue;
    }
    if (deepEqual(o, c)) continue;
    const strategy = lists[k];
    if (Array.isArray(c) && strategy === 'replace') {
      patch[k] = [...(c as unknown[]), { $patch: 'replace' }];
    } else if (Array.isArray(c) && strategy !== undefined) {
      const prev = Array.isArray(o) ? (o as unknown[]) : [];
      patch[`$setElementOrder/${k}`] = (c as unknown[]).map((e) => ({ [strategy]: isPlainObject(e) ? e[strategy] : undefined }));
      patch[k] = mergeListDiff(prev, c as unknown[], strategy);
    } else if (isPlainObject(c) && isPlainObject(o)) {
      const d = diffObjects(o, c);
      if (d !== undefined) patch[k] = d;
    } else {
      patch[k] = c;
    }
  }
  return Object.keys(patch).length === 0 ? undefined : patch;
}
