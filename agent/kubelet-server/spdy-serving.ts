// The kubelet's SPDY/3.1 side (k8s.io/apimachinery httpstream + kubelet cri/streaming): the
// upgrade handshake with protocol negotiation, exec/attach as remote-command streams
// (`streamtype` error, stdin, stdout, stderr, resize), and port-forward as stream pairs matched by
// `requestid`. kubectl speaks this for port-forward (plainly, or tunnelled in WebSocket binary
// messages) and as the fallback for exec and attach; client-go before 1.30 speaks only this.
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Duplex } from 'node:stream';
import type { Logger } from '../../lib/log.ts';
import { SpdySession, type SpdyStream } from '../../lib/spdy/session.ts';
import { forwardError, joinStreams, type ForwardTarget } from './port-forward.ts';
import { ResizeDecoder, runSession, type SessionRun, type SessionTransport, type StreamOptions } from './stream-session.ts';
import type { KubeStatus } from './status.ts';

/** Remote-command protocols over SPDY, most preferred first (v5 exists only for WebSocket). */
export const SPDY_REMOTE_COMMAND_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'] as const;
export const SPDY_PORT_FORWARD_PROTOCOLS = ['portforward.k8s.io'] as const;

/** How long the client has to open the streams a session needs (streamCreationTimeout). */
export const STREAM_CREATION_TIMEOUT_MS = 30_000;

export function isSpdyUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase().startsWith('spdy/3.1');
}

/** Every X-Stream-Protocol-Version the client offers (the header may repeat). */
export function offeredStreamProtocols(req: IncomingMessage): string[] {
  const raw = req.headers['x-stream-protocol-version'];
  const joined = Array.isArray(raw) ? raw.join(',') : raw ?? '';
  return joined.split(',').map((p) => p.trim()).filter((p) => p !== '');
}

/**
 * httpstream.Handshake: the first server protocol the client offers (in the client's order), or
 * the 403 text upstream answers with.
 */
export function negotiateStreamProtocol(offered: readonly string[], supported: readonly string[]): { protocol: string } | { error: string } {
  if (offered.length === 0) return { error: 'unable to upgrade: X-Stream-Protocol-Version is required' };
  const chosen = offered.find((p) => supported.includes(p));
  if (chosen === undefined) {
    return { error: `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${supported.join(' ')}]` };
  }
  return { protocol: chosen };
}

/** Answers 101 and starts a server session on the upgraded socket. */
export function acceptSpdyUpgrade(socket: Duplex, head: Buffer, protocol: string, log: Logger): SpdySession {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
  if (head.length > 0) socket.unshift(head);
  (socket as Partial<{ setNoDelay(v: boolean): void }>).setNoDelay?.(true);
  return new SpdySession(socket, { server: true, logger: log });
}

type StreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';

/**
 * Collects the streams a remote-command session needs, replying to each as it arrives. Resolves
 * with them, or with undefined when the client does not open them in time or goes away.
 */
export function waitForStreams(session: SpdySession, expected: ReadonlySet<StreamType>, timeoutMs = STREAM_CREATION_TIMEOUT_MS): Promise<Map<StreamType, SpdyStream> | undefined> {
  return new Promise((resolve) => {
    const got = new Map<StreamType, SpdyStream>();
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      session.off('stream', onStream);
      session.off('close', onClose);
      resolve(ok ? got : undefined);
    };
    const onStream = (s: SpdyStream): void => {
      const type = s.headers['streamtype'] as StreamType | undefined;
      if (type === undefined || !expected.has(type) || got.has(type)) {
        s.reset();
        return;
      }
      s.reply();
      got.set(type, s);
      if (got.size === expected.size) done(true);
    };
    const onClose = (): void => { done(false); };
    const timer = setTimeout(() => { done(false); }, timeoutMs);
    session.on('stream', onStream);
    session.once('close', onClose);
  });
}

/** The remote-command transport on SPDY streams. */
function spdyTransport(session: SpdySession, streams: Map<StreamType, SpdyStream>, protocol: string, log: Logger): SessionTransport {
  const error = streams.get('error');
  const stdinStream = streams.get('stdin');
  const resize = streams.get('resize');
  const quiet = (s: Duplex | undefined): void => { s?.on('error', (err) => { log.debug({ err }, 'spdy stream error'); }); };
  for (const s of streams.values()) quiet(s);
  let stdin: PassThrough | undefined;
  if (stdinStream !== undefined) {
    stdin = new PassThrough();
    stdinStream.pipe(stdin);
  }
  const decoder = new ResizeDecoder();
  const resizeListeners: ((size: { width: number; height: number }) => void)[] = [];
  resize?.on('data', (chunk: Buffer) => { for (const size of decoder.push(chunk)) for (const l of resizeListeners) l(size); });
  const t: SessionTransport = {
    onResize: (cb) => { resizeListeners.push(cb); },
    onClientGone: (cb) => { session.once('close', () => { cb(); }); },
    finish: async (status: KubeStatus) => {
      // v4 writes the Status as JSON; older protocols only an error's message as text
      const body = protocol === 'v4.channel.k8s.io'
        ? JSON.stringify(status)
        : status.status === 'Success' ? undefined : status.message ?? '';
      if (error !== undefined) {
        await new Promise<void>((resolve) => {
          if (body === undefined || body === '') error.end(resolve);
          else error.end(body, resolve);
        });
      }
      // the kubelet closes the connection once the Status is written: gracefully (the client has
      // read everything by then), and for good after a moment if a stream stays open (stdin)
      await new Promise<void>((resolve) => { setImmediate(resolve); });
      session.close();
      setTimeout(() => { session.destroy(); }, 2_000).unref();
    },
  };
  if (stdin !== undefined) t.stdin = stdin;
  const out = streams.get('stdout');
  const err = streams.get('stderr');
  if (out !== undefined) t.stdout = out;
  if (err !== undefined) t.stderr = err;
  return t;
}

/** Serves an exec or attach over an accepted SPDY session to its end. */
export async function serveSpdyRemoteCommand(session: SpdySession, protocol: string, options: StreamOptions, run: SessionRun): Promise<void> {
  const expected = new Set<StreamType>(['error']);
  if (options.stdin) expected.add('stdin');
  if (options.stdout) expected.add('stdout');
  if (options.stderr && !options.tty) expected.add('stderr');
  if (options.tty && protocol !== 'channel.k8s.io' && protocol !== 'v2.channel.k8s.io') expected.add('resize');
  const streams = await waitForStreams(session, expected);
  if (streams === undefined) {
    run.log.debug('client did not create the streams in time');
    session.destroy();
    return;
  }
  await runSession(spdyTransport(session, streams, protocol, run.log), run);
}

interface StreamPair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/**
 * Serves port-forward over an accepted SPDY session: each (error, data) pair with the same
 * `requestid` is one forwarded connection; any number of them, concurrently, until the client
 * closes the session.
 */
export function serveSpdyPortForward(session: SpdySession, target: ForwardTarget, log: Logger): void {
  const pairs = new Map<string, StreamPair>();
  const abort = new AbortController();
  session.once('close', () => {
    abort.abort(new Error('client closed the session'));
    for (const p of pairs.values()) clearTimeout(p.timer);
    pairs.clear();
  });
  session.on('stream', (s) => {
    s.on('error', (err) => { log.debug({ err }, 'port-forward stream error'); });
    const type = s.headers['streamtype'];
    const id = s.headers['requestid'] ?? '';
    if ((type !== 'data' && type !== 'error') || !/^\d+$/.test(s.headers['port'] ?? '')) {
      s.reset();
      return;
    }
    s.reply();
    let pair = pairs.get(id);
    if (pair === undefined) {
      const timer = setTimeout(() => {
        // a pair whose other half never came (httpstream's timed-out pair): tell the client, drop it
        const p = pairs.get(id);
        pairs.delete(id);
        p?.error?.end(`timed out waiting for streams`);
        p?.data?.reset();
      }, STREAM_CREATION_TIMEOUT_MS);
      pair = { timer };
      pairs.set(id, pair);
    }
    if (pair[type] !== undefined) {
      s.reset();
      return;
    }
    pair[type] = s;
    const { data, error } = pair;
    if (data === undefined || error === undefined) return;
    clearTimeout(pair.timer);
    pairs.delete(id);
    void forwardPair(data, error, target, abort.signal, log);
  });
}

async function forwardPair(data: SpdyStream, error: SpdyStream, target: ForwardTarget, signal: AbortSignal, log: Logger): Promise<void> {
  const port = Number(data.headers['port']);
  // the client half-closes the error stream at once; reading it keeps the stream flowing
  error.resume();
  let conn: Duplex;
  try {
    conn = await target.forward(port, signal);
  } catch (err) {
    log.debug({ err, port }, 'port-forward connection failed');
    error.end(forwardError(port, target, err));
    data.end();
    return;
  }
  data.once('close', () => { if (!data.readableEnded) conn.destroy(); });
  await joinStreams(data, conn);
  if (!error.writableEnded) error.end();
}
