// GET /containerLogs/{namespace}/{pod}/{container}: the container's stdout and stderr as one
// text/plain stream, interleaved in the order the runtime recorded them (kubelet
// getContainerLogs + GetKubeletContainerLogs). Errors before the stream starts are Status JSON.
import type { ServerResponse } from 'node:http';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import type { LogOptions, LogService } from '../../runtime/types.ts';
import { parseLogOptions } from './log-options.ts';
import { errorStatus } from './status.ts';
import type { KubeStatus } from './status.ts';
import type { ResolveResult } from './container-target.ts';

export interface LogsContext {
  runtime: LogService;
  resolve: (namespace: string, pod: string, container: string, opts: { previous: boolean }) => Promise<ResolveResult>;
  clock: Clock;
  log: Logger;
}

export interface ContainerRef {
  namespace: string;
  pod: string;
  container: string;
}

export function sendStatus(res: ServerResponse, status: KubeStatus): void {
  const body = JSON.stringify(status);
  res.writeHead(status.code ?? 500, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function waitDrain(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export async function serveContainerLogs(ctx: LogsContext, ref: ContainerRef, url: URL, res: ServerResponse): Promise<void> {
  const log = ctx.log.child({ pod: `${ref.namespace}/${ref.pod}`, container: ref.container });
  const parsed = parseLogOptions(url.searchParams);
  if ('error' in parsed) {
    sendStatus(res, errorStatus(parsed.error.code, parsed.error.message));
    return;
  }
  const opts = parsed.options;
  const target = await ctx.resolve(ref.namespace, ref.pod, ref.container, { previous: opts.previous });
  if ('error' in target) {
    sendStatus(res, errorStatus(target.error.code, target.error.message, target.error.reason));
    return;
  }

  const abort = new AbortController();
  const onGone = (): void => { abort.abort(new Error('client went away')); };
  res.on('close', onGone);

  const logOpts: LogOptions = { follow: opts.follow, timestamps: opts.timestamps, signal: abort.signal };
  if (opts.tailLines !== undefined) logOpts.tailLines = opts.tailLines;
  if (opts.limitBytes !== undefined) logOpts.limitBytes = opts.limitBytes;
  if (opts.sinceTime !== undefined) logOpts.since = opts.sinceTime;
  else if (opts.sinceSeconds !== undefined) logOpts.since = ctx.clock.now() - opts.sinceSeconds * 1000;

  // Like the kubelet, commit the headers before handing off to the runtime, so a follow on a
  // quiet container still answers at once.
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
  let remaining = opts.limitBytes ?? Number.POSITIVE_INFINITY;
  try {
    for await (const chunk of ctx.runtime.logs(target.containerId, logOpts)) {
      if (abort.signal.aborted) break;
      const data = chunk.data.length > remaining ? chunk.data.subarray(0, remaining) : chunk.data;
      remaining -= data.length;
      if (data.length > 0 && !res.write(data)) await waitDrain(res);
      if (remaining <= 0) break;
    }
  } catch (err) {
    if (!abort.signal.aborted) log.warn({ err }, 'reading container logs failed');
  } finally {
    res.off('close', onGone);
    abort.abort(new Error('log stream ended'));
    if (!res.writableEnded) res.end();
  }
}
