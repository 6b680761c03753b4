import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import { connectFailure } from './port-forward.ts';
import { RelayStream, StatusLines, parseStatusLine, type RelayTransport } from './relay-stream.ts';

class FakeTransport implements RelayTransport {
  written: string[] = [];
  ended = false;
  paused = false;
  destroyedWith: boolean[] = [];
  write(chunk: Buffer, done: () => void): void {
    this.written.push(chunk.toString());
    done();
  }
  end(): void { this.ended = true; }
  pause(): void { this.paused = true; }
  resume(): void { this.paused = false; }
  destroy(finished: boolean): void { this.destroyedWith.push(finished); }
}

function open(opts: { signal?: AbortSignal; clock?: FakeClock } = {}): { stream: RelayStream; transport: FakeTransport; clock: FakeClock } {
  const clock = opts.clock ?? new FakeClock();
  const stream = new RelayStream({ what: 'sandbox sb port 80', clock, connectTimeoutMs: 5000, signal: opts.signal });
  const transport = new FakeTransport();
  stream.attach(transport);
  return { stream, transport, clock };
}

function readAll(stream: RelayStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    stream.on('data', (c: Buffer) => { out += c.toString(); });
    stream.once('end', () => { resolve(out); });
    stream.once('error', reject);
  });
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('relay status lines', () => {
  it('parses ok, eof N and anything else as an error message', () => {
    expect(parseStatusLine('ok')).toEqual({ kind: 'ok' });
    expect(parseStatusLine('eof 1234')).toEqual({ kind: 'eof', bytes: 1234 });
    expect(parseStatusLine('failed to connect to localhost:80 inside namespace "x": connect: connection refused'))
      .toEqual({ kind: 'error', message: 'failed to connect to localhost:80 inside namespace "x": connect: connection refused' });
  });

  it('joins lines cut across chunks and keeps an unterminated tail for flush', () => {
    const lines = new StatusLines();
    expect(lines.push('o')).toEqual([]);
    expect(lines.push('k\r\neof 1')).toEqual([{ kind: 'ok' }]);
    expect(lines.push('0\n\nboom')).toEqual([{ kind: 'eof', bytes: 10 }]);
    expect(lines.flush()).toEqual([{ kind: 'error', message: 'boom' }]);
    expect(lines.flush()).toEqual([]);
  });

  it('words a failed connect like containerd, naming IPv6 only when it says more', () => {
    expect(connectFailure(8080, 'sb', 'connection refused')).toBe('failed to connect to localhost:8080 inside namespace "sb": connect: connection refused');
    expect(connectFailure(8080, 'sb', 'connection refused', 'connection refused')).toBe('failed to connect to localhost:8080 inside namespace "sb": connect: connection refused');
    expect(connectFailure(8080, 'sb', 'connection refused', 'permission denied'))
      .toBe('failed to connect to localhost:8080 inside namespace "sb": IPv4: connect: connection refused, IPv6: connect: permission denied');
  });
});

describe('RelayStream', () => {
  it('resolves on ok, relays both ways, half-closes on end() and ends after exactly N bytes', async () => {
    const { stream, transport } = open();
    // stdout may overtake the status line on a multiplexed stream; the bytes are kept.
    stream.sink.stdout(Buffer.from('early '));
    stream.sink.stderr(Buffer.from('ok\n'));
    await expect(stream.connected).resolves.toBe(stream);
    const all = readAll(stream);
    stream.write('request');
    stream.end();
    await tick();
    expect(transport.written).toEqual(['request']);
    expect(transport.ended).toBe(true);
    // "eof 11" arrives before the last bytes do: the readable side waits for them.
    stream.sink.stderr(Buffer.from('eof 11\n'));
    await tick();
    expect(stream.readableEnded).toBe(false);
    stream.sink.stdout(Buffer.from('reply'));
    expect(await all).toBe('early reply');
    stream.sink.closed('exit code 0');
    await tick();
    expect(stream.destroyed).toBe(true);
    expect(transport.destroyedWith).toEqual([true]); // finished: the relay exits by itself
  });

  it('rejects with the relay\'s message and stops the relay', async () => {
    const { stream, transport } = open();
    stream.sink.stderr(Buffer.from('failed to connect to localhost:80 inside namespace "sb": connect: connection refused\n'));
    await expect(stream.connected).rejects.toMatchObject({
      name: 'RuntimeError',
      code: 'ERR_PORT_FORWARD',
      message: 'failed to connect to localhost:80 inside namespace "sb": connect: connection refused',
    });
    expect(transport.destroyedWith[0]).toBe(false);
  });

  it('rejects when the relay ends before connecting, with what the transport knows', async () => {
    const { stream } = open();
    stream.sink.stderr(Buffer.from('exec failed: no such file'));
    stream.sink.closed('exit code 126');
    await expect(stream.connected).rejects.toThrow('exec failed: no such file');
    const second = open();
    second.stream.sink.closed('exit code 137');
    await expect(second.stream.connected).rejects.toThrow('port-forward to sandbox sb port 80: the relay ended before connecting (exit code 137)');
  });

  it('fails an open stream whose relay reports an error or vanishes without eof', async () => {
    const { stream, transport } = open();
    stream.sink.stderr(Buffer.from('ok\n'));
    await stream.connected;
    const failed = new Promise<Error>((resolve) => { stream.once('error', resolve); });
    stream.sink.stderr(Buffer.from('read localhost:80: connection reset by peer\n'));
    expect((await failed).message).toBe('read localhost:80: connection reset by peer');
    expect(transport.destroyedWith).toEqual([false]);

    const other = open();
    other.stream.sink.stderr(Buffer.from('ok\n'));
    await other.stream.connected;
    const gone = new Promise<Error>((resolve) => { other.stream.once('error', resolve); });
    other.stream.sink.closed('killed by SIGKILL');
    expect((await gone).message).toMatch(/the relay ended unexpectedly \(killed by SIGKILL\)/);
  });

  it('gives up waiting for ok after the connect timeout (on the clock)', async () => {
    const { stream, transport, clock } = open();
    await clock.step(4999);
    expect(transport.destroyedWith).toEqual([]);
    await clock.step(1);
    await expect(stream.connected).rejects.toThrow('no answer from the relay within 5000 ms');
    expect(transport.destroyedWith).toEqual([false]);
  });

  it('cancels on abort: before ok it rejects, after ok it closes without an error event', async () => {
    const ac = new AbortController();
    const { stream, transport } = open({ signal: ac.signal });
    ac.abort();
    await expect(stream.connected).rejects.toThrow('port-forward to sandbox sb port 80 was cancelled');
    expect(transport.destroyedWith[0]).toBe(false);

    const ac2 = new AbortController();
    const second = open({ signal: ac2.signal });
    second.stream.sink.stderr(Buffer.from('ok\n'));
    await second.stream.connected;
    let errored = false;
    second.stream.on('error', () => { errored = true; });
    ac2.abort();
    await tick();
    expect(second.stream.destroyed).toBe(true);
    expect(errored).toBe(false);
    expect(second.transport.destroyedWith).toEqual([false]);
  });

  it('destroying an open stream before both directions are done stops the relay', async () => {
    const { stream, transport } = open();
    stream.sink.stderr(Buffer.from('ok\n'));
    await stream.connected;
    stream.destroy();
    expect(transport.destroyedWith).toEqual([false]);
  });

  it('pauses the transport when the reader falls behind (only once connected) and resumes it on read', async () => {
    const { stream, transport } = open();
    // Before "ok" nothing is paused: the status line may be queued behind these bytes.
    stream.sink.stdout(Buffer.alloc(stream.readableHighWaterMark + 1));
    expect(transport.paused).toBe(false);
    stream.sink.stderr(Buffer.from('ok\n'));
    await stream.connected;
    expect(transport.paused).toBe(true);
    stream.read();
    await tick();
    expect(transport.paused).toBe(false);
    stream.sink.stdout(Buffer.alloc(stream.readableHighWaterMark + 1));
    expect(transport.paused).toBe(true);
    stream.read();
    await tick();
    expect(transport.paused).toBe(false);
  });
});
