// Names that come from a hash of a template, as the apps controllers make them: fnv-32a of the
// object (here its canonical JSON: Go's spew dump cannot be reproduced, and only stability within
// nodelet matters) and the collision count, rendered with rand.SafeEncodeString (no vowels, so no
// words; no 0/1/3 look-alikes).
const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export function fnv32a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** rand.SafeEncodeString. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) out += SAFE_ALPHANUMS.charAt(byte % SAFE_ALPHANUMS.length);
  return out;
}

/** JSON with object keys sorted, so equal values hash equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  // undefined for values JSON cannot hold (functions, symbols): hashed as null
  return v === undefined || typeof v === 'function' || typeof v === 'symbol' ? 'null' : JSON.stringify(v);
}

/**
 * controller.ComputeHash: the pod-template-hash of a template (and ControllerRevision hashes):
 * the hash of the value, then of the collision count's decimal digits when there is one.
 */
export function computeHash(value: unknown, collisionCount?: number): string {
  let h = fnv32a(canonicalJson(value));
  if (collisionCount !== undefined && collisionCount !== 0) {
    // The count's little-endian 32-bit bytes, as upstream writes binary.LittleEndian.PutUint32.
    const b = Buffer.alloc(4);
    b.writeUInt32LE(collisionCount >>> 0);
    for (const byte of b) {
      h ^= byte;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return safeEncodeString(String(h));
}
