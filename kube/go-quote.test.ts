import { describe, expect, it } from 'vitest';
import { goQuote } from './go-quote.ts';

describe('goQuote', () => {
  it.each<[string, string]>([
    ['plain', '"plain"'],
    ['tab\there', '"tab\\there"'],
    ['bell\x07', '"bell\\a"'],
    ['ctl\x01', '"ctl\\x01"'],
    ['del\x7f c1\u0085', '"del\\x7f c1\\u0085"'],
    ['line\u2028sep', '"line\\u2028sep"'],
    ['lone \ud800 surrogate', '"lone \\ufffd surrogate"'],
    ['ünïcode 🚀', '"ünïcode 🚀"'],
  ])('%%q of %j', (s, want) => {
    expect(goQuote(s)).toBe(want);
  });
});
