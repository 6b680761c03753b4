// SPDY/3.1 frames: pure encode, and an incremental parser that accepts the byte stream in any
// chunking (a WebSocket tunnel delivers kubectl's frames in pieces of 2, 2 and 4 bytes).
// Header blocks stay compressed here; header-codec.ts owns the session's zlib contexts.
//
// Every frame starts with 8 bytes:
//   control: 1 | version(15) | type(16) | flags(8) | length(24)
//   data:    0 | stream id(31)          | flags(8) | length(24)
import { SpdyProtocolError } from './errors.ts';

export const SPDY_VERSION = 3;

/** The largest payload a frame can carry: the length field has 24 bits. */
export const MAX_FRAME_PAYLOAD = 0xff_ffff;

const FRAME_HEADER_SIZE = 8;
const MAX_STREAM_ID = 0x7fff_ffff;

export const ControlType = {
  SynStream: 1,
  SynReply: 2,
  RstStream: 3,
  Settings: 4,
  Ping: 6,
  GoAway: 7,
  Headers: 8,
  WindowUpdate: 9,
} as const;

export const Flag = {
  /** DATA, SYN_STREAM, SYN_REPLY, HEADERS: the sender's half of the stream ends here. */
  Fin: 0x01,
  /** SYN_STREAM: the recipient may not send on this stream. */
  Unidirectional: 0x02,
  /** SETTINGS: forget persisted settings. */
  ClearSettings: 0x01,
} as const;

export const RstStatus = {
  ProtocolError: 1,
  InvalidStream: 2,
  RefusedStream: 3,
  UnsupportedVersion: 4,
  Cancel: 5,
  InternalError: 6,
  FlowControlError: 7,
  StreamInUse: 8,
  StreamAlreadyClosed: 9,
  FrameTooLarge: 11,
} as const;

export const GoAwayStatus = {
  Ok: 0,
  ProtocolError: 1,
  InternalError: 2,
} as const;

export const SettingsId = {
  UploadBandwidth: 1,
  DownloadBandwidth: 2,
  RoundTripTime: 3,
  MaxConcurrentStreams: 4,
  CurrentCwnd: 5,
  DownloadRetransRate: 6,
  InitialWindowSize: 7,
  ClientCertificateVectorSize: 8,
} as const;

export interface DataFrame {
  type: 'data';
  streamId: number;
  fin: boolean;
  data: Buffer;
}

export interface SynStreamFrame {
  type: 'syn_stream';
  streamId: number;
  /** 0 unless the stream is associated with (pushed for) another stream. */
  associatedStreamId: number;
  /** 0 (highest) to 7. */
  priority: number;
  slot: number;
  fin: boolean;
  unidirectional: boolean;
  /** The compressed name/value header block. */
  headerBlock: Buffer;
}

export interface SynReplyFrame {
  type: 'syn_reply';
  streamId: number;
  fin: boolean;
  headerBlock: Buffer;
}

export interface RstStreamFrame {
  type: 'rst_stream';
  streamId: number;
  status: number;
}

export interface SettingsEntry {
  id: number;
  flags: number;
  value: number;
}

export interface SettingsFrame {
  type: 'settings';
  clearSettings: boolean;
  entries: SettingsEntry[];
}

export interface PingFrame {
  type: 'ping';
  id: number;
}

export interface GoAwayFrame {
  type: 'goaway';
  lastGoodStreamId: number;
  status: number;
}

export interface HeadersFrame {
  type: 'headers';
  streamId: number;
  fin: boolean;
  headerBlock: Buffer;
}

export interface WindowUpdateFrame {
  type: 'window_update';
  /** 0 for the session-level window (SPDY/3.1). */
  streamId: number;
  delta: number;
}

/** A control frame of a type this codec does not know; the protocol says to ignore it. */
export interface UnknownFrame {
  type: 'unknown';
  controlType: number;
  flags: number;
  payload: Buffer;
}

export type SpdyFrame =
  | DataFrame
  | SynStreamFrame
  | SynReplyFrame
  | RstStreamFrame
  | SettingsFrame
  | PingFrame
  | GoAwayFrame
  | HeadersFrame
  | WindowUpdateFrame
  | UnknownFrame;

function checkStreamId(id: number, what: string): void {
  if (!Number.isInteger(id) || id < 0 || id > MAX_STREAM_ID) {
    throw new RangeError(`${what} ${id} is not a 31-bit stream id`);
  }
}

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_FRAME_PAYLOAD) {
    throw new RangeError(`SPDY frame payload of ${payload.length} bytes exceeds ${MAX_FRAME_PAYLOAD}`);
  }
  const out = Buffer.allocUnsafe(FRAME_HEADER_SIZE + payload.length);
  out.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  out.writeUInt16BE(type, 2);
  out.writeUInt32BE(((flags & 0xff) << 24 | payload.length) >>> 0, 4);
  payload.copy(out, FRAME_HEADER_SIZE);
  return out;
}

function words(...values: number[]): Buffer {
  const out = Buffer.allocUnsafe(values.length * 4);
  values.forEach((v, i) => { out.writeUInt32BE(v >>> 0, i * 4); });
  return out;
}

/** Serialises one frame. Header blocks must already be compressed. */
export function encodeFrame(frame: SpdyFrame): Buffer {
  switch (frame.type) {
    case 'data': {
      checkStreamId(frame.streamId, 'DATA stream id');
      if (frame.data.length > MAX_FRAME_PAYLOAD) {
        throw new RangeError(`DATA payload of ${frame.data.length} bytes exceeds ${MAX_FRAME_PAYLOAD}`);
      }
      const out = Buffer.allocUnsafe(FRAME_HEADER_SIZE + frame.data.length);
      out.writeUInt32BE(frame.streamId, 0);
      out.writeUInt32BE(((frame.fin ? Flag.Fin : 0) << 24 | frame.data.length) >>> 0, 4);
      frame.data.copy(out, FRAME_HEADER_SIZE);
      return out;
    }
    case 'syn_stream': {
      checkStreamId(frame.streamId, 'SYN_STREAM stream id');
      checkStreamId(frame.associatedStreamId, 'SYN_STREAM associated stream id');
      const fixed = Buffer.allocUnsafe(10);
      fixed.writeUInt32BE(frame.streamId, 0);
      fixed.writeUInt32BE(frame.associatedStreamId, 4);
      fixed.writeUInt8((frame.priority & 0x07) << 5, 8);
      fixed.writeUInt8(frame.slot & 0xff, 9);
      const flags = (frame.fin ? Flag.Fin : 0) | (frame.unidirectional ? Flag.Unidirectional : 0);
      return controlFrame(ControlType.SynStream, flags, Buffer.concat([fixed, frame.headerBlock]));
    }
    case 'syn_reply':
      checkStreamId(frame.streamId, 'SYN_REPLY stream id');
      return controlFrame(ControlType.SynReply, frame.fin ? Flag.Fin : 0,
        Buffer.concat([words(frame.streamId), frame.headerBlock]));
    case 'headers':
      checkStreamId(frame.streamId, 'HEADERS stream id');
      return controlFrame(ControlType.Headers, frame.fin ? Flag.Fin : 0,
        Buffer.concat([words(frame.streamId), frame.headerBlock]));
    case 'rst_stream':
      checkStreamId(frame.streamId, 'RST_STREAM stream id');
      return controlFrame(ControlType.RstStream, 0, words(frame.streamId, frame.status));
    case 'settings': {
      const values = [frame.entries.length];
      for (const e of frame.entries) values.push(((e.flags & 0xff) << 24 | (e.id & 0xff_ffff)) >>> 0, e.value);
      return controlFrame(ControlType.Settings, frame.clearSettings ? Flag.ClearSettings : 0, words(...values));
    }
    case 'ping':
      return controlFrame(ControlType.Ping, 0, words(frame.id));
    case 'goaway':
      checkStreamId(frame.lastGoodStreamId, 'GOAWAY last-good-stream-id');
      return controlFrame(ControlType.GoAway, 0, words(frame.lastGoodStreamId, frame.status));
    case 'window_update':
      checkStreamId(frame.streamId, 'WINDOW_UPDATE stream id');
      return controlFrame(ControlType.WindowUpdate, 0, words(frame.streamId, frame.delta & MAX_STREAM_ID));
    case 'unknown':
      return controlFrame(frame.controlType, frame.flags, frame.payload);
  }
}

function expectLength(name: string, payload: Buffer, ok: boolean): void {
  if (!ok) throw new SpdyProtocolError(`${name} frame has an invalid length of ${payload.length} bytes`);
}

function decodeControl(type: number, flags: number, p: Buffer): SpdyFrame {
  const fin = (flags & Flag.Fin) !== 0;
  switch (type) {
    case ControlType.SynStream:
      expectLength('SYN_STREAM', p, p.length >= 10);
      return {
        type: 'syn_stream',
        streamId: p.readUInt32BE(0) & MAX_STREAM_ID,
        associatedStreamId: p.readUInt32BE(4) & MAX_STREAM_ID,
        priority: p.readUInt8(8) >> 5,
        slot: p.readUInt8(9),
        fin,
        unidirectional: (flags & Flag.Unidirectional) !== 0,
        headerBlock: p.subarray(10),
      };
    case ControlType.SynReply:
      expectLength('SYN_REPLY', p, p.length >= 4);
      return { type: 'syn_reply', streamId: p.readUInt32BE(0) & MAX_STREAM_ID, fin, headerBlock: p.subarray(4) };
    case ControlType.Headers:
      expectLength('HEADERS', p, p.length >= 4);
      return { type: 'headers', streamId: p.readUInt32BE(0) & MAX_STREAM_ID, fin, headerBlock: p.subarray(4) };
    case ControlType.RstStream:
      expectLength('RST_STREAM', p, p.length === 8);
      return { type: 'rst_stream', streamId: p.readUInt32BE(0) & MAX_STREAM_ID, status: p.readUInt32BE(4) };
    case ControlType.Settings: {
      expectLength('SETTINGS', p, p.length >= 4);
      const count = p.readUInt32BE(0);
      expectLength('SETTINGS', p, p.length === 4 + count * 8);
      const entries: SettingsEntry[] = [];
      for (let i = 0; i < count; i++) {
        const idWord = p.readUInt32BE(4 + i * 8);
        entries.push({ flags: idWord >>> 24, id: idWord & 0xff_ffff, value: p.readUInt32BE(8 + i * 8) });
      }
      return { type: 'settings', clearSettings: (flags & Flag.ClearSettings) !== 0, entries };
    }
    case ControlType.Ping:
      expectLength('PING', p, p.length === 4);
      return { type: 'ping', id: p.readUInt32BE(0) };
    case ControlType.GoAway:
      expectLength('GOAWAY', p, p.length === 8);
      return { type: 'goaway', lastGoodStreamId: p.readUInt32BE(0) & MAX_STREAM_ID, status: p.readUInt32BE(4) };
    case ControlType.WindowUpdate:
      expectLength('WINDOW_UPDATE', p, p.length === 8);
      return {
        type: 'window_update',
        streamId: p.readUInt32BE(0) & MAX_STREAM_ID,
        delta: p.readUInt32BE(4) & MAX_STREAM_ID,
      };
    default:
      return { type: 'unknown', controlType: type, flags, payload: p };
  }
}

/**
 * Turns a byte stream into frames. push() takes any chunking and returns the frames completed by
 * that chunk, in order. A protocol error (wrong version, bad fixed-size length) is thrown as a
 * SpdyProtocolError; the stream is unusable afterwards, as framing can no longer be trusted.
 */
export class FrameParser {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failed = false;

  /** Bytes received but not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): SpdyFrame[] {
    if (this.failed) throw new SpdyProtocolError('SPDY frame parser already failed');
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: SpdyFrame[] = [];
    try {
      for (;;) {
        const frame = this.next();
        if (frame === undefined) break;
        frames.push(frame);
      }
    } catch (err) {
      this.failed = true;
      throw err;
    }
    return frames;
  }

  private next(): SpdyFrame | undefined {
    if (this.buffered < FRAME_HEADER_SIZE) return undefined;
    const head = this.peek(FRAME_HEADER_SIZE);
    const length = head.readUInt32BE(4) & 0xff_ffff;
    if (this.buffered < FRAME_HEADER_SIZE + length) return undefined;
    this.take(FRAME_HEADER_SIZE);
    const payload = this.take(length);
    const first = head.readUInt32BE(0);
    const flags = head.readUInt8(4);
    if ((first & 0x8000_0000) === 0) {
      return { type: 'data', streamId: first & MAX_STREAM_ID, fin: (flags & Flag.Fin) !== 0, data: payload };
    }
    const version = (first >>> 16) & 0x7fff;
    if (version !== SPDY_VERSION) {
      throw new SpdyProtocolError(`unsupported SPDY version ${version} (this codec speaks ${SPDY_VERSION})`);
    }
    return decodeControl(first & 0xffff, flags, payload);
  }

  /** The first n buffered bytes, without consuming them (copies only across a chunk boundary). */
  private peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) return first.subarray(0, n);
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    for (const c of this.chunks) {
      filled += c.copy(out, filled, 0, Math.min(c.length, n - filled));
      if (filled === n) break;
    }
    return out;
  }

  /** Consumes n buffered bytes (the caller has checked they are there). */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first === undefined) return Buffer.alloc(0);
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0];
      if (c === undefined) break;
      const used = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, used);
      filled += used;
      if (used === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(used);
    }
    return out;
  }
}
