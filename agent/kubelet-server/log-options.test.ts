import { describe, expect, it } from 'vitest';
import { parseLogOptions } from './log-options.ts';

const parse = (q: string): ReturnType<typeof parseLogOptions> => parseLogOptions(new URLSearchParams(q));

describe('parseLogOptions', () => {
  it('decodes every option', () => {
    expect(parse('follow=true&previous=true&timestamps=true&tailLines=10&sinceSeconds=5&limitBytes=100')).toEqual({
      options: { follow: true, previous: true, timestamps: true, tailLines: 10, sinceSeconds: 5, limitBytes: 100 },
    });
    expect(parse('sinceTime=2026-11-23T17:00:00Z')).toEqual({ options: { follow: false, previous: false, timestamps: false, sinceTime: Date.UTC(2026, 10, 23, 17) } });
    expect(parse('sinceTime=2026-11-23T19:00:00.5%2B02:00')).toMatchObject({ options: { sinceTime: Date.UTC(2026, 10, 23, 17, 0, 0, 500) } });
  });

  it('booleans are true unless "0" or "false", as the apiserver parameter codec decodes them', () => {
    expect(parse('follow=1')).toMatchObject({ options: { follow: true } });
    expect(parse('follow=')).toMatchObject({ options: { follow: true } });
    expect(parse('follow=0&previous=FALSE')).toMatchObject({ options: { follow: false, previous: false } });
  });

  it('takes the legacy "tail" ("all" = no limit)', () => {
    expect(parse('tail=3')).toMatchObject({ options: { tailLines: 3 } });
    expect(parse('tail=all&tailLines=3')).toEqual({ options: { follow: false, previous: false, timestamps: false } });
  });

  it('rejects what cannot be decoded (400) and what is invalid (422)', () => {
    expect(parse('tailLines=abc')).toMatchObject({ error: { code: 400 } });
    expect(parse('sinceTime=yesterday')).toMatchObject({ error: { code: 400 } });
    expect(parse('tailLines=-1')).toMatchObject({ error: { code: 422 } });
    expect(parse('limitBytes=0')).toMatchObject({ error: { code: 422 } });
    expect(parse('sinceSeconds=0')).toMatchObject({ error: { code: 422 } });
    expect(parse('sinceSeconds=5&sinceTime=2026-11-23T17:00:00Z')).toMatchObject({
      error: { code: 422, message: expect.stringContaining('at most one of `sinceTime` or `sinceSeconds` may be specified') },
    });
  });
});
