// One exec or attach session over an upgraded WebSocket: frames from the client feed stdin and
// resize; the runtime's output goes out on channels 1 and 2; when the process ends the remaining
// output is flushed, the Status goes out on channel 3 and the socket is closed with code 1000
// (kubelet remotecommand: ServeExec / ServeAttach over websocket.go).
import { PassThrough, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Logger } from '../../lib/log.ts';
import type { ExecStreams, StreamingSession } from '../../runtime/types.ts';
import { CLOSE, ERROR, RESIZE, STDERR, STDIN, STDOUT, decodeFrame, encodeFrame } from './channel-protocol.ts';
import type { ChannelProtocol } from './channel-protocol.ts';
import type { KubeStatus } from './status.ts';
import { internalErrorStatus } from './status.ts';
import { closeWebSocket } from './websocket-close.ts';

export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface SessionSpec {
  ws: WebSocket;
  protocol: ChannelProtocol;
  options: StreamOptions;
  log: Logger;
  /** Starts the process (exec) or attaches (attach) with the given streams. */
  start: (streams: ExecStreams, signal: AbortSignal) => Promise<StreamingSession>;
  /** The Status for an exit code. */
  onExit: (exitCode: number) => KubeStatus;
  /** Prefix of the InternalError message when start fails, e.g. "error executing command in container". */
  startErrorPrefix: string;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Parses resize messages: JSON TerminalSize objects ({"Width":w,"Height":h}), newline-separated. */
export class ResizeDecoder {
  private buffer = '';

  push(data: Buffer): { width: number; height: number }[] {
    this.buffer += data.toString('utf8');
    const sizes: { width: number; height: number }[] = [];
    const parts = this.buffer.split('\n');
    this.buffer = parts.pop() ?? '';
    // A trailing object without its newline is complete if it parses.
    if (this.buffer.trim() !== '' && tryParse(this.buffer) !== undefined) {
      parts.push(this.buffer);
      this.buffer = '';
    }
    for (const part of parts) {
      if (part.trim() === '') continue;
      const size = tryParse(part);
      if (size !== undefined) sizes.push(size);
    }
    return sizes;
  }
}

function tryParse(text: string): { width: number; height: number } | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null) return undefined;
    const { Width, Height } = v as { Width?: unknown; Height?: unknown };
    if (typeof Width !== 'number' || typeof Height !== 'number') return undefined;
    return { width: Width, height: Height };
  } catch {
    return undefined;
  }
}

/**
 * One session's transport: where the client's stdin arrives, where output goes, terminal sizes,
 * and how the final Status reaches the client. WebSocket channels and SPDY streams both fit.
 */
export interface SessionTransport {
  stdin?: PassThrough;
  stdout?: Writable;
  stderr?: Writable;
  /** Calls back with each terminal size the client sends (tty sessions). */
  onResize(cb: (size: { width: number; height: number }) => void): void;
  /** Calls back once when the client goes away before the session ends. */
  onClientGone(cb: () => void): void;
  /** Writes the final Status (in the protocol's form) and closes the session. */
  finish(status: KubeStatus): Promise<void>;
}

export interface SessionRun {
  log: Logger;
  /** Starts the process (exec) or attaches (attach) with the given streams. */
  start: (streams: ExecStreams, signal: AbortSignal) => Promise<StreamingSession>;
  /** The Status for an exit code. */
  onExit: (exitCode: number) => KubeStatus;
  /** Prefix of the InternalError message when start fails, e.g. "error executing command in container". */
  startErrorPrefix: string;
}

/** Runs a session to its end over any transport; resolves once the Status is written. */
export async function runSession(t: SessionTransport, run: SessionRun): Promise<void> {
  const { log } = run;
  const abort = new AbortController();
  const state = { clientGone: false };
  t.onClientGone(() => {
    state.clientGone = true;
    if (t.stdin !== undefined && !t.stdin.writableEnded) t.stdin.end();
    abort.abort(new Error('client closed the stream'));
  });
  let session: StreamingSession | undefined;
  let pendingSize: { width: number; height: number } | undefined;
  const applySize = (size: { width: number; height: number }): void => {
    if (session === undefined) {
      pendingSize = size;
      return;
    }
    session.resize(size).catch((err: unknown) => { log.debug({ err }, 'resize failed'); });
  };
  t.onResize(applySize);

  let status: KubeStatus;
  try {
    const streams: ExecStreams = {};
    if (t.stdin !== undefined) streams.stdin = t.stdin;
    if (t.stdout !== undefined) streams.stdout = t.stdout;
    if (t.stderr !== undefined) streams.stderr = t.stderr;
    session = await run.start(streams, abort.signal);
    if (pendingSize !== undefined) applySize(pendingSize);
    const exitCode = await session.done;
    status = run.onExit(exitCode);
  } catch (err) {
    if (state.clientGone) {
      log.debug({ err }, 'stream ended after the client went away');
      return;
    }
    log.warn({ err }, run.startErrorPrefix);
    status = internalErrorStatus(`${run.startErrorPrefix}: ${errorMessage(err)}`);
  }
  if (t.stdin !== undefined && !t.stdin.writableEnded) t.stdin.end();
  // Output written before the process ended may still sit in the writables: flush it first.
  await new Promise<void>((resolve) => { setImmediate(resolve); });
  await Promise.all([t.stdout, t.stderr].map((w) => finish(w)));
  if (state.clientGone) return;
  await t.finish(status);
}

/** The WebSocket transport (remote-command channels, v1/v4/v5). */
export function webSocketTransport(ws: WebSocket, protocol: ChannelProtocol, options: StreamOptions, log: Logger): SessionTransport {
  const send = (channel: number, data: Uint8Array, cb?: (err?: Error) => void): void => {
    if (ws.readyState !== ws.OPEN) {
      if (cb !== undefined) queueMicrotask(() => { cb(); });
      return;
    }
    const { payload, binary } = encodeFrame(protocol, channel, data);
    ws.send(payload, { binary }, (err) => {
      if (err instanceof Error) log.debug({ err }, 'websocket write failed');
      cb?.();
    });
  };

  const output = (channel: number): Writable => {
    const w = new Writable({
      write(chunk: Buffer, _enc, cb): void {
        if (chunk.length === 0) { cb(); return; }
        send(channel, chunk, () => { cb(); });
      },
    });
    w.on('error', (err) => { log.debug({ err }, 'output stream error'); });
    return w;
  };

  const stdin = options.stdin ? new PassThrough() : undefined;
  stdin?.on('error', (err) => { log.debug({ err }, 'stdin stream error'); });
  const resizeListeners: ((size: { width: number; height: number }) => void)[] = [];
  const goneListeners: (() => void)[] = [];
  const resizer = new ResizeDecoder();

  ws.on('message', (message: Buffer | ArrayBuffer | Buffer[]) => {
    const buf = Buffer.isBuffer(message) ? message : Array.isArray(message) ? Buffer.concat(message) : Buffer.from(message);
    const frame = decodeFrame(protocol, buf);
    if (frame === undefined) return;
    switch (frame.channel) {
      case STDIN:
        if (stdin !== undefined && !stdin.writableEnded && frame.data.length > 0) {
          if (!stdin.write(frame.data)) {
            ws.pause();
            stdin.once('drain', () => { ws.resume(); });
          }
        }
        break;
      case RESIZE:
        if (options.tty) for (const size of resizer.push(frame.data)) for (const l of resizeListeners) l(size);
        break;
      case CLOSE:
        if (protocol.version >= 5 && frame.data[0] === STDIN && stdin !== undefined && !stdin.writableEnded) stdin.end();
        break;
      default:
        break;
    }
  });
  let gone = ws.readyState !== ws.OPEN;
  ws.on('close', () => {
    gone = true;
    for (const l of goneListeners) l();
  });
  ws.on('error', (err) => { log.debug({ err }, 'websocket error'); });

  // The kubelet writes an empty message on the lowest writable channel once the stream is up.
  send(options.stdout ? STDOUT : options.stderr && !options.tty ? STDERR : ERROR, new Uint8Array(0));

  const t: SessionTransport = {
    onResize: (cb) => { resizeListeners.push(cb); },
    onClientGone: (cb) => {
      if (gone) queueMicrotask(cb);
      else goneListeners.push(cb);
    },
    finish: async (status) => {
      const body = protocol.version >= 4
        ? Buffer.from(JSON.stringify(status))
        : status.status === 'Success' ? undefined : Buffer.from(status.message ?? '');
      if (body !== undefined) await new Promise<void>((resolve) => { send(ERROR, body, () => { resolve(); }); });
      closeWebSocket(ws);
    },
  };
  if (stdin !== undefined) t.stdin = stdin;
  if (options.stdout) t.stdout = output(STDOUT);
  if (options.stderr && !options.tty) t.stderr = output(STDERR);
  return t;
}

/** Runs a WebSocket session to its end; resolves once the Status is written and the close is sent. */
export async function runStreamSession(spec: SessionSpec): Promise<void> {
  await runSession(webSocketTransport(spec.ws, spec.protocol, spec.options, spec.log), spec);
}

function finish(w: Writable | undefined): Promise<void> {
  if (w === undefined || w.writableFinished || w.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    w.once('finish', resolve);
    w.once('close', resolve);
    w.once('error', () => { resolve(); });
    if (!w.writableEnded) w.end();
  });
}
