// The agent's streaming server: the kubelet-style endpoints the API server proxies `kubectl logs`,
// `exec`, `attach` and `port-forward` to. Every request carries `Authorization: Bearer <token>`.
// exec and attach speak the remote-command protocols over WebSocket (v5.channel.k8s.io preferred)
// and SPDY/3.1 (kubectl's fallback, older client-go); port-forward speaks WebSocket channels
// (client-node, Python), SPDY/3.1 and SPDY tunnelled in WebSocket (kubectl 1.31+). Errors found
// before an upgrade are answered in the kubelet's own form: a Status for bad options, the plain
// text kubectl prints as "unable to upgrade connection: <text>" for a missing pod or container.
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
import { SpdySession } from '../../lib/spdy/session.ts';
import { ERROR, SUPPORTED_PROTOCOLS, encodeFrame, negotiateProtocol, offeredProtocols } from './channel-protocol.ts';
import type { ChannelProtocol } from './channel-protocol.ts';
import { parseForwardPorts, serveWebSocketPortForward, type ForwardTarget } from './port-forward.ts';
import {
  SPDY_PORT_FORWARD_PROTOCOLS,
  SPDY_REMOTE_COMMAND_PROTOCOLS,
  acceptSpdyUpgrade,
  isSpdyUpgrade,
  negotiateStreamProtocol,
  offeredStreamProtocols,
  serveSpdyPortForward,
  serveSpdyRemoteCommand,
} from './spdy-serving.ts';
import { webSocketDuplex } from './websocket-duplex.ts';
import { LOG_WS_PROTOCOLS, prepareLogs, sendStatus, serveContainerLogs, serveContainerLogsWebSocket } from './container-logs.ts';
import type { ContainerRef } from './container-logs.ts';
import type { ResolveResult } from './container-target.ts';
import { errorStatus, exitCodeStatus, internalErrorStatus, successStatus } from './status.ts';
import type { KubeStatus } from './status.ts';
import { runStreamSession } from './stream-session.ts';
import type { SessionRun, StreamOptions } from './stream-session.ts';
import { closeWebSocket } from './websocket-close.ts';

export type KubeletServerRuntime = Pick<Runtime, 'logs' | 'exec' | 'attach' | 'containerStatus' | 'listSandboxes' | 'portForward'>;

export type ResolveContainer = (namespace: string, pod: string, container: string, opts: { previous: boolean }) => Promise<ResolveResult>;

/** The uid of a pod this agent runs, or undefined when it runs no such pod. */
export type ResolvePod = (namespace: string, pod: string) => Promise<{ uid: string } | undefined>;

export interface KubeletServerOptions {
  runtime: KubeletServerRuntime;
  /** Finds the runtime container a request is about; the agent core owns pod state. */
  resolve: ResolveContainer;
  /** Finds the pod a port-forward is about (default: none, every port-forward is refused). */
  resolvePod?: ResolvePod;
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

type RouteKind = 'logs' | 'exec' | 'attach' | 'portforward';

interface Route {
  kind: RouteKind;
  /** For port-forward, container is ''. */
  ref: ContainerRef;
}

/**
 * `/containerLogs/{ns}/{pod}/{container}`, `/exec|attach/{ns}/{pod}[/{uid}]/{container}`,
 * `/portForward/{ns}/{pod}[/{uid}]`.
 */
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
  if (head === 'portForward' && rest.length <= 1) {
    return { kind: 'portforward', ref: { namespace, pod, container: '' } };
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

/**
 * Why a stream cannot be served: a Status (bad options), or plain text as the kubelet's
 * streaming.WriteError writes it (kubectl then prints "unable to upgrade connection: <text>").
 */
type Refusal = { error: KubeStatus } | { text: string; code: number };

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

function rejectText(socket: Duplex, code: number, text: string): void {
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

function refuse(socket: Duplex, r: Refusal): void {
  if ('error' in r) rejectUpgrade(socket, r.error);
  else rejectText(socket, r.code, r.text);
}

function refuseResponse(res: ServerResponse, r: Refusal): void {
  if ('error' in r) {
    sendStatus(res, r.error);
    return;
  }
  res.writeHead(r.code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(r.text) });
  res.end(r.text);
}

/** The ws library refuses subprotocol names with '/' or '+' (kubectl's tunnel offers one). */
const TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
const PORT_FORWARD_WS_PROTOCOLS: readonly ChannelProtocol[] = [
  { name: 'v4.channel.k8s.io', version: 4, base64: false },
  { name: 'v4.base64.channel.k8s.io', version: 4, base64: true },
];

const UPGRADE_REQUIRED = (): KubeStatus => errorStatus(400, 'Upgrade request required');

export function createKubeletServer(opts: KubeletServerOptions): KubeletServer {
  if (opts.token === '') throw new Error('kubelet server: an empty bearer token would let anyone in');
  const log = opts.log;
  const clock = opts.clock ?? new SystemClock();
  const expected = digest(`Bearer ${opts.token}`);
  // The subprotocol is chosen before the upgrade (to refuse it with a Status); ws just echoes it.
  const negotiated = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({ noServer: true, clientTracking: true, handleProtocols: (_offered, req) => negotiated.get(req) ?? false });
  const tunnelled = new WeakSet<IncomingMessage>();
  wss.on('headers', (headers, req) => { if (tunnelled.has(req)) headers.push(`Sec-WebSocket-Protocol: ${TUNNEL_PROTOCOL}`); });
  const server: Server = opts.tls === undefined
    ? createHttpServer()
    : createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key });

  const authorized = (req: IncomingMessage): boolean => {
    const header = req.headers.authorization;
    return header !== undefined && timingSafeEqual(digest(header), expected);
  };

  const requestUrl = (req: IncomingMessage): URL => new URL(req.url ?? '/', 'http://kubelet');

  /**
   * Everything an exec/attach needs, or why it is refused (before any upgrade). Like the
   * kubelet's GetExec, only a running container is found: anything else is `container not found`.
   */
  const prepareStream = async (route: Route, url: URL): Promise<StreamTarget | Refusal> => {
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
    const notFound: Refusal = { code: 500, text: `container not found ("${container}")` };
    if ('error' in target) {
      if (target.error.message === `pod "${pod}" not found`) return { code: 404, text: 'pod does not exist' };
      return notFound;
    }
    try {
      const st = await opts.runtime.containerStatus(target.containerId);
      if (st.state !== 'running') return notFound;
    } catch (err) {
      if (isNotFound(err)) return notFound;
      throw err;
    }
    return { containerId: target.containerId, options, cmd };
  };

  /** The pod's ready sandbox a port-forward connects into (the kubelet's GetPortForward). */
  const preparePortForward = async (route: Route): Promise<ForwardTarget | Refusal> => {
    const { namespace, pod } = route.ref;
    const found = opts.resolvePod === undefined ? undefined : await opts.resolvePod(namespace, pod);
    if (found === undefined) return { code: 404, text: 'pod does not exist' };
    const sandboxes = (await opts.runtime.listSandboxes({ podUid: found.uid })).filter((sb) => sb.state === 'ready');
    const sandbox = sandboxes.sort((a, b) => b.createdAt - a.createdAt)[0];
    if (sandbox === undefined) return { code: 500, text: `pod not found ("${pod}_${namespace}")` };
    return {
      podId: sandbox.id,
      uid: '',
      forward: (port, signal) => opts.runtime.portForward(sandbox.id, port, { signal }),
    };
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
    // exec, attach or port-forward without an upgrade: report why it could not be served first
    const target = route.kind === 'portforward' ? await preparePortForward(route) : await prepareStream(route, url);
    refuseResponse(res, 'forward' in target || 'containerId' in target ? { error: UPGRADE_REQUIRED() } : target);
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
    if (route.kind === 'portforward') {
      await upgradePortForward(route, url, isWebSocket, req, socket, head);
      return;
    }
    if (!isWebSocket && !isSpdyUpgrade(req)) {
      rejectUpgrade(socket, errorStatus(400, `unsupported upgrade "${req.headers.upgrade ?? ''}": use WebSocket with ${SUPPORTED_PROTOCOLS.join(', ')} or SPDY/3.1`));
      return;
    }
    const offered = offeredProtocols(req.headers['sec-websocket-protocol']);
    const protocol = isWebSocket ? negotiateProtocol(offered) : undefined;
    if (isWebSocket && protocol === undefined) {
      rejectUpgrade(socket, errorStatus(400, `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${SUPPORTED_PROTOCOLS.join(' ')}]`));
      return;
    }
    const target = await prepareStream(route, url);
    if (!('containerId' in target)) {
      // kube-apiserver's stream translator upgrades a v5 WebSocket first and reports a refusal
      // from the kubelet in-band, as an InternalError on the error channel
      if (protocol?.version === 5 && 'text' in target) {
        refuseInBand(req, socket, head, protocol, `unable to upgrade connection: ${target.text}`);
        return;
      }
      refuse(socket, target);
      return;
    }
    if (protocol !== undefined) {
      startSession(route, target, protocol, req, socket, head);
      return;
    }
    const chosen = negotiateStreamProtocol(offeredStreamProtocols(req), SPDY_REMOTE_COMMAND_PROTOCOLS);
    if ('error' in chosen) {
      rejectText(socket, 403, chosen.error);
      return;
    }
    const session = acceptSpdyUpgrade(socket, head, chosen.protocol, log);
    serveSpdyRemoteCommand(session, chosen.protocol, target.options, sessionRun(route, target)).catch((err: unknown) => {
      log.warn({ err }, 'spdy stream session failed');
      session.destroy();
    });
  };

  /** Accepts a v5 WebSocket only to report, in-band, why the stream cannot be served. */
  const refuseInBand = (req: IncomingMessage, socket: Duplex, head: Buffer, protocol: ChannelProtocol, message: string): void => {
    negotiated.set(req, protocol.name);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const { payload, binary } = encodeFrame(protocol, ERROR, Buffer.from(JSON.stringify(internalErrorStatus(message))));
      ws.send(payload, { binary }, () => { closeWebSocket(ws); });
    });
  };

  const upgradePortForward = async (route: Route, url: URL, isWebSocket: boolean, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const { namespace, pod } = route.ref;
    const plog = log.child({ pod: `${namespace}/${pod}`, stream: 'portforward' });
    const offered = offeredProtocols(req.headers['sec-websocket-protocol']);
    const tunnel = isWebSocket && offered.includes(TUNNEL_PROTOCOL);
    let wsProtocol: ChannelProtocol | undefined;
    let ports: number[] = [];
    if (isWebSocket && !tunnel) {
      wsProtocol = offered.length === 0 ? { name: '', version: 4, base64: false } : PORT_FORWARD_WS_PROTOCOLS.find((p) => offered.includes(p.name));
      if (wsProtocol === undefined) {
        rejectUpgrade(socket, errorStatus(400, `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${[TUNNEL_PROTOCOL, ...PORT_FORWARD_WS_PROTOCOLS.map((p) => p.name)].join(' ')}]`));
        return;
      }
      const parsed = parseForwardPorts(url.searchParams);
      if ('error' in parsed) {
        rejectText(socket, 400, parsed.error);
        return;
      }
      ports = parsed;
    } else if (!isWebSocket && !isSpdyUpgrade(req)) {
      rejectUpgrade(socket, errorStatus(400, `unsupported upgrade "${req.headers.upgrade ?? ''}": use SPDY/3.1 or WebSocket`));
      return;
    }
    const target = await preparePortForward(route);
    if (!('forward' in target)) {
      refuse(socket, target);
      return;
    }
    if (tunnel) {
      // the subprotocol is answered by hand: ws would refuse its name when parsing the offer
      delete req.headers['sec-websocket-protocol'];
      tunnelled.add(req);
      wss.handleUpgrade(req, socket, head, (ws) => {
        plog.debug('port-forward over a SPDY tunnel started');
        serveSpdyPortForward(new SpdySession(webSocketDuplex(ws), { server: true, logger: plog }), target, plog);
      });
      return;
    }
    if (wsProtocol !== undefined) {
      const protocol = wsProtocol;
      negotiated.set(req, protocol.name);
      wss.handleUpgrade(req, socket, head, (ws) => {
        plog.debug({ ports }, 'port-forward over WebSocket started');
        serveWebSocketPortForward(ws, protocol, ports, target, plog).catch((err: unknown) => { plog.warn({ err }, 'port-forward failed'); });
      });
      return;
    }
    const chosen = negotiateStreamProtocol(offeredStreamProtocols(req), SPDY_PORT_FORWARD_PROTOCOLS);
    if ('error' in chosen) {
      rejectText(socket, 403, chosen.error);
      return;
    }
    serveSpdyPortForward(acceptSpdyUpgrade(socket, head, chosen.protocol, plog), target, plog);
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

  /** What runs an exec or attach, whatever carries its streams. */
  const sessionRun = (route: Route, target: StreamTarget): SessionRun => {
    const { namespace, pod, container } = route.ref;
    const slog = log.child({ pod: `${namespace}/${pod}`, container, stream: route.kind });
    const { containerId, options, cmd } = target;
    return route.kind === 'exec'
      ? {
        log: slog,
        start: (streams, signal) => opts.runtime.exec(containerId, cmd, { tty: options.tty, streams, signal }),
        onExit: (code) => (code === 0 ? successStatus() : exitCodeStatus(cmd, code)),
        startErrorPrefix: 'error executing command in container',
      }
      : {
        log: slog,
        start: (streams, signal) => opts.runtime.attach(containerId, { streams, signal }),
        onExit: () => successStatus(),
        startErrorPrefix: 'error attaching to container',
      };
  };

  const startSession = (route: Route, target: StreamTarget, protocol: ChannelProtocol, req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    negotiated.set(req, protocol.name);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const run = sessionRun(route, target);
      run.log.debug({ protocol: protocol.name, cmd: target.cmd }, 'stream session started');
      runStreamSession({ ws, protocol, options: target.options, ...run }).then(
        () => { run.log.debug('stream session ended'); },
        (err: unknown) => { run.log.warn({ err }, 'stream session failed'); },
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
