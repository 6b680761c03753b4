import { describe, expect, it } from 'vitest';
import { compareObjects, isSame } from './compare.ts';
import { FieldSet } from './field-set.ts';
import type { Path } from './path.ts';
import { keyElement, makePath, valueElement } from './path.ts';
import { CONFIG_MAP, POD } from './type-fixtures.ts';
import { DEDUCED } from './type-info.ts';

describe('compareObjects', () => {
  const p = makePath;
  it.each<[string, unknown, unknown, Path[], Path[], Path[]]>([
    ['a changed leaf is modified', { data: { a: '1' } }, { data: { a: '2' } }, [], [p('data', 'a')], []],
    ['a new free key is added, its map is not', { data: { a: '1' } }, { data: { a: '1', b: '2' } }, [p('data', 'b')], [], []],
    ['a new map is added with its keys', {}, { data: { a: '1' } }, [p('data'), p('data', 'a')], [], []],
    ['a removed map is removed with its keys', { data: { a: '1' } }, {}, [], [], [p('data'), p('data', 'a')]],
    ['{} to null is a modified leaf', { data: {} }, { data: null }, [], [p('data')], []],
    ['set items', { metadata: { finalizers: ['a', 'b'] } }, { metadata: { finalizers: ['b', 'c'] } },
      [p('metadata', 'finalizers', valueElement('c'))], [], [p('metadata', 'finalizers', valueElement('a'))]],
  ])('%s', (_name, lhs, rhs, added, modified, removed) => {
    const c = compareObjects(lhs, rhs, CONFIG_MAP);
    expect(c.added.equals(FieldSet.of(...added))).toBe(true);
    expect(c.modified.equals(FieldSet.of(...modified))).toBe(true);
    expect(c.removed.equals(FieldSet.of(...removed))).toBe(true);
  });

  it('compares list items by key and duplicates as one atomic value', () => {
    const c = compareObjects(
      { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b' }, { name: 'b' }] } },
      { spec: { containers: [{ name: 'a', image: '2' }, { name: 'b' }] } },
      POD,
    );
    const b = keyElement({ name: 'b' });
    expect(c.modified.toString()).toBe('.spec.containers[name="a"].image');
    // The single new item is added and the duplicate marker removed: both name the item.
    expect(c.added.equals(FieldSet.of(p('spec', 'containers', b), p('spec', 'containers', b, 'name')))).toBe(true);
    expect(c.removed.equals(FieldSet.of(p('spec', 'containers', b)))).toBe(true);
  });
});

describe('compareObjects on deduced values', () => {
  it('a map turning into a scalar: its keys are removed and the field modified', () => {
    const c = compareObjects({ a: { b: 1 } }, { a: 2 }, DEDUCED);
    expect(c.removed.equals(FieldSet.of(makePath('a', 'b')))).toBe(true);
    expect(c.modified.equals(FieldSet.of(makePath('a')))).toBe(true);
    expect(c.added.empty()).toBe(true);
  });

  it('equal objects compare the same', () => {
    expect(isSame(compareObjects({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }, DEDUCED))).toBe(true);
  });
});
