// The lean plain-HTTP GET of the direct transport: one socket, the request written in one piece,
// the reply parsed just enough for a probe (status, Location, a body of at most maxBodyBytes).
// Node's http client builds an agent entry, a ClientRequest, an IncomingMessage and their streams
// per request; hundreds of probes a second spend more time there than in the exchange itself.
// The bytes on the wire are the same as Node's client sends (the given headers in order, then
// Host unless given, then Connection: close). Requests with anything unusual (non-ASCII path or
// header values, framing headers) are left to Node's client by the caller: see rawEligible.
import net from 'node:net';
import { joinHostPort, TransportError, type HttpGetResponse, type HttpGetSpec } from './transport.ts';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PLAIN_VALUE = /^[\t\x20-\x7e]*$/;
const PLAIN_PATH = /^\/[\x21-\x7e]*$/;
/** Headers that change framing or the connection: sent only through Node's client. */
const FRAMING = new Set(['connection', 'content-length', 'transfer-encoding', 'expect', 'upgrade', 'te', 'trailer', 'keep-alive']);
const MAX_HEAD_BYTES = 64 * 1024;
const MALFORMED = 'net/http: HTTP/1.x transport connection broken: malformed HTTP response';

/** Whether the request can go through rawHttpGet (otherwise: Node's client). */
export function rawEligible(spec: HttpGetSpec): boolean {
  if (spec.scheme !== 'http' || !PLAIN_PATH.test(spec.path)) return false;
  for (const [name, value] of spec.headers) {
    if (!TOKEN.test(name) || !PLAIN_VALUE.test(value) || FRAMING.has(name.toLowerCase())) return false;
  }
  return true;
}

/** The request bytes, as Node's client writes them for these options. */
export function rawRequest(spec: HttpGetSpec): string {
  let head = `GET ${spec.path} HTTP/1.1\r\n`;
  let host = false;
  for (const [name, value] of spec.headers) {
    if (name.toLowerCase() === 'host') host = true;
    head += `${name}: ${value}\r\n`;
  }
  if (!host) head += `Host: ${joinHostPort(spec.host, spec.port)}\r\n`;
  return `${head}Connection: close\r\n\r\n`;
}

interface Head {
  statusCode: number;
  location: string | undefined;
  /** undefined: read until the connection closes. */
  contentLength: number | undefined;
  chunked: boolean;
  /** Offset of the body in the buffer. */
  bodyStart: number;
}

/** Parses the final response head at the start of buf (1xx heads skipped); undefined: need more; Error: malformed. */
export function parseHead(buf: Buffer): Head | undefined | Error {
  let start = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', start, 'latin1');
    if (end < 0) return buf.length - start > MAX_HEAD_BYTES ? new Error('head too large') : undefined;
    const lines = buf.toString('latin1', start, end).split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
    if (m === null) return new Error('bad status line');
    const statusCode = Number(m[1]);
    if (statusCode >= 100 && statusCode < 200 && statusCode !== 101) {
      start = end + 4;
      continue;
    }
    let location: string | undefined;
    let contentLength: number | undefined;
    let chunked = false;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] ?? '';
      const colon = line.indexOf(':');
      if (colon <= 0) return new Error('bad header line');
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'location') location ??= value;
      else if (name === 'content-length') {
        if (!/^\d+$/.test(value) || (contentLength !== undefined && contentLength !== Number(value))) return new Error('bad content-length');
        contentLength = Number(value);
      } else if (name === 'transfer-encoding') {
        chunked = value.toLowerCase().split(',').map((s) => s.trim()).pop() === 'chunked';
      }
    }
    const noBody = statusCode === 204 || statusCode === 304 || statusCode === 101;
    return {
      statusCode, location, chunked: !noBody && chunked,
      contentLength: noBody ? 0 : chunked ? undefined : contentLength,
      bodyStart: end + 4,
    };
  }
}

/**
 * Decodes as much of a chunked body as buf holds. Returns the data and whether the last chunk
 * was seen; Error when malformed.
 */
export function decodeChunked(buf: Buffer, limit: number): { data: Buffer[]; size: number; complete: boolean } | Error {
  const data: Buffer[] = [];
  let size = 0;
  let off = 0;
  while (size < limit) {
    const eol = buf.indexOf('\r\n', off, 'latin1');
    if (eol < 0) return { data, size, complete: false };
    const m = /^([0-9A-Fa-f]+)(?:;.*)?$/.exec(buf.toString('latin1', off, eol));
    if (m === null) return new Error('bad chunk size');
    const len = parseInt(m[1] ?? '', 16);
    if (len === 0) return { data, size, complete: true };
    const from = eol + 2;
    const avail = Math.min(len, buf.length - from);
    if (avail > 0) {
      data.push(buf.subarray(from, from + avail));
      size += avail;
    }
    if (avail < len) return { data, size, complete: false };
    if (buf.length < from + len + 2) return { data, size, complete: false };
    off = from + len + 2;
  }
  return { data, size, complete: true };
}

/** One GET over a fresh connection; settles like DirectTransport.httpGet. */
export function rawHttpGet(
  spec: HttpGetSpec,
  signal: AbortSignal | undefined,
  goNetError: (err: unknown, host: string, port: number, local?: string) => TransportError,
  timeouts: { headers: string; body: string },
): Promise<HttpGetResponse> {
  return new Promise<HttpGetResponse>((resolve, reject) => {
    let settled = false;
    let head: Head | undefined;
    let buf: Buffer | undefined;
    const sock = new net.Socket();
    const local = (): string | undefined =>
      sock.localAddress === undefined || sock.localPort === undefined ? undefined : joinHostPort(sock.localAddress, sock.localPort);
    const finish = (err: TransportError | undefined, res?: HttpGetResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      if (err !== undefined) reject(err);
      else if (res !== undefined) resolve(res);
    };
    const phase = (): 'headers' | 'body' => (head === undefined ? 'headers' : 'body');
    const onAbort = (): void => { finish(new TransportError('aborted', 'context canceled', { phase: phase() })); };
    const malformed = (): void => { finish(new TransportError('protocol', MALFORMED, { phase: 'headers' })); };
    const respond = (h: Head, body: Buffer): void => {
      finish(undefined, {
        statusCode: h.statusCode,
        body: body.subarray(0, spec.maxBodyBytes).toString('utf8'),
        ...(h.location === undefined ? {} : { location: h.location }),
      });
    };
    /** Checks whether the body is complete (or long enough); `ended`: the peer closed. */
    const progress = (ended: boolean): void => {
      if (buf === undefined) {
        if (ended) finish(new TransportError('protocol', 'EOF', { phase: 'headers' }));
        return;
      }
      if (head === undefined) {
        const h = parseHead(buf);
        if (h instanceof Error) { malformed(); return; }
        if (h === undefined) {
          if (ended) malformed();
          return;
        }
        head = h;
        buf = buf.subarray(h.bodyStart);
      }
      const h = head;
      if (h.chunked) {
        const d = decodeChunked(buf, spec.maxBodyBytes);
        if (d instanceof Error) { malformed(); return; }
        if (d.complete || d.size >= spec.maxBodyBytes) { respond(h, Buffer.concat(d.data, d.size)); return; }
        if (ended) { reset(); return; }
        return;
      }
      if (h.contentLength !== undefined) {
        if (buf.length >= Math.min(h.contentLength, spec.maxBodyBytes)) { respond(h, buf.subarray(0, h.contentLength)); return; }
        if (ended) { reset(); return; }
        return;
      }
      if (ended || buf.length >= spec.maxBodyBytes) respond(h, buf);
    };
    // The peer closed in the middle of a body of known length: what Node reports as "aborted".
    const reset = (): void => {
      finish(new TransportError('protocol', `read tcp ${local() ?? '0.0.0.0:0'}->${joinHostPort(spec.host, spec.port)}: read: connection reset by peer`, { phase: 'headers' }));
    };
    const timer = setTimeout(() => {
      const p = phase();
      finish(new TransportError('timeout', p === 'headers' ? timeouts.headers : timeouts.body, { phase: p }));
    }, Math.max(1, spec.timeoutMs));
    if (signal?.aborted === true) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    sock.once('connect', () => { sock.write(rawRequest(spec), 'latin1'); });
    sock.on('data', (chunk: Buffer) => {
      buf = buf === undefined ? chunk : Buffer.concat([buf, chunk]);
      progress(false);
    });
    sock.once('end', () => { progress(true); });
    sock.once('error', (err) => { finish(goNetError(err, spec.host, spec.port, local())); });
    sock.connect({ host: spec.host, port: spec.port });
  });
}
