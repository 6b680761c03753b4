import { describe, expect, it } from 'vitest';
import { cloneJson } from './clone.ts';

describe('cloneJson', () => {
  it('copies plain objects and arrays deeply, keeping undefined members', () => {
    const v = { a: [1, { b: 'x', c: null }], d: { e: undefined, f: true } };
    const c = cloneJson(v);
    expect(c).toEqual(v);
    expect('e' in c.d).toBe(true);
    expect(c.a).not.toBe(v.a);
    expect(c.a[1]).not.toBe(v.a[1]);
    expect(c.d).not.toBe(v.d);
  });

  it('keeps an own __proto__ key as a key, not a prototype', () => {
    const v = JSON.parse('{"__proto__":{"polluted":1},"x":1}') as Record<string, unknown>;
    const c = cloneJson(v);
    expect(Object.getPrototypeOf(c)).toBe(Object.prototype);
    expect(Object.keys(c)).toEqual(['__proto__', 'x']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(c).toStrictEqual(structuredClone(v));
  });

  it('hands other objects to structuredClone', () => {
    const v = { when: new Date(0), bytes: Buffer.from('ab') };
    const c = cloneJson(v);
    expect(c.when).toBeInstanceOf(Date);
    expect(c.when).not.toBe(v.when);
    expect(c.when.getTime()).toBe(0);
  });
});
