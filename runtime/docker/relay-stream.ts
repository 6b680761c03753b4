// The caller's side of the port-forward relay (images/pause/portforward.c), whatever carries it:
// a child process on this host, a `docker exec`, or a helper container. The relay reports on
// stderr, one line each: "ok" (connected), "eof N" (the pod closed its side after N bytes to
// stdout), anything else is an error. A transport only moves bytes; this module turns them into
// a Duplex that resolves on "ok", half-closes toward the pod on end(), and ends its readable side
// after exactly N bytes — a multiplexed exec stream cannot carry "stdout closed" on its own, and
// its stdout and stderr frames are not ordered against each other.
import { Duplex } from 'node:stream';
import type { Clock } from '../../lib/clock.ts';
import { RuntimeError } from '../errors.ts';

export type RelayStatus = { kind: 'ok' } | { kind: 'eof'; bytes: number } | { kind: 'error'; message: string };

export function parseStatusLine(line: string): RelayStatus {
  if (line === 'ok') return { kind: 'ok' };
  const eof = /^eof (\d+)$/.exec(line);
  if (eof !== null) return { kind: 'eof', bytes: Number(eof[1]) };
  return { kind: 'error', message: line };
}

/** Splits the relay's stderr into status lines; chunks may cut a line anywhere. */
export class StatusLines {
  private pending = '';

  push(chunk: Buffer | string): RelayStatus[] {
    this.pending += chunk.toString();
    const out: RelayStatus[] = [];
    for (let nl = this.pending.indexOf('\n'); nl >= 0; nl = this.pending.indexOf('\n')) {
      const line = this.pending.slice(0, nl).trimEnd();
      this.pending = this.pending.slice(nl + 1);
      if (line !== '') out.push(parseStatusLine(line));
    }
    return out;
  }

  /** What is left when the stream ended: an unterminated line is an error message. */
  flush(): RelayStatus[] {
    const rest = this.pending.trim();
    this.pending = '';
    return rest === '' ? [] : [parseStatusLine(rest)];
  }
}

/** How the bytes reach the relay; see port-forward.ts for the three kinds. */
export interface RelayTransport {
  /** Bytes for the relay's stdin; `done` is called once they may be followed by more. */
  write(chunk: Buffer, done: () => void): void;
  /** EOF on the relay's stdin (it then half-closes its socket). */
  end(): void;
  /** Flow control of what comes back. */
  pause(): void;
  resume(): void;
  /**
   * Lets go of the relay; idempotent. `finished`: both directions are done, so the relay exits by
   * itself; otherwise it must be stopped (killed, its container removed).
   */
  destroy(finished: boolean): void;
}

/** What a transport reports, wired by the transport's creator to the stream's methods. */
export interface RelaySink {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
  /** The transport is finished: the relay exited (or is gone) and all output was delivered. */
  closed(detail?: string): void;
}

export interface RelayStreamOptions {
  /** Names the connection in messages, e.g. `sandbox 1a2b3c… port 8080`. */
  what: string;
  clock: Clock;
  /** How long to wait for "ok" or an error before giving up. */
  connectTimeoutMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * A Duplex over a relay. Create it, wire the transport's output to `sink`, attach the transport,
 * then await `connected`.
 */
export class RelayStream extends Duplex {
  readonly sink: RelaySink;
  /** Resolves with this stream on "ok"; rejects with a RuntimeError (ERR_PORT_FORWARD) otherwise. */
  readonly connected: Promise<RelayStream>;
  private transport: RelayTransport | undefined;
  private readonly lines = new StatusLines();
  private state: 'connecting' | 'open' | 'failed' = 'connecting';
  private delivered = 0;
  private eofAt: number | undefined;
  private readableDone = false;
  private released = false;
  private settle: { resolve: (s: RelayStream) => void; reject: (e: RuntimeError) => void } | undefined;
  private readonly stopTimer = new AbortController();
  private readonly onAbort: () => void;

  constructor(private readonly opts: RelayStreamOptions) {
    super({ allowHalfOpen: true });
    this.connected = new Promise<RelayStream>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // A rejection nobody awaits yet (the caller awaits after wiring) must not be "unhandled".
    this.connected.catch(() => undefined);
    this.sink = {
      stdout: (data) => { this.onStdout(data); },
      stderr: (data) => { for (const s of this.lines.push(data)) this.onStatus(s); },
      closed: (detail) => { this.onClosed(detail); },
    };
    this.onAbort = () => { this.fail(`port-forward to ${opts.what} was cancelled`); };
    if (opts.signal?.aborted === true) queueMicrotask(this.onAbort);
    else opts.signal?.addEventListener('abort', this.onAbort, { once: true });
    opts.clock.sleep(opts.connectTimeoutMs, this.stopTimer.signal).then(
      () => { if (this.state === 'connecting') this.fail(`port-forward to ${opts.what}: no answer from the relay within ${opts.connectTimeoutMs} ms`); },
      () => undefined,
    );
  }

  attach(transport: RelayTransport): void {
    this.transport = transport;
    if (this.state === 'failed' || this.destroyed) this.release(false);
  }

  private onStdout(data: Buffer): void {
    if (this.readableDone || this.state === 'failed') return;
    this.delivered += data.length;
    // No back-pressure before "ok": on a multiplexed stream the status frame may sit behind these
    // bytes, and pausing would keep it from ever arriving (nobody reads before `connected`).
    if (!this.push(data) && this.state === 'open') this.transport?.pause();
    this.maybeEnd();
  }

  private onStatus(s: RelayStatus): void {
    if (s.kind === 'ok') {
      if (this.state !== 'connecting') return;
      this.state = 'open';
      this.stopTimer.abort();
      if (this.readableLength >= this.readableHighWaterMark) this.transport?.pause();
      this.settle?.resolve(this);
    } else if (s.kind === 'eof') {
      this.eofAt = s.bytes;
      this.maybeEnd();
    } else {
      this.fail(s.message);
    }
  }

  private maybeEnd(): void {
    if (this.eofAt !== undefined && this.delivered >= this.eofAt && !this.readableDone) {
      this.readableDone = true;
      this.push(null);
    }
  }

  private onClosed(detail: string | undefined): void {
    for (const s of this.lines.flush()) this.onStatus(s);
    if (this.state === 'failed') return;
    if (this.state === 'connecting') {
      this.fail(`port-forward to ${this.opts.what}: the relay ended before connecting${detail === undefined ? '' : ` (${detail})`}`);
      return;
    }
    if (!this.readableDone) {
      this.fail(`port-forward to ${this.opts.what}: the relay ended unexpectedly${detail === undefined ? '' : ` (${detail})`}`);
    }
  }

  /** Ends everything with a RuntimeError: rejects `connected`, or destroys the open stream. */
  private fail(message: string): void {
    if (this.state === 'failed') return;
    const wasOpen = this.state === 'open';
    this.state = 'failed';
    this.stopTimer.abort();
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    const err = new RuntimeError('ERR_PORT_FORWARD', message);
    this.release(false);
    if (wasOpen) {
      // A cancel by the caller is not an error event; a failure of the relay is.
      if (this.opts.signal?.aborted === true) this.destroy();
      else this.destroy(err);
    } else {
      this.settle?.reject(err);
      this.destroy();
    }
  }

  /** Lets go of the transport, once. */
  private release(finished: boolean): void {
    if (this.released || this.transport === undefined) return;
    this.released = true;
    this.transport.destroy(finished);
  }

  override _read(): void {
    this.transport?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.transport === undefined) {
      cb(new RuntimeError('ERR_PORT_FORWARD', `port-forward to ${this.opts.what} is not connected`));
      return;
    }
    this.transport.write(chunk, () => { cb(); });
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.transport?.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.stopTimer.abort();
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.release(this.readableDone && this.writableFinished);
    if (this.state === 'connecting') {
      this.state = 'failed';
      this.settle?.reject(new RuntimeError('ERR_PORT_FORWARD', `port-forward to ${this.opts.what} was closed before it connected`));
    }
    cb(err);
  }
}
