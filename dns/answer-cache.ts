// A small cache of upstream answers, as CoreDNS's cache plugin keeps one in front of forward:
// positive answers live for their smallest TTL (at most 3600 s), negative ones (NXDOMAIN, NODATA)
// for the SOA's negative TTL (RFC 2308: min of the SOA's TTL and minimum, at most 1800 s);
// answers without a usable TTL, and failures, are not kept. Served copies have their TTLs
// lowered by the time spent in the cache.
import type { Answer } from 'dns-packet';
import type { Clock } from '../lib/clock.ts';

export const MAX_POSITIVE_TTL = 3600;
export const MAX_NEGATIVE_TTL = 1800;

export interface CachedMessage {
  /** The response code (0 NOERROR, 3 NXDOMAIN). */
  rcode: number;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

interface Entry {
  msg: CachedMessage;
  storedAt: number;
  expiresAt: number;
}

function ttlOf(a: Answer): number | undefined {
  return a.type === 'OPT' ? undefined : a.ttl;
}

/** How long a message may be cached, in seconds (0: not at all). Pure. */
export function cacheLifetime(msg: CachedMessage): number {
  if (msg.rcode === 0 && msg.answers.length > 0) {
    const ttls = msg.answers.map(ttlOf).filter((t) => t !== undefined);
    return ttls.length === 0 ? 0 : Math.min(MAX_POSITIVE_TTL, ...ttls);
  }
  if (msg.rcode === 0 || msg.rcode === 3) {
    const soa = msg.authorities.find((a) => a.type === 'SOA');
    if (soa?.type !== 'SOA') return 0;
    return Math.min(MAX_NEGATIVE_TTL, soa.ttl ?? 0, soa.data.minimum ?? 0);
  }
  return 0;
}

function aged(records: Answer[], elapsedS: number): Answer[] {
  return records.map((r) => (r.type === 'OPT' ? r : { ...r, ttl: Math.max(0, (r.ttl ?? 0) - elapsedS) }) as Answer);
}

export class AnswerCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock, private readonly capacity = 10_000) {}

  static key(name: string, type: string, cls = 'IN'): string {
    return `${name.toLowerCase().replace(/\.$/, '')}|${type}|${cls}`;
  }

  get(key: string): CachedMessage | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    const now = this.clock.now();
    if (now >= e.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    const elapsed = Math.floor((now - e.storedAt) / 1000);
    return { rcode: e.msg.rcode, answers: aged(e.msg.answers, elapsed), authorities: aged(e.msg.authorities, elapsed), additionals: aged(e.msg.additionals, elapsed) };
  }

  /** Keeps msg if it may be cached; the oldest entry goes when full. */
  put(key: string, msg: CachedMessage): void {
    const lifetime = cacheLifetime(msg);
    if (lifetime <= 0) return;
    const now = this.clock.now();
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { msg, storedAt: now, expiresAt: now + lifetime * 1000 });
  }

  get size(): number {
    return this.entries.size;
  }
}
