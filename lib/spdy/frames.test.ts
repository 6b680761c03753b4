import { describe, expect, it } from 'vitest';
import { SpdyProtocolError } from './errors.ts';
import {
  ControlType,
  FrameParser,
  GoAwayStatus,
  MAX_FRAME_PAYLOAD,
  RstStatus,
  SettingsId,
  encodeFrame,
  type SpdyFrame,
} from './frames.ts';

// The first frame kubectl 1.32.4 sent to a fake API server after `Upgrade: SPDY/3.1`
// (`kubectl port-forward pod/x 0:8080`): SYN_STREAM id 1 for the error stream.
const KUBECTL_SYN_STREAM_1 = Buffer.from(
  '800300010000003e0000000100000000000078f9e3c6a7c202253a703a2b294a4dcc851625aca9a0808614cb45e01c60616061c0c0c0c0590489c64c50f2663400000000ffff',
  'hex',
);

const FRAMES: [string, SpdyFrame, string][] = [
  ['DATA', { type: 'data', streamId: 3, fin: false, data: Buffer.from('hello') }, '00000003 00000005 68656c6c6f'],
  ['DATA with FIN, empty', { type: 'data', streamId: 1, fin: true, data: Buffer.alloc(0) }, '00000001 01000000'],
  ['DATA on the largest id', { type: 'data', streamId: 0x7fffffff, fin: false, data: Buffer.from([0xff]) }, '7fffffff 00000001 ff'],
  ['SYN_STREAM', {
    type: 'syn_stream', streamId: 5, associatedStreamId: 0, priority: 3, slot: 0, fin: false, unidirectional: false,
    headerBlock: Buffer.from('ab'),
  }, '80030001 0000000c 00000005 00000000 6000 6162'],
  ['SYN_STREAM with FIN and UNIDIRECTIONAL', {
    type: 'syn_stream', streamId: 2, associatedStreamId: 1, priority: 7, slot: 9, fin: true, unidirectional: true,
    headerBlock: Buffer.alloc(0),
  }, '80030001 0300000a 00000002 00000001 e009'],
  ['SYN_REPLY', { type: 'syn_reply', streamId: 1, fin: false, headerBlock: Buffer.from('x') }, '80030002 00000005 00000001 78'],
  ['SYN_REPLY with FIN', { type: 'syn_reply', streamId: 1, fin: true, headerBlock: Buffer.alloc(0) }, '80030002 01000004 00000001'],
  ['RST_STREAM', { type: 'rst_stream', streamId: 3, status: RstStatus.Cancel }, '80030003 00000008 00000003 00000005'],
  ['SETTINGS', {
    type: 'settings', clearSettings: false,
    entries: [{ id: SettingsId.InitialWindowSize, flags: 0, value: 65536 }, { id: SettingsId.MaxConcurrentStreams, flags: 1, value: 100 }],
  }, '80030004 00000014 00000002 00000007 00010000 01000004 00000064'],
  ['SETTINGS, clear, empty', { type: 'settings', clearSettings: true, entries: [] }, '80030004 01000004 00000000'],
  ['PING', { type: 'ping', id: 1 }, '80030006 00000004 00000001'],
  ['GOAWAY', { type: 'goaway', lastGoodStreamId: 7, status: GoAwayStatus.ProtocolError }, '80030007 00000008 00000007 00000001'],
  ['HEADERS with FIN', { type: 'headers', streamId: 9, fin: true, headerBlock: Buffer.from('h') }, '80030008 01000005 00000009 68'],
  ['WINDOW_UPDATE (session)', { type: 'window_update', streamId: 0, delta: 0x7fffffff }, '80030009 00000008 00000000 7fffffff'],
  ['unknown control type', { type: 'unknown', controlType: 0x0a, flags: 0, payload: Buffer.from('cred') }, '8003000a 00000004 63726564'],
];

const hex = (s: string): Buffer => Buffer.from(s.replaceAll(' ', ''), 'hex');

describe('encodeFrame / FrameParser', () => {
  it.each(FRAMES)('%s: encodes to the wire layout and parses back', (_name, frame, wire) => {
    const bytes = encodeFrame(frame);
    expect(bytes.toString('hex')).toBe(wire.replaceAll(' ', ''));
    expect(new FrameParser().push(bytes)).toEqual([frame]);
  });

  it('parses every frame fed one byte at a time, and each frame only once it is complete', () => {
    const all = Buffer.concat(FRAMES.map(([, f]) => encodeFrame(f)));
    const parser = new FrameParser();
    const out: SpdyFrame[] = [];
    const ends = new Set<number>();
    let at = 0;
    for (const [, f] of FRAMES) ends.add(at += encodeFrame(f).length);
    for (let i = 0; i < all.length; i++) {
      const got = parser.push(all.subarray(i, i + 1));
      // a frame appears exactly at the byte that completes it
      expect(got.length).toBe(ends.has(i + 1) ? 1 : 0);
      out.push(...got);
    }
    expect(out).toEqual(FRAMES.map(([, f]) => f));
    expect(parser.pendingBytes).toBe(0);
  });

  it('parses the chunking of a WebSocket tunnel (2, 2 and 4 bytes, then the rest)', () => {
    const parser = new FrameParser();
    const pieces = [2, 2, 4];
    let at = 0;
    for (const n of pieces) {
      expect(parser.push(KUBECTL_SYN_STREAM_1.subarray(at, at + n))).toEqual([]);
      at += n;
    }
    const [frame] = parser.push(KUBECTL_SYN_STREAM_1.subarray(at));
    expect(frame).toMatchObject({
      type: 'syn_stream', streamId: 1, associatedStreamId: 0, priority: 0, fin: false, unidirectional: false,
    });
    expect(frame?.type === 'syn_stream' && frame.headerBlock.length).toBe(0x3e - 10);
  });

  it('returns several frames from one chunk, keeping a partial tail for later', () => {
    const a = encodeFrame({ type: 'ping', id: 1 });
    const b = encodeFrame({ type: 'data', streamId: 1, fin: true, data: Buffer.from('xyz') });
    const parser = new FrameParser();
    expect(parser.push(Buffer.concat([a, b, b.subarray(0, 5)]))).toHaveLength(2);
    expect(parser.pendingBytes).toBe(5);
    expect(parser.push(b.subarray(5))).toEqual([{ type: 'data', streamId: 1, fin: true, data: Buffer.from('xyz') }]);
  });

  it('ignores the reserved top bit of stream ids', () => {
    const [f] = new FrameParser().push(hex('80030003 00000008 80000003 00000005'));
    expect(f).toEqual({ type: 'rst_stream', streamId: 3, status: 5 });
  });

  it('waits for a frame of the largest length without giving up', () => {
    const parser = new FrameParser();
    expect(parser.push(hex('00000001 00ffffff'))).toEqual([]);
    expect(parser.pendingBytes).toBe(8);
  });

  const BAD: [string, string][] = [
    ['a SPDY/2 control frame', '80020006 00000004 00000001'],
    ['an RST_STREAM of 4 bytes', '80030003 00000004 00000003'],
    ['a PING of 8 bytes', '80030006 00000008 00000001 00000002'],
    ['a GOAWAY of 4 bytes', '80030007 00000004 00000001'],
    ['a WINDOW_UPDATE of 4 bytes', '80030009 00000004 00000001'],
    ['a SETTINGS whose count does not match its length', '80030004 0000000c 00000002 00000007 00010000'],
    ['a SYN_STREAM shorter than its fixed part', '80030001 00000004 00000001'],
    ['a SYN_REPLY without a stream id', '80030002 00000002 0000'],
  ];

  it.each(BAD)('rejects %s as a protocol error, and stays failed', (_name, wire) => {
    const parser = new FrameParser();
    expect(() => parser.push(hex(wire))).toThrow(SpdyProtocolError);
    expect(() => parser.push(Buffer.alloc(0))).toThrow(SpdyProtocolError);
  });

  it('refuses to encode what the wire cannot carry', () => {
    expect(() => encodeFrame({ type: 'data', streamId: 1, fin: false, data: Buffer.alloc(MAX_FRAME_PAYLOAD + 1) }))
      .toThrow(RangeError);
    expect(() => encodeFrame({ type: 'rst_stream', streamId: 0x80000000, status: 1 })).toThrow(RangeError);
    expect(() => encodeFrame({ type: 'ping', id: 1 })).not.toThrow();
  });

  it('keeps control types stable', () => {
    expect(ControlType).toEqual({
      SynStream: 1, SynReply: 2, RstStream: 3, Settings: 4, Ping: 6, GoAway: 7, Headers: 8, WindowUpdate: 9,
    });
  });
});
