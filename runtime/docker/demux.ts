// Docker's multiplexed stream (non-TTY attach, exec and logs): frames of an 8-byte header
// [stream, 0, 0, 0, size uint32 big-endian] then `size` bytes. Chunks from the socket cut frames
// anywhere, so the parser keeps the unfinished tail between pushes.
import type { LogChunk } from '../types.ts';

const HEADER = 8;

export class FrameDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds bytes from the engine; returns every complete frame's payload (stdin frames dropped). */
  push(chunk: Buffer): LogChunk[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: LogChunk[] = [];
    let off = 0;
    while (this.pending.length - off >= HEADER) {
      const kind = this.pending[off];
      const size = this.pending.readUInt32BE(off + 4);
      if (this.pending.length - off - HEADER < size) break;
      const data = this.pending.subarray(off + HEADER, off + HEADER + size);
      off += HEADER + size;
      if (size === 0) continue;
      if (kind === 1) out.push({ stream: 'stdout', data });
      else if (kind === 2) out.push({ stream: 'stderr', data });
    }
    this.pending = off === 0 ? this.pending : this.pending.subarray(off);
    return out;
  }

  /** Bytes of an unfinished frame left when the stream ended (a truncated stream). */
  leftover(): number {
    return this.pending.length;
  }
}

/** Builds one frame; used by tests and by nothing on the hot path. */
export function encodeFrame(stream: 'stdout' | 'stderr', data: Buffer | string): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  const header = Buffer.alloc(HEADER);
  header[0] = stream === 'stdout' ? 1 : 2;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Collects a stream's output with a per-stream cap (cri-dockerd caps exec output at 16 MiB). */
export class CappedCollector {
  private readonly parts: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
  private readonly sizes: Record<'stdout' | 'stderr', number> = { stdout: 0, stderr: 0 };
  truncated = false;

  constructor(private readonly capBytes: number) {}

  add(chunk: LogChunk): void {
    const room = this.capBytes - this.sizes[chunk.stream];
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const data = chunk.data.length > room ? chunk.data.subarray(0, room) : chunk.data;
    if (data.length < chunk.data.length) this.truncated = true;
    this.parts[chunk.stream].push(data);
    this.sizes[chunk.stream] += data.length;
  }

  result(): { stdout: Buffer; stderr: Buffer } {
    return { stdout: Buffer.concat(this.parts.stdout), stderr: Buffer.concat(this.parts.stderr) };
  }
}
