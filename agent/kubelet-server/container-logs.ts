// GET /containerLogs/{namespace}/{pod}/{container}: the container's stdout and stderr as one
// text/plain stream, interleaved in the order the runtime recorded them (kubelet
// getContainerLogs + GetKubeletContainerLogs). Errors before the stream starts are Status JSON.
// The same stream is offered over a WebSocket (binary.k8s.io / base64.binary.k8s.io, one message
// per chunk, as the apiserver's wsstream reader serves pods/log), for a transparent proxy.
import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import type { LogOptions, LogService } from '../../runtime/types.ts';
import { parseLogOptions } from './log-options.ts';
import { errorStatus } from './status.ts';
import type { KubeStatus } from './status.ts';
import type { ResolveResult } from './container-target.ts';
import { closeWebSocket } from './websocket-close.ts';

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

export interface LogTarget {
  containerId: string;
  options: LogOptions;
  limitBytes: number;
}

/** WebSocket subprotocols of a log stream: binary messages, or base64 text. */
export const LOG_WS_PROTOCOLS: Readonly<Record<string, { base64: boolean }>> = {
  '': { base64: false },
  'binary.k8s.io': { base64: false },
  'base64.binary.k8s.io': { base64: true },
};

export function sendStatus(res: ServerResponse, status: KubeStatus): void {
  const body = JSON.stringify(status);
  res.writeHead(status.code ?? 500, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Decodes and validates the query and finds the container; the Status to answer with otherwise. */
export async function prepareLogs(ctx: LogsContext, ref: ContainerRef, url: URL): Promise<LogTarget | { error: KubeStatus }> {
  const parsed = parseLogOptions(url.searchParams);
  if ('error' in parsed) return { error: errorStatus(parsed.error.code, parsed.error.message) };
  const opts = parsed.options;
  const target = await ctx.resolve(ref.namespace, ref.pod, ref.container, { previous: opts.previous });
  if ('error' in target) return { error: errorStatus(target.error.code, target.error.message, target.error.reason) };
  const options: LogOptions = { follow: opts.follow, timestamps: opts.timestamps };
  if (opts.tailLines !== undefined) options.tailLines = opts.tailLines;
  if (opts.limitBytes !== undefined) options.limitBytes = opts.limitBytes;
  if (opts.sinceTime !== undefined) options.since = opts.sinceTime;
  else if (opts.sinceSeconds !== undefined) options.since = ctx.clock.now() - opts.sinceSeconds * 1000;
  return { containerId: target.containerId, options, limitBytes: opts.limitBytes ?? Number.POSITIVE_INFINITY };
}

/** Copies the runtime's log chunks to write() until the end, limitBytes, or the signal. */
async function pumpLogs(ctx: LogsContext, target: LogTarget, signal: AbortSignal, write: (data: Buffer) => Promise<void>, log: Logger): Promise<void> {
  let remaining = target.limitBytes;
  try {
    for await (const chunk of ctx.runtime.logs(target.containerId, { ...target.options, signal })) {
      if (signal.aborted) break;
      const data = chunk.data.length > remaining ? chunk.data.subarray(0, remaining) : chunk.data;
      remaining -= data.length;
      if (data.length > 0) await write(data);
      if (remaining <= 0) break;
    }
  } catch (err) {
    if (!signal.aborted) log.warn({ err }, 'reading container logs failed');
  }
}

export async function serveContainerLogs(ctx: LogsContext, ref: ContainerRef, url: URL, res: ServerResponse): Promise<void> {
  const log = ctx.log.child({ pod: `${ref.namespace}/${ref.pod}`, container: ref.container });
  const target = await prepareLogs(ctx, ref, url);
  if ('error' in target) {
    sendStatus(res, target.error);
    return;
  }
  const abort = new AbortController();
  const onGone = (): void => { abort.abort(new Error('client went away')); };
  res.on('close', onGone);
  // Like the kubelet, commit the headers before handing off to the runtime, so a follow on a
  // quiet container still answers at once.
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
  const write = (data: Buffer): Promise<void> => {
    if (res.write(data)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  };
  try {
    await pumpLogs(ctx, target, abort.signal, write, log);
  } finally {
    res.off('close', onGone);
    abort.abort(new Error('log stream ended'));
    if (!res.writableEnded) res.end();
  }
}

/** The log stream over an upgraded WebSocket: one message per chunk, then a close 1000. */
export async function serveContainerLogsWebSocket(ctx: LogsContext, ref: ContainerRef, target: LogTarget, ws: WebSocket): Promise<void> {
  const log = ctx.log.child({ pod: `${ref.namespace}/${ref.pod}`, container: ref.container });
  const base64 = LOG_WS_PROTOCOLS[ws.protocol]?.base64 ?? false;
  const abort = new AbortController();
  ws.on('close', () => { abort.abort(new Error('client went away')); });
  ws.on('error', (err) => { log.debug({ err }, 'websocket error'); });
  const write = (data: Buffer): Promise<void> => new Promise<void>((resolve) => {
    if (ws.readyState !== ws.OPEN) {
      resolve();
      return;
    }
    ws.send(base64 ? data.toString('base64') : data, { binary: !base64 }, () => { resolve(); });
  });
  await pumpLogs(ctx, target, abort.signal, write, log);
  closeWebSocket(ws);
}
