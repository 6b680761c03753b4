// The forwarder against fake upstreams on 127.0.0.1 (never a real resolver).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../lib/clock.ts';
import { silentLogger } from '../lib/log.ts';
import { AnswerCache } from './answer-cache.ts';
import { Forwarder } from './forwarder.ts';
import { FakeUpstream } from './testing/fake-upstream.ts';

const clock = new SystemClock();
let mute: FakeUpstream;
let good: FakeUpstream;

beforeAll(async () => {
  mute = await FakeUpstream.start({ records: [], silent: ['www.example.test', 'gone.example.test'] });
  good = await FakeUpstream.start({ records: [{ name: 'www.example.test', type: 'A', data: '192.0.2.80', ttl: 30 }], silent: ['gone.example.test'] });
});

afterAll(async () => {
  await mute.close();
  await good.close();
});

describe('Forwarder', () => {
  it('moves on to the next upstream when one is silent', async () => {
    const f = new Forwarder({ upstreams: [{ host: mute.host, port: mute.port }, { host: good.host, port: good.port }], clock, log: silentLogger, timeoutMs: 200 });
    const r = await f.query({ name: 'www.example.test', type: 'A' }, { tcp: false });
    expect(r.rcode).toBe(0);
    expect(r.answers).toEqual([expect.objectContaining({ type: 'A', data: '192.0.2.80' })]);
    expect(mute.seen.map((s) => s.name)).toContain('www.example.test');
  });

  it('fails when no upstream answers in time', async () => {
    const f = new Forwarder({ upstreams: [{ host: mute.host, port: mute.port }, { host: good.host, port: good.port }], clock, log: silentLogger, timeoutMs: 100 });
    const t0 = Date.now();
    await expect(f.query({ name: 'gone.example.test', type: 'A' }, { tcp: true })).rejects.toThrow(/no upstream answered/);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('answers repeated questions from the cache', async () => {
    const f = new Forwarder({ upstreams: [{ host: good.host, port: good.port }], clock, log: silentLogger, timeoutMs: 500, cache: new AnswerCache(clock) });
    const before = good.seen.length;
    expect((await f.query({ name: 'www.example.test', type: 'A' }, { tcp: false })).cached).toBe(false);
    expect((await f.query({ name: 'WWW.EXAMPLE.TEST.', type: 'A' }, { tcp: false })).cached).toBe(true);
    // a negative answer is cached for the SOA's negative TTL too
    expect((await f.query({ name: 'nope.example.test', type: 'A' }, { tcp: false })).rcode).toBe(3);
    expect((await f.query({ name: 'nope.example.test', type: 'A' }, { tcp: false })).cached).toBe(true);
    expect(good.seen.length - before).toBe(2);
  });
});
