import { constants, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SpdyProtocolError, SpdySessionClosedError } from './errors.ts';
import { FrameParser } from './frames.ts';
import {
  HeaderCompressor,
  HeaderDecompressor,
  SPDY3_DICTIONARY,
  decodeHeaderBlock,
  encodeHeaderBlock,
  headerValues,
  normalizeHeaders,
  type SpdyHeadersInit,
} from './header-codec.ts';

// Recorded from kubectl 1.32.4 (`kubectl port-forward pod/x 0:8080`, plain SPDY): the SYN_STREAMs
// of the error stream (id 1) and then the data stream (id 3). The second block is compressed
// against the first one's history, so it only decodes in the same zlib context.
const KUBECTL_SYN_STREAMS = [
  '800300010000003e0000000100000000000078f9e3c6a7c202253a703a2b294a4dcc851625aca9a0808614cb45e01c60616061c0c0c0c0590489c64c50f2663400000000ffff',
  '800300010000001800000003000000000000c2aa19540e2512d60b000000ffff',
].map((h) => Buffer.from(h, 'hex'));

function kubectlHeaderBlocks(): Buffer[] {
  const frames = new FrameParser().push(Buffer.concat(KUBECTL_SYN_STREAMS));
  return frames.map((f) => {
    if (f.type !== 'syn_stream') throw new Error(`expected SYN_STREAM, got ${f.type}`);
    return f.headerBlock;
  });
}

function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of buf) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

describe('SPDY3_DICTIONARY', () => {
  it('is the 1423-byte dictionary whose Adler-32 kubectl names in its zlib header (DICTID)', () => {
    expect(SPDY3_DICTIONARY.length).toBe(1423);
    expect(adler32(SPDY3_DICTIONARY).toString(16)).toBe('e3c6a7c2');
    // kubectl's first header block: zlib header 78 f9 (FDICT set), then the DICTID
    const first = kubectlHeaderBlocks()[0]!;
    expect(first.subarray(0, 2).toString('hex')).toBe('78f9');
    expect(first.readUInt32BE(2)).toBe(adler32(SPDY3_DICTIONARY));
  });
});

describe('header blocks', () => {
  const CASES: [string, SpdyHeadersInit, Record<string, string>][] = [
    ['no headers', {}, {}],
    ['port-forward headers', { streamtype: 'data', port: '8080', requestid: '0' }, { streamtype: 'data', port: '8080', requestid: '0' }],
    ['mixed-case names are lower-cased', { StreamType: 'error' }, { streamtype: 'error' }],
    ['several values', { accept: ['a', 'b', ''] }, { accept: 'a\0b\0' }],
    ['an empty value', { x: '' }, { x: '' }],
    ['bytes above 0x7f survive', { 'x-bin': '\u00ff\u0080\u0001' }, { 'x-bin': '\u00ff\u0080\u0001' }],
    ['prototype-like names are plain headers', { ['__proto__']: 'p', constructor: 'c' }, { ['__proto__']: 'p', constructor: 'c' }],
  ];

  it.each(CASES)('%s round-trips', (_name, input, expected) => {
    const decoded = decodeHeaderBlock(encodeHeaderBlock(input));
    expect({ ...decoded }).toEqual(expected);
    expect(Object.keys(decoded)).toEqual(Object.keys(expected));
  });

  it('lays a block out as count, then length-prefixed names and values', () => {
    expect(encodeHeaderBlock({ port: '80' }).toString('hex')).toBe('00000001' + '00000004' + '706f7274' + '00000002' + '3830');
  });

  it('splits NUL-separated values', () => {
    const h = normalizeHeaders({ accept: ['a', 'b'] });
    expect(headerValues(h, 'Accept')).toEqual(['a', 'b']);
    expect(headerValues(h, 'missing')).toEqual([]);
  });

  it('refuses to send an empty name or a name given twice', () => {
    expect(() => encodeHeaderBlock({ '': 'x' })).toThrow(TypeError);
    expect(() => encodeHeaderBlock({ Port: '1', port: '2' })).toThrow(TypeError);
  });

  const pair = (name: string, value: string): string =>
    Buffer.concat([
      Buffer.from([0, 0, 0, name.length]), Buffer.from(name), Buffer.from([0, 0, 0, value.length]), Buffer.from(value),
    ]).toString('hex');

  const MALFORMED: [string, string][] = [
    ['an empty block', ''],
    ['a count larger than the block', '00000002' + pair('a', 'b')],
    ['a truncated name', '00000001 00000009 61'],
    ['a truncated value', '00000001 00000001 61 00000005 62'],
    ['an upper-case name', '00000001' + pair('Port', '1')],
    ['a duplicate name', '00000002' + pair('a', '1') + pair('a', '2')],
    ['an empty name', '00000001' + pair('', '1')],
    ['trailing bytes', '00000001' + pair('a', '1') + 'ff'],
  ];

  it.each(MALFORMED)('rejects %s as a protocol error on its stream', (_name, wire) => {
    const block = Buffer.from(wire.replaceAll(' ', ''), 'hex');
    let caught: unknown;
    try {
      decodeHeaderBlock(block, 7);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SpdyProtocolError);
    expect((caught as SpdyProtocolError).code).toBe('ERR_SPDY_PROTOCOL');
    expect((caught as SpdyProtocolError).streamId).toBe(7);
  });
});

describe('HeaderDecompressor', () => {
  it("decodes kubectl's real header blocks in one context, in order", async () => {
    const d = new HeaderDecompressor();
    const [first, second] = kubectlHeaderBlocks();
    const h1 = decodeHeaderBlock(await d.decompress(first!));
    const h2 = decodeHeaderBlock(await d.decompress(second!));
    expect({ ...h1 }).toEqual({ streamtype: 'error', port: '8080', requestid: '0' });
    expect({ ...h2 }).toEqual({ streamtype: 'data', port: '8080', requestid: '0' });
    d.close();
  });

  it('cannot decode the second block without the first (the context is shared)', async () => {
    const d = new HeaderDecompressor();
    await expect(d.decompress(kubectlHeaderBlocks()[1]!)).rejects.toBeInstanceOf(SpdyProtocolError);
    d.close();
  });

  it('turns corrupt input into a protocol error and fails every later block', async () => {
    const d = new HeaderDecompressor();
    await expect(d.decompress(Buffer.from('not zlib at all'))).rejects.toBeInstanceOf(SpdyProtocolError);
    await expect(d.decompress(kubectlHeaderBlocks()[0]!)).rejects.toBeInstanceOf(SpdyProtocolError);
    d.close();
  });

  it('stops a block that inflates past the limit', async () => {
    const c = new HeaderCompressor();
    const big = await c.compress(encodeHeaderBlock({ x: 'a'.repeat(100_000) }));
    expect(big.length).toBeLessThan(1000);
    const d = new HeaderDecompressor(10_000);
    await expect(d.decompress(big)).rejects.toThrow(/exceeds 10000 bytes/);
    c.close();
    d.close();
  });

  it('rejects work after close', async () => {
    const d = new HeaderDecompressor();
    d.close();
    await expect(d.decompress(kubectlHeaderBlocks()[0]!)).rejects.toBeInstanceOf(SpdySessionClosedError);
  });
});

describe('HeaderCompressor', () => {
  it('keeps one context: blocks issued without waiting come back in order and decode in order', async () => {
    const c = new HeaderCompressor();
    const d = new HeaderDecompressor();
    const inputs = Array.from({ length: 50 }, (_, i) => ({ streamtype: i % 2 === 0 ? 'error' : 'data', requestid: String(i) }));
    const compressed = await Promise.all(inputs.map((h) => c.compress(encodeHeaderBlock(h))));
    for (const [i, block] of compressed.entries()) {
      // each block ends on a sync flush, so the peer can decode it before the next one arrives
      expect(block.subarray(-4).toString('hex')).toBe('0000ffff');
      expect({ ...decodeHeaderBlock(await d.decompress(block)) }).toEqual(inputs[i]);
    }
    // later blocks refer back to earlier ones: repeated headers shrink to a few bytes
    expect(compressed[49]!.length).toBeLessThan(compressed[0]!.length / 2);
    c.close();
    d.close();
  });

  it('produces one standard zlib stream with the SPDY dictionary (checked with a one-shot inflate)', async () => {
    const c = new HeaderCompressor();
    const plain = [{ a: '1' }, { a: '1', b: 'x'.repeat(40_000) }, {}].map((h) => encodeHeaderBlock(h));
    const compressed: Buffer[] = [];
    for (const p of plain) compressed.push(await c.compress(p));
    expect(compressed[0]!.readUInt32BE(2)).toBe(adler32(SPDY3_DICTIONARY));
    const inflated = inflateSync(Buffer.concat(compressed), { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
    expect(inflated.equals(Buffer.concat(plain))).toBe(true);
    c.close();
  });
});
