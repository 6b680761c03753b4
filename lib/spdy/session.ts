// A SPDY/3.1 session over any Duplex: a TCP/TLS socket after an `Upgrade: SPDY/3.1` (kubectl
// port-forward, exec/attach fallback) or a Duplex fed from WebSocket binary messages (kubectl's
// SPDY-over-WebSocket tunnel). The server side is what a kubelet needs: accept the streams the
// client opens, reply, move bytes both ways, half-close and reset. The client side exists for
// tests and benchmarks.
//
// Flow control — deliberately not implemented. kubectl's SPDY stack (github.com/moby/spdystream
// over its copy of Go's spdy framer, v0.5.0 and still at its HEAD) never sends WINDOW_UPDATE:
// its connection only decodes the frame and drops it as an "unhandled frame type", the same for
// SETTINGS, and it writes one DATA frame per Write call of up to 2^24-1 bytes with no window
// accounting. A sender that honoured SPDY/3.1's 64 KiB initial window would stall every transfer
// to kubectl after 64 KiB. So this session never blocks on a send window, ignores WINDOW_UPDATE
// and SETTINGS, and sends no WINDOW_UPDATE (spdystream would ignore them). Backpressure comes from
// the transport instead: stream writes complete only when the socket has drained, and a stream
// whose reader falls behind pauses the socket (as spdystream does, head-of-line for the session).
//
// Ordering: header blocks share one zlib context per direction and node:zlib is asynchronous, so
// inbound frames queue behind a header block being decompressed and outbound frames queue behind
// a header block being compressed; both queues preserve wire order.
import { Duplex } from 'node:stream';
import { EventEmitter } from 'node:events';
import { SystemClock, type Clock } from '../clock.ts';
import { silentLogger, type Logger } from '../log.ts';
import { SpdyProtocolError, SpdySessionClosedError, SpdyStreamResetError } from './errors.ts';
import {
  FrameParser,
  GoAwayStatus,
  MAX_FRAME_PAYLOAD,
  RstStatus,
  encodeFrame,
  type SpdyFrame,
  type SynReplyFrame,
  type SynStreamFrame,
  type HeadersFrame,
} from './frames.ts';
import {
  HeaderCompressor,
  HeaderDecompressor,
  DEFAULT_MAX_HEADER_BLOCK,
  decodeHeaderBlock,
  encodeHeaderBlock,
  normalizeHeaders,
  type SpdyHeaders,
  type SpdyHeadersInit,
} from './header-codec.ts';

const MAX_ID = 0x7fff_ffff;

/** kubectl (Go's io.Copy) writes 32 KiB per DATA frame; spdystream handles that at full speed. */
export const DEFAULT_MAX_DATA_FRAME = 32 * 1024;

/** How much a stream buffers for a slow reader before the session pauses the socket. */
export const DEFAULT_STREAM_HIGH_WATER_MARK = 128 * 1024;

export interface SpdySessionOptions {
  /** Server sessions open even stream ids and answer odd ones; clients the reverse. */
  server: boolean;
  logger?: Logger;
  /** For ping round-trip times. */
  clock?: Clock;
  /** Largest DATA payload sent in one frame (at most 2^24-1). */
  maxDataFrameSize?: number;
  /** Largest decompressed header block accepted; bigger ones end the session. */
  maxHeaderBlockSize?: number;
  /** Per-stream buffering in each direction, in bytes. */
  streamHighWaterMark?: number;
}

export interface OpenStreamOptions {
  /** Send FIN with the SYN_STREAM: nothing will be written on this stream. */
  fin?: boolean;
  /** The peer may not send on this stream. */
  unidirectional?: boolean;
  associatedStreamId?: number;
  /** 0 (highest) to 7. */
  priority?: number;
}

export interface ReplyOptions {
  /** Send FIN with the SYN_REPLY: nothing will be written on this stream. */
  fin?: boolean;
}

// Listener arguments per event name.
export type SpdySessionEvents = {
  /** The peer opened a stream (SYN_STREAM). Reply, or reset it. */
  stream: [stream: SpdyStream];
  /** The peer will accept no stream above lastGoodStreamId. */
  goaway: [lastGoodStreamId: number, status: number];
  /** The transport has closed; error is set when the session ended on an error. */
  close: [error: Error | undefined];
};

/** What a stream needs from its session; kept off SpdySession's public surface. */
interface StreamLink {
  isDead(): boolean;
  sendData(id: number, data: Buffer, fin: boolean): void;
  sendReply(id: number, headers: SpdyHeadersInit, fin: boolean): void;
  sendHeaders(id: number, headers: SpdyHeadersInit, fin: boolean): void;
  sendRst(id: number, status: number): void;
  whenWritable(cb: () => void): void;
  congested(stream: SpdyStream): void;
  decongested(stream: SpdyStream): void;
  forget(stream: SpdyStream): void;
}

interface StreamInit {
  id: number;
  headers: SpdyHeaders;
  initiatedLocally: boolean;
  associatedStreamId: number;
  priority: number;
  highWaterMark: number;
}

/**
 * One SPDY stream as a Node Duplex: write() sends DATA, end() sends FIN, the peer's FIN ends the
 * readable side. Events beyond Duplex's: 'reply' (headers) when a locally opened stream is
 * answered, 'headers' (headers) for a HEADERS frame, 'reset' (status) when the peer resets it —
 * after which the stream is destroyed without an error (readers see a premature close).
 */
export class SpdyStream extends Duplex {
  readonly id: number;
  /** The SYN_STREAM's headers (received, or sent for a stream opened here). */
  readonly headers: SpdyHeaders;
  readonly associatedStreamId: number;
  readonly priority: number;
  /** True when this side opened the stream. */
  readonly initiatedLocally: boolean;
  private replied: SpdyHeaders | undefined;
  private resetCode: number | undefined;
  private localFin = false;
  private remoteFin = false;
  private isCongested = false;

  /** @internal Streams are made by SpdySession (openStream, or the 'stream' event). */
  constructor(
    private readonly link: StreamLink,
    init: StreamInit,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: init.highWaterMark, writableHighWaterMark: init.highWaterMark });
    this.id = init.id;
    this.headers = init.headers;
    this.initiatedLocally = init.initiatedLocally;
    this.associatedStreamId = init.associatedStreamId;
    this.priority = init.priority;
  }

  /** The SYN_REPLY's headers, once sent (peer's stream) or received (our stream). */
  get replyHeaders(): SpdyHeaders | undefined {
    return this.replied;
  }

  /** The RST_STREAM status, once reset by either side. */
  get resetStatus(): number | undefined {
    return this.resetCode;
  }

  /** Answers a stream the peer opened (SYN_REPLY). Writing before replying replies with no headers. */
  reply(headers: SpdyHeadersInit = {}, options: ReplyOptions = {}): void {
    if (this.initiatedLocally) throw new TypeError(`SPDY stream ${this.id} was opened here; only the peer replies`);
    if (this.replied !== undefined) throw new TypeError(`SPDY stream ${this.id} has already been replied to`);
    if (this.resetCode !== undefined || this.link.isDead()) return;
    const fin = options.fin === true && !this.localFin;
    this.replied = normalizeHeaders(headers);
    this.link.sendReply(this.id, headers, fin);
    if (fin) {
      this.localFin = true;
      this.end();
      this.checkFullyClosed();
    }
  }

  /** Sends a HEADERS frame (extra headers on an open stream). */
  sendHeaders(headers: SpdyHeadersInit, options: ReplyOptions = {}): void {
    if (this.localFin) throw new TypeError(`SPDY stream ${this.id} is already half-closed`);
    if (this.resetCode !== undefined || this.link.isDead()) return;
    this.replyIfNeeded(false);
    this.link.sendHeaders(this.id, headers, options.fin === true);
    if (options.fin === true) {
      this.localFin = true;
      this.end();
      this.checkFullyClosed();
    }
  }

  /** Resets the stream (RST_STREAM) and destroys it. A no-op once the stream is closed. */
  reset(status: number = RstStatus.Cancel): void {
    if (this.resetCode !== undefined || (this.localFin && this.remoteFin) || this.destroyed) return;
    this.resetCode = status;
    if (!this.link.isDead()) this.link.sendRst(this.id, status);
    this.link.forget(this);
    this.destroy();
  }

  /** Resolves with the SYN_REPLY's headers of a stream opened here; rejects if it is reset first. */
  waitForReply(): Promise<SpdyHeaders> {
    if (!this.initiatedLocally) return Promise.reject(new TypeError(`SPDY stream ${this.id} was opened by the peer`));
    if (this.replied !== undefined) return Promise.resolve(this.replied);
    if (this.destroyed) return Promise.reject(this.closedError());
    return new Promise<SpdyHeaders>((resolve, reject) => {
      const onReply = (headers: SpdyHeaders): void => {
        this.off('close', onClose);
        resolve(headers);
      };
      const onClose = (): void => {
        this.off('reply', onReply);
        reject(this.closedError());
      };
      this.once('reply', onReply);
      this.once('close', onClose);
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.link.isDead()) {
      callback(new SpdySessionClosedError());
      return;
    }
    this.replyIfNeeded(false);
    this.link.sendData(this.id, chunk, false);
    this.link.whenWritable(() => { callback(); });
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.localFin && this.resetCode === undefined && !this.link.isDead()) {
      this.localFin = true;
      // a peer's stream not yet replied to gets an empty SYN_REPLY carrying the FIN
      if (!this.replyIfNeeded(true)) this.link.sendData(this.id, Buffer.alloc(0), true);
      this.checkFullyClosed();
    }
    callback();
  }

  override _read(): void {
    if (this.isCongested) {
      this.isCongested = false;
      this.link.decongested(this);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // a stream dropped before both FINs crossed is cancelled, so the peer does not wait on it
    if (this.resetCode === undefined && !(this.localFin && this.remoteFin) && !this.link.isDead()) {
      this.resetCode = RstStatus.Cancel;
      this.link.sendRst(this.id, RstStatus.Cancel);
    }
    this.link.forget(this);
    callback(error);
  }

  /** @internal DATA from the peer. */
  onData(data: Buffer, fin: boolean): void {
    if (this.remoteFin) {
      this.reset(RstStatus.StreamAlreadyClosed);
      return;
    }
    if (data.length > 0 && !this.destroyed && !this.push(data) && !this.isCongested) {
      this.isCongested = true;
      this.link.congested(this);
    }
    if (fin) this.onRemoteFin();
  }

  /** @internal SYN_REPLY from the peer. */
  onReply(headers: SpdyHeaders, fin: boolean): void {
    if (!this.initiatedLocally) {
      this.reset(RstStatus.ProtocolError);
      return;
    }
    if (this.replied !== undefined) {
      this.reset(RstStatus.StreamInUse);
      return;
    }
    this.replied = headers;
    this.emit('reply', headers);
    if (fin) this.onRemoteFin();
  }

  /** @internal HEADERS from the peer. */
  onHeaders(headers: SpdyHeaders, fin: boolean): void {
    if (this.remoteFin) {
      this.reset(RstStatus.StreamAlreadyClosed);
      return;
    }
    this.emit('headers', headers);
    if (fin) this.onRemoteFin();
  }

  /** @internal RST_STREAM from the peer. */
  onReset(status: number): void {
    if (this.resetCode !== undefined) return;
    this.resetCode = status;
    this.link.forget(this);
    this.emit('reset', status);
    this.destroy();
  }

  /** @internal The session is gone: drop the stream without sending anything. */
  onSessionClosed(): void {
    if (this.remoteFin && !this.readableEnded && !this.destroyed) {
      // everything the peer sent is here: the reader still gets it, then the stream goes
      this.once('end', () => { this.destroy(); });
      return;
    }
    this.destroy();
  }

  /** @internal The stream opened with FIN/UNIDIRECTIONAL: one side is closed from the start. */
  markClosedAtOpen(localFin: boolean, remoteFin: boolean): void {
    if (localFin) {
      this.localFin = true;
      this.end();
    }
    if (remoteFin) {
      this.remoteFin = true;
      this.push(null);
    }
    this.checkFullyClosed();
  }

  private onRemoteFin(): void {
    this.remoteFin = true;
    if (!this.destroyed) this.push(null);
    this.checkFullyClosed();
  }

  /** Both FINs crossed: the id is done on the wire, though the Duplex may still hold data. */
  private checkFullyClosed(): void {
    if (this.localFin && this.remoteFin) this.link.forget(this);
  }

  /** Replies to the peer's stream if nobody has; true when the reply carried the FIN. */
  private replyIfNeeded(fin: boolean): boolean {
    if (this.initiatedLocally || this.replied !== undefined) return false;
    this.replied = normalizeHeaders({});
    this.link.sendReply(this.id, {}, fin);
    return fin;
  }

  private closedError(): Error {
    return this.resetCode === undefined
      ? new SpdySessionClosedError(`SPDY stream ${this.id} closed before its reply`)
      : new SpdyStreamResetError(this.id, this.resetCode);
  }
}

/** An outbound frame; bytes stay undefined while its header block is being compressed. */
interface OutboundEntry {
  bytes: Buffer | undefined;
}

/**
 * A SPDY/3.1 session over a Duplex it owns from construction on. If the transport was obtained
 * from an HTTP upgrade, put the upgrade's `head` bytes back first (`socket.unshift(head)`).
 * Protocol errors never throw to the caller: a stream error resets that stream, a session error
 * sends GOAWAY and closes the transport; 'close' reports the error.
 */
export class SpdySession extends EventEmitter<SpdySessionEvents> {
  readonly server: boolean;

  private readonly socket: Duplex;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly maxDataFrameSize: number;
  private readonly streamHighWaterMark: number;
  private readonly parser = new FrameParser();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor: HeaderDecompressor;
  private readonly link: StreamLink;

  private readonly streams = new Map<number, SpdyStream>();
  private readonly congestedStreams = new Set<SpdyStream>();
  private nextStreamId: number;
  private lastPeerStreamId = 0;
  private nextPingId: number;
  private readonly pings = new Map<number, { sentAt: number; resolve: (rtt: number) => void; reject: (err: Error) => void }>();

  private inbound: SpdyFrame[] = [];
  private inboundHead = 0;
  private decompressing = false;
  /** The peer ended the transport while frames still waited behind a header block. */
  private peerEnded = false;
  private closeAfterDrain = false;
  private paused = false;

  private readonly outbound: OutboundEntry[] = [];
  private drainWaiters: (() => void)[] = [];

  private goAwaySent = false;
  private goAwayReceived = false;
  private closing = false;
  private dead = false;
  private closeEmitted = false;
  private error: Error | undefined;

  constructor(socket: Duplex, options: SpdySessionOptions) {
    super();
    this.socket = socket;
    this.server = options.server;
    this.log = options.logger ?? silentLogger;
    this.clock = options.clock ?? new SystemClock();
    this.maxDataFrameSize = Math.min(Math.max(1, options.maxDataFrameSize ?? DEFAULT_MAX_DATA_FRAME), MAX_FRAME_PAYLOAD);
    this.streamHighWaterMark = options.streamHighWaterMark ?? DEFAULT_STREAM_HIGH_WATER_MARK;
    this.decompressor = new HeaderDecompressor(options.maxHeaderBlockSize ?? DEFAULT_MAX_HEADER_BLOCK);
    this.nextStreamId = this.server ? 2 : 1;
    this.nextPingId = this.server ? 2 : 1;
    this.link = this.makeLink();

    socket.on('data', (chunk: Buffer) => { this.onSocketData(chunk); });
    socket.on('drain', () => { this.notifyWritable(); });
    socket.on('end', () => { this.onSocketEnd(); });
    socket.on('error', (err: Error) => {
      this.log.debug({ err }, 'spdy transport error');
      this.error ??= err;
    });
    socket.on('close', () => { this.onSocketClose(); });
    // an upgraded socket may have been paused by the HTTP parser
    socket.resume();
  }

  /** True once the session has been closed or destroyed, or has failed. */
  get closed(): boolean {
    return this.dead || this.closing;
  }

  /** Opens a stream (SYN_STREAM). The reply arrives as the stream's 'reply' event / waitForReply(). */
  openStream(headers: SpdyHeadersInit, options: OpenStreamOptions = {}): SpdyStream {
    if (this.dead || this.closing || this.goAwaySent) throw new SpdySessionClosedError();
    if (this.goAwayReceived) throw new SpdySessionClosedError('the SPDY peer has sent GOAWAY and takes no new streams');
    if (this.nextStreamId > MAX_ID) throw new SpdySessionClosedError('SPDY stream ids are exhausted; open a new session');
    const block = encodeHeaderBlock(headers);
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const fin = options.fin === true;
    const unidirectional = options.unidirectional === true;
    const associatedStreamId = options.associatedStreamId ?? 0;
    const priority = options.priority ?? 0;
    const stream = new SpdyStream(this.link, {
      id,
      headers: normalizeHeaders(headers),
      initiatedLocally: true,
      associatedStreamId,
      priority,
      highWaterMark: this.streamHighWaterMark,
    });
    this.streams.set(id, stream);
    this.sendHeaderFrame(block, (headerBlock): SynStreamFrame => ({
      type: 'syn_stream', streamId: id, associatedStreamId, priority, slot: 0, fin, unidirectional, headerBlock,
    }));
    if (fin || unidirectional) stream.markClosedAtOpen(fin, unidirectional);
    return stream;
  }

  /** Sends a PING and resolves with the round-trip time in milliseconds. */
  ping(): Promise<number> {
    if (this.dead) return Promise.reject(new SpdySessionClosedError());
    const id = this.nextPingId;
    this.nextPingId = id + 2 > MAX_ID ? (this.server ? 2 : 1) : id + 2;
    return new Promise<number>((resolve, reject) => {
      this.pings.set(id, { sentAt: this.clock.now(), resolve, reject });
      this.sendFrame({ type: 'ping', id });
    });
  }

  /** Tells the peer no new streams will be accepted (GOAWAY); existing streams carry on. */
  goAway(status: number = GoAwayStatus.Ok): void {
    if (this.dead || this.goAwaySent) return;
    this.goAwaySent = true;
    this.sendFrame({ type: 'goaway', lastGoodStreamId: this.lastPeerStreamId, status });
  }

  /** Graceful close: GOAWAY, then the transport is ended once every stream has finished. */
  close(): void {
    if (this.dead) return;
    this.goAway();
    this.closing = true;
    this.endIfIdle();
  }

  /** Immediate close: streams are dropped and the transport destroyed. */
  destroy(error?: Error): void {
    if (this.dead) return;
    if (error !== undefined) this.error ??= error;
    this.teardown();
    this.socket.destroy();
  }

  // ---- inbound ----

  private onSocketData(chunk: Buffer): void {
    if (this.dead) return;
    let frames: SpdyFrame[];
    try {
      frames = this.parser.push(chunk);
    } catch (err) {
      this.fail(err);
      return;
    }
    for (const frame of frames) this.inbound.push(frame);
    this.drainInbound();
  }

  /** Handles queued frames in order, stopping at a header block until it is decompressed. */
  private drainInbound(): void {
    while (!this.decompressing && !this.dead && this.inboundHead < this.inbound.length) {
      const frame = this.inbound[this.inboundHead++];
      if (frame === undefined) break;
      if (frame.type === 'syn_stream' || frame.type === 'syn_reply' || frame.type === 'headers') {
        this.decompressing = true;
        this.updateFlow();
        this.decompressor.decompress(frame.headerBlock).then(
          (block) => {
            this.decompressing = false;
            if (this.dead) return;
            this.onHeaderFrame(frame, block);
            this.updateFlow();
            this.drainInbound();
          },
          (err: unknown) => { this.fail(err); },
        );
      } else {
        this.onFrame(frame);
      }
    }
    if (this.inboundHead === this.inbound.length) {
      this.inbound = [];
      this.inboundHead = 0;
      if (this.peerEnded && !this.decompressing) {
        this.onSocketEnd();
        if (this.closeAfterDrain) this.onSocketClose();
      }
    }
  }

  private onFrame(frame: Exclude<SpdyFrame, SynStreamFrame | SynReplyFrame | HeadersFrame>): void {
    switch (frame.type) {
      case 'data': {
        if (frame.streamId === 0) {
          this.fail(new SpdyProtocolError('DATA frame on stream 0'));
          return;
        }
        const stream = this.streams.get(frame.streamId);
        if (stream !== undefined) stream.onData(frame.data, frame.fin);
        else this.onUnknownStream(frame.streamId, 'DATA');
        return;
      }
      case 'rst_stream':
        // a reset for a stream already gone is the normal crossing of two closes
        this.streams.get(frame.streamId)?.onReset(frame.status);
        return;
      case 'ping':
        this.onPing(frame.id);
        return;
      case 'goaway':
        this.onGoAway(frame.lastGoodStreamId, frame.status);
        return;
      case 'settings':
        // nothing here depends on the peer's settings: no flow-control window (see the top)
        this.log.debug({ entries: frame.entries }, 'spdy SETTINGS ignored');
        return;
      case 'window_update':
        return; // no flow control (see the top of this file)
      case 'unknown':
        this.log.debug({ controlType: frame.controlType }, 'spdy unknown control frame ignored');
        return;
    }
  }

  private onHeaderFrame(frame: SynStreamFrame | SynReplyFrame | HeadersFrame, block: Buffer): void {
    if (frame.type === 'syn_stream') {
      this.onSynStream(frame, block);
      return;
    }
    const stream = this.streams.get(frame.streamId);
    if (stream === undefined) {
      this.onUnknownStream(frame.streamId, frame.type === 'syn_reply' ? 'SYN_REPLY' : 'HEADERS');
      return;
    }
    let headers: SpdyHeaders;
    try {
      headers = decodeHeaderBlock(block, frame.streamId);
    } catch (err) {
      this.log.debug({ err, streamId: frame.streamId }, 'spdy bad header block');
      stream.reset(RstStatus.ProtocolError);
      return;
    }
    if (frame.type === 'syn_reply') stream.onReply(headers, frame.fin);
    else stream.onHeaders(headers, frame.fin);
  }

  private onSynStream(frame: SynStreamFrame, block: Buffer): void {
    const id = frame.streamId;
    // the peer's ids have the other parity: a client opens odd ids, a server even ones
    if (id === 0 || this.isOwnId(id)) {
      this.fail(new SpdyProtocolError(`SYN_STREAM with stream id ${id}, which the peer may not open`));
      return;
    }
    if (id <= this.lastPeerStreamId) {
      this.fail(new SpdyProtocolError(`SYN_STREAM id ${id} does not increase (last ${this.lastPeerStreamId})`));
      return;
    }
    this.lastPeerStreamId = id;
    if (this.goAwaySent) {
      this.log.debug({ streamId: id }, 'spdy SYN_STREAM after GOAWAY ignored');
      return;
    }
    let headers: SpdyHeaders;
    try {
      headers = decodeHeaderBlock(block, id);
    } catch (err) {
      this.log.debug({ err, streamId: id }, 'spdy bad header block');
      this.sendRstFrame(id, RstStatus.ProtocolError);
      return;
    }
    if (this.listenerCount('stream') === 0) {
      this.sendRstFrame(id, RstStatus.RefusedStream);
      return;
    }
    const stream = new SpdyStream(this.link, {
      id,
      headers,
      initiatedLocally: false,
      associatedStreamId: frame.associatedStreamId,
      priority: frame.priority,
      highWaterMark: this.streamHighWaterMark,
    });
    this.streams.set(id, stream);
    // FIN: the peer sends nothing; UNIDIRECTIONAL: we may send nothing (and do not reply)
    if (frame.fin || frame.unidirectional) stream.markClosedAtOpen(frame.unidirectional, frame.fin);
    this.emit('stream', stream);
  }

  private onPing(id: number): void {
    if (this.isOwnId(id)) {
      const pending = this.pings.get(id);
      if (pending === undefined) return; // an unsolicited echo: ignore
      this.pings.delete(id);
      pending.resolve(this.clock.now() - pending.sentAt);
      return;
    }
    this.sendFrame({ type: 'ping', id });
  }

  private onGoAway(lastGoodStreamId: number, status: number): void {
    this.goAwayReceived = true;
    this.log.debug({ lastGoodStreamId, status }, 'spdy GOAWAY received');
    // streams we opened above the peer's last good id were never seen by it
    for (const stream of [...this.streams.values()]) {
      if (stream.initiatedLocally && stream.id > lastGoodStreamId) stream.onReset(RstStatus.RefusedStream);
    }
    this.emit('goaway', lastGoodStreamId, status);
  }

  /** A frame for a stream not in the table: idle ids get INVALID_STREAM, closed ones are ignored. */
  private onUnknownStream(id: number, what: string): void {
    const idle = this.isOwnId(id) ? id >= this.nextStreamId : id > this.lastPeerStreamId;
    this.log.debug({ streamId: id, idle }, `spdy ${what} for an unknown stream`);
    if (idle) this.sendRstFrame(id, RstStatus.InvalidStream);
  }

  private isOwnId(id: number): boolean {
    return (id % 2 === 0) === this.server;
  }

  /** Pauses the transport while a header block is decompressed or a stream's reader lags. */
  private updateFlow(): void {
    const pause = !this.dead && (this.decompressing || this.congestedStreams.size > 0);
    if (pause === this.paused) return;
    this.paused = pause;
    if (pause) this.socket.pause();
    else this.socket.resume();
  }

  // ---- outbound ----

  private sendFrame(frame: SpdyFrame): void {
    this.sendBytes(encodeFrame(frame));
  }

  private sendBytes(bytes: Buffer): void {
    if (this.outbound.length === 0) this.writeSocket(bytes);
    else this.outbound.push({ bytes });
  }

  /** Queues a frame whose header block is compressed first; later frames wait behind it. */
  private sendHeaderFrame(block: Buffer, build: (compressed: Buffer) => SpdyFrame): void {
    const entry: OutboundEntry = { bytes: undefined };
    this.outbound.push(entry);
    this.compressor.compress(block).then(
      (compressed) => {
        entry.bytes = encodeFrame(build(compressed));
        this.pumpOutbound();
      },
      (err: unknown) => { this.fail(err); },
    );
  }

  private pumpOutbound(): void {
    for (;;) {
      const head = this.outbound[0];
      if (head?.bytes === undefined) break;
      this.outbound.shift();
      this.writeSocket(head.bytes);
    }
    this.notifyWritable();
  }

  private writeSocket(bytes: Buffer): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    this.socket.write(bytes);
  }

  private whenWritable(cb: () => void): void {
    if (this.outbound.length === 0 && !this.socket.writableNeedDrain) cb();
    else this.drainWaiters.push(cb);
  }

  private notifyWritable(): void {
    if (this.outbound.length > 0 || this.socket.writableNeedDrain || this.drainWaiters.length === 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const cb of waiters) cb();
  }

  private sendRstFrame(id: number, status: number): void {
    this.sendFrame({ type: 'rst_stream', streamId: id, status });
  }

  private makeLink(): StreamLink {
    return {
      isDead: () => this.dead,
      sendData: (id, data, fin) => {
        const max = this.maxDataFrameSize;
        if (data.length <= max) {
          this.sendFrame({ type: 'data', streamId: id, fin, data });
          return;
        }
        for (let at = 0; at < data.length; at += max) {
          const end = Math.min(at + max, data.length);
          this.sendFrame({ type: 'data', streamId: id, fin: fin && end === data.length, data: data.subarray(at, end) });
        }
      },
      sendReply: (id, headers, fin) => {
        this.sendHeaderFrame(encodeHeaderBlock(headers), (headerBlock): SynReplyFrame => (
          { type: 'syn_reply', streamId: id, fin, headerBlock }));
      },
      sendHeaders: (id, headers, fin) => {
        this.sendHeaderFrame(encodeHeaderBlock(headers), (headerBlock): HeadersFrame => (
          { type: 'headers', streamId: id, fin, headerBlock }));
      },
      sendRst: (id, status) => { this.sendRstFrame(id, status); },
      whenWritable: (cb) => { this.whenWritable(cb); },
      congested: (stream) => {
        this.congestedStreams.add(stream);
        this.updateFlow();
      },
      decongested: (stream) => {
        this.congestedStreams.delete(stream);
        this.updateFlow();
      },
      forget: (stream) => {
        if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
        if (this.congestedStreams.delete(stream)) this.updateFlow();
        this.endIfIdle();
      },
    };
  }

  // ---- shutdown ----

  private endIfIdle(): void {
    if (this.closing && !this.dead && this.streams.size === 0) {
      this.teardown();
      this.socket.end();
    }
  }

  /** A session error: GOAWAY with the matching status, then the transport is closed. */
  private fail(err: unknown): void {
    if (this.dead) return;
    const protocol = err instanceof SpdyProtocolError;
    const error = err instanceof Error ? err : new Error(String(err));
    this.log.warn({ err: error }, 'spdy session failed');
    this.error ??= error;
    if (!this.goAwaySent && !this.socket.destroyed && !this.socket.writableEnded) {
      this.goAwaySent = true;
      // written directly: frames still queued behind a header block are dropped with the session
      this.socket.write(encodeFrame({
        type: 'goaway',
        lastGoodStreamId: this.lastPeerStreamId,
        status: protocol ? GoAwayStatus.ProtocolError : GoAwayStatus.InternalError,
      }));
    }
    this.teardown();
    // let the GOAWAY reach the peer, then drop the transport even if the peer keeps it open
    if (this.socket.writableFinished) this.socket.destroy();
    else this.socket.once('finish', () => { this.socket.destroy(); }).end();
  }

  private onSocketEnd(): void {
    // frames that arrived before the EOF are handled first: a peer that writes its last data,
    // FIN and GOAWAY and then closes (the kubelet after an exec's Status) loses nothing
    if (!this.dead && (this.decompressing || this.inboundHead < this.inbound.length)) {
      this.peerEnded = true;
      return;
    }
    // the peer sends nothing more (no replies, no pings): the session is over
    this.teardown();
    if (!this.socket.writableEnded) this.socket.end();
  }

  private onSocketClose(): void {
    if (!this.dead && (this.decompressing || this.inboundHead < this.inbound.length)) {
      // finish the frames already read (see onSocketEnd), then report the close
      this.peerEnded = true;
      this.closeAfterDrain = true;
      return;
    }
    this.teardown();
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.emit('close', this.error);
  }

  /** Drops all state; afterwards nothing more is read or written by streams. */
  private teardown(): void {
    if (this.dead) return;
    this.dead = true;
    // keep reading (and discarding) so the transport sees the peer's EOF and closes
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    for (const stream of [...this.streams.values()]) stream.onSessionClosed();
    this.streams.clear();
    this.congestedStreams.clear();
    const closed = new SpdySessionClosedError();
    for (const ping of this.pings.values()) ping.reject(closed);
    this.pings.clear();
    this.drainWaiters = [];
    this.inbound = [];
    this.inboundHead = 0;
    this.compressor.close();
    this.decompressor.close();
  }
}
