// Proxies one upgrade request (WebSocket or SPDY/3.1) to the node agent byte for byte, as
// kube-apiserver's UpgradeAwareHandler does: the request goes to the agent's path with the node's
// credentials, the agent's answer comes back unchanged — a 101 and then the raw stream both ways,
// or its refusal (status, headers and body) so the client prints the agent's own words.
// The API server never parses the streamed protocol, so every protocol the agent speaks (remote
// command channels, SPDY sessions, port-forward tunnels) passes through at socket speed.
import { connect as netConnect, type Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { Logger } from '../../lib/log.ts';
import { ApiError } from '../api/errors.ts';

export interface UpgradeTarget {
  scheme: 'https' | 'http';
  /** Host as it goes in a URL (IPv6 in brackets). */
  host: string;
  port: number;
  /** Path and query on the agent. */
  path: string;
}

export interface UpgradeProxyOptions {
  /** Bearer token the agent accepts. */
  token: string;
  /** CA for the agent's certificate; without it the certificate is not verified. */
  ca?: string;
  log: Logger;
  /** How long to wait for the agent's response head (default 30 s). */
  responseTimeoutMs?: number;
}

/** Request headers that belong to this hop, not to the agent. */
const DROPPED = new Set(['authorization', 'host', 'proxy-authorization', 'proxy-connection', 'impersonate-user', 'impersonate-group']);
const MAX_HEAD_BYTES = 64 * 1024;

/** Resolves once the stream is established or the agent's refusal has been relayed. */
export async function proxyUpgrade(req: IncomingMessage, client: Duplex, head: Buffer, target: UpgradeTarget, o: UpgradeProxyOptions): Promise<void> {
  const upstream = await dial(target, o);
  upstream.setNoDelay(true);
  (client as Partial<Socket>).setNoDelay?.(true);
  const lines = [`${req.method ?? 'GET'} ${target.path} HTTP/1.1`, `Host: ${target.host}:${target.port}`];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    if (!DROPPED.has(name.toLowerCase())) lines.push(`${name}: ${raw[i + 1] ?? ''}`);
  }
  lines.push(`Authorization: Bearer ${o.token}`);
  upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
  if (head.length > 0) upstream.write(head);

  const response = await readResponseHead(upstream, o.responseTimeoutMs ?? 30_000).catch((err: unknown) => {
    upstream.destroy();
    throw err;
  });
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(response.head.toString('latin1'))?.[1] ?? '0');
  client.write(response.head);
  if (response.rest.length > 0) client.write(response.rest);
  if (status !== 101) {
    // A refusal: relay its body (bounded by Content-Length or the agent closing) and end.
    upstream.pipe(client);
    upstream.on('error', () => { client.destroy(); });
    client.on('error', () => { upstream.destroy(); });
    return;
  }
  splice(client, upstream, o.log);
}

function dial(t: UpgradeTarget, o: UpgradeProxyOptions): Promise<Socket> {
  const host = t.host.startsWith('[') ? t.host.slice(1, -1) : t.host;
  return new Promise<Socket>((resolve, reject) => {
    const fail = (err: Error): void => {
      reject(ApiError.internal(new Error(`error dialing backend: ${err.message}`)));
    };
    if (t.scheme === 'http') {
      const s = netConnect({ host, port: t.port }, () => { s.off('error', fail); resolve(s); });
      s.once('error', fail);
      return;
    }
    const s = tlsConnect({
      host,
      port: t.port,
      ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
      rejectUnauthorized: o.ca !== undefined,
      ...(o.ca === undefined ? {} : { ca: o.ca }),
      ALPNProtocols: ['http/1.1'],
    }, () => { s.off('error', fail); resolve(s); });
    s.once('error', fail);
  });
}

/** The response's status line and headers, and any bytes of the stream that came with them. */
function readResponseHead(s: Socket, timeoutMs: number): Promise<{ head: Buffer; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => { finish(new Error(`the node agent did not answer within ${timeoutMs} ms`)); }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end >= 0) {
        finish(undefined, { head: buf.subarray(0, end + 4), rest: buf.subarray(end + 4) });
      } else if (buf.length > MAX_HEAD_BYTES) {
        finish(new Error('the node agent sent an oversized response head'));
      }
    };
    const onEnd = (): void => { finish(new Error('the node agent closed the connection without an answer')); };
    const onError = (err: Error): void => { finish(err); };
    const finish = (err: Error | undefined, out?: { head: Buffer; rest: Buffer }): void => {
      clearTimeout(timer);
      s.off('data', onData);
      s.off('end', onEnd);
      s.off('error', onError);
      s.pause();
      if (err !== undefined || out === undefined) reject(ApiError.internal(err ?? new Error('no response')));
      else resolve(out);
    };
    s.on('data', onData);
    s.once('end', onEnd);
    s.once('error', onError);
  });
}

/**
 * Joins two established streams. An end on one side ends the other once its writes are flushed
 * (never a destroy that would drop the last bytes, such as an exec's exit Status); an error
 * destroys both.
 */
function splice(a: Duplex, b: Socket, log: Logger): void {
  const fail = (who: string) => (err: Error): void => {
    log.debug({ err, who }, 'upgraded stream ended with an error');
    a.destroy();
    b.destroy();
  };
  const endSoon = (s: Duplex): void => {
    if (s.destroyed) return;
    s.end();
    setTimeout(() => { s.destroy(); }, 5_000).unref();
  };
  a.pipe(b);
  b.pipe(a);
  b.resume();
  a.on('error', fail('client'));
  b.on('error', fail('agent'));
  a.on('close', () => { endSoon(b); });
  b.on('close', () => { endSoon(a); });
}
