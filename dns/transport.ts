// DNS message exchange over the two transports (RFC 1035 §4.2): one datagram each way over UDP;
// over TCP each message is preceded by its length in two bytes. Used by the forwarder to ask the
// upstream servers, and by tests as a client.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { isIPv6 } from 'node:net';
import type { Clock } from '../lib/clock.ts';
import { NodeletError } from '../lib/errors.ts';

export interface HostPort {
  host: string;
  port: number;
}

export class DnsTransportError extends NodeletError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('dns.transport', message, options);
  }
}

/** Splits a TCP byte stream into the length-prefixed messages it carries. */
export class TcpFramer {
  private buf: Buffer = Buffer.alloc(0);

  /** Adds bytes; returns the messages now complete. */
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    while (this.buf.length >= 2) {
      const len = this.buf.readUInt16BE(0);
      if (this.buf.length < 2 + len) break;
      out.push(this.buf.subarray(2, 2 + len));
      this.buf = this.buf.subarray(2 + len);
    }
    return out;
  }

  /** Bytes waiting for the rest of their message. */
  get pending(): number {
    return this.buf.length;
  }
}

export function frame(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

function idOf(msg: Buffer): number {
  return msg.length >= 2 ? msg.readUInt16BE(0) : -1;
}

/** Sends msg to server over UDP; resolves with the first reply carrying its id. */
export function exchangeUdp(server: HostPort, msg: Buffer, timeoutMs: number, clock: Clock): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(server.host) ? 'udp6' : 'udp4');
    const id = idOf(msg);
    let done = false;
    const finish = (err: Error | undefined, reply?: Buffer): void => {
      if (done) return;
      done = true;
      timer.cancel();
      socket.close();
      if (err !== undefined) reject(err);
      else resolve(reply ?? Buffer.alloc(0));
    };
    const timer = clock.setTimer(timeoutMs, () => { finish(new DnsTransportError(`no UDP reply from ${server.host}:${String(server.port)} in ${String(timeoutMs)} ms`)); });
    socket.on('error', (err) => { finish(new DnsTransportError(`UDP to ${server.host}:${String(server.port)}: ${err.message}`, { cause: err })); });
    socket.on('message', (reply, rinfo) => {
      // a reply from elsewhere or for another id is not ours (spoofing, late answers)
      if (rinfo.port !== server.port || idOf(reply) !== id) return;
      finish(undefined, reply);
    });
    socket.send(msg, server.port, server.host, (err) => { if (err !== null) finish(new DnsTransportError(`UDP send to ${server.host}: ${err.message}`, { cause: err })); });
  });
}

/** Sends msg to server over TCP; resolves with the reply. */
export function exchangeTcp(server: HostPort, msg: Buffer, timeoutMs: number, clock: Clock): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.host, port: server.port });
    const framer = new TcpFramer();
    let done = false;
    const finish = (err: Error | undefined, reply?: Buffer): void => {
      if (done) return;
      done = true;
      timer.cancel();
      socket.destroy();
      if (err !== undefined) reject(err);
      else resolve(reply ?? Buffer.alloc(0));
    };
    const timer = clock.setTimer(timeoutMs, () => { finish(new DnsTransportError(`no TCP reply from ${server.host}:${String(server.port)} in ${String(timeoutMs)} ms`)); });
    socket.on('error', (err) => { finish(new DnsTransportError(`TCP to ${server.host}:${String(server.port)}: ${err.message}`, { cause: err })); });
    socket.on('close', () => { finish(new DnsTransportError(`TCP connection to ${server.host}:${String(server.port)} closed before a reply`)); });
    socket.on('connect', () => { socket.write(frame(msg)); });
    socket.on('data', (chunk: Buffer) => {
      for (const reply of framer.push(chunk)) {
        if (idOf(reply) === idOf(msg)) {
          finish(undefined, reply);
          return;
        }
      }
    });
  });
}
