// Container logs through the engine's logs API (running or exited containers), demultiplexed
// into chunks. The previous instance's logs stay readable for as long as its container exists:
// the runtime never removes a container on its own.
import type { IncomingMessage } from 'node:http';
import type { LogChunk, LogOptions } from '../types.ts';
import { isAborted, type EngineContext } from './context.ts';
import { toRuntimeError, withDeadline } from './engine-errors.ts';
import { FrameDemuxer } from './demux.ts';

export interface LogsQuery {
  stdout: boolean;
  stderr: boolean;
  follow: boolean;
  timestamps: boolean;
  tail: string;
  since?: string;
}

export function logsQuery(opts: LogOptions): LogsQuery {
  const q: LogsQuery = {
    stdout: true,
    stderr: true,
    follow: opts.follow === true,
    timestamps: opts.timestamps === true,
    tail: opts.tailLines === undefined || opts.tailLines < 0 ? 'all' : String(Math.floor(opts.tailLines)),
  };
  // The engine takes "seconds.nanoseconds" since the epoch.
  if (opts.since !== undefined && opts.since > 0) {
    const ms = Math.floor(opts.since);
    // Integer arithmetic: a float division would print …122999906 for …123.
    q.since = `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1_000_000).padStart(9, '0')}`;
  }
  return q;
}

export class DockerLogs {
  constructor(private readonly ctx: EngineContext) {}

  async *logs(containerId: string, opts: LogOptions): AsyncIterable<LogChunk> {
    const info = await withDeadline(this.ctx.callTimeoutMs, `inspecting ${containerId}`, 'ERR_RUNTIME', (abortSignal) =>
      this.ctx.docker.getContainer(containerId).inspect({ abortSignal }));
    if (opts.signal?.aborted === true) return;
    const stream = await this.open(info.Id, logsQuery(opts), opts.signal);
    const tty = info.Config.Tty;
    const demux = new FrameDemuxer();
    let budget = opts.limitBytes !== undefined && opts.limitBytes > 0 ? opts.limitBytes : Infinity;
    const onAbort = (): void => { stream.destroy(); };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const raw of stream) {
        const chunks: LogChunk[] = tty ? [{ stream: 'stdout', data: raw as Buffer }] : demux.push(raw as Buffer);
        for (const c of chunks) {
          if (c.data.length >= budget) {
            yield { stream: c.stream, data: c.data.subarray(0, budget) };
            return;
          }
          budget -= c.data.length;
          yield c;
        }
      }
    } catch (err) {
      if (isAborted(opts.signal)) return; // the follower went away: a normal end
      throw toRuntimeError(err, 'ERR_RUNTIME', `reading logs of ${containerId}`);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      stream.destroy();
    }
  }

  private open(id: string, query: LogsQuery, signal: AbortSignal | undefined): Promise<IncomingMessage> {
    // Through the modem directly: dockerode buffers non-follow logs whole; we stream both.
    return new Promise<IncomingMessage>((resolve, reject) => {
      this.ctx.docker.modem.dial(
        {
          path: `/containers/${id}/logs?`,
          method: 'GET',
          options: { ...query },
          isStream: true,
          ...(signal === undefined ? {} : { abortSignal: signal }),
          statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
        },
        (err, res) => {
          if (err !== null) reject(toRuntimeError(err, 'ERR_RUNTIME', `reading logs of ${id}`));
          else resolve(res as IncomingMessage);
        },
      );
    });
  }
}
