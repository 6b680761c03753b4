import { describe, expect, it } from 'vitest';
import { formatRFC1123ZUtc, formatRFC3339, loadLocationError, repeatedSpansIn, wallClock } from './zone.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('loadLocationError (time.LoadLocation): zone names load case-sensitively, as the zoneinfo files are named', () => {
  it.each([
    ['', undefined], ['UTC', undefined], ['Local', undefined], ['Asia/Tokyo', undefined], ['US/Eastern', undefined], ['Etc/GMT+5', undefined],
    ['Europe/Paris', undefined],
    ['asia/tokyo', 'unknown time zone asia/tokyo'], ['europe/paris', 'unknown time zone europe/paris'],
    ['Mars/Olympus', 'unknown time zone Mars/Olympus'],
    ['+05:00', 'unknown time zone +05:00'],
    ['../etc/passwd', 'time: invalid location name'],
  ])('%j', (name, want) => {
    expect(loadLocationError(name)).toBe(want);
  });
});

describe('time layouts', () => {
  it.each([
    ['UTC', '2026-01-01T00:00:00Z'],
    ['Asia/Tokyo', '2026-01-01T09:00:00+09:00'],
    ['Asia/Kolkata', '2026-01-01T05:30:00+05:30'],
    ['America/New_York', '2025-12-31T19:00:00-05:00'],
    ['Etc/GMT', '2026-01-01T00:00:00Z'],
  ])('RFC 3339 in %s', (zone, want) => {
    expect(formatRFC3339(T0, zone)).toBe(want);
  });

  it('RFC 1123 with a numeric zone, in UTC', () => {
    expect(formatRFC1123ZUtc(T0 + 5 * 60_000 + 7000)).toBe('Thu, 01 Jan 2026 00:05:07 +0000');
  });

  it('wall clock and weekday', () => {
    expect(wallClock(T0, 'America/New_York')).toEqual({ year: 2025, month: 12, day: 31, hour: 19, minute: 0, second: 0, weekday: 3 });
    expect(wallClock(T0, 'UTC')).toEqual({ year: 2026, month: 1, day: 1, hour: 0, minute: 0, second: 0, weekday: 4 });
  });
});

describe('repeatedSpansIn', () => {
  it('finds the second pass of each fall-back hour', () => {
    expect(repeatedSpansIn('America/New_York', 2026)).toEqual([{ start: Date.parse('2026-11-01T06:00:00Z'), end: Date.parse('2026-11-01T07:00:00Z') }]);
    expect(repeatedSpansIn('Australia/Lord_Howe', 2026)).toEqual([{ start: Date.parse('2026-04-04T15:00:00Z'), end: Date.parse('2026-04-04T15:30:00Z') }]);
    expect(repeatedSpansIn('Asia/Tokyo', 2026)).toEqual([]);
  });
});
