// The streaming server's SPDY/3.1 side and port-forward, with a SPDY client session from
// lib/spdy playing kubectl: exec/attach over SPDY (streams, exit Status, stdin half-close),
// port-forward over SPDY (pairs by requestid, errors on the error stream), over WebSocket
// channels (client-node's framing) and over the WebSocket-tunnelled SPDY kubectl 1.31+ uses.
import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { silentLogger } from '../../lib/log.ts';
import { SpdySession, type SpdyStream } from '../../lib/spdy/session.ts';
import type { SandboxStatus } from '../../runtime/types.ts';
import { createKubeletServer, type KubeletServer, type ResolveContainer } from './kubelet-server.ts';
import { FakeStreamRuntime } from './testing/fake-streams.ts';

const TOKEN = 'secret-token';
const resolve: ResolveContainer = (_ns, pod, container) => {
  if (pod !== 'web') return Promise.resolve({ error: { code: 404, reason: 'NotFound', message: `pod "${pod}" not found` } });
  if (container === 'c1') return Promise.resolve({ containerId: 'ctr1' });
  return Promise.resolve({ error: { code: 400, reason: 'BadRequest', message: `container "${container}" in pod "web" is waiting to start: ContainerCreating` } });
};

let runtime: FakeStreamRuntime;
let server: KubeletServer;
let port: number;

/** An echo "connection in the pod": what is written comes back, upper-cased; end() ends it. */
function echoConnection(): Duplex {
  return new Duplex({
    read(): void { /* pushed on write */ },
    write(chunk: Buffer, _e, cb): void { this.push(Buffer.from(chunk.toString().toUpperCase())); cb(); },
    final(cb): void { this.push(null); cb(); },
  });
}

beforeEach(async () => {
  runtime = new FakeStreamRuntime();
  runtime.add('ctr1');
  runtime.sandboxes.push({ id: 'sb-1', pod: { name: 'web', namespace: 'default', uid: 'uid-1' }, attempt: 0, state: 'ready', createdAt: 1, ips: ['10.0.0.2'], hostNetwork: false, labels: {}, annotations: {} } satisfies SandboxStatus);
  runtime.forwardHandler = (_id, p) => (p === 8080 ? Promise.resolve(echoConnection()) : Promise.reject(new Error(`failed to connect to localhost:${p} inside namespace "sb-1": connect: connection refused`)));
  server = createKubeletServer({
    runtime, resolve, token: TOKEN, tls: undefined, log: silentLogger,
    resolvePod: (_ns, pod) => Promise.resolve(pod === 'web' ? { uid: 'uid-1' } : undefined),
  });
  await server.listen(0, '127.0.0.1');
  port = server.address().port;
});

afterEach(async () => {
  await server.close();
});

/** Upgrades to SPDY/3.1 like kubectl; resolves with the session and the protocol chosen. */
function spdyConnect(path: string, protocols: string[]): Promise<{ session: SpdySession; protocol: string } | { code: number; body: string }> {
  return new Promise((done, fail) => {
    const req = httpRequest({
      host: '127.0.0.1', port, path, method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': protocols },
    });
    req.on('upgrade', (res, socket: Socket, head: Buffer) => {
      if (head.length > 0) socket.unshift(head);
      done({ session: new SpdySession(socket, { server: false }), protocol: String(res.headers['x-stream-protocol-version']) });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => { done({ code: res.statusCode ?? 0, body }); });
    });
    req.on('error', fail);
    req.end();
  });
}

function readAll(s: Duplex): Promise<string> {
  return new Promise((done) => {
    let out = '';
    s.on('data', (c: Buffer) => { out += c.toString(); });
    s.on('end', () => { done(out); });
    s.on('close', () => { done(out); });
  });
}

describe('exec and attach over SPDY/3.1', () => {
  it('negotiates v4, runs the command on the client\'s streams and writes the exit Status', async () => {
    const c = await spdyConnect('/exec/default/web/c1?command=sh&command=-c&command=exit%203&output=1&error=1', ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io']);
    if (!('session' in c)) throw new Error(`refused: ${c.code} ${c.body}`);
    expect(c.protocol).toBe('v4.channel.k8s.io');
    // read every stream from the start, as kubectl does: the kubelet closes the connection
    // once the Status is out
    const error = c.session.openStream({ streamtype: 'error' });
    const statusRead = readAll(error);
    error.end();
    const stdout = c.session.openStream({ streamtype: 'stdout' });
    const outRead = readAll(stdout);
    stdout.end();
    const stderr = c.session.openStream({ streamtype: 'stderr' });
    const errRead = readAll(stderr);
    stderr.end();
    const [status, out] = await Promise.all([statusRead, outRead, errRead]);
    expect(JSON.parse(status)).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
    expect(out).toBe('');
    c.session.destroy();
  });

  it('feeds stdin until the client half-closes it', async () => {
    const c = await spdyConnect('/exec/default/web/c1?command=cat&input=1&output=1', ['v4.channel.k8s.io']);
    if (!('session' in c)) throw new Error('refused');
    const error = c.session.openStream({ streamtype: 'error' });
    error.end();
    const stdin = c.session.openStream({ streamtype: 'stdin' });
    const stdout = c.session.openStream({ streamtype: 'stdout' });
    stdout.end();
    const out = readAll(stdout);
    const status = readAll(error);
    stdin.write('hello ');
    stdin.end('spdy\n');
    expect(await out).toBe('hello spdy\n');
    expect(JSON.parse(await status)).toMatchObject({ status: 'Success' });
    c.session.destroy();
  });

  it('refuses a container that does not run in the kubelet\'s plain words, and an unknown protocol with 403', async () => {
    const c = await spdyConnect('/exec/default/web/other?command=ls&output=1', ['v4.channel.k8s.io']);
    expect(c).toEqual({ code: 500, body: 'container not found ("other")' });
    const p = await spdyConnect('/exec/default/web/c1?command=ls&output=1', ['v9.channel.k8s.io']);
    expect(p).toMatchObject({ code: 403, body: 'unable to upgrade: unable to negotiate protocol: client supports [v9.channel.k8s.io], server accepts [v4.channel.k8s.io v3.channel.k8s.io v2.channel.k8s.io channel.k8s.io]' });
  });
});

/** One kubectl-style forwarded connection: error stream (half-closed at once), then data. */
function openPair(session: SpdySession, requestId: number, remotePort: number): { error: SpdyStream; data: SpdyStream } {
  const headers = { port: String(remotePort), requestid: String(requestId) };
  const error = session.openStream({ ...headers, streamtype: 'error' });
  error.end();
  const data = session.openStream({ ...headers, streamtype: 'data' });
  return { error, data };
}

describe('port-forward over SPDY/3.1', () => {
  it('forwards concurrent connections by request id, and reports a refused port on its error stream', async () => {
    const c = await spdyConnect('/portForward/default/web', ['portforward.k8s.io']);
    if (!('session' in c)) throw new Error(`refused: ${c.code} ${c.body}`);
    expect(c.protocol).toBe('portforward.k8s.io');
    const a = openPair(c.session, 0, 8080);
    const b = openPair(c.session, 1, 8080);
    const bad = openPair(c.session, 2, 9999);
    const [outA, outB, errBad] = [readAll(a.data), readAll(b.data), readAll(bad.error)];
    a.data.end('first');
    b.data.end('second');
    bad.data.end();
    expect(await outA).toBe('FIRST');
    expect(await outB).toBe('SECOND');
    expect(await errBad).toBe('error forwarding port 9999 to pod sb-1, uid : failed to connect to localhost:9999 inside namespace "sb-1": connect: connection refused');
    expect(await readAll(a.error)).toBe('');
    expect(runtime.forwards).toEqual([{ sandboxId: 'sb-1', port: 8080 }, { sandboxId: 'sb-1', port: 8080 }, { sandboxId: 'sb-1', port: 9999 }]);
    c.session.destroy();
  });

  it('answers for a pod it does not run as the kubelet does', async () => {
    expect(await spdyConnect('/portForward/default/nope', ['portforward.k8s.io'])).toEqual({ code: 404, body: 'pod does not exist' });
  });
});

/** Opens a WebSocket; `frames` collects every message from the first (sent with the 101). */
/** One client WebSocket frame (RFC 6455: binary, FIN, masked). */
function maskedBinaryFrame(payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x82, 0x80 | len]) : len < 65536 ? Buffer.from([0x82, 0x80 | 126, len >> 8, len & 0xff]) : (() => {
    const b = Buffer.alloc(10);
    b[0] = 0x82;
    b[1] = 0x80 | 127;
    b.writeBigUInt64BE(BigInt(len), 2);
    return b;
  })();
  const mask = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] = (body[i] ?? 0) ^ (mask[i % 4] ?? 0);
  return Buffer.concat([head, mask, body]);
}

/** One unmasked server frame from the front of buf, or undefined when it is not all there. */
function takeFrame(buf: Buffer): { opcode: number; payload: Buffer; rest: Buffer } | undefined {
  if (buf.length < 2) return undefined;
  let len = (buf[1] ?? 0) & 0x7f;
  let off = 2;
  if (len === 126) {
    if (buf.length < 4) return undefined;
    len = buf.readUInt16BE(2);
    off = 4;
  } else if (len === 127) {
    if (buf.length < 10) return undefined;
    len = Number(buf.readBigUInt64BE(2));
    off = 10;
  }
  if (buf.length < off + len) return undefined;
  return { opcode: (buf[0] ?? 0) & 0x0f, payload: buf.subarray(off, off + len), rest: buf.subarray(off + len) };
}

function wsConnect(path: string, protocols: string[]): Promise<WebSocket & { frames: Buffer[] }> {
  return new Promise((done, fail) => {
    const ws = Object.assign(new WebSocket(`ws://127.0.0.1:${port}${path}`, protocols, { headers: { Authorization: `Bearer ${TOKEN}` } }), { frames: [] as Buffer[] });
    ws.on('message', (d: Buffer) => ws.frames.push(d));
    ws.once('open', () => { done(ws); });
    ws.once('unexpected-response', (_r, res) => { fail(new Error(`refused with ${res.statusCode ?? 0}`)); });
    ws.once('error', fail);
  });
}

describe('port-forward over WebSocket', () => {
  it('speaks the v4 channel framing: the port first on both channels, then data both ways', async () => {
    const ws = await wsConnect('/portForward/default/web?port=8080', ['v4.channel.k8s.io']);
    expect(ws.protocol).toBe('v4.channel.k8s.io');
    const frames = ws.frames;
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('ping')]));
    await new Promise<void>((r) => { const t = setInterval(() => { if (frames.length >= 3) { clearInterval(t); r(); } }, 5); });
    expect(frames[0]).toEqual(Buffer.from([0, 0x90, 0x1f]));
    expect(frames[1]).toEqual(Buffer.from([1, 0x90, 0x1f]));
    expect(frames[2]).toEqual(Buffer.concat([Buffer.from([0]), Buffer.from('PING')]));
    ws.close();
  });

  it('reports a refused port on the error channel and a missing port parameter as the kubelet does', async () => {
    const ws = await wsConnect('/portForward/default/web?port=9999', ['v4.channel.k8s.io']);
    const text = await new Promise<string>((r) => {
      const t = setInterval(() => {
        const f = ws.frames.find((d) => d[0] === 1 && d.length > 3);
        if (f !== undefined) { clearInterval(t); r(f.subarray(1).toString()); }
      }, 5);
    });
    expect(text).toContain('error forwarding port 9999 to pod sb-1, uid : ');
    await expect(wsConnect('/portForward/default/web', ['v4.channel.k8s.io'])).rejects.toThrow('refused with 400');
  });

  it('carries SPDY inside binary messages for kubectl\'s tunnel (SPDY/3.1+portforward.k8s.io)', async () => {
    // the ws client cannot offer this subprotocol (its name has '/' and '+'): shake hands by hand
    const { socket, protocol } = await new Promise<{ socket: Socket; protocol: string }>((done, fail) => {
      const req = httpRequest({
        host: '127.0.0.1', port, path: '/portForward/default/web',
        headers: {
          Authorization: `Bearer ${TOKEN}`, Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': randomBytes(16).toString('base64'), 'Sec-WebSocket-Protocol': 'SPDY/3.1+portforward.k8s.io',
        },
      });
      req.on('upgrade', (res, sock: Socket, head: Buffer) => {
        if (head.length > 0) sock.unshift(head);
        done({ socket: sock, protocol: String(res.headers['sec-websocket-protocol']) });
      });
      req.on('response', (res) => { fail(new Error(`refused with ${res.statusCode ?? 0}`)); });
      req.on('error', fail);
      req.end();
    });
    expect(protocol).toBe('SPDY/3.1+portforward.k8s.io');
    // client side of the tunnel: masked binary frames out, frames in as one byte stream
    const bytes = new Duplex({
      read(): void { socket.resume(); },
      write(chunk: Buffer, _e, cb): void { socket.write(maskedBinaryFrame(chunk), cb); },
    });
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (c: Buffer) => {
      pending = Buffer.concat([pending, c]);
      for (;;) {
        const f = takeFrame(pending);
        if (f === undefined) break;
        pending = f.rest;
        if (f.opcode === 2 || f.opcode === 0) bytes.push(f.payload);
      }
    });
    const session = new SpdySession(bytes, { server: false });
    const { data } = openPair(session, 0, 8080);
    const out = readAll(data);
    data.end('tunnelled');
    expect(await out).toBe('TUNNELLED');
    session.destroy();
    socket.destroy();
  });
});
