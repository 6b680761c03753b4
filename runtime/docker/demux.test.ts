import { describe, expect, it } from 'vitest';
import { CappedCollector, FrameDemuxer, encodeFrame } from './demux.ts';

describe('FrameDemuxer', () => {
  it('splits frames into stdout/stderr payloads without headers', () => {
    const d = new FrameDemuxer();
    const chunks = d.push(Buffer.concat([encodeFrame('stdout', 'out'), encodeFrame('stderr', 'err')]));
    expect(chunks.map((c) => [c.stream, c.data.toString()])).toEqual([['stdout', 'out'], ['stderr', 'err']]);
    expect(d.leftover()).toBe(0);
  });

  it('reassembles frames cut anywhere, byte by byte', () => {
    const d = new FrameDemuxer();
    const all = Buffer.concat([encodeFrame('stdout', 'hello '), encodeFrame('stdout', 'world'), encodeFrame('stderr', '!')]);
    const got: string[] = [];
    for (const b of all) for (const c of d.push(Buffer.from([b]))) got.push(`${c.stream}:${c.data.toString()}`);
    expect(got).toEqual(['stdout:hello ', 'stdout:world', 'stderr:!']);
  });

  it('keeps a truncated frame as leftover and drops stdin frames', () => {
    const d = new FrameDemuxer();
    const stdinFrame = Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 0x41]);
    expect(d.push(stdinFrame)).toEqual([]);
    expect(d.push(encodeFrame('stdout', 'abcdef').subarray(0, 10))).toEqual([]);
    expect(d.leftover()).toBe(10);
  });
});

describe('CappedCollector', () => {
  it('caps each stream separately and says so', () => {
    const c = new CappedCollector(4);
    c.add({ stream: 'stdout', data: Buffer.from('abc') });
    c.add({ stream: 'stdout', data: Buffer.from('defg') });
    c.add({ stream: 'stderr', data: Buffer.from('xy') });
    expect(c.result().stdout.toString()).toBe('abcd');
    expect(c.result().stderr.toString()).toBe('xy');
    expect(c.truncated).toBe(true);
  });
});
