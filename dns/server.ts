// The DNS server's sockets: UDP and TCP (length-prefixed, several queries per connection, answered
// as they complete) on one address and port. Every message goes through answerMessage, which
// decodes it, asks the handler and encodes the reply; malformed messages get FORMERR (or are
// dropped when too short to carry an id), other opcodes NOTIMP, and a failing handler SERVFAIL, so
// no packet can take the server down. UDP replies larger than the client's limit (512 bytes, or
// its EDNS size) are truncated with TC set, for the client to ask again over TCP.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import dnsPacket, { type Answer, type OptAnswer, type Packet, type Question } from 'dns-packet';
import type { Logger } from '../lib/log.ts';
import { NodeletError } from '../lib/errors.ts';
import { frame, TcpFramer } from './transport.ts';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
/** The EDNS payload size this server advertises and the most it sends over UDP. */
export const SERVER_UDP_SIZE = 1232;
const CLASSIC_UDP_SIZE = 512;
/** A TCP connection with no complete query for this long is closed (CoreDNS: read timeout). */
const TCP_IDLE_MS = 10_000;

export interface HandlerAnswer {
  rcode: number;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** Set on answers for the cluster zone. */
  authoritative: boolean;
}

export interface QueryContext {
  tcp: boolean;
}

export type QueryHandler = (q: Question, ctx: QueryContext) => Promise<HandlerAnswer>;

function header(raw: Buffer): { id: number; flags: number } | undefined {
  return raw.length < 12 ? undefined : { id: raw.readUInt16BE(0), flags: raw.readUInt16BE(2) };
}

/** Reply flags: QR is set by dns-packet; opcode and RD are copied from the query. */
function replyFlags(queryFlags: number, rcode: number, extra = 0): number {
  return (queryFlags & 0x7800) | (queryFlags & dnsPacket.RECURSION_DESIRED) | extra | (rcode & 0xf);
}

function bare(id: number, queryFlags: number, rcode: number, questions: Question[] = []): Buffer {
  try {
    return dnsPacket.encode({ type: 'response', id, flags: replyFlags(queryFlags, rcode), questions });
  } catch {
    // a question dns-packet decoded but cannot encode again: reply without it
    return dnsPacket.encode({ type: 'response', id, flags: replyFlags(queryFlags, rcode), questions: [] });
  }
}

/** The reply to one raw message, or undefined when it must be dropped. Never throws. */
export async function answerMessage(raw: Buffer, ctx: QueryContext, handler: QueryHandler, log?: Logger): Promise<Buffer | undefined> {
  const h = header(raw);
  if (h === undefined) return undefined;
  // a response is never answered (that way lie loops)
  if ((h.flags & 0x8000) !== 0) return undefined;
  let query: ReturnType<typeof dnsPacket.decode>;
  try {
    query = dnsPacket.decode(raw);
  } catch {
    return bare(h.id, h.flags, RCODE.FORMERR);
  }
  if (((h.flags >> 11) & 0xf) !== 0) return bare(h.id, h.flags, RCODE.NOTIMP);
  const questions = query.questions ?? [];
  const q = questions[0];
  if (questions.length !== 1 || q === undefined) return bare(h.id, h.flags, RCODE.FORMERR, questions);
  const opt = (query.additionals ?? []).find((a): a is OptAnswer => a.type === 'OPT');
  let answer: HandlerAnswer;
  try {
    answer = await handler(q, ctx);
  } catch (err) {
    log?.warn({ err, name: q.name, type: q.type }, 'query failed');
    return bare(h.id, h.flags, RCODE.SERVFAIL, questions);
  }
  const ednsOut: Answer[] = opt === undefined ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: SERVER_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }];
  const flags = replyFlags(h.flags, answer.rcode, (answer.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | dnsPacket.RECURSION_AVAILABLE);
  const reply: Packet = {
    type: 'response', id: h.id, flags, questions,
    answers: answer.answers, authorities: answer.authorities, additionals: [...answer.additionals, ...ednsOut],
  };
  try {
    const out = dnsPacket.encode(reply);
    const limit = ctx.tcp ? 65535 : Math.min(SERVER_UDP_SIZE, Math.max(CLASSIC_UDP_SIZE, opt?.udpPayloadSize ?? CLASSIC_UDP_SIZE));
    if (out.length <= limit) return out;
    return dnsPacket.encode({ type: 'response', id: h.id, flags: flags | dnsPacket.TRUNCATED_RESPONSE, questions, additionals: ednsOut });
  } catch (err) {
    log?.warn({ err, name: q.name, type: q.type }, 'reply could not be encoded');
    return bare(h.id, h.flags, RCODE.SERVFAIL, questions);
  }
}

export interface DnsServerOptions {
  host: string;
  /** 0: any free port, the same for UDP and TCP. */
  port: number;
  handler: QueryHandler;
  log: Logger;
}

export class DnsServerError extends NodeletError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('dns.listen', message, options);
  }
}

export class DnsServer {
  private readonly connections = new Set<TcpSocket>();
  private inflight = 0;

  private constructor(private readonly o: DnsServerOptions, private readonly udp: UdpSocket, private readonly tcp: TcpServer, readonly port: number) {}

  /** Binds UDP and TCP on host:port (with port 0, one free port for both). */
  static async start(o: DnsServerOptions): Promise<DnsServer> {
    let lastErr: unknown;
    for (let attempt = 0; attempt < (o.port === 0 ? 10 : 1); attempt++) {
      const udp = createSocket({ type: isIPv6(o.host) ? 'udp6' : 'udp4' });
      let port: number;
      try {
        port = await bindUdp(udp, o.host, o.port);
      } catch (err) {
        udp.close();
        throw new DnsServerError(`cannot bind UDP ${o.host}:${String(o.port)}: ${(err as Error).message}`, { cause: err });
      }
      const tcp = createServer();
      try {
        await listenTcp(tcp, o.host, port);
      } catch (err) {
        lastErr = err;
        udp.close();
        continue;
      }
      const server = new DnsServer(o, udp, tcp, port);
      server.serve();
      return server;
    }
    throw new DnsServerError(`cannot bind TCP ${o.host}:${String(o.port)}: ${(lastErr as Error | undefined)?.message ?? 'unknown'}`, { cause: lastErr });
  }

  /** Queries being answered right now. */
  get busy(): number {
    return this.inflight;
  }

  private serve(): void {
    const { handler, log } = this.o;
    this.udp.on('error', (err) => { log.error({ err }, 'UDP socket error'); });
    this.udp.on('message', (msg, rinfo) => {
      this.inflight++;
      void answerMessage(msg, { tcp: false }, handler, log).then((reply) => {
        this.inflight--;
        if (reply === undefined) return;
        try {
          this.udp.send(reply, rinfo.port, rinfo.address, (err) => { if (err !== null) log.debug({ err }, 'UDP reply not sent'); });
        } catch (err) {
          // the socket closed while the query was being answered
          log.debug({ err }, 'UDP reply not sent');
        }
      });
    });
    this.tcp.on('error', (err) => { log.error({ err }, 'TCP server error'); });
    this.tcp.on('connection', (sock) => { this.connection(sock); });
  }

  private connection(sock: TcpSocket): void {
    const { handler, log } = this.o;
    this.connections.add(sock);
    const framer = new TcpFramer();
    sock.setTimeout(TCP_IDLE_MS, () => { sock.destroy(); });
    sock.on('error', () => { sock.destroy(); });
    sock.on('close', () => { this.connections.delete(sock); });
    sock.on('data', (chunk: Buffer) => {
      for (const msg of framer.push(chunk)) {
        this.inflight++;
        void answerMessage(msg, { tcp: true }, handler, log).then((reply) => {
          this.inflight--;
          if (reply === undefined) {
            // nothing sensible to say on this stream
            sock.destroy();
            return;
          }
          if (!sock.destroyed) sock.write(frame(reply));
        });
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.connections) s.destroy();
    await Promise.all([
      new Promise<void>((resolve) => { this.udp.close(() => { resolve(); }); }),
      new Promise<void>((resolve) => { this.tcp.close(() => { resolve(); }); }),
    ]);
  }
}

function bindUdp(udp: UdpSocket, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, host, () => {
      udp.off('error', reject);
      resolve(udp.address().port);
    });
  });
}

function listenTcp(tcp: TcpServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
}
