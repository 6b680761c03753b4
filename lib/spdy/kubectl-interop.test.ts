// SpdySession as the server, the real kubectl as the client: a fake API server answers kubectl's
// discovery and Pod GET, then upgrades `kubectl port-forward` to SPDY/3.1 — plainly, or tunnelled
// in WebSocket binary messages — and serves the streams like a kubelet. Bytes go through kubectl's
// local port both ways; several MiB prove that the missing flow control does not stall at 64 KiB.
// Skipped only when kubectl is not on PATH. Every process started here is killed in afterEach.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { SpdySession, type SpdyStream } from './session.ts';
import type { SpdyHeaders } from './header-codec.ts';

function onPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), fsConstants.X_OK);
      return join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const KUBECTL = onPath('kubectl');
const TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

interface Fixture {
  apiServer: Server;
  kubectl: ChildProcess | undefined;
  sessions: SpdySession[];
  dir: string;
  stderr: string;
}

let fixture: Fixture | undefined;

afterEach(async () => {
  const f = fixture;
  fixture = undefined;
  if (f === undefined) return;
  const k = f.kubectl;
  if (k !== undefined && k.exitCode === null && k.signalCode === null) {
    const exited = once(k, 'exit');
    k.kill('SIGTERM');
    const timer = setTimeout(() => k.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
  for (const s of f.sessions) s.destroy();
  f.apiServer.closeAllConnections();
  f.apiServer.close();
  await rm(f.dir, { recursive: true, force: true });
});

function json(res: ServerResponse, body: unknown): void {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}

/** The few API answers `kubectl port-forward pod/x` needs before it upgrades. */
function apiHandler(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '').split('?')[0];
  switch (path) {
    case '/version':
      json(res, { major: '1', minor: '32', gitVersion: 'v1.32.4' });
      return;
    case '/api':
      json(res, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
      return;
    case '/apis':
      json(res, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
      return;
    case '/api/v1':
      json(res, {
        kind: 'APIResourceList', groupVersion: 'v1',
        resources: [{ name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get'], shortNames: ['po'] }],
      });
      return;
    case '/api/v1/namespaces/default/pods/x':
      json(res, { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'x', namespace: 'default' }, status: { phase: 'Running' } });
      return;
    default:
      res.statusCode = 404;
      json(res, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  }
}

/** How the fake kubelet answers one port-forward connection (an error + data stream pair). */
type PodBehaviour = (data: SpdyStream, error: SpdyStream) => void;

interface Observed {
  streams: SpdyHeaders[];
  errorStreamEnded: number;
}

async function startApiServer(transport: 'spdy' | 'websocket', pod: PodBehaviour): Promise<{ port: number; server: Server; observed: Observed; sessions: SpdySession[] }> {
  const observed: Observed = { streams: [], errorStreamEnded: 0 };
  const sessions: SpdySession[] = [];
  const server = createServer(apiHandler);
  const wss = new WebSocketServer({ noServer: true });
  // ws 8 rejects the '/' in kubectl's subprotocol, so the header is taken out before the
  // handshake and the chosen protocol is put back into the 101 response here
  wss.on('headers', (headers) => { headers.push(`Sec-WebSocket-Protocol: ${TUNNEL_PROTOCOL}`); });

  const serve = (transportStream: Duplex): void => {
    const session = new SpdySession(transportStream, { server: true });
    sessions.push(session);
    const errorStreams = new Map<string, SpdyStream>();
    session.on('stream', (stream) => {
      observed.streams.push({ ...stream.headers });
      stream.reply();
      const requestId = stream.headers['requestid'] ?? '';
      if (stream.headers['streamtype'] === 'error') {
        errorStreams.set(requestId, stream);
        stream.on('end', () => { observed.errorStreamEnded++; });
        stream.resume();
        return;
      }
      const error = errorStreams.get(requestId);
      if (error === undefined) {
        stream.reset();
        return;
      }
      pod(stream, error);
    });
  };

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const upgrade = (req.headers.upgrade ?? '').toLowerCase();
    if (transport === 'spdy' && upgrade === 'spdy/3.1') {
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n' +
        'X-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n',
      );
      if (head.length > 0) socket.unshift(head);
      serve(socket);
      return;
    }
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (transport === 'websocket' && upgrade === 'websocket' && offered.includes(TUNNEL_PROTOCOL)) {
      delete req.headers['sec-websocket-protocol'];
      wss.handleUpgrade(req, socket, head, (ws) => { serve(createWebSocketStream(ws)); });
      return;
    }
    // anything else is refused, and kubectl falls back or fails visibly
    socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, server, observed, sessions };
}

/** Starts `kubectl port-forward pod/x 0:8080` and resolves with its local port. */
async function startKubectl(transport: 'spdy' | 'websocket', pod: PodBehaviour): Promise<{ localPort: number; observed: Observed; fx: Fixture }> {
  const dir = await mkdtemp(join(tmpdir(), 'nodelet-spdy-'));
  const api = await startApiServer(transport, pod);
  const fx: Fixture = { apiServer: api.server, kubectl: undefined, sessions: api.sessions, dir, stderr: '' };
  fixture = fx;
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: fake', '  cluster:', `    server: http://127.0.0.1:${api.port}`,
    'contexts:', '- name: fake', '  context:', '    cluster: fake', '    namespace: default',
    'current-context: fake', 'users:', '- name: nobody', '  user: {}', '',
  ].join('\n'));
  const kubectl = spawn(KUBECTL ?? 'kubectl', [
    '--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'),
    'port-forward', 'pod/x', '0:8080', '--address', '127.0.0.1', '--v=0',
  ], {
    env: { ...process.env, HOME: dir, KUBECTL_PORT_FORWARD_WEBSOCKETS: transport === 'websocket' ? 'true' : 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  fx.kubectl = kubectl;
  kubectl.stderr.on('data', (d: Buffer) => { fx.stderr += d.toString(); });
  const localPort = await new Promise<number>((resolve, reject) => {
    let out = '';
    kubectl.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out);
      if (m?.[1] !== undefined) resolve(Number(m[1]));
    });
    kubectl.once('exit', (code) => { reject(new Error(`kubectl exited (${code}) before forwarding: ${fx.stderr}`)); });
  });
  return { localPort, observed: api.observed, fx };
}

/** Connects to kubectl's local port, sends payload, half-closes, and collects the answer to EOF. */
async function exchange(localPort: number, payload: Buffer): Promise<Buffer> {
  const socket = connect(localPort, '127.0.0.1');
  const parts: Buffer[] = [];
  socket.on('data', (c: Buffer) => parts.push(c));
  await once(socket, 'connect');
  socket.end(payload);
  await once(socket, 'end');
  socket.destroy();
  return Buffer.concat(parts);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Runs fn once the peer has half-closed the stream (kubectl does so at once for the error stream). */
function afterPeerEnd(stream: SpdyStream, fn: () => void): void {
  if (stream.readableEnded) fn();
  else stream.once('end', fn);
}

/** Echoes the data stream; half-closes the error stream once kubectl has, with no error in it. */
const echoPod: PodBehaviour = (data, error) => {
  data.pipe(data);
  afterPeerEnd(error, () => { error.end(); });
};

describe('kubectl port-forward against SpdySession', () => {
  for (const transport of ['spdy', 'websocket'] as const) {
    it.skipIf(KUBECTL === undefined)(`${transport}: echoes several MiB both ways and closes the error stream cleanly`, async () => {
      const { localPort, observed, fx } = await startKubectl(transport, echoPod);
      const payload = randomBytes(6 * 1024 * 1024);
      const answer = await exchange(localPort, payload);
      expect(answer.length).toBe(payload.length);
      expect(sha(answer)).toBe(sha(payload));

      // the local connection only closes after kubectl has read the error stream to EOF;
      // a second connection proves the session survived the first
      const small = await exchange(localPort, Buffer.from('second connection'));
      expect(small.toString()).toBe('second connection');

      expect(observed.streams).toEqual([
        { streamtype: 'error', port: '8080', requestid: '0' },
        { streamtype: 'data', port: '8080', requestid: '0' },
        { streamtype: 'error', port: '8080', requestid: '1' },
        { streamtype: 'data', port: '8080', requestid: '1' },
      ]);
      expect(observed.errorStreamEnded).toBe(2);
      expect(fx.stderr).not.toMatch(/error/i);
      expect(fx.kubectl?.exitCode).toBeNull();
    }, 60_000);
  }

  it.skipIf(KUBECTL === undefined)('spdy: a pod that speaks first and closes; an error written on the error stream reaches kubectl', async () => {
    let n = 0;
    const { localPort, fx } = await startKubectl('spdy', (data, error) => {
      data.resume();
      if (n++ === 0) {
        data.end('hello from the pod\n');
        afterPeerEnd(error, () => { error.end(); });
      } else {
        error.end('no such port in the pod');
        data.end();
      }
    });
    expect((await exchange(localPort, Buffer.alloc(0))).toString()).toBe('hello from the pod\n');
    await exchange(localPort, Buffer.alloc(0));
    const deadline = Date.now() + 10_000;
    while (!fx.stderr.includes('no such port in the pod') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(fx.stderr).toContain('no such port in the pod');
  }, 60_000);
});
