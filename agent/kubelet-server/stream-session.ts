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

/** Runs the session to its end; resolves once the Status is written and the close is sent. */
export async function runStreamSession(spec: SessionSpec): Promise<void> {
  const { ws, protocol, options, log } = spec;
  const abort = new AbortController();
  let clientGone = ws.readyState !== ws.OPEN;

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
  const stdout = options.stdout ? output(STDOUT) : undefined;
  const stderr = options.stderr && !options.tty ? output(STDERR) : undefined;

  let session: StreamingSession | undefined;
  let pendingSize: { width: number; height: number } | undefined;
  const resizer = new ResizeDecoder();
  const applySize = (size: { width: number; height: number }): void => {
    if (session === undefined) {
      pendingSize = size;
      return;
    }
    session.resize(size).catch((err: unknown) => { log.debug({ err }, 'resize failed'); });
  };

  const endStdin = (): void => {
    if (stdin !== undefined && !stdin.writableEnded) stdin.end();
  };

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
        if (options.tty) for (const size of resizer.push(frame.data)) applySize(size);
        break;
      case CLOSE:
        if (protocol.version >= 5 && frame.data[0] === STDIN) endStdin();
        break;
      default:
        break;
    }
  });
  ws.on('close', () => {
    clientGone = true;
    endStdin();
    abort.abort(new Error('client closed the stream'));
  });
  ws.on('error', (err) => { log.debug({ err }, 'websocket error'); });

  // The kubelet writes an empty message on the lowest writable channel once the stream is up.
  send(options.stdout ? STDOUT : options.stderr && !options.tty ? STDERR : ERROR, new Uint8Array(0));

  let status: KubeStatus;
  try {
    const streams: ExecStreams = {};
    if (stdin !== undefined) streams.stdin = stdin;
    if (stdout !== undefined) streams.stdout = stdout;
    if (stderr !== undefined) streams.stderr = stderr;
    session = await spec.start(streams, abort.signal);
    if (pendingSize !== undefined) applySize(pendingSize);
    const exitCode = await session.done;
    status = spec.onExit(exitCode);
  } catch (err) {
    if (clientGone) {
      log.debug({ err }, 'stream ended after the client went away');
      return;
    }
    log.warn({ err }, spec.startErrorPrefix);
    status = internalErrorStatus(`${spec.startErrorPrefix}: ${errorMessage(err)}`);
  }
  endStdin();
  // Output written before the process ended may still sit in the writables: flush it first.
  await new Promise<void>((resolve) => { setImmediate(resolve); });
  await Promise.all([stdout, stderr].map((w) => finish(w)));
  if (clientGone) return;
  const body = protocol.version >= 4
    ? Buffer.from(JSON.stringify(status))
    : status.status === 'Success' ? undefined : Buffer.from(status.message ?? '');
  if (body !== undefined) await new Promise<void>((resolve) => { send(ERROR, body, () => { resolve(); }); });
  if (ws.readyState === ws.OPEN) ws.close(1000);
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
