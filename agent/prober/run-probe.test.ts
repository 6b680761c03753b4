// Probe handlers against real servers on 127.0.0.1 (http, https, tcp, grpc) and a fake exec.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecSyncResult } from '../../runtime/types.ts';
import { DirectTransport } from './direct-transport.ts';
import { probeEvent, runProbe, type ProbeRunnerDeps, type ProbeTarget } from './run-probe.ts';

const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [{ name: 'c' }] } };

interface Seen { url: string; headers: http.IncomingHttpHeaders }
const seen: Seen[] = [];
let httpPort = 0;
let httpsPort = 0;
let closedPort = 0;
let grpcPort = 0;
let grpcStatus = 1;
const servers: { close(): unknown }[] = [];
let certDir = '';

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  seen.push({ url: req.url ?? '', headers: req.headers });
  const url = req.url ?? '/';
  if (url === '/ok' || url === '/') { res.writeHead(200); res.end('ok'); return; }
  if (url === '/fail') { res.writeHead(500); res.end('error: 12'); return; }
  if (url === '/slow') return; // never answers
  if (url.startsWith('/redirect?loc=')) {
    const loc = decodeURIComponent(url.slice('/redirect?loc='.length));
    res.writeHead(302, { Location: loc });
    res.end(`<a href="${loc}">Found</a>.\n`);
    return;
  }
  if (url === '/loop') { res.writeHead(302, { Location: '/loop' }); res.end(); return; }
  if (url === '/big') { res.writeHead(302, { Location: 'http://elsewhere.invalid/' }); res.end('x'.repeat(20_000)); return; }
  res.writeHead(404); res.end('not found');
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => { resolve((server.address() as net.AddressInfo).port); });
  });
}

function grpcFrame(status: number): Buffer {
  const msg = Buffer.from([0x08, status]);
  const header = Buffer.alloc(5);
  header.writeUInt32BE(msg.length, 1);
  return Buffer.concat([header, msg]);
}

beforeAll(async () => {
  const h = http.createServer(handler);
  httpPort = await listen(h);
  servers.push(h);

  certDir = mkdtempSync(join(tmpdir(), 'nodelet-probe-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'), '-days', '1', '-subj', '/CN=test'], { stdio: 'ignore' });
  const s = https.createServer({ key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) }, handler);
  httpsPort = await listen(s);
  servers.push(s);

  const tmp = net.createServer();
  closedPort = await listen(tmp);
  await new Promise((r) => tmp.close(r));

  const g = http2.createServer();
  g.on('stream', (stream, headers) => {
    stream.resume();
    stream.on('end', () => {
      if (headers[':path'] !== '/grpc.health.v1.Health/Check') {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'unknown service' }, { endStream: true });
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => { stream.sendTrailers({ 'grpc-status': '0' }); });
      stream.end(grpcFrame(grpcStatus));
    });
  });
  grpcPort = await listen(g);
  servers.push(g);
});

afterAll(() => {
  for (const s of servers) s.close();
  if (certDir !== '') rmSync(certDir, { recursive: true, force: true });
});

function deps(exec?: ProbeRunnerDeps['exec']): ProbeRunnerDeps {
  return {
    transport: new DirectTransport(),
    exec: exec ?? { execSync: () => Promise.reject(new Error('no exec')) },
  };
}

function target(container: Partial<Container> = {}): ProbeTarget {
  return { pod, container: { name: 'c', ...container }, containerId: 'cid', podIP: '127.0.0.1' };
}

const httpProbe = (path: string, port: number | string = httpPort, extra: Partial<Probe['httpGet']> = {}): Probe =>
  ({ httpGet: { path, port, ...extra }, timeoutSeconds: 1 });

describe('httpGet probes', () => {
  it('succeeds on 200 and sends the kubelet headers', async () => {
    seen.length = 0;
    const a = await runProbe(httpProbe('/ok'), target(), deps());
    expect(a).toEqual({ result: 'success', output: 'ok' });
    expect(seen[0]?.headers['user-agent']).toBe('kube-probe/1.33');
    expect(seen[0]?.headers['accept']).toBe('*/*');
    expect(seen[0]?.headers['host']).toBe(`127.0.0.1:${httpPort}`);
    expect(seen[0]?.headers['accept-encoding']).toBeUndefined();
  });

  it('fails on 500 with the kubelet message and event, without the body', async () => {
    const a = await runProbe(httpProbe('/fail'), target(), deps());
    expect(a).toEqual({ result: 'failure', output: 'HTTP probe failed with statuscode: 500' });
    expect(probeEvent('liveness', a)).toEqual({ reason: 'Unhealthy', message: 'Liveness probe failed: HTTP probe failed with statuscode: 500' });
  });

  it('fails after timeoutSeconds when the server does not answer', async () => {
    const t0 = Date.now();
    const a = await runProbe(httpProbe('/slow'), target(), deps());
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(a).toEqual({
      result: 'failure',
      output: `Get "http://127.0.0.1:${httpPort}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    });
  });

  it('fails with Go\'s dial error when the connection is refused', async () => {
    const a = await runProbe(httpProbe('/', closedPort), target(), deps());
    expect(a.result).toBe('failure');
    expect(probeEvent('readiness', a)?.message).toBe(
      `Readiness probe failed: Get "http://127.0.0.1:${closedPort}/": dial tcp 127.0.0.1:${closedPort}: connect: connection refused`);
  });

  it('resolves a named port against the container ports', async () => {
    const a = await runProbe(httpProbe('/ok', 'web'), target({ ports: [{ name: 'web', containerPort: httpPort }] }), deps());
    expect(a.result).toBe('success');
  });

  it('errors (result discarded) on an unknown port name', async () => {
    const a = await runProbe(httpProbe('/ok', 'nope'), target(), deps());
    expect(a.result).toBe('unknown');
    expect(probeEvent('startup', a)?.message).toBe('Startup probe errored and resulted in unknown state: strconv.Atoi: parsing "nope": invalid syntax');
  });

  it('sends custom headers, which override User-Agent; an empty Accept removes it', async () => {
    seen.length = 0;
    await runProbe(httpProbe('/ok', httpPort, { httpHeaders: [
      { name: 'x-custom', value: 'a' }, { name: 'X-Custom', value: 'b' }, { name: 'user-agent', value: 'mine' }, { name: 'Accept', value: '' },
    ] }), target(), deps());
    expect(seen[0]?.headers['x-custom']).toBe('a, b');
    expect(seen[0]?.headers['user-agent']).toBe('mine');
    expect(seen[0]?.headers['accept']).toBeUndefined();
  });

  it('uses host when given instead of the pod IP', async () => {
    const a = await runProbe(httpProbe('/ok', httpPort, { host: '127.0.0.1' }), { ...target(), podIP: '192.0.2.1' }, deps());
    expect(a.result).toBe('success');
  });

  it('follows redirects on the same host', async () => {
    expect((await runProbe(httpProbe('/redirect?loc=%2Fok'), target(), deps())).result).toBe('success');
    expect(await runProbe(httpProbe('/redirect?loc=%2Ffail'), target(), deps()))
      .toEqual({ result: 'failure', output: 'HTTP probe failed with statuscode: 500' });
  });

  it('stops a redirect to another host and warns with the body', async () => {
    const a = await runProbe(httpProbe('/redirect?loc=http%3A%2F%2F0.0.0.0%2F'), target(), deps());
    expect(a).toEqual({ result: 'warning', output: 'Probe terminated redirects, Response body: <a href="http://0.0.0.0/">Found</a>.\n' });
    expect(probeEvent('liveness', a)).toEqual({
      reason: 'ProbeWarning',
      message: 'Liveness probe warning: Probe terminated redirects, Response body: <a href="http://0.0.0.0/">Found</a>.\n',
    });
    // A different host name for the same address is another host too.
    const b = await runProbe(httpProbe(`/redirect?loc=${encodeURIComponent(`http://localhost:${httpPort}/ok`)}`), target(), deps());
    expect(b.result).toBe('warning');
  });

  it('gives up after 10 requests in a redirect loop', async () => {
    seen.length = 0;
    const a = await runProbe(httpProbe('/loop'), target(), deps());
    expect(a).toEqual({ result: 'failure', output: `Get "http://127.0.0.1:${httpPort}/loop": stopped after 10 redirects` });
    expect(seen).toHaveLength(10);
  });

  it('reads at most 10 KiB of the body', async () => {
    const a = await runProbe(httpProbe('/big'), target(), deps());
    expect(a.output).toBe(`Probe terminated redirects, Response body: ${'x'.repeat(10 * 1024)}`);
  });

  it('probes HTTPS without verifying the certificate', async () => {
    const a = await runProbe(httpProbe('/ok', httpsPort, { scheme: 'HTTPS' }), target(), deps());
    expect(a).toEqual({ result: 'success', output: 'ok' });
  });

  it('fails an HTTPS probe answered in plain HTTP like Go does', async () => {
    const a = await runProbe(httpProbe('/ok', httpPort, { scheme: 'HTTPS' }), target(), deps());
    expect(a).toEqual({ result: 'failure', output: `Get "https://127.0.0.1:${httpPort}/ok": http: server gave HTTP response to HTTPS client` });
  });
});

describe('tcpSocket probes', () => {
  it('succeeds when the port accepts and fails with the dial error otherwise', async () => {
    expect(await runProbe({ tcpSocket: { port: httpPort } }, target(), deps())).toEqual({ result: 'success', output: '' });
    expect(await runProbe({ tcpSocket: { port: 'web' } }, target({ ports: [{ name: 'web', containerPort: httpPort }] }), deps()))
      .toEqual({ result: 'success', output: '' });
    expect(await runProbe({ tcpSocket: { port: closedPort } }, target(), deps()))
      .toEqual({ result: 'failure', output: `dial tcp 127.0.0.1:${closedPort}: connect: connection refused` });
  });
});

describe('grpc probes', () => {
  it('reports SERVING as healthy and anything else as unhealthy', async () => {
    grpcStatus = 1;
    expect(await runProbe({ grpc: { port: grpcPort } }, target(), deps())).toEqual({ result: 'success', output: 'service healthy' });
    grpcStatus = 2;
    expect(await runProbe({ grpc: { port: grpcPort, service: 'x' } }, target(), deps()))
      .toEqual({ result: 'failure', output: 'service unhealthy (responded with "NOT_SERVING")' });
  });

  it('fails like the kubelet when nothing listens', async () => {
    expect(await runProbe({ grpc: { port: closedPort } }, target(), deps())).toEqual({
      result: 'failure',
      output: `timeout: failed to connect service "127.0.0.1:${closedPort}" within 1s: context deadline exceeded`,
    });
  });
});

function execResult(exitCode: number, stdout = '', stderr = '', timedOut = false): ExecSyncResult {
  return { exitCode, stdout: Buffer.from(stdout), stderr: Buffer.from(stderr), timedOut };
}

describe('exec probes', () => {
  it('passes the expanded command and timeout, and classifies exit codes', async () => {
    const calls: { id: string; cmd: string[]; timeoutMs: number }[] = [];
    const exec = {
      execSync: (id: string, cmd: string[], timeoutMs: number) => {
        calls.push({ id, cmd, timeoutMs });
        return Promise.resolve(cmd[1] === 'ok' ? execResult(0, 'fine\n') : execResult(1, 'out\n', 'cat: /tmp/health: No such file or directory\n'));
      },
    };
    const c = { env: [{ name: 'F', value: '/tmp/health' }, { name: 'S', valueFrom: { fieldRef: { fieldPath: 'x' } } }] };
    expect(await runProbe({ exec: { command: ['cat', 'ok'] }, timeoutSeconds: 5 }, target(c), deps(exec))).toEqual({ result: 'success', output: 'fine\n' });
    const a = await runProbe({ exec: { command: ['cat', '$(F)', '$(S)', '$(NOPE)', '$$(F)'] } }, target(c), deps(exec));
    expect(calls[1]).toEqual({ id: 'cid', cmd: ['cat', '/tmp/health', '', '$(NOPE)', '$(F)'], timeoutMs: 1000 });
    expect(calls[0]?.timeoutMs).toBe(5000);
    expect(probeEvent('liveness', a)?.message).toBe('Liveness probe failed: out\ncat: /tmp/health: No such file or directory\n');
  });

  it('reports a timeout as a failure with the kubelet text', async () => {
    const exec = { execSync: () => Promise.resolve(execResult(-1, '', '', true)) };
    expect(await runProbe({ exec: { command: ['/bin/sh', '-c', 'sleep 10'] } }, target(), deps(exec)))
      .toEqual({ result: 'failure', output: 'command "/bin/sh -c sleep 10" timed out' });
  });

  it('retries runtime errors three times, then errors', async () => {
    let n = 0;
    const exec = { execSync: () => { n++; return Promise.reject(new Error('container not running')); } };
    const a = await runProbe({ exec: { command: ['true'] } }, target(), deps(exec));
    expect(n).toBe(3);
    expect(a.result).toBe('unknown');
    expect(probeEvent('readiness', a)?.message).toBe('Readiness probe errored and resulted in unknown state: container not running');
  });
});
