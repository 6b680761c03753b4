import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Duplex, Transform, finished } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.ts';
import { SpdyProtocolError, SpdySessionClosedError, SpdyStreamResetError } from './errors.ts';
import { FrameParser, GoAwayStatus, RstStatus, encodeFrame, type SpdyFrame } from './frames.ts';
import {
  HeaderCompressor,
  HeaderDecompressor,
  decodeHeaderBlock,
  encodeHeaderBlock,
  type SpdyHeaders,
  type SpdyHeadersInit,
} from './header-codec.ts';
import { SpdySession, type SpdySessionOptions, type SpdyStream } from './session.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function tcpPair(): Promise<[Socket, Socket]> {
  const server: Server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect(addr.port, '127.0.0.1');
  const [serverSide] = await accepted;
  await once(client, 'connect');
  cleanups.push(() => {
    client.destroy();
    serverSide.destroy();
    server.close();
  });
  return [client, serverSide];
}

/** A transport like a WebSocket tunnel: every write arrives in pieces of 1 to 4 bytes. */
function chunkedPair(): [Duplex, Duplex] {
  const splitter = (): Transform => new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const sizes = [2, 2, 4, 1, 3];
      for (let at = 0, n = 0; at < chunk.length; n++) {
        const size = sizes[n % sizes.length]!;
        this.push(chunk.subarray(at, at + size));
        at += size;
      }
      cb();
    },
  });
  const c2s = splitter();
  const s2c = splitter();
  const client = Duplex.from({ readable: s2c, writable: c2s });
  const server = Duplex.from({ readable: c2s, writable: s2c });
  cleanups.push(() => {
    client.destroy();
    server.destroy();
  });
  return [client, server];
}

async function sessions(
  opts: Partial<SpdySessionOptions> = {},
  transport?: [Duplex, Duplex],
): Promise<{ client: SpdySession; server: SpdySession }> {
  const [a, b] = transport ?? await tcpPair();
  const client = new SpdySession(a, { ...opts, server: false });
  const server = new SpdySession(b, { ...opts, server: true });
  cleanups.push(() => {
    client.destroy();
    server.destroy();
  });
  return { client, server };
}

function readAll(stream: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.once('end', () => { resolve(Buffer.concat(parts)); });
    stream.once('error', reject);
  });
}

/** Resolves once the stream has emitted 'close' (now or earlier). */
function closed(stream: Duplex): Promise<void> {
  return stream.closed ? Promise.resolve() : once(stream, 'close').then(() => undefined);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Resolves when the predicate holds, checking on every turn of the event loop. */
async function until(what: string, fn: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Answers every stream by echoing it back. */
function echo(server: SpdySession): void {
  server.on('stream', (s) => {
    s.reply({ echoed: s.headers['name'] ?? '' });
    s.pipe(s);
  });
}

describe('SpdySession between two peers', () => {
  it('opens a stream, replies with headers, moves data both ways and half-closes each side', async () => {
    const { client, server } = await sessions();
    const serverStream = new Promise<SpdyStream>((resolve) => { server.once('stream', resolve); });
    const s = client.openStream({ Name: 'one', several: ['a', 'b'] }, { priority: 2 });
    expect(s.id).toBe(1);
    expect(s.headers).toEqual({ name: 'one', several: 'a\0b' });

    const remote = await serverStream;
    expect(remote.id).toBe(1);
    expect({ ...remote.headers }).toEqual({ name: 'one', several: 'a\0b' });
    expect(remote.priority).toBe(2);
    expect(remote.associatedStreamId).toBe(0);
    remote.reply({ status: 'ok' });
    expect({ ...await s.waitForReply() }).toEqual({ status: 'ok' });

    const gotByServer = readAll(remote);
    const gotByClient = readAll(s);
    s.end('from client');
    expect((await gotByServer).toString()).toBe('from client');
    remote.end('from server');
    expect((await gotByClient).toString()).toBe('from server');
    await Promise.all([closed(s), closed(remote)]);
    expect(s.resetStatus).toBeUndefined();
    expect(remote.resetStatus).toBeUndefined();
  });

  it('gives server streams even ids and client streams odd ids', async () => {
    const { client, server } = await sessions();
    const seen: number[] = [];
    client.on('stream', (st) => { seen.push(st.id); st.reply(); });
    server.on('stream', (st) => { seen.push(st.id); st.reply(); });
    const streams = [server.openStream({}), client.openStream({}), server.openStream({}), client.openStream({})];
    expect(streams.map((st) => st.id)).toEqual([2, 1, 4, 3]);
    await Promise.all(streams.map((st) => st.waitForReply()));
    expect(seen.sort()).toEqual([1, 2, 3, 4]);
  });

  it('works over a transport that delivers bytes in pieces of 1 to 4 bytes', async () => {
    const { client, server } = await sessions({}, chunkedPair());
    echo(server);
    const payloads = [randomBytes(200_000), randomBytes(10), Buffer.alloc(0)];
    const results = await Promise.all(payloads.map(async (p, i) => {
      const s = client.openStream({ name: `s${i}` });
      const got = readAll(s);
      s.end(p);
      expect({ ...await s.waitForReply() }).toEqual({ echoed: `s${i}` });
      return got;
    }));
    for (const [i, r] of results.entries()) expect(r.equals(payloads[i]!)).toBe(true);
    expect(await client.ping()).toBeGreaterThanOrEqual(0);
  });

  it('carries many concurrent streams without mixing them up', async () => {
    const { client, server } = await sessions();
    echo(server);
    const payloads = Array.from({ length: 100 }, () => randomBytes(20_000 + Math.floor(Math.random() * 50_000)));
    const got = await Promise.all(payloads.map((p) => {
      const s = client.openStream({});
      const all = readAll(s);
      // interleave writes of all streams in uneven pieces
      for (let at = 0; at < p.length; at += 7_000) s.write(p.subarray(at, at + 7_000));
      s.end();
      return all;
    }));
    for (const [i, g] of got.entries()) expect(sha(g)).toBe(sha(payloads[i]!));
  });

  it('pauses the sender while a reader is slow, and loses nothing', async () => {
    const highWaterMark = 64 * 1024;
    const { client, server } = await sessions({ streamHighWaterMark: highWaterMark });
    const serverStream = new Promise<SpdyStream>((resolve) => {
      server.once('stream', (st) => { st.reply(); resolve(st); });
    });
    // more than the kernel's socket buffers can absorb, so the sender must wait for the reader
    const payload = randomBytes(48 * 1024 * 1024);
    const s = client.openStream({});
    let finished = false;
    s.end(payload, () => { finished = true; });
    const remote = await serverStream;

    await until('the reader to fill its buffer', () => remote.readableLength >= highWaterMark);
    await new Promise((r) => setTimeout(r, 200));
    // the reader has not read: the session stopped pulling from the socket after one chunk or so,
    // and the writer's callback waits for the socket to drain
    expect(remote.readableLength).toBeLessThan(highWaterMark + 256 * 1024);
    expect(finished).toBe(false);

    const got = await readAll(remote);
    expect(got.length).toBe(payload.length);
    expect(sha(got)).toBe(sha(payload));
    await until('the writer to finish', () => finished);
  });

  it('resets: the other side sees the status and a premature close', async () => {
    const { client, server } = await sessions();
    server.on('stream', (st) => {
      if (st.headers['name'] === 'refuse') st.reset(RstStatus.RefusedStream);
      else st.reply();
    });

    const refused = client.openStream({ name: 'refuse' });
    const resetEvent = once(refused, 'reset');
    await expect(refused.waitForReply()).rejects.toEqual(new SpdyStreamResetError(refused.id, RstStatus.RefusedStream));
    expect(await resetEvent).toEqual([RstStatus.RefusedStream]);
    expect(refused.destroyed).toBe(true);

    const serverStream = new Promise<SpdyStream>((resolve) => { server.once('stream', resolve); });
    const s = client.openStream({ name: 'cancel-me' });
    await s.waitForReply();
    const remote = await serverStream;
    const remoteReset = once(remote, 'reset');
    const premature = new Promise<unknown>((resolve) => { finished(remote, (err) => { resolve(err); }); });
    s.reset();
    expect(await remoteReset).toEqual([RstStatus.Cancel]);
    expect(await premature).toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
    expect(s.resetStatus).toBe(RstStatus.Cancel);
  });

  it('cancels a stream that is destroyed before both sides finished', async () => {
    const { client, server } = await sessions();
    const serverStream = new Promise<SpdyStream>((resolve) => { server.once('stream', (st) => { st.reply(); resolve(st); }); });
    const s = client.openStream({});
    const remote = await serverStream;
    const reset = once(remote, 'reset');
    s.destroy();
    expect(await reset).toEqual([RstStatus.Cancel]);
  });

  it('refuses streams when nobody listens for them', async () => {
    const { client } = await sessions();
    const s = client.openStream({});
    await expect(s.waitForReply()).rejects.toMatchObject({ code: 'ERR_SPDY_STREAM_RESET', status: RstStatus.RefusedStream });
  });

  it('opens a stream with FIN, or one-way, and the other side sees the closed half', async () => {
    const { client, server } = await sessions();
    const streams: SpdyStream[] = [];
    server.on('stream', (st) => { streams.push(st); });
    const withFin = client.openStream({ name: 'fin' }, { fin: true });
    const oneWay = client.openStream({ name: 'uni' }, { unidirectional: true });
    await until('two streams', () => streams.length === 2);
    const [finRemote, uniRemote] = streams as [SpdyStream, SpdyStream];
    // FIN: nothing arrives on the server's readable side
    expect((await readAll(finRemote)).length).toBe(0);
    finRemote.end('answer');
    expect((await readAll(withFin)).toString()).toBe('answer');
    // UNIDIRECTIONAL: the server cannot write, the client's readable side is already over
    expect(uniRemote.writable).toBe(false);
    expect((await readAll(oneWay)).length).toBe(0);
    oneWay.end('one way');
    expect((await readAll(uniRemote)).toString()).toBe('one way');
  });

  it('answers pings and measures its own with the injected clock', async () => {
    const clock = new FakeClock();
    const { client, server } = await sessions({ clock });
    expect(await client.ping()).toBe(0);
    expect(await server.ping()).toBe(0);
    expect(await Promise.all([client.ping(), client.ping(), server.ping()])).toEqual([0, 0, 0]);
  });

  it('closes gracefully: GOAWAY, open streams finish, then both sessions close', async () => {
    const { client, server } = await sessions();
    echo(server);
    const goaway = once(server, 'goaway');
    const clientClosed = once(client, 'close') as Promise<[Error | undefined]>;
    const serverClosed = once(server, 'close') as Promise<[Error | undefined]>;
    const s = client.openStream({});
    const got = readAll(s);
    await s.waitForReply();
    client.close();
    expect(client.closed).toBe(true);
    expect(() => client.openStream({})).toThrow(SpdySessionClosedError);
    expect(await goaway).toEqual([0, GoAwayStatus.Ok]);
    expect(() => server.openStream({})).toThrow(SpdySessionClosedError);
    s.end('still works');
    expect((await got).toString()).toBe('still works');
    expect(await clientClosed).toEqual([undefined]);
    expect(await serverClosed).toEqual([undefined]);
  });

  it('keeps what a peer sent before it closed the transport readable until it is read', async () => {
    const { client, server } = await sessions();
    const serverStream = new Promise<SpdyStream>((resolve) => { server.once('stream', (st) => { st.reply(); resolve(st); }); });
    const payload = randomBytes(100_000);
    const s = client.openStream({});
    s.end(payload);
    const remote = await serverStream;
    await until('everything to arrive', () => remote.readableLength === payload.length);
    if (!s.writableFinished) await once(s, 'finish');
    await client.ping(); // frames are handled in order: the server has seen the FIN before the ping
    const serverClosed = once(server, 'close');
    client.destroy();
    await serverClosed;
    expect(remote.destroyed).toBe(false);
    expect((await readAll(remote)).equals(payload)).toBe(true);
    await closed(remote);
  });

  it('when the transport goes away, streams close and pending pings fail', async () => {
    const [a, b] = await tcpPair();
    const client = new SpdySession(a, { server: false });
    const server = new SpdySession(b, { server: true });
    server.on('stream', (st) => { st.reply(); });
    const s = client.openStream({});
    await s.waitForReply();
    b.pause(); // the server stops reading, so the ping stays unanswered
    const ping = client.ping();
    const closed = once(client, 'close');
    b.destroy();
    await expect(ping).rejects.toBeInstanceOf(SpdySessionClosedError);
    await closed;
    expect(s.destroyed).toBe(true);
    await expect(client.ping()).rejects.toBeInstanceOf(SpdySessionClosedError);
    expect(() => client.openStream({})).toThrow(SpdySessionClosedError);
  });
});

type ReceivedFrame = SpdyFrame & { headers?: SpdyHeaders };

/** A peer driven frame by frame, to check the session's answers on the wire. */
class RawPeer {
  private readonly parser = new FrameParser();
  private readonly queue: SpdyFrame[] = [];
  private waiters: (() => void)[] = [];
  private closed = false;
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();

  constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      this.queue.push(...this.parser.push(c));
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    cleanups.push(() => {
      this.compressor.close();
      this.decompressor.close();
    });
  }

  send(frame: SpdyFrame): void {
    this.socket.write(encodeFrame(frame));
  }

  async synStream(streamId: number, headers: SpdyHeadersInit, flags: { fin?: boolean } = {}): Promise<void> {
    const headerBlock = await this.compressor.compress(encodeHeaderBlock(headers));
    this.send({
      type: 'syn_stream', streamId, associatedStreamId: 0, priority: 0, slot: 0,
      fin: flags.fin === true, unidirectional: false, headerBlock,
    });
  }

  /** The next frame; header blocks are decoded in arrival order (one context). */
  async next(): Promise<ReceivedFrame> {
    while (this.queue.length === 0) {
      if (this.closed) throw new Error('peer closed');
      await new Promise<void>((resolve) => { this.waiters.push(resolve); });
    }
    const frame = this.queue.shift()!;
    if (frame.type === 'syn_stream' || frame.type === 'syn_reply' || frame.type === 'headers') {
      return { ...frame, headers: decodeHeaderBlock(await this.decompressor.decompress(frame.headerBlock)) };
    }
    return frame;
  }

  async untilClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((resolve) => { this.waiters.push(resolve); });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

async function rawClient(opts: Partial<SpdySessionOptions> = {}): Promise<{ peer: RawPeer; server: SpdySession }> {
  const [a, b] = await tcpPair();
  const server = new SpdySession(b, { ...opts, server: true });
  cleanups.push(() => { server.destroy(); });
  return { peer: new RawPeer(a), server };
}

describe('SpdySession on the wire', () => {
  it('sends SYN_REPLY before the first DATA even when the app writes first (spdystream drops early DATA)', async () => {
    const { peer, server } = await rawClient();
    server.on('stream', (st) => { st.end('hi'); });
    await peer.synStream(1, { streamtype: 'data' });
    expect(await peer.next()).toMatchObject({ type: 'syn_reply', streamId: 1, fin: false, headers: {} });
    expect(await peer.next()).toEqual({ type: 'data', streamId: 1, fin: false, data: Buffer.from('hi') });
    expect(await peer.next()).toEqual({ type: 'data', streamId: 1, fin: true, data: Buffer.alloc(0) });
  });

  it('folds the FIN into the SYN_REPLY when the app ends without writing', async () => {
    const { peer, server } = await rawClient();
    server.on('stream', (st) => { st.end(); });
    await peer.synStream(1, {});
    expect(await peer.next()).toMatchObject({ type: 'syn_reply', streamId: 1, fin: true });
  });

  it('sends far more than a 64 KiB window without any WINDOW_UPDATE from the peer, in bounded frames', async () => {
    const { peer, server } = await rawClient({ maxDataFrameSize: 16 * 1024 });
    const payload = randomBytes(1024 * 1024 + 5);
    server.on('stream', (st) => { st.end(payload); });
    await peer.synStream(1, {}, { fin: true });
    expect(await peer.next()).toMatchObject({ type: 'syn_reply' });
    const parts: Buffer[] = [];
    for (;;) {
      const f = await peer.next();
      if (f.type !== 'data') throw new Error(`unexpected ${f.type}`);
      expect(f.data.length).toBeLessThanOrEqual(16 * 1024);
      parts.push(f.data);
      if (f.fin) break;
    }
    expect(Buffer.concat(parts).equals(payload)).toBe(true);
  });

  it("echoes the peer's pings, and ignores SETTINGS, WINDOW_UPDATE and unknown control frames", async () => {
    const { peer, server } = await rawClient();
    server.on('stream', (st) => { st.end('ok'); });
    peer.send({ type: 'settings', clearSettings: false, entries: [{ id: 7, flags: 0, value: 1 }] });
    peer.send({ type: 'window_update', streamId: 0, delta: 1000 });
    peer.send({ type: 'unknown', controlType: 10, flags: 0, payload: Buffer.from('credential') });
    peer.send({ type: 'ping', id: 7 });
    expect(await peer.next()).toEqual({ type: 'ping', id: 7 });
    await peer.synStream(1, {});
    expect(await peer.next()).toMatchObject({ type: 'syn_reply', streamId: 1 });
  });

  it('ignores the echo of a ping it never sent', async () => {
    const { peer, server } = await rawClient();
    peer.send({ type: 'ping', id: 2 }); // even: the server's own parity
    peer.send({ type: 'ping', id: 3 });
    expect(await peer.next()).toEqual({ type: 'ping', id: 3 });
    expect(server.closed).toBe(false);
  });

  it('answers DATA on a stream that was never opened with INVALID_STREAM, and ignores it on a closed one', async () => {
    const { peer, server } = await rawClient();
    server.on('stream', (st) => { st.resume(); st.end(); });
    peer.send({ type: 'data', streamId: 9, fin: false, data: Buffer.from('x') });
    expect(await peer.next()).toEqual({ type: 'rst_stream', streamId: 9, status: RstStatus.InvalidStream });
    await peer.synStream(11, {}, { fin: true });
    expect(await peer.next()).toMatchObject({ type: 'syn_reply', streamId: 11, fin: true });
    peer.send({ type: 'data', streamId: 11, fin: false, data: Buffer.from('late') });
    peer.send({ type: 'ping', id: 1 });
    expect(await peer.next()).toEqual({ type: 'ping', id: 1 });
  });

  it('answers DATA after FIN with STREAM_ALREADY_CLOSED', async () => {
    const { peer, server } = await rawClient();
    const resets: number[] = [];
    server.on('stream', (st) => { st.reply(); st.resume(); st.on('reset', (c: number) => resets.push(c)); });
    await peer.synStream(1, {}, { fin: true });
    expect(await peer.next()).toMatchObject({ type: 'syn_reply' });
    peer.send({ type: 'data', streamId: 1, fin: false, data: Buffer.from('after fin') });
    expect(await peer.next()).toEqual({ type: 'rst_stream', streamId: 1, status: RstStatus.StreamAlreadyClosed });
  });

  it('resets a stream whose header block is malformed, and carries on', async () => {
    const { peer, server } = await rawClient();
    server.on('stream', (st) => { st.end(); });
    // valid zlib holding an invalid block (an upper-case name); the context stays in step
    const bad = Buffer.concat([Buffer.from('0000000100000001', 'hex'), Buffer.from('P'), Buffer.from('0000000131', 'hex')]);
    const syn = (streamId: number, headerBlock: Buffer): SpdyFrame => ({
      type: 'syn_stream', streamId, associatedStreamId: 0, priority: 0, slot: 0, fin: false, unidirectional: false, headerBlock,
    });
    const ctx = new HeaderCompressor();
    cleanups.push(() => { ctx.close(); });
    peer.send(syn(1, await ctx.compress(bad)));
    expect(await peer.next()).toEqual({ type: 'rst_stream', streamId: 1, status: RstStatus.ProtocolError });
    peer.send(syn(3, await ctx.compress(encodeHeaderBlock({ ok: '1' }))));
    expect(await peer.next()).toMatchObject({ type: 'syn_reply', streamId: 3 });
  });

  const SESSION_ERRORS: [string, (peer: RawPeer) => Promise<void>][] = [
    ['a SYN_STREAM with a server (even) id', (peer) => peer.synStream(2, {})],
    ['a SYN_STREAM whose id does not increase', async (peer) => {
      await peer.synStream(5, {});
      await peer.synStream(3, {});
    }],
    ['a header block that is not zlib', (peer) => {
      peer.send({
        type: 'syn_stream', streamId: 1, associatedStreamId: 0, priority: 0, slot: 0, fin: false, unidirectional: false,
        headerBlock: Buffer.from('garbage'),
      });
      return Promise.resolve();
    }],
    ['a frame of another SPDY version', (peer) => {
      peer.socket.write(Buffer.from('8002000600000004' + '00000001', 'hex'));
      return Promise.resolve();
    }],
    ['DATA on stream 0', (peer) => {
      peer.send({ type: 'data', streamId: 0, fin: false, data: Buffer.from('x') });
      return Promise.resolve();
    }],
  ];

  it.each(SESSION_ERRORS)('ends the session on %s with GOAWAY PROTOCOL_ERROR', async (_name, act) => {
    const { peer, server } = await rawClient();
    server.on('stream', (st) => { st.reply(); });
    const closed = once(server, 'close') as Promise<[Error | undefined]>;
    await act(peer);
    let frame = await peer.next();
    while (frame.type !== 'goaway') frame = await peer.next();
    expect(frame.status).toBe(GoAwayStatus.ProtocolError);
    const [err] = await closed;
    expect(err).toBeInstanceOf(SpdyProtocolError);
    await peer.untilClosed();
  });
});
