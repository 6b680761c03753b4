import { describe, expect, it } from 'vitest';
import { canonicalJson, computeHash, fnv32a, safeEncodeString } from './hash.ts';

describe('template hashes', () => {
  it('fnv-32a of known inputs', () => {
    expect(fnv32a('')).toBe(0x811c9dc5);
    expect(fnv32a('a')).toBe(0xe40c292c);
    expect(fnv32a('foobar')).toBe(0xbf9cf968);
  });

  it('renders with rand.SafeEncodeString: no vowels, no look-alike digits', () => {
    expect(safeEncodeString('0123456789')).toBe('456789bcdf');
    expect(safeEncodeString(String(0xffffffff))).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });

  it('equal values hash equally whatever their key order; the collision count changes the hash', () => {
    const a = { spec: { containers: [{ name: 'c', image: 'i' }] }, metadata: { labels: { x: '1', y: '2' } } };
    const b = { metadata: { labels: { y: '2', x: '1' } }, spec: { containers: [{ image: 'i', name: 'c' }] } };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(computeHash(a)).toBe(computeHash(b));
    expect(computeHash(a, 0)).toBe(computeHash(a));
    expect(computeHash(a, 1)).not.toBe(computeHash(a));
    expect(computeHash({ ...a, spec: { containers: [{ name: 'c', image: 'j' }] } })).not.toBe(computeHash(a));
  });
});
