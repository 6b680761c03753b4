// CronJob schedules as kube-apiserver 1.32 takes them: robfig/cron v3's ParseStandard (five
// fields — minute, hour, day of month, month, day of week — or a descriptor: @yearly,
// @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every <duration>) with its accept
// set and its error words, which no JavaScript cron library shares; and the times a schedule
// fires, which croner computes (time zones and DST included) once the grammar has been checked.
// Pure, apart from the time zone database Node's Intl carries.
import { Cron } from 'croner';
import { goQuote } from '../../api/errors.ts';

interface Bounds {
  min: number;
  max: number;
  names?: Readonly<Record<string, number>>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1, max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };
const FIELD_BOUNDS = [MINUTES, HOURS, DOM, MONTHS, DOW] as const;

/** The five-field equivalents of robfig's fixed descriptors. */
const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

class ScheduleError extends Error {}

const MAX_INT64 = 9223372036854775807n;

/** strconv.Atoi: an optional sign and decimal digits, else Go's error text. */
function atoi(s: string): number {
  const m = /^[+-]?[0-9]+$/.exec(s);
  if (m === null) throw new ScheduleError(`strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`);
  const big = BigInt(s);
  if (big > MAX_INT64 || big < -MAX_INT64 - 1n) throw new ScheduleError(`strconv.Atoi: parsing ${goQuote(s)}: value out of range`);
  // Values past 2^53 lose precision, but any of them is far out of every field's range anyway.
  return Number(big);
}

function mustParseInt(expr: string): number {
  let n: number;
  try {
    n = atoi(expr);
  } catch (err) {
    throw new ScheduleError(`failed to parse int from ${expr}: ${(err as Error).message}`);
  }
  if (n < 0) throw new ScheduleError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, names: Bounds['names']): number {
  const named = names?.[expr.toLowerCase()];
  return named ?? mustParseInt(expr);
}

/** The values one field selects, and whether robfig marks it as a star (`*` or `?`, step 1). */
interface FieldSet {
  values: Set<number>;
  star: boolean;
}

/** robfig's getRange: one comma-separated part of a field, added to `into`. */
function getRange(expr: string, r: Bounds, into: FieldSet): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = r.min;
    end = r.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0] ?? '', r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1] ?? '', r.names);
    else throw new ScheduleError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1] ?? '');
    if (single) end = r.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new ScheduleError(`too many slashes: ${expr}`);
  }
  if (start < r.min) throw new ScheduleError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max) throw new ScheduleError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new ScheduleError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new ScheduleError(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.values.add(v);
  if (star) into.star = true;
}

// ---- Go's time.ParseDuration ------------------------------------------------------------------

const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n, us: 1_000n, 'µs': 1_000n, 'μs': 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n,
};

/** time.ParseDuration, in nanoseconds; throws with Go's words. */
export function parseGoDuration(orig: string): bigint {
  const invalid = (): ScheduleError => new ScheduleError(`time: invalid duration ${goQuote(orig)}`);
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || (s[0] !== undefined && s[0] >= '0' && s[0] <= '9'))) throw invalid();
    const num = /^([0-9]*)(?:\.([0-9]*))?/.exec(s);
    const whole = num?.[1] ?? '';
    const frac = num?.[2];
    if (whole === '' && (frac === undefined || frac === '')) throw invalid();
    s = s.slice(num?.[0].length ?? 0);
    const unitMatch = /^[^0-9.]*/.exec(s);
    const unit = unitMatch?.[0] ?? '';
    if (unit === '') throw new ScheduleError(`time: missing unit in duration ${goQuote(orig)}`);
    const scale = UNIT_NS[unit];
    if (scale === undefined) throw new ScheduleError(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(orig)}`);
    s = s.slice(unit.length);
    let v = BigInt(whole === '' ? '0' : whole) * scale;
    if (frac !== undefined && frac !== '') v += (BigInt(frac) * scale) / 10n ** BigInt(frac.length);
    total += v;
    if (total > MAX_INT64) throw invalid();
  }
  return neg ? -total : total;
}

// ---- schedules ---------------------------------------------------------------------------------

/** A parsed schedule: the next time it fires strictly after a given instant. */
export interface Schedule {
  /** The next activation after `after` (ms since the epoch) in `timeZone` (IANA; default UTC). */
  next(after: number, timeZone?: string): number | undefined;
}

/**
 * A croner schedule for robfig's fields, each given as `*` (robfig's star bit, which also makes
 * day of month and day of week combine with AND) or as the explicit list of values it selects.
 */
function cronSchedule(fields: readonly FieldSet[]): Schedule {
  const pattern = fields.map((f) => (f.star ? '*' : [...f.values].sort((a, b) => a - b).join(','))).join(' ');
  return {
    next(after, timeZone = 'UTC') {
      const job = new Cron(pattern, { paused: true, timezone: timeZone, mode: '5-part', domAndDow: false });
      return job.nextRun(new Date(after))?.getTime() ?? undefined;
    },
  };
}

function everySchedule(ns: bigint): Schedule {
  // robfig's ConstantDelaySchedule: at least a second, whole seconds, from the given time.
  let ms = Number(ns / 1_000_000n);
  if (ms < 1000) ms = 1000;
  ms -= ms % 1000;
  return { next: (after) => after - (after % 1000) + ms };
}

/** robfig's cron.ParseStandard: the schedule, or its error text. */
export function parseStandard(spec: string): { schedule: Schedule } | { error: string } {
  try {
    return { schedule: parse(spec) };
  } catch (err) {
    if (err instanceof ScheduleError) return { error: err.message };
    throw err;
  }
}

function parse(input: string): Schedule {
  let spec = input;
  if (spec.length === 0) throw new ScheduleError('empty spec string');
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ');
    const eq = spec.indexOf('=');
    const name = space < 0 ? spec.slice(eq + 1) : spec.slice(eq + 1, space);
    const err = loadLocationError(name);
    if (err !== undefined) throw new ScheduleError(`provided bad location ${name}: ${err}`);
    spec = space < 0 ? '' : spec.slice(space).trim();
  }
  if (spec.startsWith('@')) {
    const fixed = DESCRIPTORS[spec];
    if (fixed !== undefined) return cronSchedule(parseFields(fixed.split(' ')));
    if (spec.startsWith('@every ')) {
      let ns: bigint;
      try {
        ns = parseGoDuration(spec.slice('@every '.length));
      } catch (err) {
        throw new ScheduleError(`failed to parse duration ${spec}: ${(err as Error).message}`);
      }
      return everySchedule(ns);
    }
    throw new ScheduleError(`unrecognized descriptor: ${spec}`);
  }
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) throw new ScheduleError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  return cronSchedule(parseFields(fields));
}

/** robfig's getField for each of the five fields (empty comma parts are skipped, as FieldsFunc does). */
function parseFields(fields: readonly string[]): FieldSet[] {
  return fields.map((field, i) => {
    const set: FieldSet = { values: new Set(), star: false };
    for (const part of field.split(',').filter((p) => p !== '')) getRange(part, FIELD_BOUNDS[i] ?? MINUTES, set);
    return set;
  });
}

// ---- time zones ----------------------------------------------------------------------------------

/**
 * time.LoadLocation's error for a name, or undefined when the zone is known ("" and "UTC" are
 * UTC, "Local" the process's zone). Zone names are case-sensitive, as the zoneinfo files are.
 */
export function loadLocationError(name: string): string | undefined {
  if (name === '' || name === 'UTC' || name === 'Local') return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return `unknown time zone ${name}`;
  }
  // ICU takes any case and canonical aliases; the zoneinfo database takes names as spelt.
  if (resolved.toLowerCase() === name.toLowerCase() && resolved !== name) return `unknown time zone ${name}`;
  if (/^[+-]/.test(name) || name.includes(':')) return `unknown time zone ${name}`;
  return undefined;
}
