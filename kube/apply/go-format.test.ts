import { describe, expect, it } from 'vitest';
import { goJSON, goJSONString, goNumber, goValueString } from './go-format.ts';

describe('Go text forms', () => {
  it.each<[string, string]>([
    ['plain', '"plain"'],
    ['a<b>&c', '"a\\u003cb\\u003e\\u0026c"'],
    ['quote " and \\ backslash', '"quote \\" and \\\\ backslash"'],
    ['\n\r\t\b\f\u0001', '"\\n\\r\\t\\u0008\\u000c\\u0001"'],
    ['line\u2028sep', '"line\\u2028sep"'],
    ['🚀 ünïcode', '"🚀 ünïcode"'],
    ['lone \ud800 surrogate', '"lone \\ufffd surrogate"'],
  ])('JSON string %j', (s, want) => {
    expect(goJSONString(s)).toBe(want);
  });

  it('JSON of values sorts map keys by bytes', () => {
    expect(goJSON({ b: [1, 2.5, null, true], a: { '🚀': 1, z: '<' } })).toBe('{"a":{"z":"\\u003c","🚀":1},"b":[1,2.5,null,true]}');
  });

  it.each<[number, string]>([
    [80, '80'], [-3, '-3'], [1.5, '1.5'], [123456.5, '123456.5'], [1234567.5, '1.2345675e+06'], [0.00001, '1e-05'],
  ])('%%v of %d', (n, want) => {
    expect(goNumber(n)).toBe(want);
  });

  it('value.ToString', () => {
    expect(goValueString(['a', 1, true, null])).toBe('["a",1,true,null]');
    expect(goValueString({ b: 1, a: 'x' })).toBe('a="x"b=1');
  });
});
