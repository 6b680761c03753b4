// Time zones as Go's time package sees them, computed from the IANA database Node's Intl carries:
// whether time.LoadLocation knows a name (what the API server's CronJob validation and the
// CronJob controller both ask), the wall clock of an instant in a zone, the fall-back shifts that
// repeat wall times (schedule.ts), and the two layouts the CronJob controller writes (RFC 3339 in
// the job's zone for its scheduled-timestamp annotation, RFC 1123 with a numeric zone for the
// MissSchedule event). Pure.

export interface WallClock {
  year: number;
  /** 1-12 */
  month: number;
  /** 1-31 */
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone a Go location name stands for in Intl: "" and "UTC" are UTC, "Local" the process's zone. */
export function intlZone(name: string): string {
  if (name === '' || name === 'UTC') return 'UTC';
  if (name === 'Local') return Intl.DateTimeFormat().resolvedOptions().timeZone;
  return name;
}

/**
 * time.LoadLocation's error text for a name, or undefined when it loads. Zone files are looked up
 * by exact name, so a name Intl only accepts in another case is unknown, as it is to Go.
 */
export function loadLocationError(name: string): string | undefined {
  if (name === '' || name === 'UTC' || name === 'Local') return undefined;
  if (name.includes('..') || name.startsWith('/') || name.startsWith('\\')) return 'time: invalid location name';
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return `unknown time zone ${name}`;
  }
  // Offsets such as "+05:00" are Intl zones but not zoneinfo files.
  if (/^[+-]/.test(name) || name.includes(':')) return `unknown time zone ${name}`;
  if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) return `unknown time zone ${name}`;
  return undefined;
}

/** The wall clock of instant ms in an IANA zone. */
export function wallClock(ms: number, timeZone: string): WallClock {
  if (timeZone === 'UTC') {
    const d = new Date(ms);
    return {
      year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(),
      minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: d.getUTCDay(),
    };
  }
  const parts = formatter(timeZone).formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? '0');
  const year = get('year');
  const month = get('month');
  const day = get('day');
  return {
    year, month, day, hour: get('hour'), minute: get('minute'), second: get('second'),
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  };
}

/** The zone's offset from UTC at instant ms, in ms (east positive). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const wholeSecond = Math.floor(ms / 1000) * 1000;
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - wholeSecond;
}

/** The second pass of wall times a fall-back shift repeats: [start, end) in absolute ms. */
export interface RepeatedSpan {
  start: number;
  end: number;
}

const MINUTE = 60_000;
const WEEK = 7 * 24 * 3_600_000;
const repeatedSpans = new Map<string, RepeatedSpan[]>();

/**
 * The fall-back shifts of a zone whose second pass starts in a UTC calendar year (weekly samples
 * of the offset, then a binary search to the minute; zones never shift twice within a week).
 */
export function repeatedSpansIn(timeZone: string, year: number): readonly RepeatedSpan[] {
  const key = `${timeZone}\u0000${year}`;
  const known = repeatedSpans.get(key);
  if (known !== undefined) return known;
  const spans: RepeatedSpan[] = [];
  const yearEnd = Date.UTC(year + 1, 0, 1);
  let a = Date.UTC(year, 0, 1);
  let offsetA = zoneOffsetMs(a, timeZone);
  while (a < yearEnd) {
    const b = Math.min(a + WEEK, yearEnd);
    const offsetB = zoneOffsetMs(b, timeZone);
    if (offsetB < offsetA) {
      let lo = a;
      let hi = b;
      while (hi - lo > MINUTE) {
        const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
        if (zoneOffsetMs(mid, timeZone) === offsetB) hi = mid;
        else lo = mid;
      }
      spans.push({ start: hi, end: hi + (offsetA - offsetB) });
    }
    a = b;
    offsetA = offsetB;
  }
  repeatedSpans.set(key, spans);
  return spans;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Go's time.RFC3339 layout of ms in a zone: "Z" for a zero offset, else "+hh:mm". */
export function formatRFC3339(ms: number, timeZone: string): string {
  const w = wallClock(ms, timeZone);
  const offsetMinutes = Math.round(zoneOffsetMs(ms, timeZone) / 60_000);
  let zone = 'Z';
  if (offsetMinutes !== 0) {
    const abs = Math.abs(offsetMinutes);
    zone = `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  }
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${zone}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's time.RFC1123Z layout of ms in UTC ("Mon, 02 Jan 2006 15:04:05 +0000"). */
export function formatRFC1123ZUtc(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()] ?? ''}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()] ?? ''} ${pad(d.getUTCFullYear(), 4)} `
    + `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}
