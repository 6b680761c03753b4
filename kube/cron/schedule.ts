// CronJob schedules as robfig/cron v3's ParseStandard reads them — what the API server's
// validation accepts (with robfig's error words) and what the CronJob controller runs (robfig's
// Schedule.Next): five fields — minute, hour, day of month, month, day of week — an optional
// TZ=/CRON_TZ= prefix, the descriptors @yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly
// and @every <duration>. No JavaScript cron library shares robfig's accept set and words, so the
// grammar is parsed here; cron-parser walks the calendar, and this module supplies what it does
// differently from robfig:
//  - the grammar and its error words are robfig's (no L, #, H, 7 for Sunday, seconds, names
//    only for months and weekdays; numbers as strconv.Atoi reads them, int64 and all), parsed
//    here; cron-parser only ever sees plain value lists;
//  - day of month and day of week combine with OR unless either carries robfig's "star" bit,
//    which `*`, `?` and `*/1` set (cron-parser counts only a bare `*`/`?` as a wildcard), so a
//    starred field is handed to cron-parser as `*` and any other as its explicit values;
//  - @annually and @midnight (unknown to cron-parser) and @every (a constant delay);
//  - a day of month that no selected month has (`0 0 30 2 *`) is no error: robfig finds no time
//    within five years and returns Go's zero time (here: undefined), or with a restricted day of
//    week fires on those weekdays alone;
//  - daylight saving time: robfig steps through absolute time and fires at every whole minute
//    whose wall clock matches, so a time inside a spring-forward gap never fires that day
//    (cron-parser moves it after the gap) and a time inside a repeated fall-back hour fires twice
//    (cron-parser fires once for some schedules); candidates are checked against the wall clock
//    and repeated hours are searched here;
//  - no activation more than five calendar years out (robfig's yearLimit).
// Without a TZ= prefix robfig uses the process's local zone; kube-controller-manager runs in UTC
// in practice, and so does this by default (the controller prefixes spec.timeZone itself).
import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { goQuote } from '../go-quote.ts';
import { parseGoDuration } from './go-duration.ts';
import { intlZone, loadLocationError, repeatedSpansIn, wallClock } from './zone.ts';

/** robfig's cron.Schedule. */
export interface Schedule {
  /** The first activation strictly after `after` (ms), or undefined for Go's zero time. */
  next(after: number): number | undefined;
}

export type ParseResult = { schedule: Schedule } | { error: string };

class ScheduleError extends Error {}

interface Bounds {
  min: number;
  max: number;
  names?: Readonly<Record<string, number>>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1, max: 12, names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

/** What one field selects, and whether robfig set its star bit. */
interface Field {
  values: Set<number>;
  star: boolean;
}

interface SpecFields {
  minute: Field;
  hour: Field;
  dom: Field;
  month: Field;
  dow: Field;
}

/** robfig's fixed descriptors as the five fields they stand for. */
const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MAX_INT64 = (1n << 63n) - 1n;

/** strconv.Atoi: an optional sign and decimal digits within int64, else Go's error text. */
function atoi(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new ScheduleError(`strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`);
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
  return names?.[expr.toLowerCase()] ?? mustParseInt(expr);
}

/** robfig's getRange: one comma-separated part of a field, added to `into`. */
function addRange(expr: string, r: Bounds, into: Field): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  const low = lowAndHigh[0] ?? '';
  if (low === '*' || low === '?') {
    start = r.min;
    end = r.max;
    star = true;
  } else {
    start = parseIntOrName(low, r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1] ?? '', r.names);
    else throw new ScheduleError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1] ?? '');
    // "N/step" runs from N to the field's maximum.
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

function parseField(field: string, r: Bounds): Field {
  const out: Field = { values: new Set(), star: false };
  // strings.FieldsFunc: empty parts between commas are skipped.
  for (const part of field.split(',')) if (part !== '') addRange(part, r, out);
  return out;
}

function parseFields(fields: readonly string[]): SpecFields {
  if (fields.length !== 5) throw new ScheduleError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const [minute = '', hour = '', dom = '', month = '', dow = ''] = fields;
  return {
    minute: parseField(minute, MINUTES), hour: parseField(hour, HOURS), dom: parseField(dom, DOM),
    month: parseField(month, MONTHS), dow: parseField(dow, DOW),
  };
}

// ---- schedules -------------------------------------------------------------------------------

/** robfig's ConstantDelaySchedule: whole seconds, at least one, counted from the given second. */
function everySchedule(ns: bigint): Schedule {
  let ms = ns < 1_000_000_000n ? 1000 : Number(ns / 1_000_000n);
  ms -= ms % 1000;
  return { next: (after) => Math.floor(after / 1000) * 1000 + ms };
}

const MINUTE = 60_000;
/** How far the minute-by-minute fallback looks before handing back to cron-parser. */
const FALLBACK_SCAN = 2 * 24 * 3_600_000;
const MAX_FALLBACKS = 3;
/** Longer than any daylight-saving shift (Antarctica/Troll moves two hours). */
const MAX_SHIFT = 3 * 3_600_000;
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const fieldExpr = (f: Field): string => (f.star ? '*' : [...f.values].sort((a, b) => a - b).join(','));

class SpecSchedule implements Schedule {
  /** undefined when no day can ever match. */
  private readonly expr: CronExpression | undefined;
  private readonly fixedUtc: boolean;

  constructor(private readonly f: SpecFields, private readonly zone: string) {
    this.fixedUtc = zone === 'UTC' || zone === 'Etc/UTC';
    const domPossible = [...f.dom.values].some((d) => [...f.month.values].some((m) => d <= (MONTH_DAYS[m - 1] ?? 31)));
    let dom = fieldExpr(f.dom);
    if (!domPossible) {
      // With OR (neither field starred) the weekdays alone fire; `*` for the day of month makes
      // cron-parser combine with AND, which is the same set. With AND nothing ever fires.
      if (f.dow.star) {
        this.expr = undefined;
        return;
      }
      dom = '*';
    }
    const expression = [fieldExpr(f.minute), fieldExpr(f.hour), dom, fieldExpr(f.month), fieldExpr(f.dow)].join(' ');
    this.expr = CronExpressionParser.parse(expression, { tz: zone, currentDate: new Date(0) });
  }

  /** robfig's field match of the wall clock at ms (dayMatches: OR unless a day field is starred). */
  matches(ms: number): boolean {
    const w = wallClock(ms, this.zone);
    if (w.second !== 0 || !this.f.minute.values.has(w.minute) || !this.f.hour.values.has(w.hour) || !this.f.month.values.has(w.month)) return false;
    const domMatch = this.f.dom.values.has(w.day);
    const dowMatch = this.f.dow.values.has(w.weekday);
    return this.f.dom.star || this.f.dow.star ? domMatch && dowMatch : domMatch || dowMatch;
  }

  next(after: number): number | undefined {
    if (this.expr === undefined) return undefined;
    const yearLimit = wallClock(Math.floor(after / 1000) * 1000 + 1000, this.zone).year + 5;
    let from = after;
    let fallbacks = 0;
    for (let guard = 0; guard < 1000; guard++) {
      const candidate = this.cronParserNext(from);
      if (candidate === undefined) {
        if (++fallbacks > MAX_FALLBACKS) return undefined;
        const scanned = this.scanMinutes(from, from + FALLBACK_SCAN);
        if (scanned !== undefined) return this.withinLimit(scanned, yearLimit);
        from += FALLBACK_SCAN;
        continue;
      }
      const repeated = this.fixedUtc ? undefined : this.repeatedHourMatch(from, after, candidate);
      const found = repeated ?? (this.matches(candidate) ? candidate : undefined);
      if (found !== undefined) return this.withinLimit(found, yearLimit);
      // A time cron-parser moved out of a spring-forward gap: robfig does not fire it.
      from = candidate;
    }
    return undefined;
  }

  private withinLimit(t: number, yearLimit: number): number | undefined {
    return wallClock(t, this.zone).year > yearLimit ? undefined : t;
  }

  private cronParserNext(from: number): number | undefined {
    const expr = this.expr;
    if (expr === undefined) return undefined;
    try {
      expr.reset(new Date(from));
      return expr.next().getTime();
    } catch {
      return undefined;
    }
  }

  /**
   * The first matching whole minute in (after, before) that lies in the second pass of a wall
   * hour repeated by a fall-back shift (cron-parser may skip those); scanning starts at scanFrom
   * less the longest shift.
   */
  private repeatedHourMatch(scanFrom: number, after: number, before: number): number | undefined {
    const lastYear = new Date(before).getUTCFullYear();
    for (let year = new Date(scanFrom - MAX_SHIFT).getUTCFullYear(); year <= lastYear; year++) {
      for (const span of repeatedSpansIn(this.zone, year)) {
        if (span.end <= after || span.start >= before) continue;
        const end = Math.min(span.end, before);
        for (let t = Math.max(span.start, Math.floor(after / MINUTE) * MINUTE + MINUTE); t < end; t += MINUTE) {
          if (this.matches(t)) return t;
        }
      }
    }
    return undefined;
  }

  /** Minute by minute, for the stretches cron-parser gives up on (its loop limit near odd shifts). */
  private scanMinutes(after: number, until: number): number | undefined {
    for (let t = Math.floor(after / MINUTE) * MINUTE + MINUTE; t <= until; t += MINUTE) {
      if (this.matches(t)) return t;
    }
    return undefined;
  }
}

function parse(input: string, defaultZone: string): Schedule {
  let spec = input;
  if (spec.length === 0) throw new ScheduleError('empty spec string');
  let zone = defaultZone;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ');
    const eq = spec.indexOf('=');
    const name = space < 0 ? spec.slice(eq + 1) : spec.slice(eq + 1, space);
    const err = loadLocationError(name);
    if (err !== undefined) throw new ScheduleError(`provided bad location ${name}: ${err}`);
    zone = intlZone(name);
    spec = space < 0 ? '' : spec.slice(space).trim();
  }
  if (spec.startsWith('@')) {
    const fixed = DESCRIPTORS[spec];
    if (fixed !== undefined) return new SpecSchedule(parseFields(fixed.split(' ')), zone);
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
  return new SpecSchedule(parseFields(spec.split(/\s+/).filter((f) => f !== '')), zone);
}

/** cron.ParseStandard: the schedule, or robfig's error text. */
export function parseStandard(spec: string, defaultZone = 'UTC'): ParseResult {
  try {
    return { schedule: parse(spec, defaultZone) };
  } catch (err) {
    if (err instanceof ScheduleError) return { error: err.message };
    throw err;
  }
}
