// The agent's local HTTP endpoint: /healthz, /pods (a v1 PodList with status, like the kubelet's
// read-only /pods), /metrics (Prometheus), /events (an EventList, for `nodelet pods` and tests)
// and /manifests (bad manifests found by the file source). The handler is usable without a socket.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Event as CoreEvent, Pod } from 'kubernetes-types/core/v1.d.ts';
import type { AgentMetrics } from './metrics.ts';
import type { SourceProblem } from './sources/pod-source.ts';

export interface AgentServerBackend {
  podList(): Pod[];
  events(podUid?: string): CoreEvent[];
  problems(): SourceProblem[];
  metrics: AgentMetrics;
  healthy(): boolean;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function json(res: ServerResponse, code: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
  res.end(data);
}

export function agentHandler(b: AgentServerBackend): Handler {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://agent');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      json(res, 405, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'method not allowed', code: 405 });
      return;
    }
    switch (url.pathname) {
      case '/healthz': {
        const ok = b.healthy();
        res.writeHead(ok ? 200 : 500, { 'content-type': 'text/plain' });
        res.end(ok ? 'ok' : 'unhealthy');
        return;
      }
      case '/pods':
      case '/pods/':
        json(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: b.podList() });
        return;
      case '/events': {
        const uid = url.searchParams.get('uid') ?? undefined;
        json(res, 200, { kind: 'EventList', apiVersion: 'v1', metadata: {}, items: b.events(uid) });
        return;
      }
      case '/manifests':
        json(res, 200, { problems: b.problems() });
        return;
      case '/metrics':
        b.metrics.text().then((text) => {
          res.writeHead(200, { 'content-type': b.metrics.contentType });
          res.end(text);
        }, (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        });
        return;
      default:
        json(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `the server could not find the requested resource`, reason: 'NotFound', code: 404 });
    }
  };
}

export interface AgentServer {
  readonly server: Server;
  /** e.g. http://127.0.0.1:10255 */
  url(): string;
  close(): Promise<void>;
}

export async function startAgentServer(b: AgentServerBackend, opts: { port: number; host?: string }): Promise<AgentServer> {
  const server = createServer(agentHandler(b));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  return {
    server,
    url: () => {
      const a = server.address() as AddressInfo;
      const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      return `http://${host}:${a.port}`;
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => { resolve(); }); }),
  };
}
