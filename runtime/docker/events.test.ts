import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/log.ts';
import type { RuntimeEvent } from '../types.ts';
import { EVENTS_BACKOFF_INITIAL_MS, DockerEvents } from './events.ts';

function line(action: string, id: string, timeNano: number): string {
  return `${JSON.stringify({ Type: 'container', Action: action, Actor: { ID: id, Attributes: { 'io.kubernetes.pod.uid': 'u', 'io.kubernetes.pod.name': 'p', 'io.kubernetes.pod.namespace': 'ns' } }, timeNano })}\n`;
}

/** An engine whose event stream the test drives: each getEvents call takes the next behaviour. */
function fakeEngine(behaviours: (() => Promise<PassThrough>)[]): { docker: Docker; calls: object[] } {
  const calls: object[] = [];
  const docker = {
    getEvents: (opts: object) => {
      calls.push(opts);
      const next = behaviours.shift();
      return next === undefined ? new Promise(() => undefined) : next();
    },
  } as unknown as Docker;
  return { docker, calls };
}

describe('DockerEvents', () => {
  it('filters by node, reconnects with back-off after a break, resumes since the last event and skips replays', async () => {
    const first = new PassThrough();
    const second = new PassThrough();
    const { docker, calls } = fakeEngine([
      () => Promise.resolve(first),
      () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      () => Promise.resolve(second),
    ]);
    const clock = new FakeClock();
    const events = new DockerEvents({ docker, nodeName: 'n1', log: silentLogger, clock, callTimeoutMs: 1000, quirks: {} });
    const ac = new AbortController();
    const seen: RuntimeEvent[] = [];
    const done = (async () => { for await (const e of events.events(ac.signal)) seen.push(e); })();

    await flushMicrotasks();
    first.write(line('start', 'a', 5_000_000_000));
    first.write(line('die', 'a', 6_000_000_000).slice(0, 20)); // cut mid-line, then the stream ends
    first.end();
    await flushMicrotasks();
    expect(seen.map((e) => e.type)).toEqual(['start']);

    await clock.step(EVENTS_BACKOFF_INITIAL_MS); // reconnect → refused
    await clock.step(EVENTS_BACKOFF_INITIAL_MS * 2); // doubled back-off → connected
    expect(calls).toHaveLength(3);
    expect(calls[0]).toMatchObject({ filters: { type: ['container'], label: ['io.nodelet.managed-by=nodelet', 'io.nodelet.node=n1'] } });
    expect(calls[2]).toMatchObject({ since: 5 });

    second.write(line('start', 'a', 5_000_000_000)); // replayed by `since`
    second.write(line('die', 'a', 6_000_000_000));
    await flushMicrotasks();
    ac.abort();
    await done;
    expect(seen.map((e) => `${e.type}:${e.containerId}:${e.time}`)).toEqual(['start:a:5000', 'die:a:6000']);
    expect(seen[1]?.pod).toEqual({ name: 'p', namespace: 'ns', uid: 'u' });
  });
});
