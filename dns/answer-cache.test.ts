import type { Answer } from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.ts';
import { AnswerCache, cacheLifetime, type CachedMessage } from './answer-cache.ts';

const a = (ttl: number): Answer => ({ type: 'A', name: 'x.test', ttl, data: '192.0.2.1' });
const soa = (ttl: number, minimum: number): Answer => ({ type: 'SOA', name: 'test', ttl, data: { mname: 'ns.test', rname: 'h.test', minimum } });
const msg = (rcode: number, answers: Answer[], authorities: Answer[] = []): CachedMessage => ({ rcode, answers, authorities, additionals: [] });

describe('cacheLifetime', () => {
  it.each([
    ['a positive answer lives for its smallest TTL', msg(0, [a(300), a(60)]), 60],
    ['capped at an hour', msg(0, [a(86400)]), 3600],
    ['NXDOMAIN lives for the SOA minimum', msg(3, [], [soa(3600, 30)]), 30],
    ['or the SOA TTL when smaller', msg(3, [], [soa(10, 900)]), 10],
    ['NODATA likewise', msg(0, [], [soa(600, 600)]), 600],
    ['negative answers capped at 30 minutes', msg(3, [], [soa(86400, 86400)]), 1800],
    ['a negative answer without SOA is not kept', msg(3, []), 0],
    ['SERVFAIL is not kept', msg(2, []), 0],
    ['TTL 0 is not kept', msg(0, [a(0)]), 0],
  ])('%s', (_what, m, want) => {
    expect(cacheLifetime(m)).toBe(want);
  });
});

describe('AnswerCache', () => {
  it('serves an answer with aged TTLs until it expires', async () => {
    const clock = new FakeClock();
    const cache = new AnswerCache(clock);
    const key = AnswerCache.key('X.test.', 'A');
    cache.put(key, msg(0, [a(10)]));
    await clock.step(4000);
    const aged = cache.get(AnswerCache.key('x.test', 'A'))?.answers[0];
    expect(aged?.type === 'A' ? aged.ttl : undefined).toBe(6);
    await clock.step(6000);
    expect(cache.get(key)).toBeUndefined();
  });

  it('keys by type', () => {
    const cache = new AnswerCache(new FakeClock());
    cache.put(AnswerCache.key('x.test', 'A'), msg(0, [a(10)]));
    expect(cache.get(AnswerCache.key('x.test', 'AAAA'))).toBeUndefined();
  });

  it('drops the oldest entry when full', () => {
    const cache = new AnswerCache(new FakeClock(), 2);
    for (const n of ['a', 'b', 'c']) cache.put(AnswerCache.key(n, 'A'), msg(0, [a(10)]));
    expect(cache.size).toBe(2);
    expect(cache.get(AnswerCache.key('a', 'A'))).toBeUndefined();
    expect(cache.get(AnswerCache.key('c', 'A'))).toBeDefined();
  });
});
