import { describe, expect, it } from 'vitest';
import { deployment } from './fixtures.ts';
import { maxSurge, maxUnavailable, resolveFenceposts, scaledValue } from './fenceposts.ts';

describe('scaledValue (GetScaledValueFromIntOrPercent)', () => {
  it.each([
    [5, 10, true, 5],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['1%', 2, true, 1],
    ['1%', 2, false, 0],
    ['100%', 7, false, 7],
    ['33%', 3, true, 1],
    ['0%', 5, true, 0],
  ] as const)('%s of %i (round up %s) = %i', (value, total, up, want) => {
    expect(scaledValue(value, total, up)).toBe(want);
  });

  it('refuses strings that are not percentages', () => {
    expect(() => scaledValue('5', 10, true)).toThrow('string is not a percentage');
    expect(() => scaledValue('x%', 10, true)).toThrow('invalid value for IntOrString');
    expect(() => scaledValue(undefined, 10, true)).toThrow('nil value for IntOrString');
  });
});

describe('resolveFenceposts', () => {
  it.each([
    // desired, maxSurge, maxUnavailable → surge, unavailable (upstream's own examples included)
    [2, '0%', '1%', 0, 1],
    [1, '0%', '1%', 0, 1],
    [2, '1%', '25%', 1, 0],
    [1, '1%', '25%', 1, 0],
    [2, '1%', '0%', 1, 0],
    [10, '25%', '25%', 3, 2],
    [3, '25%', '25%', 1, 0],
    [3, 0, '25%', 0, 1],
    [4, 2, 1, 2, 1],
  ] as const)('%i desired, surge %s, unavailable %s → %i/%i', (desired, surge, unavailable, wantSurge, wantUnavailable) => {
    expect(resolveFenceposts(surge, unavailable, desired)).toEqual({ surge: wantSurge, unavailable: wantUnavailable });
  });
});

describe('maxSurge / maxUnavailable of a deployment', () => {
  it('follow the rolling update parameters', () => {
    const d = deployment({ replicas: 10 });
    expect(maxSurge(d)).toBe(3);
    expect(maxUnavailable(d)).toBe(2);
  });

  it('are 0 for Recreate', () => {
    const d = deployment({ strategy: 'Recreate' });
    expect(maxSurge(d)).toBe(0);
    expect(maxUnavailable(d)).toBe(0);
  });

  it('caps maxUnavailable at replicas, and is 0 with no replicas', () => {
    expect(maxUnavailable(deployment({ replicas: 3, maxUnavailable: 5 }))).toBe(3);
    expect(maxUnavailable(deployment({ replicas: 0 }))).toBe(0);
  });
});
