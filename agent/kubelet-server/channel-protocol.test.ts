import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, negotiateProtocol, offeredProtocols } from './channel-protocol.ts';
import { ResizeDecoder } from './stream-session.ts';

describe('negotiateProtocol', () => {
  it('prefers v5, else the first offered protocol it speaks; none offered = legacy binary', () => {
    expect(negotiateProtocol(['channel.k8s.io', 'v5.channel.k8s.io'])?.name).toBe('v5.channel.k8s.io');
    expect(negotiateProtocol(['v3.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io'])).toEqual({ name: 'v4.channel.k8s.io', version: 4, base64: false });
    expect(negotiateProtocol(['base64.channel.k8s.io'])).toEqual({ name: 'base64.channel.k8s.io', version: 1, base64: true });
    expect(negotiateProtocol([])).toEqual({ name: '', version: 1, base64: false });
    expect(negotiateProtocol(['SPDY/3.1'])).toBeUndefined();
  });

  it('splits Sec-WebSocket-Protocol headers', () => {
    expect(offeredProtocols('v4.channel.k8s.io, v5.channel.k8s.io')).toEqual(['v4.channel.k8s.io', 'v5.channel.k8s.io']);
    expect(offeredProtocols(undefined)).toEqual([]);
  });
});

describe('frames', () => {
  const v5 = { name: 'v5.channel.k8s.io', version: 5 as const, base64: false };
  const b64 = { name: 'base64.channel.k8s.io', version: 1 as const, base64: true };

  it('binary: [channel][payload]', () => {
    expect(encodeFrame(v5, 1, Buffer.from('hi'))).toEqual({ payload: Buffer.from([1, 104, 105]), binary: true });
    expect(decodeFrame(v5, Buffer.from([255, 0]))).toEqual({ channel: 255, data: Buffer.from([0]) });
    expect(decodeFrame(v5, Buffer.alloc(0))).toBeUndefined();
  });

  it('base64: text "<digit><base64>"', () => {
    expect(encodeFrame(b64, 2, Buffer.from('err'))).toEqual({ payload: `2${Buffer.from('err').toString('base64')}`, binary: false });
    expect(decodeFrame(b64, Buffer.from(`0${Buffer.from('in').toString('base64')}`))).toEqual({ channel: 0, data: Buffer.from('in') });
  });
});

describe('ResizeDecoder', () => {
  it('reads TerminalSize JSON, newline-terminated or not, split across messages', () => {
    const d = new ResizeDecoder();
    expect(d.push(Buffer.from('{"Width":100,"Height":30}\n'))).toEqual([{ width: 100, height: 30 }]);
    expect(d.push(Buffer.from('{"Width":80,'))).toEqual([]);
    expect(d.push(Buffer.from('"Height":24}\n{"Width":1,"Height":2}'))).toEqual([{ width: 80, height: 24 }, { width: 1, height: 2 }]);
    expect(d.push(Buffer.from('garbage\n'))).toEqual([]);
  });
});
