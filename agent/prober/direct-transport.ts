// The direct probe transport: Node's own http/https/net/http2 from the agent's network namespace,
// configured like the kubelet's prober (no proxy, no keep-alive, no compression, TLS certificates
// not verified). Errors are reworded as Go's net errors so probe output matches a kubelet's.
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import type { OutgoingHttpHeaders } from 'node:http';
import {
  joinHostPort,
  TransportError,
  type GrpcHealthResult,
  type GrpcHealthSpec,
  type GrpcServingStatus,
  type HttpGetResponse,
  type HttpGetSpec,
  type ProbeTransport,
  type TcpConnectSpec,
} from './transport.ts';

const TIMEOUT_AWAITING_HEADERS = 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)';
const TIMEOUT_READING_BODY = 'context deadline exceeded (Client.Timeout or context cancellation while reading body)';

interface SysError extends Error {
  code?: string;
}

/** Rewords a Node socket/TLS/HTTP error the way Go's net/http would print it. */
export function goNetError(err: unknown, host: string, port: number, local?: string): TransportError {
  if (err instanceof TransportError) return err;
  const e = err instanceof Error ? (err as SysError) : new Error(String(err));
  const hp = joinHostPort(host, port);
  const code = (e as SysError).code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return new TransportError('connect', `dial tcp ${hp}: connect: connection refused`, { cause: e });
    case 'EHOSTUNREACH':
      return new TransportError('connect', `dial tcp ${hp}: connect: no route to host`, { cause: e });
    case 'ENETUNREACH':
      return new TransportError('connect', `dial tcp ${hp}: connect: network is unreachable`, { cause: e });
    case 'EADDRNOTAVAIL':
      return new TransportError('connect', `dial tcp ${hp}: connect: cannot assign requested address`, { cause: e });
    case 'ETIMEDOUT':
      return new TransportError('connect', `dial tcp ${hp}: connect: connection timed out`, { cause: e });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new TransportError('connect', `dial tcp: lookup ${host}: no such host`, { cause: e });
    case 'ECONNRESET':
      if (e.message === 'socket hang up') return new TransportError('protocol', 'EOF', { phase: 'headers', cause: e });
      return new TransportError('protocol', `read tcp ${local ?? '0.0.0.0:0'}->${hp}: read: connection reset by peer`, { phase: 'headers', cause: e });
    case 'EPIPE':
      return new TransportError('protocol', `write tcp ${local ?? '0.0.0.0:0'}->${hp}: write: broken pipe`, { phase: 'headers', cause: e });
    default:
      break;
  }
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_')) {
    if (/wrong version number|packet length too long|http request/i.test(e.message)) {
      return new TransportError('protocol', 'http: server gave HTTP response to HTTPS client', { phase: 'headers', cause: e });
    }
    return new TransportError('protocol', `remote error: tls: ${e.message}`, { phase: 'headers', cause: e });
  }
  if (code.startsWith('HPE_')) {
    return new TransportError('protocol', `net/http: HTTP/1.x transport connection broken: malformed HTTP response`, { phase: 'headers', cause: e });
  }
  if (e.name === 'AbortError' || code === 'ABORT_ERR') return new TransportError('aborted', 'context canceled', { cause: e });
  return new TransportError('protocol', e.message, { phase: 'headers', cause: e });
}

function toNodeHeaders(spec: HttpGetSpec): OutgoingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  const names = new Map<string, string>();
  for (const [name, value] of spec.headers) {
    const key = names.get(name.toLowerCase()) ?? name;
    names.set(name.toLowerCase(), key);
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  // Go sends host:port in the Host header unless the request overrides it.
  if (!names.has('host')) out['Host'] = joinHostPort(spec.host, spec.port);
  return out;
}

function localOf(sock: net.Socket | null | undefined): string | undefined {
  if (sock?.localAddress === undefined || sock.localPort === undefined) return undefined;
  return joinHostPort(sock.localAddress, sock.localPort);
}

export class DirectTransport implements ProbeTransport {
  httpGet(spec: HttpGetSpec, signal?: AbortSignal): Promise<HttpGetResponse> {
    return new Promise<HttpGetResponse>((resolve, reject) => {
      let settled = false;
      let phase: 'headers' | 'body' = 'headers';
      let sock: net.Socket | undefined;
      const finish = (err: TransportError | undefined, res?: HttpGetResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err !== undefined) reject(err);
        else if (res !== undefined) resolve(res);
      };
      const onAbort = (): void => {
        const err = new TransportError('aborted', 'context canceled', { phase });
        finish(err);
        req.destroy(err);
      };
      let headers: OutgoingHttpHeaders;
      try {
        headers = toNodeHeaders(spec);
      } catch (err) {
        reject(goNetError(err, spec.host, spec.port));
        return;
      }
      const options: https.RequestOptions = {
        host: spec.host,
        port: spec.port,
        path: spec.path,
        method: 'GET',
        headers,
        agent: false,
        setHost: false,
      };
      if (spec.scheme === 'https') {
        options.rejectUnauthorized = false;
        if (net.isIP(spec.host) === 0) options.servername = spec.host;
      }
      let req: http.ClientRequest;
      try {
        req = (spec.scheme === 'https' ? https : http).request(options);
      } catch (err) {
        reject(goNetError(err, spec.host, spec.port));
        return;
      }
      const timer = setTimeout(() => {
        const err = new TransportError('timeout', phase === 'headers' ? TIMEOUT_AWAITING_HEADERS : TIMEOUT_READING_BODY, { phase });
        finish(err);
        req.destroy(err);
      }, Math.max(1, spec.timeoutMs));
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('socket', (s) => { sock = s; });
      req.on('error', (err) => { finish(goNetError(err, spec.host, spec.port, localOf(sock))); });
      req.on('response', (res) => {
        phase = 'body';
        const chunks: Buffer[] = [];
        let size = 0;
        const location = res.headers.location;
        const done = (): void => {
          const body = Buffer.concat(chunks).subarray(0, spec.maxBodyBytes).toString('utf8');
          finish(undefined, { statusCode: res.statusCode ?? 0, body, ...(location === undefined ? {} : { location }) });
          res.destroy();
        };
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          chunks.push(chunk);
          size += chunk.length;
          if (size >= spec.maxBodyBytes) done();
        });
        res.on('end', done);
        res.on('error', (err) => { finish(goNetError(err, spec.host, spec.port, localOf(sock))); });
      });
      req.end();
    });
  }

  tcpConnect(spec: TcpConnectSpec, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const sock = new net.Socket();
      const finish = (err?: TransportError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        sock.destroy();
        if (err === undefined) resolve();
        else reject(err);
      };
      const onAbort = (): void => { finish(new TransportError('aborted', 'context canceled')); };
      const timer = setTimeout(() => {
        finish(new TransportError('timeout', `dial tcp ${joinHostPort(spec.host, spec.port)}: i/o timeout`));
      }, Math.max(1, spec.timeoutMs));
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      sock.once('connect', () => { finish(); });
      sock.once('error', (err) => { finish(goNetError(err, spec.host, spec.port)); });
      sock.connect({ host: spec.host, port: spec.port });
    });
  }

  grpcHealthCheck(spec: GrpcHealthSpec, signal?: AbortSignal): Promise<GrpcHealthResult> {
    return new Promise<GrpcHealthResult>((resolve, reject) => {
      let settled = false;
      let connected = false;
      const authority = `http://${joinHostPort(spec.host, spec.port)}`;
      const session = http2.connect(authority);
      const finish = (err: TransportError | undefined, res?: GrpcHealthResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        session.destroy();
        if (err !== undefined) reject(err);
        else if (res !== undefined) resolve(res);
      };
      const onAbort = (): void => { finish(new TransportError('aborted', 'context canceled')); };
      const timer = setTimeout(() => {
        finish(new TransportError('timeout', 'context deadline exceeded', { phase: connected ? 'headers' : 'connect' }));
      }, Math.max(1, spec.timeoutMs));
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      session.on('error', (err) => { finish(goNetError(err, spec.host, spec.port)); });
      session.on('connect', () => { connected = true; });
      const stream = session.request({
        ':method': 'POST',
        ':path': '/grpc.health.v1.Health/Check',
        'content-type': 'application/grpc',
        te: 'trailers',
        'user-agent': spec.userAgent,
        'grpc-timeout': `${Math.max(1, spec.timeoutMs)}m`,
      });
      const chunks: Buffer[] = [];
      let grpcStatus: string | undefined;
      let grpcMessage = '';
      const takeStatus = (h: http2.IncomingHttpHeaders): void => {
        const s = h['grpc-status'];
        if (typeof s === 'string') grpcStatus = s;
        const m = h['grpc-message'];
        if (typeof m === 'string') grpcMessage = decodeURIComponent(m);
      };
      stream.on('response', (h) => {
        const status = h[':status'];
        if (status !== 200) {
          finish(undefined, { kind: 'rpc-error', code: 12, message: `unexpected HTTP status code received from server: ${String(status)}` });
          return;
        }
        takeStatus(h);
      });
      stream.on('trailers', takeStatus);
      stream.on('data', (c: Buffer) => { chunks.push(c); });
      stream.on('error', (err) => { finish(goNetError(err, spec.host, spec.port)); });
      stream.on('end', () => {
        const code = Number(grpcStatus ?? '2');
        if (code !== 0) {
          finish(undefined, { kind: 'rpc-error', code, message: grpcMessage });
          return;
        }
        finish(undefined, { kind: 'response', status: decodeHealthResponse(Buffer.concat(chunks)) });
      });
      stream.end(frameMessage(encodeHealthRequest(spec.service)));
    });
  }
}

/** HealthCheckRequest { string service = 1; } */
function encodeHealthRequest(service: string): Buffer {
  if (service === '') return Buffer.alloc(0);
  const bytes = Buffer.from(service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a]), encodeVarint(bytes.length), bytes]);
}

function encodeVarint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

function frameMessage(msg: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(0, 0);
  header.writeUInt32BE(msg.length, 1);
  return Buffer.concat([header, msg]);
}

const SERVING_STATUSES: GrpcServingStatus[] = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** HealthCheckResponse { ServingStatus status = 1; } from one length-prefixed frame. */
function decodeHealthResponse(data: Buffer): GrpcServingStatus {
  if (data.length < 5) return 'UNKNOWN';
  const len = data.readUInt32BE(1);
  const msg = data.subarray(5, 5 + len);
  let i = 0;
  let status = 0;
  while (i < msg.length) {
    const tag = msg[i++] ?? 0;
    if (tag === 0x08) {
      let shift = 0;
      let v = 0;
      for (;;) {
        const b = msg[i++] ?? 0;
        v |= (b & 0x7f) << shift;
        shift += 7;
        if ((b & 0x80) === 0 || i >= msg.length) break;
      }
      status = v;
    } else {
      break;
    }
  }
  return SERVING_STATUSES[status] ?? 'UNKNOWN';
}
