// pods/log, exec, attach and portforward: proxied to the agent running the pod, at the Node's
// status.addresses and status.daemonEndpoints.kubeletEndpoint.Port, on kubelet-style paths
// (/containerLogs, /exec, /attach, /portForward) with the node token. Log bytes are streamed
// through; upgraded streams (WebSocket channels, SPDY/3.1, the WebSocket-tunnelled SPDY of
// kubectl's port-forward, log over WebSocket) pass through as raw bytes, so the agent's answers —
// a Status on channel 3, a refusal in its own words — reach the client unchanged.
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../lib/log.ts';
import { ApiError } from '../api/errors.ts';
import type { PodStreaming } from '../http/handler.ts';
import { Query } from '../http/query.ts';
import { isRecord } from '../registry/object-meta.ts';
import type { Registry } from '../registry/registry.ts';
import type { KubeObject } from '../storage/types.ts';
import { proxyUpgrade } from './upgrade-proxy.ts';

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

const LOG_BOOLS = ['follow', 'previous', 'timestamps'];
const LOG_INTS = ['tailLines', 'sinceSeconds', 'limitBytes'];

export type StreamSubresource = 'exec' | 'attach' | 'log' | 'portforward';

/** kubectl's exec/attach query -> the kubelet's. */
const STREAM_FLAGS: Record<string, string> = { stdin: 'input', stdout: 'output', stderr: 'error', tty: 'tty' };

export class NodeProxy implements PodStreaming {
  constructor(private readonly o: NodeProxyOptions) {}

  async logs(req: IncomingMessage, res: ServerResponse, pod: KubeObject, query: URLSearchParams): Promise<void> {
    const container = containerFor(pod, query.get('container'), true);
    const path = logPath(pod, container, query);
    const base = await this.nodeBase(pod);
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

  /**
   * exec, attach and portforward (WebSocket or SPDY/3.1) and log over WebSocket: checked here
   * the way the registry's ExecLocation/PortForwardLocation check them, then passed to the agent
   * byte for byte (proxyUpgrade).
   */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, pod: KubeObject, subresource: StreamSubresource, query: URLSearchParams): Promise<void> {
    const path = subresource === 'log'
      ? logPath(pod, containerFor(pod, query.get('container'), true), query)
      : subresource === 'portforward' ? portForwardPath(pod, query) : streamPath(pod, subresource, query);
    const base = await this.nodeBase(pod);
    await proxyUpgrade(req, socket, head, { ...base, path }, {
      token: this.o.token,
      log: this.o.log,
      ...(this.o.ca === undefined ? {} : { ca: this.o.ca }),
    });
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

/**
 * The agent's /containerLogs path. Options are decoded here as the apiserver decodes
 * PodLogOptions (booleans as upstream reads them, integers as strconv does) and passed on in the
 * kubelet's canonical form, so every client's spelling (`follow=True`) means the same.
 */
function logPath(pod: KubeObject, container: string, query: URLSearchParams): string {
  const q = Query.of(query);
  const out = new URLSearchParams();
  for (const b of LOG_BOOLS) if (q.bool(b)) out.set(b, 'true');
  for (const i of LOG_INTS) {
    const v = q.int(i);
    if (v !== undefined) out.set(i, String(v));
  }
  const since = q.string('sinceTime');
  if (since !== undefined) out.set('sinceTime', since);
  return `/containerLogs/${enc(pod.metadata?.namespace)}/${enc(pod.metadata?.name)}/${enc(container)}${out.size > 0 ? `?${out.toString()}` : ''}`;
}

/** The agent's /exec or /attach path; the request is checked first (like ExecLocation). */
function streamPath(pod: KubeObject, subresource: 'exec' | 'attach', query: URLSearchParams): string {
  const phase = isRecord(pod['status']) ? pod['status']['phase'] : undefined;
  if (phase === 'Succeeded' || phase === 'Failed') {
    throw ApiError.badRequest(`cannot ${subresource} into a container in a completed pod; current phase is ${typeof phase === 'string' ? phase : ''}`);
  }
  const container = containerFor(pod, query.get('container'), false);
  const q = Query.of(query);
  const out = new URLSearchParams();
  for (const c of q.strings('command')) out.append('command', c);
  for (const [from, to] of Object.entries(STREAM_FLAGS)) if (q.bool(from)) out.set(to, '1');
  return `/${subresource}/${enc(pod.metadata?.namespace)}/${enc(pod.metadata?.name)}/${enc(container)}?${out.toString()}`;
}

/**
 * The agent's /portForward path. The WebSocket protocols name their ports in the query: `ports`
 * here (PortForwardOptions, each value a comma-separated list decoded as uint16), `port` on the
 * kubelet, one per port (PortForwardLocation).
 */
function portForwardPath(pod: KubeObject, query: URLSearchParams): string {
  const out = new URLSearchParams();
  for (const value of query.getAll('ports')) {
    for (const p of value.split(',')) {
      if (!/^\d+$/.test(p) || Number(p) > 65535) {
        const why = /^\d+$/.test(p) ? 'value out of range' : 'invalid syntax';
        throw ApiError.badRequest(`cannot convert to []int32: strconv.ParseUint: parsing ${JSON.stringify(p)}: ${why}`);
      }
      out.append('port', String(Number(p)));
    }
  }
  return `/portForward/${enc(pod.metadata?.namespace)}/${enc(pod.metadata?.name)}${out.size > 0 ? `?${out.toString()}` : ''}`;
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
