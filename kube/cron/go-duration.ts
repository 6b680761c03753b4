// Go's time.ParseDuration, which robfig/cron's "@every <duration>" reads: a sequence of decimal
// numbers, each with an optional fraction and a unit (ns, us/µs, ms, s, m, h), optionally signed;
// in nanoseconds, with Go's error words.
import { goQuote } from '../go-quote.ts';

export class GoDurationError extends Error {}

const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n, us: 1_000n, 'µs': 1_000n, 'μs': 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n,
};
const MAX_INT64 = (1n << 63n) - 1n;

/** time.ParseDuration, in nanoseconds; throws a GoDurationError with Go's words. */
export function parseGoDuration(orig: string): bigint {
  const invalid = (): GoDurationError => new GoDurationError(`time: invalid duration ${goQuote(orig)}`);
  let s = orig;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || (s[0] !== undefined && s[0] >= '0' && s[0] <= '9'))) throw invalid();
    const num = /^([0-9]*)(?:\.([0-9]*))?/.exec(s);
    const whole = num?.[1] ?? '';
    const frac = num?.[2] ?? '';
    if (whole === '' && frac === '') throw invalid();
    s = s.slice(num?.[0].length ?? 0);
    const unit = /^[^0-9.]*/.exec(s)?.[0] ?? '';
    if (unit === '') throw new GoDurationError(`time: missing unit in duration ${goQuote(orig)}`);
    const scale = UNIT_NS[unit];
    if (scale === undefined) throw new GoDurationError(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(orig)}`);
    s = s.slice(unit.length);
    let v = BigInt(whole === '' ? '0' : whole) * scale;
    if (frac !== '') v += (BigInt(frac) * scale) / 10n ** BigInt(frac.length);
    total += v;
    if (total > MAX_INT64) throw invalid();
  }
  return negative ? -total : total;
}
