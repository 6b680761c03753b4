import { describe, expect, it } from 'vitest';
import { ApplyConflictError } from './conflicts.ts';
import { FieldSet } from './field-set.ts';
import type { Path } from './path.ts';
import { keyElement, makePath, valueElement } from './path.ts';
import type { TypeRef } from './type-info.ts';
import { mapList, SCALAR, setList, struct } from './type-info.ts';
import type { ManagedSets } from './updater.ts';
import { applyManagedSets, updateManagedSets } from './updater.ts';

// Set-level scenarios from structured-merge-diff's merge tests (set_test, multiple_appliers_test),
// replayed on this engine: a sequence of applies and updates, then the object and every manager's
// set. Managers are plain names here; identifiers are the field manager's business.

type Op = { apply: string; object: unknown; force?: boolean } | { update: string; object: unknown };

function run(type: TypeRef, ops: readonly Op[]): { object: unknown; managers: ManagedSets } {
  let object: unknown = {};
  let managers: ManagedSets = new Map();
  for (const op of ops) {
    if ('apply' in op) {
      const r = applyManagedSets(object, op.object, managers, op.apply, op.force === true, { type, apiVersion: 'v1' });
      if (r.object !== undefined) object = r.object;
      managers = r.managers;
    } else {
      managers = updateManagedSets(object, op.object, managers, op.update, { type, apiVersion: 'v1' });
      object = op.object;
    }
  }
  return { object, managers };
}

function owned(managers: ManagedSets): Record<string, string[]> {
  return Object.fromEntries([...managers].map(([m, vs]) => [m, vs.set.paths().map((p) => p.map((e) => JSON.stringify(e)).join(''))]));
}

function expectOwned(managers: ManagedSets, want: Record<string, Path[]>): void {
  expect(owned(managers)).toEqual(owned(new Map(Object.entries(want).map(([m, paths]) => [m, { set: FieldSet.of(...paths), apiVersion: 'v1', applied: false }]))));
}

const SETS = struct({ list: setList(SCALAR) });
const ASSOCIATIVE = struct({ list: mapList(['name'], struct({ name: SCALAR, value: SCALAR })) });
const NESTED = struct({ listOfLists: mapList(['name'], struct({ name: SCALAR, value: setList(SCALAR) })) });
const ONE_FIELD = struct({ struct: struct({ name: SCALAR, scalarField: SCALAR }) });

describe('sets', () => {
  const v = (x: string): Path => makePath('list', valueElement(x));

  it('apply, update, apply without overlap: items interleave, each keeps its own', () => {
    const { object, managers } = run(SETS, [
      { apply: 'default', object: { list: ['a', 'c'] } },
      { update: 'controller', object: { list: ['a', 'b', 'c', 'd'] } },
      { apply: 'default', object: { list: ['a', 'aprime', 'c', 'cprime'] } },
    ]);
    expect(object).toEqual({ list: ['a', 'b', 'aprime', 'c', 'd', 'cprime'] });
    expectOwned(managers, { default: [v('a'), v('aprime'), v('c'), v('cprime')], controller: [v('b'), v('d')] });
  });

  it('apply, update, apply with overlap: shared values are owned by both', () => {
    const { object, managers } = run(SETS, [
      { apply: 'default', object: { list: ['a', 'c'] } },
      { update: 'controller', object: { list: ['a', 'b', 'c', 'd'] } },
      { apply: 'default', object: { list: ['a', 'b', 'c'] } },
    ]);
    expect(object).toEqual({ list: ['a', 'b', 'c', 'd'] });
    expectOwned(managers, { default: [v('a'), v('b'), v('c')], controller: [v('b'), v('d')] });
  });
});

describe('multiple appliers', () => {
  const k = (name: string): ReturnType<typeof keyElement> => keyElement({ name });

  it('an applier dropping items removes only those nobody else applied', () => {
    const { object, managers } = run(ASSOCIATIVE, [
      { apply: 'apply-one', object: { list: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } },
      { apply: 'apply-two', object: { list: [{ name: 'c' }, { name: 'd' }] } },
      { apply: 'apply-one', object: { list: [{ name: 'a' }] } },
    ]);
    expect(object).toEqual({ list: [{ name: 'a' }, { name: 'c' }, { name: 'd' }] });
    expectOwned(managers, {
      'apply-one': [makePath('list', k('a')), makePath('list', k('a'), 'name')],
      'apply-two': [makePath('list', k('c')), makePath('list', k('d')), makePath('list', k('c'), 'name'), makePath('list', k('d'), 'name')],
    });
  });

  it('a removed item takes sub-items an updater added along', () => {
    const { object, managers } = run(NESTED, [
      { apply: 'apply-one', object: { listOfLists: [{ name: 'a' }, { name: 'b', value: ['c'] }] } },
      { apply: 'apply-two', object: { listOfLists: [{ name: 'a', value: ['b'] }] } },
      { update: 'controller', object: { listOfLists: [{ name: 'a', value: ['b'] }, { name: 'b', value: ['c', 'd'] }] } },
      { apply: 'apply-one', object: { listOfLists: [{ name: 'a' }] } },
    ]);
    expect(object).toEqual({ listOfLists: [{ name: 'a', value: ['b'] }] });
    expectOwned(managers, {
      'apply-one': [makePath('listOfLists', k('a')), makePath('listOfLists', k('a'), 'name')],
      'apply-two': [makePath('listOfLists', k('a')), makePath('listOfLists', k('a'), 'name'), makePath('listOfLists', k('a'), 'value', valueElement('b'))],
    });
  });

  it('an item another applier keeps loses only the dropped applier\'s sub-items', () => {
    const { object, managers } = run(NESTED, [
      { apply: 'apply-one', object: { listOfLists: [{ name: 'a' }, { name: 'b', value: ['c'] }] } },
      { apply: 'apply-two', object: { listOfLists: [{ name: 'b', value: ['d'] }] } },
      { update: 'controller', object: { listOfLists: [{ name: 'a' }, { name: 'b', value: ['c', 'd', 'e'] }] } },
      { apply: 'apply-one', object: { listOfLists: [{ name: 'a' }] } },
    ]);
    expect(object).toEqual({ listOfLists: [{ name: 'a' }, { name: 'b', value: ['d', 'e'] }] });
    expectOwned(managers, {
      'apply-one': [makePath('listOfLists', k('a')), makePath('listOfLists', k('a'), 'name')],
      'apply-two': [makePath('listOfLists', k('b')), makePath('listOfLists', k('b'), 'name'), makePath('listOfLists', k('b'), 'value', valueElement('d'))],
      controller: [makePath('listOfLists', k('b'), 'value', valueElement('e'))],
    });
  });

  it('same value: no conflict, shared; different value: conflict; force: taken', () => {
    const field = makePath('struct', 'scalarField');
    const shared = run(ONE_FIELD, [
      { apply: 'one', object: { struct: { name: 'a', scalarField: 'x' } } },
      { apply: 'two', object: { struct: { scalarField: 'x' } } },
    ]);
    expectOwned(shared.managers, { one: [makePath('struct', 'name'), field], two: [field] });

    let conflict: unknown;
    try {
      run(ONE_FIELD, [
        { apply: 'one', object: { struct: { name: 'a', scalarField: 'x' } } },
        { apply: 'two', object: { struct: { scalarField: 'y' } } },
      ]);
    } catch (err) {
      conflict = err;
    }
    expect(conflict).toBeInstanceOf(ApplyConflictError);
    expect((conflict as ApplyConflictError).conflicts.map((c) => c.manager)).toEqual(['one']);

    const forced = run(ONE_FIELD, [
      { apply: 'one', object: { struct: { name: 'a', scalarField: 'x' } } },
      { apply: 'two', object: { struct: { scalarField: 'y' } }, force: true },
    ]);
    expect(forced.object).toEqual({ struct: { name: 'a', scalarField: 'y' } });
    expectOwned(forced.managers, { one: [makePath('struct', 'name')], two: [field] });
  });

  it('an update never conflicts: it takes changed fields, everyone loses removed ones', () => {
    const { managers } = run(ONE_FIELD, [
      { apply: 'one', object: { struct: { name: 'a', scalarField: 'x' } } },
      { update: 'controller', object: { struct: { scalarField: 'y' } } },
    ]);
    expectOwned(managers, { controller: [makePath('struct', 'scalarField')] });
  });
});
