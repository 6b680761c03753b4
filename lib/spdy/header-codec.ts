// SPDY/3 name/value header blocks: the plain block format, and the zlib contexts that compress
// them. Each direction of a session is ONE zlib stream primed with the SPDY/3 dictionary; every
// header block is flushed with Z_SYNC_FLUSH and later blocks may refer back to earlier ones, so
// blocks must be (de)compressed exactly in wire order and none may be skipped.
//
// node:zlib has no synchronous streaming API, so the contexts here are zlib streams and each
// operation is asynchronous. They are strictly serialised (one write + flush at a time, output
// collected until that flush's callback), which makes the bytes of each result exactly those of
// its own block. The session keeps frame order around these awaits (see session.ts).
//
// Block format: int32 count, then count × (int32 name length, name, int32 value length, value).
// Names are lower-case and unique; several values of one name are joined with NUL bytes.
import { Buffer } from 'node:buffer';
import * as zlib from 'node:zlib';
import { SpdyProtocolError, SpdySessionClosedError } from './errors.ts';

/** Decoded headers: one string per name, several values still NUL-separated as on the wire. */
export type SpdyHeaders = Readonly<Record<string, string>>;

/** Headers to send: an array becomes NUL-separated values. */
export type SpdyHeadersInit = Readonly<Record<string, string | readonly string[]>>;

// The SPDY/3 specification's compression dictionary (draft-mbelshe-httpbis-spdy-00, §2.6.10.1):
// length-prefixed (int32) common header names and tokens, then a run of common value text.
// 1423 bytes; its Adler-32 (e3c6a7c2) is the DICTID kubectl puts in its first header block.
const DICTIONARY_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding',
  'accept-language', 'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection',
  'content-base', 'content-encoding', 'content-language', 'content-length', 'content-location',
  'content-md5', 'content-range', 'content-type', 'date', 'etag', 'expect', 'expires', 'from', 'host',
  'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'last-modified',
  'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
  'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via',
  'warning', 'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url',
  'public', 'set-cookie', 'keep-alive', 'origin',
];
const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request' +
  '401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented' +
  '503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00' +
  ' Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,' +
  'application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=' +
  'gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

function buildDictionary(): Buffer {
  const parts: Buffer[] = [];
  for (const word of DICTIONARY_WORDS) {
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(word.length, 0);
    parts.push(len, Buffer.from(word, 'latin1'));
  }
  parts.push(Buffer.from(DICTIONARY_TAIL, 'latin1'));
  return Buffer.concat(parts);
}

export const SPDY3_DICTIONARY: Buffer = buildDictionary();

/** Default cap on one decompressed header block, against decompression bombs. */
export const DEFAULT_MAX_HEADER_BLOCK = 256 * 1024;

// Header bytes are carried as latin1 so that any byte sequence survives a round trip unchanged
// (Go's framer treats names and values as raw bytes; node:http does the same with latin1).
const ENCODING = 'latin1';

/** Headers as they go on the wire: names lower-cased, arrays NUL-joined. A clash throws. */
export function normalizeHeaders(headers: SpdyHeadersInit): SpdyHeaders {
  // no prototype, so a header called "__proto__" or "constructor" is just a header
  const out = Object.create(null) as Record<string, string>;
  for (const [rawName, rawValue] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    if (name.length === 0) throw new TypeError('SPDY header names must not be empty');
    if (Object.hasOwn(out, name)) throw new TypeError(`SPDY header "${name}" is given twice`);
    out[name] = typeof rawValue === 'string' ? rawValue : rawValue.join('\0');
  }
  return out;
}

/** Serialises headers into an uncompressed block (see normalizeHeaders). */
export function encodeHeaderBlock(headers: SpdyHeadersInit): Buffer {
  const pairs: [Buffer, Buffer][] = [];
  for (const [name, value] of Object.entries(normalizeHeaders(headers))) {
    pairs.push([Buffer.from(name, ENCODING), Buffer.from(value, ENCODING)]);
  }
  let size = 4;
  for (const [n, v] of pairs) size += 8 + n.length + v.length;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32BE(pairs.length, 0);
  let at = 4;
  for (const [n, v] of pairs) {
    out.writeUInt32BE(n.length, at);
    n.copy(out, at + 4);
    at += 4 + n.length;
    out.writeUInt32BE(v.length, at);
    v.copy(out, at + 4);
    at += 4 + v.length;
  }
  return out;
}

/** Parses an uncompressed block. Malformed blocks throw SpdyProtocolError (a stream error). */
export function decodeHeaderBlock(block: Buffer, streamId?: number): SpdyHeaders {
  const fail = (why: string): SpdyProtocolError =>
    new SpdyProtocolError(`malformed SPDY header block: ${why}`, streamId === undefined ? undefined : { streamId });
  let at = 0;
  const readString = (what: string): string => {
    if (at + 4 > block.length) throw fail(`truncated ${what} length`);
    const len = block.readUInt32BE(at);
    at += 4;
    if (at + len > block.length) throw fail(`truncated ${what}`);
    const s = block.toString(ENCODING, at, at + len);
    at += len;
    return s;
  };
  if (block.length < 4) throw fail('shorter than its count');
  const count = block.readUInt32BE(0);
  at = 4;
  // each pair needs at least its two length words: reject absurd counts before allocating
  if (count > (block.length - 4) / 8) throw fail(`count ${count} does not fit in ${block.length} bytes`);
  const headers = Object.create(null) as Record<string, string>;
  for (let i = 0; i < count; i++) {
    const name = readString('name');
    if (name.length === 0) throw fail('empty header name');
    if (name !== name.toLowerCase()) throw fail(`header name "${name}" is not lower-case`);
    if (Object.hasOwn(headers, name)) throw fail(`header "${name}" appears twice`);
    headers[name] = readString('value');
  }
  if (at !== block.length) throw fail(`${block.length - at} bytes after the last header`);
  return headers;
}

/** The values of one header (a SPDY header carries several as NUL-separated text). */
export function headerValues(headers: SpdyHeaders, name: string): string[] {
  const value = headers[name.toLowerCase()];
  return value === undefined ? [] : value.split('\0');
}

/** One zlib stream whose write+flush operations run strictly one after another. */
class SerialZlib {
  private tail: Promise<unknown> = Promise.resolve();
  private output: Buffer[] = [];
  private outputBytes = 0;
  private failure: Error | undefined;
  private rejectCurrent: ((err: Error) => void) | undefined;

  constructor(
    private readonly z: zlib.Deflate | zlib.Inflate,
    private readonly maxOutput: number,
  ) {
    // Reading as output appears (not only at the flush callback) matters: zlib stops producing
    // once its readable buffer passes the high-water mark, and then the flush would never end.
    z.on('readable', () => { this.collect(); });
    z.on('error', (err: Error) => { this.fail(err); });
  }

  run(input: Buffer): Promise<Buffer> {
    const result = this.tail.then(() => this.runNow(input));
    this.tail = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.fail(new SpdySessionClosedError('SPDY header compression context closed'));
  }

  private runNow(input: Buffer): Promise<Buffer> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<Buffer>((resolve, reject) => {
      this.rejectCurrent = reject;
      this.z.write(input);
      this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        if (this.rejectCurrent !== reject) return; // already failed
        this.rejectCurrent = undefined;
        this.collect();
        if (this.failure !== undefined) {
          reject(this.failure);
          return;
        }
        const out = this.output.length === 1 && this.output[0] !== undefined
          ? this.output[0]
          : Buffer.concat(this.output);
        this.output = [];
        this.outputBytes = 0;
        resolve(out);
      });
    });
  }

  private collect(): void {
    for (;;) {
      const chunk: unknown = this.z.read();
      if (!Buffer.isBuffer(chunk)) return;
      this.output.push(chunk);
      this.outputBytes += chunk.length;
      if (this.outputBytes > this.maxOutput) {
        this.fail(new SpdyProtocolError(`SPDY header block exceeds ${this.maxOutput} bytes`));
        return;
      }
    }
  }

  private fail(err: Error): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    this.output = [];
    const reject = this.rejectCurrent;
    this.rejectCurrent = undefined;
    reject?.(err);
    this.z.close();
  }
}

/** The sending direction's context: compresses uncompressed blocks, in call order. */
export class HeaderCompressor {
  private readonly zlib = new SerialZlib(
    zlib.createDeflate({ dictionary: SPDY3_DICTIONARY }),
    // a header block grows by at most a few bytes per 16 KiB when it does not compress
    Number.MAX_SAFE_INTEGER,
  );

  compress(block: Buffer): Promise<Buffer> {
    return this.zlib.run(block);
  }

  close(): void {
    this.zlib.close();
  }
}

/**
 * The receiving direction's context: decompresses blocks in call order. A failure (corrupt data,
 * wrong dictionary, oversized block) is fatal for the session, as the shared context is lost.
 */
export class HeaderDecompressor {
  private readonly zlib: SerialZlib;

  constructor(maxBlockSize = DEFAULT_MAX_HEADER_BLOCK) {
    this.zlib = new SerialZlib(zlib.createInflate({ dictionary: SPDY3_DICTIONARY }), maxBlockSize);
  }

  decompress(block: Buffer): Promise<Buffer> {
    return this.zlib.run(block).catch((err: unknown) => {
      if (err instanceof SpdyProtocolError || err instanceof SpdySessionClosedError) throw err;
      throw new SpdyProtocolError('cannot decompress SPDY header block', { cause: err });
    });
  }

  close(): void {
    this.zlib.close();
  }
}
