// pods/log, pods/exec and pods/attach: proxied to the agent running the pod, at the Node's
// status.addresses and status.daemonEndpoints.kubeletEndpoint.Port, on kubelet-style paths
// (/containerLogs, /exec, /attach) with the node token. Log bytes are streamed through; exec,
// attach and log WebSocket frames (log: binary.k8s.io / base64.binary.k8s.io, as the
// conformance "logs over websockets" test asks) are relayed both ways, and the agent's close
// code (1000) and Status on channel 3 reach kubectl unchanged.
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Logger } from '../../lib/log.ts';
import { ApiError } from '../api/errors.ts';
import type { PodStreaming } from '../http/handler.ts';
import { isRecord } from '../registry/object-meta.ts';
import type { Registry } from '../registry/registry.ts';
import type { KubeObject } from '../storage/types.ts';

export interface NodeProxyOptions {
  registry: Registry;
  /** Bearer token the agents accept (the node token). */
  token: string;
  log: Logger;
  /** 'https' (default) or 'http' for agents serving plain HTTP. */
  scheme?: 'https' | 'http';
  /**
   * CA to verify agents' serving certificates with; without it they are not verified (as
   * kube-apiserver without --kubelet-certificate-authority).
   */
  ca?: string;
}

type Obj = Record<string, unknown>;

function arr(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

const LOG_PARAMS = ['follow', 'previous', 'tailLines', 'sinceSeconds', 'sinceTime', 'timestamps', 'limitBytes', 'insecureSkipTLSVerifyBackend'];

/** kubectl's exec/attach query -> the kubelet's. */
const STREAM_FLAGS: Record<string, string> = { stdin: 'input', stdout: 'output', stderr: 'error', tty: 'tty' };

export class NodeProxy implements PodStreaming {
  /** The subprotocol the agent chose, per client request; the client gets the same one. */
  private readonly chosen = new WeakMap<IncomingMessage, string>();
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (_offered, req) => this.chosen.get(req) ?? false,
  });

  constructor(private readonly o: NodeProxyOptions) {}

  async logs(req: IncomingMessage, res: ServerResponse, pod: KubeObject, query: URLSearchParams): Promise<void> {
    const container = containerFor(pod, query.get('container'), true);
    const base = await this.nodeBase(pod);
    const path = logPath(pod, container, query);
    await new Promise<void>((resolve, reject) => {
      const upstream = this.request(base, path, (up) => {
        res.writeHead(up.statusCode ?? 500, {
          'Content-Type': up.headers['content-type'] ?? 'text/plain',
          'Cache-Control': 'no-cache, private',
          ...(up.headers['content-length'] === undefined ? {} : { 'Content-Length': up.headers['content-length'] }),
        });
        res.socket?.setNoDelay(true);
        up.pipe(res);
        up.on('end', () => { resolve(); });
        up.on('error', () => { res.destroy(); resolve(); });
      });
      upstream.on('error', (err) => { reject(ApiError.internal(err)); });
      req.on('close', () => { upstream.destroy(); });
      upstream.end();
    });
  }

  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, pod: KubeObject, subresource: 'exec' | 'attach' | 'log', query: URLSearchParams): Promise<void> {
    const path = subresource === 'log' ? this.logUpgradePath(req, pod, query) : this.streamUpgradePath(req, pod, subresource, query);
    const base = await this.nodeBase(pod);
    const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
    const url = `${base.scheme === 'https' ? 'wss' : 'ws'}://${base.host}:${base.port}${path}`;
    const upstream = new WebSocket(url, protocols, {
      headers: { Authorization: `Bearer ${this.o.token}` },
      rejectUnauthorized: this.o.ca !== undefined,
      ...(this.o.ca === undefined ? {} : { ca: this.o.ca }),
      perMessageDeflate: false,
      handshakeTimeout: 15_000,
    });
    await new Promise<void>((resolve, reject) => {
      upstream.once('unexpected-response', (_r, response) => {
        // The agent refused (a Status JSON): answer the client the same way.
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => {
          const body = Buffer.concat(chunks);
          if (socket.writable) {
            socket.end(`HTTP/1.1 ${response.statusCode ?? 500} ${response.statusMessage ?? ''}\r\nContent-Type: ${response.headers['content-type'] ?? 'application/json'}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString('utf8')}`);
          }
          resolve();
        });
      });
      upstream.once('error', (err) => { reject(ApiError.internal(err)); });
      upstream.once('open', () => {
        if (upstream.protocol !== '') this.chosen.set(req, upstream.protocol);
        this.wss.handleUpgrade(req, socket, head, (client) => {
          relay(client, upstream, this.o.log);
          resolve();
        });
      });
    });
  }

  /** The agent's /exec or /attach path; the request is validated first (like ExecLocation). */
  private streamUpgradePath(req: IncomingMessage, pod: KubeObject, subresource: 'exec' | 'attach', query: URLSearchParams): string {
    // validated before any upstream connection, so kubectl's SPDY fallback after a refused
    // WebSocket upgrade prints the real reason, not the protocol we do not speak
    const phase = isRecord(pod['status']) ? pod['status']['phase'] : undefined;
    if (phase === 'Succeeded' || phase === 'Failed') {
      throw ApiError.badRequest(`cannot ${subresource} into a container in a completed pod; current phase is ${typeof phase === 'string' ? phase : ''}`);
    }
    const container = containerFor(pod, query.get('container'), false);
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      throw ApiError.badRequest(`unsupported upgrade "${req.headers.upgrade ?? ''}": use WebSocket with v5.channel.k8s.io`);
    }
    const q = new URLSearchParams();
    for (const c of query.getAll('command')) q.append('command', c);
    for (const [from, to] of Object.entries(STREAM_FLAGS)) if (query.get(from) === 'true' || query.get(from) === '1') q.set(to, '1');
    return `/${subresource}/${enc(pod.metadata?.namespace)}/${enc(pod.metadata?.name)}/${enc(container)}?${q.toString()}`;
  }

  /** The agent's /containerLogs path for a log stream over WebSocket (one message per chunk). */
  private logUpgradePath(req: IncomingMessage, pod: KubeObject, query: URLSearchParams): string {
    const container = containerFor(pod, query.get('container'), true);
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      throw ApiError.badRequest(`unsupported upgrade "${req.headers.upgrade ?? ''}": use WebSocket with binary.k8s.io or base64.binary.k8s.io`);
    }
    return logPath(pod, container, query);
  }

  private request(base: NodeBase, path: string, onResponse: (res: IncomingMessage) => void): ReturnType<typeof httpRequest> {
    const options = {
      host: base.host,
      port: base.port,
      path,
      method: 'GET',
      headers: { Authorization: `Bearer ${this.o.token}`, Accept: '*/*' },
    };
    if (base.scheme === 'http') return httpRequest(options, onResponse);
    return httpsRequest({ ...options, rejectUnauthorized: this.o.ca !== undefined, ...(this.o.ca === undefined ? {} : { ca: this.o.ca }) }, onResponse);
  }

  private async nodeBase(pod: KubeObject): Promise<NodeBase> {
    const spec = isRecord(pod['spec']) ? pod['spec'] : {};
    const nodeName = typeof spec['nodeName'] === 'string' ? spec['nodeName'] : '';
    if (nodeName === '') throw ApiError.badRequest(`pod ${pod.metadata?.name ?? ''} does not have a host assigned`);
    const node = await this.o.registry.nodes.get(undefined, nodeName);
    const status = isRecord(node['status']) ? node['status'] : {};
    const addresses = arr(status['addresses']);
    const pick = (t: string): string | undefined => {
      const a = addresses.find((x) => x['type'] === t)?.['address'];
      return typeof a === 'string' && a !== '' ? a : undefined;
    };
    const host = pick('InternalIP') ?? pick('Hostname') ?? pick('ExternalIP') ?? pick('InternalDNS') ?? pick('ExternalDNS');
    const endpoints = isRecord(status['daemonEndpoints']) && isRecord(status['daemonEndpoints']['kubeletEndpoint']) ? status['daemonEndpoints']['kubeletEndpoint'] : {};
    const port = typeof endpoints['Port'] === 'number' ? endpoints['Port'] : 0;
    if (host === undefined || port === 0) {
      throw ApiError.badRequest(`no preferred addresses found; known addresses: [${addresses.map((a) => `{${String(a['type'])} ${String(a['address'])}}`).join(' ')}]`);
    }
    return { scheme: this.o.scheme ?? 'https', host: host.includes(':') ? `[${host}]` : host, port };
  }
}

interface NodeBase {
  scheme: 'https' | 'http';
  host: string;
  port: number;
}

function logPath(pod: KubeObject, container: string, query: URLSearchParams): string {
  const q = new URLSearchParams();
  for (const p of LOG_PARAMS) for (const v of query.getAll(p)) q.append(p, v);
  return `/containerLogs/${enc(pod.metadata?.namespace)}/${enc(pod.metadata?.name)}/${enc(container)}${q.size > 0 ? `?${q.toString()}` : ''}`;
}

function enc(s: string | undefined): string {
  return encodeURIComponent(s ?? '');
}

/** The container a request is about: the named one, the default-container annotation, or the only one. */
export function containerFor(pod: KubeObject, requested: string | null, includeInit: boolean): string {
  const spec = isRecord(pod['spec']) ? pod['spec'] : {};
  const names = (k: string): string[] => arr(spec[k]).map((c) => String(c['name']));
  const containers = names('containers');
  const init = names('initContainers');
  const ephemeral = names('ephemeralContainers');
  const podName = pod.metadata?.name ?? '';
  if (requested !== null && requested !== '') {
    if (![...containers, ...init, ...ephemeral].includes(requested)) {
      throw ApiError.badRequest(`container ${requested} is not valid for pod ${podName}`);
    }
    return requested;
  }
  const annotations = isRecord(pod.metadata?.['annotations']) ? pod.metadata['annotations'] : {};
  const preferred = annotations['kubectl.kubernetes.io/default-container'];
  if (typeof preferred === 'string' && containers.includes(preferred)) return preferred;
  if (containers.length === 1 && containers[0] !== undefined) return containers[0];
  let msg = `a container name must be specified for pod ${podName}, choose one of: [${containers.join(' ')}]`;
  if (includeInit && init.length > 0) msg += ` or one of the init containers: [${init.join(' ')}]`;
  throw ApiError.badRequest(msg);
}

function relay(client: WebSocket, upstream: WebSocket, log: Logger): void {
  const forward = (to: WebSocket) => (data: RawData, isBinary: boolean): void => {
    if (to.readyState === WebSocket.OPEN) to.send(data as Buffer, { binary: isBinary });
  };
  client.on('message', forward(upstream));
  upstream.on('message', forward(client));
  const closeOther = (to: WebSocket) => (code: number, reason: Buffer): void => {
    const valid = code >= 1000 && code < 5000 && code !== 1005 && code !== 1006;
    if (to.readyState === WebSocket.OPEN || to.readyState === WebSocket.CONNECTING) {
      if (valid) to.close(code, reason);
      else to.close(1000);
    }
  };
  client.on('close', closeOther(upstream));
  upstream.on('close', closeOther(client));
  client.on('error', (err) => { log.debug({ err }, 'exec client connection error'); upstream.terminate(); });
  upstream.on('error', (err) => { log.debug({ err }, 'exec agent connection error'); client.terminate(); });
}
