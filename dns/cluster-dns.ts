// The cluster DNS server, wired: informers on Services, EndpointSlices and Namespaces feed the cluster view
// (rebuilt lazily after any change), UDP and TCP sockets answer from it through the pure resolver,
// names outside the cluster go to the upstreams through a cache, and the server publishes itself
// as the kube-dns Service with its EndpointSlice and Endpoints (again whenever they are removed
// or changed). Ready once the caches synced and the sockets are bound; until the caches synced,
// names of the cluster zone get SERVFAIL (rather than a false NXDOMAIN a client would cache).
import type { Question } from 'dns-packet';
import type { Namespace, Service } from 'kubernetes-types/core/v1.d.ts';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import type { ApiClient } from '../kube/client/client.ts';
import { ENDPOINT_SLICES, NAMESPACES, SERVICES } from '../kube/client/resources.ts';
import { DEFAULT_CLUSTER_DOMAIN, DEFAULT_SERVICE_CIDR, KUBE_DNS, kubeDnsServiceIP, parseCidr } from '../kube/cluster-network.ts';
import { InformerFactory } from '../kube/informers/informer.ts';
import type { Clock } from '../lib/clock.ts';
import { NodeletError } from '../lib/errors.ts';
import type { Logger } from '../lib/log.ts';
import { AnswerCache } from './answer-cache.ts';
import { buildClusterView, type ClusterView } from './cluster-view.ts';
import { Forwarder } from './forwarder.ts';
import { desiredKubeDns, publishKubeDns, serviceAction, sliceAction, type KubeDnsParams, type PublishResult } from './publisher.ts';
import { DEFAULT_DNS_TTL, resolve } from './resolver.ts';
import { DnsServer, RCODE, type HandlerAnswer, type QueryContext } from './server.ts';
import type { HostPort } from './transport.ts';

export interface ClusterDnsOptions {
  client: ApiClient;
  clock: Clock;
  log: Logger;
  /** The address the sockets bind to. */
  address: string;
  /** The address published in the kube-dns EndpointSlice (default: address). */
  advertiseAddress?: string;
  /** 0 picks a free port (tests). */
  port: number;
  clusterDomain?: string;
  serviceCidr?: string;
  upstreams: readonly HostPort[];
  upstreamTimeoutMs?: number;
  ttl?: number;
  /** Publish the kube-dns Service, EndpointSlice and Endpoints (default true). */
  publish?: boolean;
  nodeName?: string;
}

export interface DnsStats {
  queries: number;
  /** Answered from the cluster view. */
  local: number;
  forwarded: number;
  cacheHits: number;
  nxdomain: number;
  servfail: number;
}

/** CNAME chains followed inside the zone before giving up. */
const MAX_CHASE = 8;

export class ClusterDnsError extends NodeletError {
  constructor(message: string) {
    super('dns.config', message);
  }
}

export class ClusterDns {
  private readonly factory: InformerFactory;
  private readonly abort = new AbortController();
  private readonly forwarder: Forwarder;
  private readonly zone: string;
  private readonly ttl: number;
  private readonly serviceIP: string;
  private server: DnsServer | undefined;
  private view: ClusterView | undefined;
  private dirty = true;
  private lastChange = 0;
  private synced = false;
  private readyWaiters: (() => void)[] = [];
  private kick: (() => void) | undefined;
  private republish = false;
  private publishedResult: PublishResult | undefined;
  private publishWaiters: ((r: PublishResult) => void)[] = [];
  private publishing: Promise<void> = Promise.resolve();
  readonly stats: DnsStats = { queries: 0, local: 0, forwarded: 0, cacheHits: 0, nxdomain: 0, servfail: 0 };

  constructor(private readonly o: ClusterDnsOptions) {
    this.factory = new InformerFactory(o.client, { clock: o.clock, log: o.log });
    // forwarding to itself would loop until the query timed out
    const upstreams = o.upstreams.filter((u) => !(u.host === o.address && u.port === o.port));
    if (upstreams.length < o.upstreams.length) o.log.warn({ address: o.address, port: o.port }, 'ignoring this server as its own upstream');
    this.forwarder = new Forwarder({
      upstreams, clock: o.clock, log: o.log, cache: new AnswerCache(o.clock),
      ...(o.upstreamTimeoutMs !== undefined ? { timeoutMs: o.upstreamTimeoutMs } : {}),
    });
    this.zone = (o.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN).toLowerCase().replace(/\.$/, '');
    this.ttl = o.ttl ?? DEFAULT_DNS_TTL;
    const cidr = parseCidr(o.serviceCidr ?? DEFAULT_SERVICE_CIDR);
    if (cidr === undefined) throw new ClusterDnsError(`service CIDR ${o.serviceCidr ?? ''} is not an IPv4 CIDR`);
    this.serviceIP = kubeDnsServiceIP(cidr);
  }

  /** Binds the sockets (throws when it cannot), starts the informers and the publishing. */
  async start(): Promise<void> {
    const signal = this.abort.signal;
    const services = this.factory.informer<Service>(SERVICES);
    const slices = this.factory.informer<EndpointSlice>(ENDPOINT_SLICES);
    // namespaces decide NXDOMAIN or NODATA for <ns>.svc and whether <ip>.<ns>.pod names exist (CoreDNS)
    const namespaces = this.factory.informer<Namespace>(NAMESPACES);
    const changed = (): void => {
      this.dirty = true;
      this.lastChange = this.o.clock.now();
    };
    const isKubeDns = (obj: { metadata?: { namespace?: string; name?: string } }): boolean =>
      obj.metadata?.namespace === KUBE_DNS.namespace && obj.metadata.name === KUBE_DNS.name;
    namespaces.addHandler({ add: changed, delete: changed });
    services.addHandler({
      add: changed,
      update: (_old, svc) => {
        changed();
        if (isKubeDns(svc) && serviceAction(svc, desiredKubeDns(this.publishParams(this.port)).service) !== 'none') this.requestPublish();
      },
      delete: (svc) => {
        changed();
        if (isKubeDns(svc)) this.requestPublish();
      },
    });
    slices.addHandler({
      add: changed,
      update: (_old, slice) => {
        changed();
        if (isKubeDns(slice) && sliceAction(slice, desiredKubeDns(this.publishParams(this.port)).slice) !== 'none') this.requestPublish();
      },
      delete: (slice) => {
        changed();
        if (isKubeDns(slice)) this.requestPublish();
      },
    });
    this.server = await DnsServer.start({
      host: this.o.address, port: this.o.port, log: this.o.log,
      handler: (q, ctx) => this.answer(q, ctx),
    });
    this.factory.start(signal);
    void this.factory.waitForSync().then(() => {
      this.synced = true;
      this.dirty = true;
      for (const w of this.readyWaiters.splice(0)) w();
    });
    if (this.o.publish !== false) this.publishing = this.publishLoop(signal);
    this.o.log.info({ address: this.o.address, port: this.port, zone: this.zone, upstreams: this.o.upstreams }, 'DNS server listening');
  }

  /** The bound port (UDP and TCP). */
  get port(): number {
    return this.server?.port ?? this.o.port;
  }

  /** Caches synced and sockets bound. */
  isReady(): boolean {
    return this.synced && this.server !== undefined;
  }

  whenReady(): Promise<void> {
    if (this.isReady()) return Promise.resolve();
    return new Promise((resolve) => { this.readyWaiters.push(resolve); });
  }

  /** Resolves once the kube-dns objects were first published. */
  whenPublished(): Promise<PublishResult> {
    if (this.publishedResult !== undefined) return Promise.resolve(this.publishedResult);
    return new Promise((resolve) => { this.publishWaiters.push(resolve); });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.kick?.();
    await this.server?.close();
    await Promise.allSettled([this.factory.stopped(), this.publishing]);
  }

  private publishParams(port: number): KubeDnsParams {
    return {
      serviceIP: this.serviceIP, address: this.o.advertiseAddress ?? this.o.address, port,
      ...(this.o.nodeName !== undefined ? { nodeName: this.o.nodeName } : {}),
    };
  }

  private currentView(): ClusterView | undefined {
    if (!this.synced) return undefined;
    if (this.dirty || this.view === undefined) {
      this.dirty = false;
      const services = this.factory.informer<Service>(SERVICES).lister.list();
      const slices = this.factory.informer<EndpointSlice>(ENDPOINT_SLICES).lister.list();
      const namespaces = this.factory.informer<Namespace>(NAMESPACES).lister.list().map((n) => n.metadata?.name ?? '');
      this.view = buildClusterView(services, slices, Math.floor((this.lastChange > 0 ? this.lastChange : this.o.clock.now()) / 1000), namespaces);
    }
    return this.view;
  }

  private static readonly EMPTY_VIEW: ClusterView = { services: new Map(), namespaces: new Set(), reverse: new Map(), serial: 0 };

  private async answer(q: Question, ctx: QueryContext): Promise<HandlerAnswer> {
    this.stats.queries++;
    try {
      const out = await this.lookup(q, ctx, 0);
      if (out.rcode === RCODE.NXDOMAIN) this.stats.nxdomain++;
      return out;
    } catch (err) {
      this.stats.servfail++;
      throw err;
    }
  }

  private async lookup(q: Question, ctx: QueryContext, depth: number): Promise<HandlerAnswer> {
    const view = this.currentView();
    const res = resolve(q, view ?? ClusterDns.EMPTY_VIEW, this.o.clock.now(), { zone: this.zone, ttl: this.ttl });
    if (res.kind === 'forward') {
      this.stats.forwarded++;
      const fwd = await this.forwarder.query(q, ctx);
      if (fwd.cached) this.stats.cacheHits++;
      return { rcode: fwd.rcode, answers: fwd.answers, authorities: fwd.authorities, additionals: fwd.additionals, authoritative: false };
    }
    if (view === undefined) throw new ClusterDnsError('the cluster caches have not synced yet');
    if (depth === 0) this.stats.local++;
    const out: HandlerAnswer = { rcode: RCODE[res.rcode], answers: res.answers, authorities: res.authorities, additionals: res.additionals, authoritative: true };
    if (res.chase === undefined || depth >= MAX_CHASE) return out;
    // an ExternalName's target: answered too, as CoreDNS resolves it through its own chain
    try {
      const target = await this.lookup({ name: res.chase.name, type: res.chase.type, class: 'IN' }, ctx, depth + 1);
      if (target.rcode === RCODE.NOERROR) return { ...out, answers: [...out.answers, ...target.answers] };
    } catch (err) {
      this.o.log.debug({ err, name: res.chase.name }, 'ExternalName target did not resolve');
    }
    return out;
  }

  private requestPublish(): void {
    this.republish = true;
    this.kick?.();
  }

  private async publishLoop(signal: AbortSignal): Promise<void> {
    let delay = 500;
    // read through functions: both change while this loop awaits
    const stopped = (): boolean => signal.aborted;
    const pending = (): boolean => this.republish;
    while (!stopped()) {
      this.republish = false;
      try {
        const result = await publishKubeDns(this.o.client, this.publishParams(this.port), this.o.log);
        delay = 500;
        if (this.publishedResult === undefined) {
          this.publishedResult = result;
          for (const w of this.publishWaiters.splice(0)) w(result);
        }
      } catch (err) {
        if (stopped()) return;
        this.o.log.warn({ err, retryMs: delay }, 'publishing kube-dns failed');
        try {
          await this.o.clock.sleep(delay, signal);
        } catch {
          return;
        }
        delay = Math.min(delay * 2, 30_000);
        continue;
      }
      if (!pending()) {
        await new Promise<void>((resolve) => { this.kick = resolve; });
        this.kick = undefined;
      }
      // coalesce a burst of changes (and never spin against a server that rewrites our objects)
      try {
        await this.o.clock.sleep(1000, signal);
      } catch {
        return;
      }
    }
  }
}
