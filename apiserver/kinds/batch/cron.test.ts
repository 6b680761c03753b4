import { describe, expect, it } from 'vitest';
import { loadLocationError, parseGoDuration, parseStandard } from './cron.ts';

function error(spec: string): string | undefined {
  const r = parseStandard(spec);
  return 'error' in r ? r.error : undefined;
}

function next(spec: string, after: string, tz?: string): string | undefined {
  const r = parseStandard(spec);
  if ('error' in r) throw new Error(r.error);
  const t = r.schedule.next(Date.parse(after), tz);
  return t === undefined ? undefined : new Date(t).toISOString();
}

describe('parseStandard (robfig/cron v3 ParseStandard)', () => {
  it.each([
    '*/5 * * * *', '0 0 * * *', '5/15 * * * *', '0 9 1-15/2 jan-MAR mon,fri', '? ? * * *', '1,,2 * * * *', '+5 * * * *',
    '@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly', '@every 1h30m', '@every 1.5s', '@every -5m',
    'TZ=UTC 0 0 * * *', 'CRON_TZ=Europe/Paris 0 0 * * *', '0\t0 * *  *',
  ])('accepts %j', (spec) => {
    expect(error(spec)).toBeUndefined();
  });

  it.each([
    ['', 'empty spec string'],
    ['bad', 'expected exactly 5 fields, found 1: [bad]'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['0 * * * * *', 'expected exactly 5 fields, found 6: [0 * * * * *]'],
    ['@foo', 'unrecognized descriptor: @foo'],
    ['@daily ', 'unrecognized descriptor: @daily '],
    ['@every 5', 'failed to parse duration @every 5: time: missing unit in duration "5"'],
    ['@every 5d', 'failed to parse duration @every 5d: time: unknown unit "d" in duration "5d"'],
    ['@every x', 'failed to parse duration @every x: time: invalid duration "x"'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['0 0 L * *', 'failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax'],
    ['0 0 * * 7', 'end of range (7) above maximum (6): 7'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['0 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['0 0 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['0 0 * 13 *', 'end of range (13) above maximum (12): 13'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['1/2/3 * * * *', 'too many slashes: 1/2/3'],
    ['-5 * * * *', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'],
    ['5/-1 * * * *', 'negative number (-1) not allowed: -1'],
    ['99999999999999999999 * * * *', 'failed to parse int from 99999999999999999999: strconv.Atoi: parsing "99999999999999999999": value out of range'],
    ['CRON_TZ=Bad/Zone 0 0 * * *', 'provided bad location Bad/Zone: unknown time zone Bad/Zone'],
  ])('refuses %j: %s', (spec, message) => {
    expect(error(spec)).toBe(message);
  });

  it('computes the next run with croner, in the given time zone, across DST', () => {
    expect(next('*/5 * * * *', '2024-03-30T23:58:30Z')).toBe('2024-03-31T00:00:00.000Z');
    expect(next('5/15 * * * *', '2024-01-01T00:06:00Z')).toBe('2024-01-01T00:20:00.000Z');
    // 02:30 does not exist in Paris on 31 March 2024: croner runs it at the end of the gap (03:00 CEST).
    expect(next('30 2 * * *', '2024-03-30T12:00:00Z', 'Europe/Paris')).toBe('2024-03-31T01:00:00.000Z');
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

describe('Go helpers', () => {
  it('parses durations as time.ParseDuration', () => {
    expect(parseGoDuration('1h30m')).toBe(5_400_000_000_000n);
    expect(parseGoDuration('1.5s')).toBe(1_500_000_000n);
    expect(parseGoDuration('0')).toBe(0n);
    expect(() => parseGoDuration('')).toThrow('time: invalid duration ""');
  });

  it('loads IANA zones case-sensitively, as the zoneinfo files are named', () => {
    expect(loadLocationError('Europe/Paris')).toBeUndefined();
    expect(loadLocationError('UTC')).toBeUndefined();
    expect(loadLocationError('europe/paris')).toBe('unknown time zone europe/paris');
    expect(loadLocationError('Mars/Olympus')).toBe('unknown time zone Mars/Olympus');
  });
});
