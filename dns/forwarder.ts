// Forwarding of names outside the cluster to the upstream servers (the host's resolvers), as
// CoreDNS's `forward . /etc/resolv.conf` with `cache 30` in front: the question goes to each
// upstream in turn until one answers; over UDP a truncated answer is asked again over TCP; a
// client that came over TCP is forwarded over TCP. Answers are cached by their TTLs.
import { randomInt } from 'node:crypto';
import dnsPacket, { type Answer, type Question } from 'dns-packet';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import { AnswerCache, type CachedMessage } from './answer-cache.ts';
import { DnsTransportError, exchangeTcp, exchangeUdp, type HostPort } from './transport.ts';

/** Per upstream and attempt, as CoreDNS's forward gives up on a silent upstream. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 2000;
/** The EDNS payload size asked of upstreams (the DNS flag day 2020 value). */
export const EDNS_UDP_SIZE = 1232;

export interface ForwarderOptions {
  upstreams: readonly HostPort[];
  clock: Clock;
  log: Logger;
  timeoutMs?: number;
  cache?: AnswerCache;
}

export interface ForwardedAnswer extends CachedMessage {
  /** Whether it came from the cache. */
  cached: boolean;
}

export function isTruncated(reply: Buffer): boolean {
  return reply.length >= 4 && (reply.readUInt16BE(2) & dnsPacket.TRUNCATED_RESPONSE) !== 0;
}

function withoutOpt(records: Answer[] | undefined): Answer[] {
  return (records ?? []).filter((r) => r.type !== 'OPT');
}

export class Forwarder {
  private readonly timeoutMs: number;

  constructor(private readonly o: ForwarderOptions) {
    this.timeoutMs = o.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
  }

  get upstreams(): readonly HostPort[] {
    return this.o.upstreams;
  }

  /** The upstreams' answer to q; throws DnsTransportError when none answers. */
  async query(q: Question, o: { tcp: boolean }): Promise<ForwardedAnswer> {
    const key = AnswerCache.key(q.name, q.type, q.class ?? 'IN');
    const hit = this.o.cache?.get(key);
    if (hit !== undefined) return { ...hit, cached: true };
    const id = randomInt(65536);
    const msg = dnsPacket.encode({
      type: 'query', id, flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ name: q.name, type: q.type, class: q.class ?? 'IN' }],
      additionals: o.tcp ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
    });
    let lastErr: unknown;
    for (const upstream of this.o.upstreams) {
      try {
        let reply = o.tcp ? await exchangeTcp(upstream, msg, this.timeoutMs, this.o.clock) : await exchangeUdp(upstream, msg, this.timeoutMs, this.o.clock);
        if (!o.tcp && isTruncated(reply)) reply = await exchangeTcp(upstream, msg, this.timeoutMs, this.o.clock);
        const decoded = dnsPacket.decode(reply);
        const answer: CachedMessage = {
          rcode: reply.readUInt16BE(2) & 0xf,
          answers: withoutOpt(decoded.answers),
          authorities: withoutOpt(decoded.authorities),
          additionals: withoutOpt(decoded.additionals),
        };
        this.o.cache?.put(key, answer);
        return { ...answer, cached: false };
      } catch (err) {
        lastErr = err;
        this.o.log.debug({ err, upstream, name: q.name }, 'upstream did not answer');
      }
    }
    throw new DnsTransportError(`no upstream answered for ${q.name} ${q.type}`, { cause: lastErr });
  }
}
