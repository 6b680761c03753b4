import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { claimLookup, makeClaim, makePod, makeSet, podRef, revisionOf, setRef } from './fixtures.ts';
import { claimOwnerRefsFor, isClaimOwnerUpToDate, podClaimIsStale, retentionPolicy, type RetentionPolicyType } from './retention.ts';

type P = RetentionPolicyType;
const other: OwnerReference = { apiVersion: 'example.com/v1', kind: 'Thing', name: 'x', uid: 'x', controller: true };

describe('retention policy ownership', () => {
  it('defaults to Retain/Retain', () => {
    expect(retentionPolicy(makeSet())).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  // [whenScaled, whenDeleted, pod condemned by a scale-down?, wanted references]
  it.each<[P, P, boolean, string[]]>([
    ['Retain', 'Retain', false, []],
    ['Retain', 'Retain', true, []],
    ['Retain', 'Delete', false, ['set']],
    ['Retain', 'Delete', true, ['set']],
    ['Delete', 'Retain', false, []],
    ['Delete', 'Retain', true, ['pod']],
    ['Delete', 'Delete', false, ['set']],
    ['Delete', 'Delete', true, ['pod']],
  ])('whenScaled=%s whenDeleted=%s condemned=%s → %j', (whenScaled, whenDeleted, condemned, wanted) => {
    const set = makeSet({ replicas: condemned ? 1 : 3, retention: { whenScaled, whenDeleted } });
    const pod = makePod(set, 2, revisionOf(set));
    const want = wanted.map((w) => (w === 'set' ? setRef() : podRef(2)));
    const bare = makeClaim(set, 2);
    expect(isClaimOwnerUpToDate(bare, set, pod)).toBe(wanted.length === 0);
    expect(claimOwnerRefsFor(bare, set, pod)).toEqual(want);
    expect(isClaimOwnerUpToDate(makeClaim(set, 2, want), set, pod)).toBe(true);
    // from the opposite state (both references) back to the wanted one
    const both = makeClaim(set, 2, [setRef(), podRef(2)]);
    expect(isClaimOwnerUpToDate(both, set, pod)).toBe(wanted.length === 2);
    expect(claimOwnerRefsFor(both, set, pod)).toEqual(want);
  });

  it('turns a beta-era non-controller reference into a controller one', () => {
    const set = makeSet({ retention: { whenScaled: 'Retain', whenDeleted: 'Delete' } });
    const pod = makePod(set, 0, revisionOf(set));
    const claim = makeClaim(set, 0, [{ ...setRef(), controller: false }]);
    expect(isClaimOwnerUpToDate(claim, set, pod)).toBe(false);
    expect(claimOwnerRefsFor(claim, set, pod)).toEqual([setRef()]);
  });

  it('leaves claims of an older set of the same name (stale uid) alone', () => {
    const set = makeSet({ retention: { whenScaled: 'Delete', whenDeleted: 'Delete' } });
    const pod = makePod(set, 0, revisionOf(set));
    expect(isClaimOwnerUpToDate(makeClaim(set, 0, [setRef('older')]), set, pod)).toBe(true);
  });

  it('keeps another controller and drops only our references', () => {
    const set = makeSet({ retention: { whenScaled: 'Retain', whenDeleted: 'Delete' } });
    const pod = makePod(set, 0, revisionOf(set));
    expect(isClaimOwnerUpToDate(makeClaim(set, 0, [other]), set, pod)).toBe(true);
    const mixed = makeClaim(set, 0, [other, setRef()]);
    expect(isClaimOwnerUpToDate(mixed, set, pod)).toBe(false);
    expect(claimOwnerRefsFor(mixed, set, pod)).toEqual([other]);
  });

  it('a claim owned by an earlier pod is stale only under whenScaled=Delete', () => {
    const claims = claimLookup([makeClaim(makeSet(), 0, [podRef(0, 'earlier')])]);
    const del = makeSet({ retention: { whenScaled: 'Delete', whenDeleted: 'Retain' } });
    const keep = makeSet({ retention: { whenScaled: 'Retain', whenDeleted: 'Delete' } });
    const unborn = { metadata: { name: 'web-0' } };
    expect(podClaimIsStale(del, unborn, claims)).toBe(true);
    expect(podClaimIsStale(keep, unborn, claims)).toBe(false);
    expect(podClaimIsStale(del, unborn, claimLookup([makeClaim(del, 0)]))).toBe(false);
  });
});
