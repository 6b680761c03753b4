import { describe, expect, it } from 'vitest';
import { arr, child, isNil, isObj, num, o, objs, s, type Obj } from './values.ts';

describe('decoded-JSON accessors', () => {
  it('read a value of the wrong type as absent', () => {
    expect(isObj({})).toBe(true);
    expect(isObj([])).toBe(false);
    expect(isObj(null)).toBe(false);
    expect(o('x')).toEqual({});
    expect(s(1)).toBe('');
    expect(s('a')).toBe('a');
    expect(arr({})).toEqual([]);
    expect(objs([{ a: 1 }, 'x', null])).toEqual([{ a: 1 }, {}, {}]);
    expect(num(Infinity)).toBeUndefined();
    expect(num('1')).toBeUndefined();
    expect(num(2)).toBe(2);
    expect(isNil(null)).toBe(true);
    expect(isNil(0)).toBe(false);
  });

  it('child creates an absent or null object in place and refuses another type', () => {
    const parent: Obj = { a: null, b: 'x', c: { d: 1 } };
    expect(child(parent, 'a')).toEqual({});
    expect(parent['a']).toEqual({});
    expect(child(parent, 'e')).toBe(parent['e']);
    expect(child(parent, 'b')).toBeUndefined();
    expect(parent['b']).toBe('x');
    expect(child(parent, 'c')).toBe(parent['c']);
  });
});
