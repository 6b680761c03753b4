// Every Service of the cluster, cached for the service link variables of containers (the kubelet's
// Services informer: one list+watch of all namespaces, so building any pod's env is a lookup). It
// reports synced once the first list is in; a broken connection keeps the last known Services
// and reconnects with back-off (re-listing, which also drops Services deleted meanwhile).
// Built on the API side's client (get/list/watch), so unit tests drive it with the fake client
// and a FakeClock like the pod source.
import type { Service } from 'kubernetes-types/core/v1.d.ts';
import { isClientGone, type WatchEvent } from '../../kube/client/client.ts';
import { SERVICES } from '../../kube/client/resources.ts';
import { errorText, type ApiClientLike } from '../../kube/client/client-like.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { silentLogger } from '../../lib/log.ts';
import type { ServiceLister } from '../env/service-env.ts';
import { RetryDelay } from './retry-delay.ts';

export interface ApiServiceCacheOptions {
  client: ApiClientLike;
  clock: Clock;
  log?: Logger;
  /** Reconnect back-off (800 ms doubling to 30 s, like a reflector). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Server-side timeout of each watch (default random 300–600 s). */
  watchTimeoutSeconds?: number;
}

function keyOf(svc: Service): string {
  return `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
}

export class ApiServiceCache implements ServiceLister {
  private readonly items = new Map<string, Service>();
  private synced = false;
  private stopped = true;
  private abort = new AbortController();
  private loop: Promise<void> = Promise.resolve();
  private readonly delay: RetryDelay;
  private readonly log: Logger;
  private reportedDown = false;
  private readonly syncWaiters: (() => void)[] = [];

  constructor(private readonly o: ApiServiceCacheOptions) {
    this.log = o.log ?? silentLogger;
    this.delay = new RetryDelay({ initialMs: o.backoffInitialMs ?? 800, maxMs: o.backoffMaxMs ?? 30_000 });
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list is in the cache (or never, if the API never answers). */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => { this.syncWaiters.push(resolve); });
  }

  list(): Service[] {
    return [...this.items.values()];
  }

  /** Starts the list+watch loop (once); it runs until stop(). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.abort = new AbortController();
    this.loop = this.run().catch((err: unknown) => { this.log.error({ err }, 'Service cache loop ended'); });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.loop;
  }

  /** A method, so the checks after each await are not narrowed away. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private async run(): Promise<void> {
    let rv: string | undefined;
    while (!this.isStopped()) {
      if (rv === undefined) {
        try {
          const list = await this.o.client.list<Service>(SERVICES);
          if (this.isStopped()) return;
          this.replace(list.items);
          rv = list.metadata.resourceVersion ?? '';
          this.connected();
        } catch (err) {
          if (this.isStopped()) return;
          this.disconnected(err);
          await this.backoff();
          continue;
        }
      }
      const startedAt = this.o.clock.now();
      let events = 0;
      try {
        const stream = this.o.client.watch<Service>(SERVICES, undefined, {
          resourceVersion: rv, allowWatchBookmarks: true,
          timeoutSeconds: this.o.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300),
          signal: this.abort.signal,
        });
        for await (const ev of stream) {
          if (this.isStopped()) return;
          events++;
          rv = ev.object.metadata?.resourceVersion ?? rv;
          this.apply(ev);
        }
        if (this.isStopped()) return;
        // a watch that ends at once without a single event is a failure in disguise
        if (events === 0 && this.o.clock.now() - startedAt < 1000) await this.backoff();
      } catch (err) {
        if (this.isStopped()) return;
        if (!isClientGone(err)) {
          this.disconnected(err);
          await this.backoff();
        }
        rv = undefined;
      }
    }
  }

  private replace(items: readonly Service[]): void {
    this.items.clear();
    for (const svc of items) this.items.set(keyOf(svc), svc);
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private apply(ev: WatchEvent<Service>): void {
    if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.items.set(keyOf(ev.object), ev.object);
    else if (ev.type === 'DELETED') this.items.delete(keyOf(ev.object));
  }

  private connected(): void {
    if (this.reportedDown) this.log.info('listing Services again');
    this.reportedDown = false;
    this.delay.reset();
  }

  private disconnected(err: unknown): void {
    const fields = { err: errorText(err) };
    if (this.reportedDown) this.log.debug(fields, 'Services still unavailable');
    else this.log.warn(fields, 'listing or watching Services failed; keeping the last known ones and retrying');
    this.reportedDown = true;
  }

  private async backoff(): Promise<void> {
    try {
      await this.o.clock.sleep(this.delay.next(), this.abort.signal);
    } catch {
      // stopped
    }
  }
}
