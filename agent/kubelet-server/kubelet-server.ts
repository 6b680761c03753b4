// The agent's streaming server: the kubelet-style endpoints the API server proxies `kubectl logs`,
// `exec` and `attach` to. Every request carries `Authorization: Bearer <token>`. exec and attach
// speak the remote-command WebSocket protocols (v5.channel.k8s.io preferred); errors found before
// the upgrade are answered as Status JSON, so kubectl prints them as the real kubelet's.
import { createHash, timingSafeEqual } from 'node:crypto';
import { STATUS_CODES, createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { SystemClock } from '../../lib/clock.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { isNotFound } from '../../runtime/errors.ts';
import type { Runtime } from '../../runtime/types.ts';
import { SUPPORTED_PROTOCOLS, negotiateProtocol, offeredProtocols } from './channel-protocol.ts';
import type { ChannelProtocol } from './channel-protocol.ts';
import { LOG_WS_PROTOCOLS, prepareLogs, sendStatus, serveContainerLogs, serveContainerLogsWebSocket } from './container-logs.ts';
import type { ContainerRef } from './container-logs.ts';
import type { ResolveResult } from './container-target.ts';
import { errorStatus, exitCodeStatus, successStatus } from './status.ts';
import type { KubeStatus } from './status.ts';
import { runStreamSession } from './stream-session.ts';
import type { StreamOptions } from './stream-session.ts';

export type KubeletServerRuntime = Pick<Runtime, 'logs' | 'exec' | 'attach' | 'containerStatus'>;

export type ResolveContainer = (namespace: string, pod: string, container: string, opts: { previous: boolean }) => Promise<ResolveResult>;

export interface KubeletServerOptions {
  runtime: KubeletServerRuntime;
  /** Finds the runtime container a request is about; the agent core owns pod state. */
  resolve: ResolveContainer;
  /** The bearer token every request must carry. */
  token: string;
  /** HTTPS with this certificate and key; plain HTTP when undefined. */
  tls: { cert: string | Buffer; key: string | Buffer } | undefined;
  log: Logger;
  clock?: Clock;
}

export interface KubeletServer {
  listen(port: number, host?: string): Promise<void>;
  close(): Promise<void>;
  address(): { host: string; port: number };
}

type RouteKind = 'logs' | 'exec' | 'attach';

interface Route {
  kind: RouteKind;
  ref: ContainerRef;
}

/** `/containerLogs/{ns}/{pod}/{container}`, `/exec|attach/{ns}/{pod}[/{uid}]/{container}`. */
export function parseRoute(pathname: string): Route | undefined {
  let parts: string[];
  try {
    parts = pathname.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
  } catch {
    return undefined;
  }
  const [head, namespace, pod, ...rest] = parts;
  if (namespace === undefined || pod === undefined) return undefined;
  if (head === 'containerLogs' && rest.length === 1 && rest[0] !== undefined) {
    return { kind: 'logs', ref: { namespace, pod, container: rest[0] } };
  }
  if ((head === 'exec' || head === 'attach') && (rest.length === 1 || rest.length === 2)) {
    const container = rest[rest.length - 1];
    if (container !== undefined) return { kind: head, ref: { namespace, pod, container } };
  }
  return undefined;
}

function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === '1' || v === 'true';
}

interface StreamTarget {
  containerId: string;
  options: StreamOptions;
  cmd: string[];
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function rejectUpgrade(socket: Duplex, status: KubeStatus): void {
  const code = status.code ?? 500;
  const body = JSON.stringify(status);
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

const UPGRADE_REQUIRED = (): KubeStatus => errorStatus(400, 'Upgrade request required');

export function createKubeletServer(opts: KubeletServerOptions): KubeletServer {
  if (opts.token === '') throw new Error('kubelet server: an empty bearer token would let anyone in');
  const log = opts.log;
  const clock = opts.clock ?? new SystemClock();
  const expected = digest(`Bearer ${opts.token}`);
  // The subprotocol is chosen before the upgrade (to refuse it with a Status); ws just echoes it.
  const negotiated = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({ noServer: true, clientTracking: true, handleProtocols: (_offered, req) => negotiated.get(req) ?? false });
  const server: Server = opts.tls === undefined
    ? createHttpServer()
    : createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key });

  const authorized = (req: IncomingMessage): boolean => {
    const header = req.headers.authorization;
    return header !== undefined && timingSafeEqual(digest(header), expected);
  };

  const requestUrl = (req: IncomingMessage): URL => new URL(req.url ?? '/', 'http://kubelet');

  /** Everything an exec/attach needs, or the Status to refuse it with (before any upgrade). */
  const prepareStream = async (route: Route, url: URL): Promise<StreamTarget | { error: KubeStatus }> => {
    const q = url.searchParams;
    const tty = flag(q, 'tty');
    const options: StreamOptions = { stdin: flag(q, 'input'), stdout: flag(q, 'output'), stderr: flag(q, 'error') && !tty, tty };
    if (!options.stdin && !options.stdout && !options.stderr) {
      return { error: errorStatus(400, 'you must specify at least 1 of stdin, stdout, stderr') };
    }
    const cmd = q.getAll('command');
    if (route.kind === 'exec' && cmd.length === 0) {
      return { error: errorStatus(400, 'you must specify at least one command for the container') };
    }
    const { namespace, pod, container } = route.ref;
    const target = await opts.resolve(namespace, pod, container, { previous: false });
    if ('error' in target) return { error: errorStatus(target.error.code, target.error.message, target.error.reason) };
    try {
      const st = await opts.runtime.containerStatus(target.containerId);
      if (st.state !== 'running') return { error: errorStatus(400, `container "${container}" in pod "${pod}" is not running`) };
    } catch (err) {
      if (isNotFound(err)) return { error: errorStatus(404, `container not found ("${container}")`) };
      throw err;
    }
    return { containerId: target.containerId, options, cmd };
  };

  const handleRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!authorized(req)) {
      sendStatus(res, errorStatus(401, 'Unauthorized'));
      return;
    }
    const url = requestUrl(req);
    const route = parseRoute(url.pathname);
    if (route === undefined) {
      sendStatus(res, errorStatus(404, 'the server could not find the requested resource'));
      return;
    }
    if (route.kind === 'logs') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendStatus(res, errorStatus(405, `${req.method ?? ''} is not supported on resources of kind "pods/log"`));
        return;
      }
      await serveContainerLogs({ runtime: opts.runtime, resolve: opts.resolve, clock, log }, route.ref, url, res);
      return;
    }
    // exec/attach without an upgrade (or a SPDY one we do not speak): report why it cannot be
    // served first, so kubectl's fallback prints the real reason.
    const target = await prepareStream(route, url);
    sendStatus(res, 'error' in target ? target.error : UPGRADE_REQUIRED());
  };

  const handleUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    if (!authorized(req)) {
      rejectUpgrade(socket, errorStatus(401, 'Unauthorized'));
      return;
    }
    const url = requestUrl(req);
    const route = parseRoute(url.pathname);
    if (route === undefined) {
      rejectUpgrade(socket, errorStatus(404, 'the server could not find the requested resource'));
      return;
    }
    const isWebSocket = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    if (route.kind === 'logs') {
      await upgradeLogs(route.ref, url, isWebSocket, req, socket, head);
      return;
    }
    const target = await prepareStream(route, url);
    if ('error' in target) {
      rejectUpgrade(socket, target.error);
      return;
    }
    if (!isWebSocket) {
      rejectUpgrade(socket, errorStatus(400, `unsupported upgrade "${req.headers.upgrade ?? ''}": use WebSocket with ${SUPPORTED_PROTOCOLS.join(', ')}`));
      return;
    }
    const offered = offeredProtocols(req.headers['sec-websocket-protocol']);
    const protocol = negotiateProtocol(offered);
    if (protocol === undefined) {
      rejectUpgrade(socket, errorStatus(400, `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${SUPPORTED_PROTOCOLS.join(' ')}]`));
      return;
    }
    startSession(route, target, protocol, req, socket, head);
  };

  const upgradeLogs = async (ref: ContainerRef, url: URL, isWebSocket: boolean, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const ctx = { runtime: opts.runtime, resolve: opts.resolve, clock, log };
    const target = await prepareLogs(ctx, ref, url);
    if ('error' in target) {
      rejectUpgrade(socket, target.error);
      return;
    }
    const offered = offeredProtocols(req.headers['sec-websocket-protocol']);
    const protocol = offered.length === 0 ? '' : offered.find((p) => p in LOG_WS_PROTOCOLS);
    if (!isWebSocket || protocol === undefined) {
      rejectUpgrade(socket, errorStatus(400, isWebSocket ? `requested protocol(s) are not supported: [${offered.join(' ')}]` : 'Upgrade request required'));
      return;
    }
    negotiated.set(req, protocol);
    wss.handleUpgrade(req, socket, head, (ws) => {
      serveContainerLogsWebSocket(ctx, ref, target, ws).catch((err: unknown) => { log.warn({ err }, 'log stream failed'); });
    });
  };

  const startSession = (route: Route, target: StreamTarget, protocol: ChannelProtocol, req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const { namespace, pod, container } = route.ref;
    const slog = log.child({ pod: `${namespace}/${pod}`, container, stream: route.kind });
    negotiated.set(req, protocol.name);
    wss.handleUpgrade(req, socket, head, (ws) => {
      slog.debug({ protocol: protocol.name, cmd: target.cmd }, 'stream session started');
      const { containerId, options, cmd } = target;
      const session = route.kind === 'exec'
        ? runStreamSession({
          ws, protocol, options, log: slog,
          start: (streams, signal) => opts.runtime.exec(containerId, cmd, { tty: options.tty, streams, signal }),
          onExit: (code) => (code === 0 ? successStatus() : exitCodeStatus(cmd, code)),
          startErrorPrefix: 'error executing command in container',
        })
        : runStreamSession({
          ws, protocol, options, log: slog,
          start: (streams, signal) => opts.runtime.attach(containerId, { streams, signal }),
          onExit: () => successStatus(),
          startErrorPrefix: 'error attaching to container',
        });
      session.then(
        () => { slog.debug('stream session ended'); },
        (err: unknown) => { slog.warn({ err }, 'stream session failed'); },
      );
    });
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handleRequest(req, res).catch((err: unknown) => {
      log.error({ err, url: req.url }, 'kubelet server request failed');
      if (!res.headersSent) sendStatus(res, errorStatus(500, `Internal error occurred: ${errorText(err)}`));
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => { log.debug({ err }, 'upgrade socket error'); });
    handleUpgrade(req, socket, head).catch((err: unknown) => {
      log.error({ err, url: req.url }, 'kubelet server upgrade failed');
      if (socket.writable) rejectUpgrade(socket, errorStatus(500, `Internal error occurred: ${errorText(err)}`));
    });
  });
  server.on('clientError', (err, socket) => {
    log.debug({ err }, 'kubelet server client error');
    socket.destroy();
  });

  return {
    listen(port: number, host?: string): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    },
    close(): Promise<void> {
      for (const ws of wss.clients) ws.terminate();
      return new Promise<void>((resolve) => {
        server.close(() => { resolve(); });
        server.closeAllConnections();
      });
    },
    address(): { host: string; port: number } {
      const a = server.address() as AddressInfo | null;
      if (a === null) throw new Error('kubelet server is not listening');
      return { host: a.address, port: a.port };
    },
  };
}
