// Go's text forms that leak into the apply API's wire format and messages: FieldsV1 keys and
// manager identifiers are written by Go's JSON encoders (HTML-escaping, sorted map keys, lower-case
// \u escapes), and conflict messages print paths with %q and %v. Matching them here keeps
// managedFields and 409 messages byte-identical to kube-apiserver's.
import { goQuote } from '../go-quote.ts';
import { compareStrings, isMap } from './value.ts';

// re-exported: the apply engine's modules and tests take it from here with the other Go forms
export { goQuote };

const HEX = '0123456789abcdef';

function u4(code: number): string {
  return `\\u${HEX[(code >> 12) & 15] ?? '0'}${HEX[(code >> 8) & 15] ?? '0'}${HEX[(code >> 4) & 15] ?? '0'}${HEX[code & 15] ?? '0'}`;
}

/** A JSON string literal as Go's encoding/json (and json-iterator's compatible mode) writes it. */
export function goJSONString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) out += u4(c);
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s[i] ?? '';
        out += s[i + 1] ?? '';
        i++;
      } else out += '\\ufffd'; // Go replaces invalid UTF-8 with U+FFFD
    } else if (c >= 0xdc00 && c <= 0xdfff) out += '\\ufffd';
    else out += s[i] ?? '';
  }
  return out + '"';
}

/** JSON as Go writes an unstructured value: map keys sorted, Go string escaping. */
export function goJSON(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goJSONString(v);
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(goJSON).join(',')}]`;
  if (isMap(v)) {
    const keys = Object.keys(v).sort(compareStrings);
    return `{${keys.map((k) => `${goJSONString(k)}:${goJSON(v[k])}`).join(',')}}`;
  }
  return 'null';
}

/**
 * %v of a number. Integral JSON numbers are int64 in Go's unstructured objects and print as
 * integers; other floats use %g's shortest form, which switches to an exponent below 1e-4 and
 * from 1e6 (strconv uses precision 6 for that decision when printing the shortest form).
 */
export function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e6)) {
    const [mant = '', exp = '0'] = n.toExponential().split('e');
    const sign = exp.startsWith('-') ? '-' : '+';
    const digits = exp.replace(/^[+-]/, '').padStart(2, '0');
    return `${mant}e${sign}${digits}`;
  }
  return String(n);
}

/** value.ToString: how structured-merge-diff prints key and set values in paths. */
export function goValueString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(goValueString).join(',')}]`;
  if (isMap(v)) {
    return Object.keys(v).sort(compareStrings).map((k) => `${k}=${goValueString(v[k])}`).join('');
  }
  return '{{undefined}}';
}
