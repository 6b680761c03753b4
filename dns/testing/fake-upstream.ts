// A fake upstream DNS server for tests, on 127.0.0.1 (UDP and TCP on one free port): it answers
// from a fixed table, never recurses anywhere, records which transport each query came over, can
// force truncation over UDP for chosen names (so the client retries over TCP) and can stay silent.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import dnsPacket, { type Answer } from 'dns-packet';
import { frame, TcpFramer } from '../transport.ts';

export interface FakeRecord {
  name: string;
  type: 'A' | 'AAAA' | 'CNAME';
  data: string;
  ttl?: number;
}

export interface FakeUpstreamOptions {
  records: FakeRecord[];
  /** Names whose UDP answers are sent truncated (TC, no records). */
  truncateOverUdp?: string[];
  /** Names never answered (to test timeouts). */
  silent?: string[];
}

export interface SeenQuery {
  name: string;
  type: string;
  tcp: boolean;
}

const SOA: Answer = { type: 'SOA', name: 'test', ttl: 60, class: 'IN', data: { mname: 'ns.test', rname: 'hostmaster.test', serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 60 } };

export class FakeUpstream {
  readonly seen: SeenQuery[] = [];
  private readonly conns = new Set<TcpSocket>();

  private constructor(private readonly o: FakeUpstreamOptions, private readonly udp: UdpSocket, private readonly tcp: TcpServer, readonly port: number) {}

  static async start(o: FakeUpstreamOptions): Promise<FakeUpstream> {
    for (let attempt = 0; ; attempt++) {
      const udp = createSocket('udp4');
      const port = await new Promise<number>((resolve) => { udp.bind(0, '127.0.0.1', () => { resolve(udp.address().port); }); });
      const tcp = createServer();
      try {
        await new Promise<void>((resolve, reject) => { tcp.once('error', reject); tcp.listen(port, '127.0.0.1', () => { resolve(); }); });
      } catch (err) {
        udp.close();
        if (attempt > 5) throw err;
        continue;
      }
      const up = new FakeUpstream(o, udp, tcp, port);
      up.serve();
      return up;
    }
  }

  get host(): string {
    return '127.0.0.1';
  }

  private reply(raw: Buffer, tcp: boolean): Buffer | undefined {
    const q = dnsPacket.decode(raw);
    const question = q.questions?.[0];
    if (question === undefined) return undefined;
    const name = question.name.toLowerCase();
    this.seen.push({ name, type: question.type, tcp });
    if (this.o.silent?.includes(name) === true) return undefined;
    const base = { type: 'response' as const, id: q.id ?? 0, questions: q.questions ?? [] };
    const flags = dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE;
    if (!tcp && this.o.truncateOverUdp?.includes(name) === true) return dnsPacket.encode({ ...base, flags: flags | dnsPacket.TRUNCATED_RESPONSE });
    const known = this.o.records.filter((r) => r.name === name);
    if (known.length === 0) return dnsPacket.encode({ ...base, flags: flags | 3, authorities: [SOA] });
    const answers = known.filter((r) => r.type === question.type)
      .map((r): Answer => ({ type: r.type, name: question.name, ttl: r.ttl ?? 60, class: 'IN', data: r.data }));
    return dnsPacket.encode({ ...base, flags, answers, authorities: answers.length === 0 ? [SOA] : [] });
  }

  private serve(): void {
    this.udp.on('message', (msg, rinfo) => {
      const out = this.reply(msg, false);
      if (out !== undefined) this.udp.send(out, rinfo.port, rinfo.address);
    });
    this.tcp.on('connection', (sock) => {
      this.conns.add(sock);
      sock.on('close', () => { this.conns.delete(sock); });
      sock.on('error', () => { sock.destroy(); });
      const framer = new TcpFramer();
      sock.on('data', (chunk: Buffer) => {
        for (const msg of framer.push(chunk)) {
          const out = this.reply(msg, true);
          if (out !== undefined) sock.write(frame(out));
        }
      });
    });
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    await Promise.all([
      new Promise<void>((resolve) => { this.udp.close(() => { resolve(); }); }),
      new Promise<void>((resolve) => { this.tcp.close(() => { resolve(); }); }),
    ]);
  }
}
