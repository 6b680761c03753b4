// kubectl logs / exec through the API server to a fake agent that speaks the kubelet contract
// (/containerLogs over HTTP and WebSocket, /exec over v5.channel.k8s.io, node token).
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { silentLogger } from '../../lib/log.ts';
import { ApiClient, NODES, PODS, type KubeObject } from '../../kube/client/client.ts';
import { parseKubeconfig, type ClusterConnection } from '../../kube/client/kubeconfig.ts';
import { startApiServer } from '../main.ts';
import { createCertificateAuthority, createServingCertificate } from '../pki.ts';
import type { ApiServer } from '../server.ts';
import { createMemoryStorage } from '../storage/memory-storage.ts';
import { Kubectl } from '../testing/kubectl.ts';

let server: ApiServer;
let agent: Server;
let kubectl: Kubectl;
let api: ClusterConnection;
const seen: string[] = [];

beforeAll(async () => {
  server = await startApiServer({ storage: createMemoryStorage(), log: silentLogger });
  const ca = await createCertificateAuthority();
  const cert = await createServingCertificate(ca);
  agent = createServer({ key: cert.key, cert: cert.cert });
  const nodeToken = server.credentials.nodeToken;
  agent.on('request', (req, res) => {
    seen.push(`${req.method ?? ''} ${req.url ?? ''} ${req.headers.authorization === `Bearer ${nodeToken}` ? 'node-token' : 'no-token'}`);
    const url = new URL(req.url ?? '/', 'https://agent');
    if (url.pathname === '/containerLogs/default/web/main') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      const lines = ['one\n', 'two\n', 'three\n'];
      const tail = Number(url.searchParams.get('tailLines') ?? lines.length);
      res.end(lines.slice(-tail).join(''));
      return;
    }
    res.writeHead(400, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'container "x" in pod "web" is waiting to start: ContainerCreating', reason: 'BadRequest', code: 400 }));
  });
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => (offered.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false) });
  const logWss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => [...offered].find((p) => p === 'binary.k8s.io' || p === 'base64.binary.k8s.io') ?? false,
  });
  agent.on('upgrade', (req, socket, head) => {
    seen.push(`UPGRADE ${req.url ?? ''} ${req.headers.authorization === `Bearer ${nodeToken}` ? 'node-token' : 'no-token'}`);
    if ((req.url ?? '').startsWith('/containerLogs/')) {
      logWss.handleUpgrade(req, socket, head, (ws) => {
        const base64 = ws.protocol === 'base64.binary.k8s.io';
        for (const line of ['one\n', 'two\n']) ws.send(base64 ? Buffer.from(line).toString('base64') : Buffer.from(line), { binary: !base64 });
        ws.close(1000);
      });
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const url = new URL(req.url ?? '/', 'https://agent');
      const cmd = url.searchParams.getAll('command');
      let input = '';
      const finish = (): void => {
        ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(`ran ${cmd.join(' ')}: ${input}`)]));
        if (cmd.includes('fail')) {
          ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify({ metadata: {}, status: 'Failure', message: 'command terminated with non-zero exit code', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } }))]));
        } else {
          ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify({ metadata: {}, status: 'Success' }))]));
        }
        ws.close(1000);
      };
      if (url.searchParams.get('input') !== '1') {
        finish();
        return;
      }
      ws.on('message', (data: Buffer) => {
        if (data[0] === 0) input += data.subarray(1).toString();
        if (data[0] === 255 && data[1] === 0) finish();
      });
    });
  });
  await new Promise<void>((resolve) => agent.listen(0, '127.0.0.1', resolve));
  const port = (agent.address() as AddressInfo).port;
  api = parseKubeconfig(server.kubeconfig());
  const client = ApiClient.fromConnection(api);
  await client.create(NODES, undefined, {
    apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1' },
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
  } as KubeObject);
  await client.create(PODS, 'default', { metadata: { name: 'web' }, spec: { nodeName: 'node1', containers: [{ name: 'main', image: 'busybox' }] } } as KubeObject);
  const pod = await client.get<KubeObject & { status: Record<string, unknown> }>(PODS, 'default', 'web');
  await client.updateStatus(PODS, 'default', { ...pod, status: { ...pod.status, phase: 'Running' } });
  client.close();
  kubectl = new Kubectl(server.kubeconfig());
});

afterAll(async () => {
  await server.close();
  agent.closeAllConnections();
  await new Promise((resolve) => agent.close(resolve));
  kubectl.cleanup();
});

describe('node proxy', () => {
  it('streams kubectl logs from the agent with the node token and passes options through', async () => {
    const all = await kubectl.run(['logs', 'web']);
    expect(all.stdout).toBe('one\ntwo\nthree\n');
    const tail = await kubectl.run(['logs', 'web', '--tail=1']);
    expect(tail.stdout).toBe('three\n');
    expect(seen).toContain('GET /containerLogs/default/web/main?tailLines=1 node-token');
  });

  it('relays exec frames both ways, the exit status and the close', async () => {
    const r = await kubectl.run(['exec', '-i', 'web', '--', 'cat', '-n'], { stdin: 'hello' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ran cat -n: hello');
    expect(seen).toContain('UPGRADE /exec/default/web/main?command=cat&command=-n&input=1&output=1&error=1 node-token');
    const failed = await kubectl.run(['exec', 'web', '--', 'fail']);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain('command terminated with exit code 3');
  });

  it('reports a container that is not in the pod', async () => {
    const r = await kubectl.run(['logs', 'web', '-c', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('container nope is not valid for pod web');
  });

  it('streams pods/log over a WebSocket (binary.k8s.io and base64.binary.k8s.io), as the conformance test reads it', async () => {
    const read = (protocol: string, query: string): Promise<{ protocol: string; messages: string[]; code: number }> => new Promise((resolve, reject) => {
      const url = `${api.server.replace(/^http/, 'ws')}/api/v1/namespaces/default/pods/web/log${query}`;
      const ws = new WebSocket(url, [protocol], {
        headers: { Authorization: `Bearer ${api.token ?? ''}` },
        ...(api.ca === undefined ? { rejectUnauthorized: false } : { ca: api.ca }),
      });
      const messages: string[] = [];
      ws.on('message', (data: Buffer, isBinary) => { messages.push(isBinary ? data.toString('utf8') : Buffer.from(data.toString(), 'base64').toString('utf8')); });
      ws.on('close', (code) => { resolve({ protocol: ws.protocol, messages, code }); });
      ws.on('error', reject);
    });
    const binary = await read('binary.k8s.io', '?container=main&tailLines=2');
    expect(binary).toEqual({ protocol: 'binary.k8s.io', messages: ['one\n', 'two\n'], code: 1000 });
    expect(seen).toContain('UPGRADE /containerLogs/default/web/main?tailLines=2 node-token');
    const b64 = await read('base64.binary.k8s.io', '');
    expect(b64).toEqual({ protocol: 'base64.binary.k8s.io', messages: ['one\n', 'two\n'], code: 1000 });
  });

  it('refuses a log WebSocket for a container that is not in the pod', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${api.server.replace(/^http/, 'ws')}/api/v1/namespaces/default/pods/web/log?container=nope`, ['binary.k8s.io'], {
        headers: { Authorization: `Bearer ${api.token ?? ''}` },
        ...(api.ca === undefined ? { rejectUnauthorized: false } : { ca: api.ca }),
      });
      ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); res.resume(); });
      ws.on('open', () => { reject(new Error('upgrade accepted')); });
      ws.on('error', reject);
    });
    expect(status).toBe(400);
  });
});
