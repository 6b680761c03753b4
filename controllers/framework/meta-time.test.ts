import { describe, expect, it } from 'vitest';
import { metaTime, timeMs } from './meta-time.ts';

describe('metav1.Time', () => {
  it('writes RFC 3339 in UTC with whole seconds (the fraction dropped, not rounded)', () => {
    expect(metaTime(Date.UTC(2026, 0, 1, 12, 0, 5, 999))).toBe('2026-01-01T12:00:05Z');
    expect(metaTime(Date.UTC(2026, 0, 1, 12) + 999)).toBe('2026-01-01T12:00:00Z');
    expect(metaTime(Date.UTC(2026, 0, 1))).toBe('2026-01-01T00:00:00Z');
    expect(metaTime(-500)).toBe('1969-12-31T23:59:59Z');
  });

  it('reads milliseconds; absent, empty or unparsable is the zero time', () => {
    expect(timeMs('2026-01-01T12:00:05Z')).toBe(Date.UTC(2026, 0, 1, 12, 0, 5));
    expect(timeMs(undefined)).toBeUndefined();
    expect(timeMs('')).toBeUndefined();
    expect(timeMs('yesterday')).toBeUndefined();
  });
});
