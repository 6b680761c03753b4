// The lean HTTP GET against scripted raw servers: framing cases Node's client handles for us.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectTransport } from './direct-transport.ts';
import { decodeChunked, parseHead, rawEligible, rawRequest } from './raw-http.ts';
import type { HttpGetSpec } from './transport.ts';

const servers: net.Server[] = [];
afterEach(() => { for (const s of servers.splice(0)) s.close(); });

/** A server that answers every connection with `reply` (then closes), recording the request. */
async function serve(reply: string | Buffer, close = true): Promise<{ port: number; requests: string[] }> {
  const requests: string[] = [];
  const server = net.createServer((sock) => {
    let req = '';
    sock.on('data', (c: Buffer) => {
      req += c.toString('latin1');
      if (!req.includes('\r\n\r\n')) return;
      requests.push(req);
      if (close) sock.end(reply);
      else sock.write(reply);
    });
    sock.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((r) => { server.listen(0, '127.0.0.1', r); });
  return { port: (server.address() as net.AddressInfo).port, requests };
}

const spec = (port: number, p: Partial<HttpGetSpec> = {}): HttpGetSpec => ({
  scheme: 'http', host: '127.0.0.1', port, path: '/healthz', timeoutMs: 1000, maxBodyBytes: 10,
  headers: [['User-Agent', 'kube-probe/1.33'], ['Accept', '*/*']], via: { podUid: '', containerId: '' }, ...p,
});

describe('raw HTTP GET', () => {
  it('writes what Node writes: headers in order, Host unless given, Connection: close', async () => {
    const s = await serve('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    const res = await new DirectTransport().httpGet(spec(s.port));
    expect(res).toEqual({ statusCode: 200, body: 'ok' });
    expect(s.requests[0]).toBe(`GET /healthz HTTP/1.1\r\nUser-Agent: kube-probe/1.33\r\nAccept: */*\r\nHost: 127.0.0.1:${s.port}\r\nConnection: close\r\n\r\n`);
    expect(rawRequest(spec(1, { headers: [['Host', 'x.example']] }))).toBe('GET /healthz HTTP/1.1\r\nHost: x.example\r\nConnection: close\r\n\r\n');
  });

  it('skips 1xx heads, decodes chunked bodies, stops at maxBodyBytes, keeps Location', async () => {
    const s = await serve('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 302 Found\r\nLocation: /x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n8;ext=1\r\n, world!\r\n0\r\n\r\n');
    expect(await new DirectTransport().httpGet(spec(s.port))).toEqual({ statusCode: 302, body: 'hello, wor', location: '/x' });
    const all = await new DirectTransport().httpGet(spec(s.port, { maxBodyBytes: 100 }));
    expect(all.body).toBe('hello, world!');
  });

  it('returns at the content length without waiting for the close, and reads to the close without one', async () => {
    const a = await serve('HTTP/1.1 500 Oops\r\nContent-Length: 3\r\n\r\nbad', false);
    expect(await new DirectTransport().httpGet(spec(a.port))).toEqual({ statusCode: 500, body: 'bad' });
    const b = await serve('HTTP/1.0 200 OK\r\n\r\nuntil close');
    expect(await new DirectTransport().httpGet(spec(b.port, { maxBodyBytes: 100 }))).toEqual({ statusCode: 200, body: 'until close' });
  });

  it('fails like Node\'s client on an empty reply, a malformed head and a short body', async () => {
    const t = new DirectTransport();
    const empty = await serve('');
    await expect(t.httpGet(spec(empty.port))).rejects.toMatchObject({ kind: 'protocol', message: 'EOF' });
    const junk = await serve('SSH-2.0-OpenSSH\r\n\r\n');
    await expect(t.httpGet(spec(junk.port))).rejects.toMatchObject({ kind: 'protocol', message: 'net/http: HTTP/1.x transport connection broken: malformed HTTP response' });
    const short = await serve('HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nabc');
    await expect(t.httpGet(spec(short.port, { maxBodyBytes: 100 }))).rejects.toMatchObject({ kind: 'protocol', message: expect.stringMatching(/connection reset by peer$/) as unknown });
  });

  it('leaves unusual requests to Node\'s client', () => {
    expect(rawEligible(spec(1))).toBe(true);
    expect(rawEligible(spec(1, { scheme: 'https' }))).toBe(false);
    expect(rawEligible(spec(1, { headers: [['X-A', 'caf\u00e9']] }))).toBe(false);
    expect(rawEligible(spec(1, { headers: [['X-A', 'a\r\nInjected: 1']] }))).toBe(false);
    expect(rawEligible(spec(1, { headers: [['Connection', 'keep-alive']] }))).toBe(false);
  });

  it('parses heads and chunks incrementally', () => {
    expect(parseHead(Buffer.from('HTTP/1.1 200 OK\r\nContent-'))).toBeUndefined();
    expect(parseHead(Buffer.from('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n'))).toMatchObject({ statusCode: 204, contentLength: 0 });
    expect(parseHead(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'))).toBeInstanceOf(Error);
    expect(decodeChunked(Buffer.from('5\r\nhel'), 100)).toMatchObject({ size: 3, complete: false });
    expect(decodeChunked(Buffer.from('zz\r\n'), 100)).toBeInstanceOf(Error);
  });
});
