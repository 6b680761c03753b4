// What kube's JSON decoder refuses in a value that has the right JSON type, with Go's words: the
// types whose UnmarshalJSON parses a string (metav1.Time and MicroTime through time.Parse,
// resource.Quantity through ParseQuantity) and []byte (base64.StdEncoding). Each function gives
// the error the decoder would return, or undefined when the value decodes. Pure.

/** base64.StdEncoding.Decode's error for s, or undefined when it decodes (CR and LF are skipped). */
export function base64Error(s: string): string | undefined {
  const src = Buffer.from(s, 'utf8');
  const valid = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
  const corrupt = (at: number): string => `illegal base64 data at input byte ${at}`;
  const newline = (c: number | undefined): boolean => c === 0x0a || c === 0x0d;
  let si = 0;
  while (si < src.length) {
    // one quantum of four characters (decodeQuantum)
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return undefined;
        return corrupt(si - j);
      }
      const c = src[si] as number;
      si++;
      if (valid(c)) continue;
      if (newline(c)) {
        j--;
        continue;
      }
      if (c !== 0x3d) return corrupt(si - 1);
      if (j === 0 || j === 1) return corrupt(si - 1);
      if (j === 2) {
        while (si < src.length && newline(src[si])) si++;
        if (si === src.length) return corrupt(src.length);
        if (src[si] !== 0x3d) return corrupt(si - 1);
        si++;
      }
      while (si < src.length && newline(src[si])) si++;
      return si < src.length ? corrupt(si) : undefined;
    }
  }
  return undefined;
}

// ---- resource.Quantity ------------------------------------------------------------------------

/** The message resource.ParseQuantity fails with when the text is not a quantity. */
export const QUANTITY_FORMAT_ERROR = 'quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'';
const QUANTITY_NUMERIC_ERROR = 'unable to parse numeric part of quantity';
const QUANTITY_SUFFIX_ERROR = 'unable to parse quantity\'s suffix';

const SUFFIX_CHARS = 'eEinumkKMGTP';
const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = { '': 0, n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

const isDigitCode = (c: number): boolean => c >= 0x30 && c <= 0x39;

/**
 * ParseQuantity's error for str (after Quantity.UnmarshalJSON trimmed it), or undefined when it
 * parses: its scanner (sign, numerator, denominator, suffix), the suffix tables, and the slow
 * path's decimal parse, which needs a digit.
 */
export function quantityError(str: string): string | undefined {
  if (str.length === 0) return QUANTITY_FORMAT_ERROR;
  if (str === '0') return undefined;
  const end = str.length;
  let pos = 0;
  if (str[0] === '-' || str[0] === '+') pos++;
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return undefined; // all zeros
  let numStart = pos;
  while (pos < end && isDigitCode(str.charCodeAt(pos))) pos++;
  let num = str.slice(numStart, pos);
  if (pos >= end) return undefined; // a plain integer
  if (num === '') num = '0';
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    numStart = pos;
    while (pos < end && isDigitCode(str.charCodeAt(pos))) pos++;
    denom = str.slice(numStart, pos);
    if (pos >= end) return undefined;
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  while (pos < end && SUFFIX_CHARS.includes(str[pos] ?? '')) pos++;
  if (pos < end) {
    if (str[pos] === '-' || str[pos] === '+') pos++;
    while (pos < end && isDigitCode(str.charCodeAt(pos))) pos++;
    if (pos < end) return QUANTITY_FORMAT_ERROR;
  }
  const suffix = str.slice(suffixStart);
  // quantitySuffixer.interpret
  let exponent: number;
  let binary = false;
  const dec = DECIMAL_SUFFIXES[suffix];
  const bin = BINARY_SUFFIXES[suffix];
  if (dec !== undefined) exponent = dec;
  else if (bin !== undefined) {
    exponent = bin;
    binary = true;
  } else if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    if (!/^[+-]?\d+$/.test(suffix.slice(1))) return QUANTITY_SUFFIX_ERROR;
    const e = BigInt(suffix.slice(1));
    if (e > 9223372036854775807n || e < -9223372036854775808n) return QUANTITY_SUFFIX_ERROR;
    exponent = Number(BigInt.asIntN(32, e));
  } else {
    return QUANTITY_SUFFIX_ERROR;
  }
  // the fast path takes what fits in an int64; the rest goes through inf.Dec, which needs a digit
  let precision: number;
  let scale: number;
  if (binary) {
    scale = 0;
    precision = denom === '' ? 15 - num.length - Math.trunc((exponent * 3) / 10) - 1 : -1;
  } else {
    scale = exponent;
    precision = 18 - (num.length + denom.length);
  }
  if (precision >= 0 && scale - denom.length >= -9) return undefined;
  return /\d/.test(value) ? undefined : QUANTITY_NUMERIC_ERROR;
}

// ---- metav1.Time and MicroTime: time.Parse ----------------------------------------------------

export const RFC3339 = '2006-01-02T15:04:05Z07:00';
/** metav1.RFC3339Micro: exactly six fractional digits. */
export const RFC3339_MICRO = '2006-01-02T15:04:05.000000Z07:00';

type Std = '2006' | '01' | '02' | '15' | '04' | '05' | '.000000' | 'Z07:00';
const RFC3339_CHUNKS: readonly (readonly [string, Std])[] = [['', '2006'], ['-', '01'], ['-', '02'], ['T', '15'], [':', '04'], [':', '05'], ['', 'Z07:00']];
const MICRO_CHUNKS: readonly (readonly [string, Std])[] = [['', '2006'], ['-', '01'], ['-', '02'], ['T', '15'], [':', '04'], [':', '05'], ['', '.000000'], ['', 'Z07:00']];

/** time's quote(): bytes outside printable ASCII as \x escapes (s holds one byte per char). */
function timeQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || c < 0x20) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c === 0x22 || c === 0x5c) out += `\\${s[i] ?? ''}`;
    else out += s[i] ?? '';
  }
  return `${out}"`;
}

const digitAt = (s: string, i: number): boolean => i < s.length && isDigitCode(s.charCodeAt(i));

/** getnum: one or two digits (fixed: exactly two); undefined when there is no number. */
function getnum(s: string, fixed: boolean): [number, string] | undefined {
  if (!digitAt(s, 0)) return undefined;
  if (!digitAt(s, 1)) return fixed ? undefined : [s.charCodeAt(0) - 0x30, s.slice(1)];
  return [(s.charCodeAt(0) - 0x30) * 10 + (s.charCodeAt(1) - 0x30), s.slice(2)];
}

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * time.Parse(layout, value)'s error for Kubernetes' two layouts (RFC3339 for metav1.Time,
 * RFC3339Micro for MicroTime), or undefined when the value parses: Go's generic parser, chunk by
 * chunk, with its messages (`parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as
 * "2006"`, `…: month out of range`, `…: extra text: "…"`).
 */
export function timeParseError(input: string, micro = false): string | undefined {
  const layout = micro ? RFC3339_MICRO : RFC3339;
  // Go works on the UTF-8 bytes: one char per byte
  const avalue = /^[\x20-\x7e]*$/.test(input) ? input : Buffer.from(input, 'utf8').toString('latin1');
  const fail = (layoutElem: string, valueElem: string): string =>
    `parsing time ${timeQuote(avalue)} as ${timeQuote(layout)}: cannot parse ${timeQuote(valueElem)} as ${timeQuote(layoutElem)}`;
  const failWith = (message: string): string => `parsing time ${timeQuote(avalue)}${message}`;
  let value = avalue;
  let year = 0;
  let month = -1;
  let day = -1;
  for (const [prefix, std] of micro ? MICRO_CHUNKS : RFC3339_CHUNKS) {
    if (!value.startsWith(prefix)) {
      // skip() stops at the first byte that differs
      let i = 0;
      while (i < prefix.length && i < value.length && value[i] === prefix[i]) i++;
      return fail(prefix, value.slice(i));
    }
    value = value.slice(prefix.length);
    const hold = value;
    let bad = false;
    let range = '';
    switch (std) {
      case '2006':
        if (value.length < 4 || !digitAt(value, 0) || !/^\d{4}$/.test(value.slice(0, 4))) bad = true;
        else {
          year = Number(value.slice(0, 4));
          value = value.slice(4);
        }
        break;
      case '01': {
        const r = getnum(value, true);
        if (r === undefined) bad = true;
        else {
          [month, value] = r;
          if (month <= 0 || month > 12) range = 'month';
        }
        break;
      }
      case '02': {
        const r = getnum(value, true);
        if (r === undefined) bad = true;
        else [day, value] = r;
        break;
      }
      case '15': {
        const r = getnum(value, false);
        if (r === undefined) bad = true;
        else {
          value = r[1];
          if (r[0] >= 24) range = 'hour';
        }
        break;
      }
      case '04': {
        const r = getnum(value, true);
        if (r === undefined) bad = true;
        else {
          value = r[1];
          if (r[0] >= 60) range = 'minute';
        }
        break;
      }
      case '05': {
        const r = getnum(value, true);
        if (r === undefined) {
          bad = true;
          break;
        }
        value = r[1];
        if (r[0] >= 60) {
          range = 'second';
          break;
        }
        // a fractional second the layout does not name: any number of digits
        if (!micro && value.length >= 2 && (value[0] === '.' || value[0] === ',') && digitAt(value, 1)) {
          let n = 2;
          while (digitAt(value, n)) n++;
          value = value.slice(n);
        }
        break;
      }
      case '.000000': {
        // exactly the layout's digits after a period or comma, read by time's atoi (a sign too)
        if (value.length < 7) {
          bad = true;
          break;
        }
        const digits = value.slice(1, 7);
        if ((value[0] !== '.' && value[0] !== ',') || !/^[+-]?\d+$/.test(digits) || /^[+-]$/.test(digits)) bad = true;
        else if (digits.startsWith('-') && /[1-9]/.test(digits)) range = 'fractional second';
        value = value.slice(7);
        break;
      }
      case 'Z07:00': {
        if (value.startsWith('Z')) {
          value = value.slice(1);
          break;
        }
        if (value.length < 6 || value[3] !== ':') {
          bad = true;
          break;
        }
        const sign = value[0];
        const hr = getnum(value.slice(1, 3), true);
        const mm = hr === undefined ? undefined : getnum(value.slice(4, 6), true);
        value = value.slice(6);
        if (hr === undefined || mm === undefined) bad = true;
        if ((hr?.[0] ?? 0) > 24) range = 'time zone offset hour';
        if ((mm?.[0] ?? 0) > 60) range = 'time zone offset minute';
        if (sign !== '+' && sign !== '-') bad = true;
        break;
      }
    }
    if (range !== '') return failWith(`: ${range} out of range`);
    if (bad) return fail(std, hold);
  }
  if (value.length !== 0) return failWith(`: extra text: ${timeQuote(value)}`);
  if (day < 1 || day > daysIn(month, year)) return failWith(': day out of range');
  return undefined;
}
