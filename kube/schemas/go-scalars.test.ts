// The Go decoder's checks of values of the right JSON type: base64 for []byte, ParseQuantity's
// three errors, and time.Parse's for Kubernetes' two timestamp layouts, each against Go's words.
import { describe, expect, it } from 'vitest';
import { base64Error, quantityError, timeParseError } from './go-scalars.ts';

describe('base64Error', () => {
  it('finds the offset base64.StdEncoding.Decode reports', () => {
    expect(base64Error('')).toBeUndefined();
    expect(base64Error('YWJj')).toBeUndefined();
    expect(base64Error('YWI=')).toBeUndefined();
    expect(base64Error('YQ==')).toBeUndefined();
    expect(base64Error('YW\nJj\r\n')).toBeUndefined();
    expect(base64Error('abc%')).toBe('illegal base64 data at input byte 3');
    expect(base64Error('YWJ')).toBe('illegal base64 data at input byte 0');
    expect(base64Error('YWJjY')).toBe('illegal base64 data at input byte 4');
    expect(base64Error('Y===')).toBe('illegal base64 data at input byte 1');
    expect(base64Error('YQ=')).toBe('illegal base64 data at input byte 3');
    expect(base64Error('YQ=x')).toBe('illegal base64 data at input byte 2');
    expect(base64Error('YQ==YQ==')).toBe('illegal base64 data at input byte 4');
    expect(base64Error('dXNlcg-_')).toBe('illegal base64 data at input byte 6');
    expect(base64Error('é')).toBe('illegal base64 data at input byte 0');
    // encoding/base64's own table of corrupt inputs and offsets
    const table: [string, number][] = [['\n', -1], ['AAA=\n', -1], ['!!!!', 0], ['====', 0], ['x===', 1], ['=AAA', 0], ['A=AA', 1],
      ['AA=A', 2], ['AA==A', 4], ['AAA=AAAA', 4], ['AAAAA', 4], ['AAAAAA', 4], ['A=', 1], ['A==', 1], ['AA=', 3], ['AA==', -1],
      ['AAAAAA=', 7], ['YWJjZA=====', 8], ['A!\n', 1], ['A=\n', 1]];
    for (const [input, at] of table) expect(base64Error(input)).toBe(at < 0 ? undefined : `illegal base64 data at input byte ${at}`);
  });
});

describe('quantityError', () => {
  it('accepts what ParseQuantity accepts, however odd', () => {
    for (const q of ['0', '1', '100m', '1Gi', '1.5', '.5', '1.', '1e3', '1E3', '1e+21', '-1', '+1', '00', '1Ki', '0.5Gi', 'E', '-', '+', '.', '99999999999999999999', '1Ti']) {
      expect(quantityError(q), q).toBeUndefined();
    }
  });

  it('words a malformed one as its scanner does: format, suffix or numeric part', () => {
    const format = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
    const cases: [string, string][] = [
      ['', format], ['1x', format], ['1Z', format], ['abc', format], ['true', format], ['{}', format], ['1 Gi', format],
      ['1ki', "unable to parse quantity's suffix"], ['1e', "unable to parse quantity's suffix"], ['1Mi2', "unable to parse quantity's suffix"],
      ['1KiB', format], ['Ei', 'unable to parse numeric part of quantity'], ['Pi', 'unable to parse numeric part of quantity'],
    ];
    for (const [q, message] of cases) expect(quantityError(q), q).toBe(message);
  });
});

describe('timeParseError', () => {
  const at = (v: string, layout = '2006-01-02T15:04:05Z07:00'): string => `parsing time "${v}" as "${layout}"`;

  it('accepts RFC 3339 as time.Parse does: any fraction, offsets, a one-digit hour', () => {
    for (const v of ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00.123Z', '2024-01-01T00:00:00,5Z', '2024-02-29T23:59:59+05:30', '2024-01-01T1:00:00Z', '0000-01-01T00:00:00-24:00']) {
      expect(timeParseError(v), v).toBeUndefined();
    }
  });

  it('names the chunk that does not parse, or the field out of range', () => {
    const cases: [string, string][] = [
      ['x', `${at('x')}: cannot parse "x" as "2006"`],
      ['2024-1-01T00:00:00Z', `${at('2024-1-01T00:00:00Z')}: cannot parse "1-01T00:00:00Z" as "01"`],
      ['2024/01/01T00:00:00Z', `${at('2024/01/01T00:00:00Z')}: cannot parse "/01/01T00:00:00Z" as "-"`],
      ['2024-01-01', `${at('2024-01-01')}: cannot parse "" as "T"`],
      ['2024-01-01T00:00:00', `${at('2024-01-01T00:00:00')}: cannot parse "" as "Z07:00"`],
      ['2024-01-01T00:00:00 Z', `${at('2024-01-01T00:00:00 Z')}: cannot parse " Z" as "Z07:00"`],
      ['2024-13-01T00:00:00Z', 'parsing time "2024-13-01T00:00:00Z": month out of range'],
      ['2023-02-29T00:00:00Z', 'parsing time "2023-02-29T00:00:00Z": day out of range'],
      ['2024-01-01T24:00:00Z', 'parsing time "2024-01-01T24:00:00Z": hour out of range'],
      ['2024-01-01T00:60:00Z', 'parsing time "2024-01-01T00:60:00Z": minute out of range'],
      ['2024-01-01T00:00:00+25:00', 'parsing time "2024-01-01T00:00:00+25:00": time zone offset hour out of range'],
      ['2024-01-01T00:00:00Zjunk', 'parsing time "2024-01-01T00:00:00Zjunk": extra text: "junk"'],
      ['é', `parsing time "\\xc3\\xa9" as "2006-01-02T15:04:05Z07:00": cannot parse "\\xc3\\xa9" as "2006"`],
    ];
    for (const [v, message] of cases) expect(timeParseError(v), v).toBe(message);
  });

  it('takes exactly six fractional digits for a MicroTime (RFC3339Micro)', () => {
    const micro = '2006-01-02T15:04:05.000000Z07:00';
    expect(timeParseError('2024-01-01T00:00:00.123456Z', true)).toBeUndefined();
    expect(timeParseError('2024-01-01T00:00:00.123456+01:00', true)).toBeUndefined();
    expect(timeParseError('2024-01-01T00:00:00Z', true)).toBe(`${at('2024-01-01T00:00:00Z', micro)}: cannot parse "Z" as ".000000"`);
    expect(timeParseError('2024-01-01T00:00:00.123Z', true)).toBe(`${at('2024-01-01T00:00:00.123Z', micro)}: cannot parse ".123Z" as ".000000"`);
    expect(timeParseError('2024-01-01T00:00:00.1234567Z', true)).toBe(`${at('2024-01-01T00:00:00.1234567Z', micro)}: cannot parse "7Z" as "Z07:00"`);
  });
});
