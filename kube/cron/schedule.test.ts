import { describe, expect, it } from 'vitest';
import { parseStandard, type Schedule } from './schedule.ts';

function sched(spec: string): Schedule {
  const r = parseStandard(spec);
  if ('error' in r) throw new Error(r.error);
  return r.schedule;
}

/** The next n activations after `from`, as ISO strings ('never' for Go's zero time). */
function nextTimes(spec: string, from: string, n = 3): string[] {
  const s = sched(spec);
  const out: string[] = [];
  let t = Date.parse(from);
  for (let i = 0; i < n; i++) {
    const next = s.next(t);
    if (next === undefined) {
      out.push('never');
      break;
    }
    out.push(new Date(next).toISOString().replace('.000Z', 'Z'));
    t = next;
  }
  return out;
}

describe('parseStandard: activations as robfig/cron computes them', () => {
  // 2026-01-01 is a Thursday.
  it.each([
    ['every 15 minutes', '*/15 * * * *', '2026-01-01T10:07:00Z', ['2026-01-01T10:15:00Z', '2026-01-01T10:30:00Z', '2026-01-01T10:45:00Z']],
    ['strictly after a matching instant', '0 * * * *', '2026-01-01T10:00:00Z', ['2026-01-01T11:00:00Z', '2026-01-01T12:00:00Z', '2026-01-01T13:00:00Z']],
    ['milliseconds are dropped, not rounded', '* * * * *', '2026-01-01T10:00:59.999Z', ['2026-01-01T10:01:00Z', '2026-01-01T10:02:00Z', '2026-01-01T10:03:00Z']],
    ['weekday range', '0 9 * * 1-5', '2026-01-02T10:00:00Z', ['2026-01-05T09:00:00Z', '2026-01-06T09:00:00Z', '2026-01-07T09:00:00Z']],
    ['month and weekday names, any case', '0 0 * jan,Jul SUN', '2026-01-20T00:00:00Z', ['2026-01-25T00:00:00Z', '2026-07-05T00:00:00Z', '2026-07-12T00:00:00Z']],
    ['N/step runs to the maximum', '50/5 * * * *', '2026-01-01T10:00:00Z', ['2026-01-01T10:50:00Z', '2026-01-01T10:55:00Z', '2026-01-01T11:50:00Z']],
    ['range with a step', '0 6-16/4 * * *', '2026-01-01T07:00:00Z', ['2026-01-01T10:00:00Z', '2026-01-01T14:00:00Z', '2026-01-02T06:00:00Z']],
    ['empty comma parts are skipped', '0,,30 * * * *', '2026-01-01T10:10:00Z', ['2026-01-01T10:30:00Z', '2026-01-01T11:00:00Z', '2026-01-01T11:30:00Z']],
  ])('%s: %s', (_name, spec, from, want) => {
    expect(nextTimes(spec, from)).toEqual(want);
  });

  describe('day of month and day of week', () => {
    it.each([
      // Both restricted: either may match (the 13th, or any Friday).
      ['OR when both are restricted', '0 0 13 * 5', ['2026-01-02T00:00:00Z', '2026-01-09T00:00:00Z', '2026-01-13T00:00:00Z', '2026-01-16T00:00:00Z']],
      // A full range is not a star: every day matches through the day of month.
      ['1-31 is restricted', '0 0 1-31 * 5', ['2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z', '2026-01-04T00:00:00Z', '2026-01-05T00:00:00Z']],
      // */1 keeps robfig's star bit (cron-parser alone would OR it with Friday: every day).
      ['*/1 is a star', '0 0 */1 * 5', ['2026-01-02T00:00:00Z', '2026-01-09T00:00:00Z', '2026-01-16T00:00:00Z', '2026-01-23T00:00:00Z']],
      ['? is a star', '0 0 ? * 5', ['2026-01-02T00:00:00Z', '2026-01-09T00:00:00Z', '2026-01-16T00:00:00Z', '2026-01-23T00:00:00Z']],
      ['a star weekday leaves the day of month alone', '0 0 13 * *', ['2026-01-13T00:00:00Z', '2026-02-13T00:00:00Z', '2026-03-13T00:00:00Z', '2026-04-13T00:00:00Z']],
      // */2 drops the star bit: odd days OR Fridays.
      ['*/2 is restricted', '0 0 */2 * 5', ['2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z', '2026-01-05T00:00:00Z', '2026-01-07T00:00:00Z']],
      ['a star with a list is a star', '0 0 *,5 * 5', ['2026-01-02T00:00:00Z', '2026-01-09T00:00:00Z', '2026-01-16T00:00:00Z', '2026-01-23T00:00:00Z']],
      // No February has a 31st; the restricted weekday still fires (OR).
      ['an impossible day of month with a weekday', '0 0 31 2 1', ['2026-02-02T00:00:00Z', '2026-02-09T00:00:00Z', '2026-02-16T00:00:00Z', '2026-02-23T00:00:00Z']],
      ['some impossible days are skipped', '0 0 30,31 2,3 *', ['2026-03-30T00:00:00Z', '2026-03-31T00:00:00Z', '2027-03-30T00:00:00Z', '2027-03-31T00:00:00Z']],
    ])('%s: %s', (_name, spec, want) => {
      expect(nextTimes(spec, '2026-01-01T00:00:00Z', 4)).toEqual(want);
    });

    it('never fires when no selected month has the day (Go zero time)', () => {
      expect(sched('0 0 30 2 *').next(Date.parse('2026-01-01T00:00:00Z'))).toBeUndefined();
      expect(sched('59 23 31 2 *').next(Date.parse('2026-01-01T00:00:00Z'))).toBeUndefined();
      expect(sched('0 0 31 4,6,9,11 *').next(Date.parse('2026-01-01T00:00:00Z'))).toBeUndefined();
    });

    it('finds nothing more than five years out (robfig yearLimit)', () => {
      expect(nextTimes('0 0 29 2 *', '2026-01-01T00:00:00Z', 2)).toEqual(['2028-02-29T00:00:00Z', '2032-02-29T00:00:00Z']);
      // 2100 is no leap year: the next 29 February is 2104, past 2097 + 5.
      expect(sched('0 0 29 2 *').next(Date.parse('2097-01-01T00:00:00Z'))).toBeUndefined();
    });
  });

  describe('descriptors', () => {
    it.each([
      ['@yearly', ['2027-01-01T00:00:00Z', '2028-01-01T00:00:00Z']],
      ['@annually', ['2027-01-01T00:00:00Z', '2028-01-01T00:00:00Z']],
      ['@monthly', ['2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z']],
      ['@weekly', ['2026-01-04T00:00:00Z', '2026-01-11T00:00:00Z']],
      ['@daily', ['2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z']],
      ['@midnight', ['2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z']],
      ['@hourly', ['2026-01-01T11:00:00Z', '2026-01-01T12:00:00Z']],
    ])('%s', (spec, want) => {
      expect(nextTimes(spec, '2026-01-01T10:30:00Z', 2)).toEqual(want);
    });

    it.each([
      ['@every 90s', '2026-01-01T10:00:00.700Z', ['2026-01-01T10:01:30Z', '2026-01-01T10:03:00Z']],
      ['@every 1h30m', '2026-01-01T10:00:10Z', ['2026-01-01T11:30:10Z', '2026-01-01T13:00:10Z']],
      // Below a second is a second; fractions of a second are dropped.
      ['@every 500ms', '2026-01-01T10:00:00Z', ['2026-01-01T10:00:01Z', '2026-01-01T10:00:02Z']],
      ['@every 2.5s', '2026-01-01T10:00:00Z', ['2026-01-01T10:00:02Z', '2026-01-01T10:00:04Z']],
    ])('%s is a constant delay from the given second', (spec, from, want) => {
      expect(nextTimes(spec, from, 2)).toEqual(want);
    });
  });

  describe('time zones', () => {
    it('TZ= and CRON_TZ= put the fields on that zone\'s wall clock', () => {
      expect(nextTimes('TZ=Asia/Tokyo 0 9 * * *', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z']);
      expect(nextTimes('CRON_TZ=America/New_York 0 9 * * *', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-01T14:00:00Z']);
      expect(nextTimes('TZ=Europe/Berlin @yearly', '2026-06-01T00:00:00Z', 1)).toEqual(['2026-12-31T23:00:00Z']);
      expect(nextTimes('TZ=UTC @daily', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-02T00:00:00Z']);
    });

    it('skips a wall time inside a spring-forward gap (cron-parser would move it past the gap)', () => {
      // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist that day.
      expect(nextTimes('TZ=America/New_York 30 2 * * *', '2026-03-07T12:00:00Z', 2)).toEqual(['2026-03-09T06:30:00Z', '2026-03-10T06:30:00Z']);
      // Hourly keeps firing in absolute hours across the gap.
      expect(nextTimes('TZ=America/New_York 0 * * * *', '2026-03-08T05:30:00Z', 3)).toEqual(['2026-03-08T06:00:00Z', '2026-03-08T07:00:00Z', '2026-03-08T08:00:00Z']);
    });

    it('fires on both passes of a wall time repeated by a fall-back shift', () => {
      // New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:30 happens twice.
      expect(nextTimes('TZ=America/New_York 30 1 * * *', '2026-10-31T12:00:00Z', 3)).toEqual(['2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z', '2026-11-02T06:30:00Z']);
      expect(nextTimes('TZ=America/New_York */30 1 * * *', '2026-11-01T04:00:00Z', 5)).toEqual([
        '2026-11-01T05:00:00Z', '2026-11-01T05:30:00Z', '2026-11-01T06:00:00Z', '2026-11-01T06:30:00Z', '2026-11-02T06:00:00Z',
      ]);
    });

    it('handles half-hour shifts (Lord Howe), where cron-parser gives up', () => {
      // 2026-04-05: 02:00 (+11) falls back to 01:30 (+10:30); 01:15 happens once, 01:45 twice.
      expect(nextTimes('TZ=Australia/Lord_Howe 15 1 * * *', '2026-04-04T00:00:00Z', 3)).toEqual(['2026-04-04T14:15:00Z', '2026-04-05T14:45:00Z', '2026-04-06T14:45:00Z']);
      expect(nextTimes('TZ=Australia/Lord_Howe 45 1 * * *', '2026-04-04T00:00:00Z', 3)).toEqual(['2026-04-04T14:45:00Z', '2026-04-04T15:15:00Z', '2026-04-05T15:15:00Z']);
    });
  });

  describe('errors in robfig\'s words', () => {
    it.each([
      ['', 'empty spec string'],
      ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
      ['0 0 0 * * *', 'expected exactly 5 fields, found 6: [0 0 0 * * *]'],
      ['0 0 * * 7', 'end of range (7) above maximum (6): 7'],
      ['0 0 0 * *', 'beginning of range (0) below minimum (1): 0'],
      ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
      ['*/0 * * * *', 'step of range should be a positive number: */0'],
      ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
      ['*/2/3 * * * *', 'too many slashes: */2/3'],
      ['0 0 L * *', 'failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax'],
      ['0 0 * * 1#2', 'failed to parse int from 1#2: strconv.Atoi: parsing "1#2": invalid syntax'],
      ['0 0 * * MONDAY', 'failed to parse int from MONDAY: strconv.Atoi: parsing "MONDAY": invalid syntax'],
      ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
      ['@every 1x', 'failed to parse duration @every 1x: time: unknown unit "x" in duration "1x"'],
      ['@every 10', 'failed to parse duration @every 10: time: missing unit in duration "10"'],
      ['TZ=Mars/Olympus 0 0 * * *', 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus'],
    ])('%j', (spec, error) => {
      expect(parseStandard(spec)).toEqual({ error });
    });
  });
});

describe('parseStandard: the accept set and error words the API server validates with', () => {
  function error(spec: string): string | undefined {
    const r = parseStandard(spec);
    return 'error' in r ? r.error : undefined;
  }

  it.each([
    '*/5 * * * *', '0 0 * * *', '5/15 * * * *', '0 9 1-15/2 jan-MAR mon,fri', '? ? * * *', '1,,2 * * * *', '+5 * * * *',
    '@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly', '@every 1h30m', '@every 1.5s', '@every -5m',
    'TZ=UTC 0 0 * * *', 'CRON_TZ=Europe/Paris 0 0 * * *', '0\t0 * *  *',
  ])('accepts %j', (spec) => {
    expect(error(spec)).toBeUndefined();
  });

  it.each([
    ['bad', 'expected exactly 5 fields, found 1: [bad]'],
    ['@foo', 'unrecognized descriptor: @foo'],
    ['@daily ', 'unrecognized descriptor: @daily '],
    ['@every x', 'failed to parse duration @every x: time: invalid duration "x"'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['0 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['0 0 * 13 *', 'end of range (13) above maximum (12): 13'],
    ['1/2/3 * * * *', 'too many slashes: 1/2/3'],
    ['-5 * * * *', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'],
    ['5/-1 * * * *', 'negative number (-1) not allowed: -1'],
    ['99999999999999999999 * * * *', 'failed to parse int from 99999999999999999999: strconv.Atoi: parsing "99999999999999999999": value out of range'],
    ['CRON_TZ=Bad/Zone 0 0 * * *', 'provided bad location Bad/Zone: unknown time zone Bad/Zone'],
    ['CRON_TZ=../etc 0 0 * * *', 'provided bad location ../etc: time: invalid location name'],
  ])('refuses %j: %s', (spec, message) => {
    expect(error(spec)).toBe(message);
  });

  function next(spec: string, after: string, tz?: string): string | undefined {
    const r = parseStandard(spec, tz);
    if ('error' in r) throw new Error(r.error);
    const t = r.schedule.next(Date.parse(after));
    return t === undefined ? undefined : new Date(t).toISOString();
  }

  it('computes the next run, in the given time zone', () => {
    expect(next('*/5 * * * *', '2024-03-30T23:58:30Z')).toBe('2024-03-31T00:00:00.000Z');
    expect(next('5/15 * * * *', '2024-01-01T00:06:00Z')).toBe('2024-01-01T00:20:00.000Z');
    expect(next('30 2 * * *', '2024-03-31T12:00:00Z', 'Europe/Paris')).toBe('2024-04-01T00:30:00.000Z');
    expect(next('@daily', '2024-01-01T12:00:00Z', 'America/New_York')).toBe('2024-01-02T05:00:00.000Z');
    expect(next('0 0 1 jan,FEB *', '2024-03-30T00:00:00Z')).toBe('2025-01-01T00:00:00.000Z');
    expect(next('@every 1h30m', '2024-01-01T00:00:00.250Z')).toBe('2024-01-01T01:30:00.000Z');
  });

  it('combines day of month and day of week as robfig does (OR unless one is a star)', () => {
    // The 13th or any Friday: after Thu 2024-09-12 comes Fri the 13th, then Fri the 20th.
    expect(next('0 0 13 * 5', '2024-09-13T00:00:00Z')).toBe('2024-09-20T00:00:00.000Z');
    expect(next('0 0 13 * 5', '2024-09-10T00:00:00Z')).toBe('2024-09-13T00:00:00.000Z');
    // A star day of month: only Mondays.
    expect(next('0 0 * * 1', '2024-09-10T00:00:00Z')).toBe('2024-09-16T00:00:00.000Z');
    // */2 is no star for robfig: odd days OR Mondays.
    expect(next('0 0 */2 * 1', '2024-09-13T12:00:00Z')).toBe('2024-09-15T00:00:00.000Z');
  });
});
