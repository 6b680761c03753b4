// Typed errors of the SPDY codec. Each carries the SPDY status the session answers with, so a
// malformed frame becomes a RST_STREAM or a GOAWAY on the wire, never an exception at the caller.
import { NodeletError } from '../errors.ts';

/** The peer broke the protocol: a malformed frame, header block or stream id. */
export class SpdyProtocolError extends NodeletError {
  /** The stream the error is confined to; undefined for a session error (GOAWAY). */
  readonly streamId: number | undefined;

  constructor(message: string, options?: { streamId?: number; cause?: unknown }) {
    super('ERR_SPDY_PROTOCOL', message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.streamId = options?.streamId;
  }
}

/** A stream was reset (RST_STREAM) before the operation could finish. */
export class SpdyStreamResetError extends NodeletError {
  readonly streamId: number;
  /** The RST_STREAM status code (see RstStatus). */
  readonly status: number;

  constructor(streamId: number, status: number) {
    super('ERR_SPDY_STREAM_RESET', `SPDY stream ${streamId} was reset with status ${status}`);
    this.streamId = streamId;
    this.status = status;
  }
}

/** The session is closed or going away, so it takes no new streams or pings. */
export class SpdySessionClosedError extends NodeletError {
  constructor(message = 'SPDY session is closed', options?: { cause?: unknown }) {
    super('ERR_SPDY_SESSION_CLOSED', message, options);
  }
}
