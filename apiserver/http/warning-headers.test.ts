// Warning headers as kube-apiserver's recorder writes them: quoted, deduplicated, truncated past
// 4096 runes, and safe for Node (UTF-8 bytes, no control characters).
import { describe, expect, it } from 'vitest';
import { warningHeader, warningHeaderValues } from './warning-headers.ts';

describe('warning headers', () => {
  it('quote the text with " and \\ escaped, agent "-"', () => {
    expect(warningHeader('unknown field "spec.x"')).toBe('299 - "unknown field \\"spec.x\\""');
    expect(warningHeader('a\\b')).toBe('299 - "a\\\\b"');
  });

  it('come once per distinct text, in order', () => {
    expect(warningHeaderValues(['b', 'a', 'b', ''])).toEqual(['299 - "b"', '299 - "a"']);
  });

  it('are cut to 256 runes each once all of them pass 4096, and stop when that is spent', () => {
    const long = Array.from({ length: 40 }, (_, i) => `${String(i).padStart(3, '0')}${'x'.repeat(297)}`);
    const values = warningHeaderValues(long);
    expect(values.length).toBe(16);
    expect(values[0]).toBe(`299 - "000${'x'.repeat(253)}"`);
    expect(warningHeaderValues(['short'])).toEqual(['299 - "short"']);
  });

  it('carry non-ASCII text as its UTF-8 bytes and control characters as spaces', () => {
    const [v] = warningHeaderValues(['unknown field "é\n"']);
    expect(Buffer.from(v ?? '', 'latin1').toString('utf8')).toBe('299 - "unknown field \\"é \\""');
  });
});
