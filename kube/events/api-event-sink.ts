// Events to the API server the way client-go's tools/record sends them for the kubelet: a new
// event is POSTed to the involved object's namespace ("default" for the Node); an event seen again
// (same object, reason, message: the recorder counts it) is a strategic merge PATCH of count,
// lastTimestamp and message on the same name, re-POSTed when it is gone (404). Writes go through a
// bounded queue worked one at a time, so pod work never waits for the API. Like the recorder's
// spam filter, each involved object has a token bucket (burst 25, one more every 5 minutes).
// While the API server is down events are dropped with a log line instead of piling up.
import type { Event as CoreEvent } from 'kubernetes-types/core/v1.d.ts';
import { EVENTS, isClientNotFound } from '../client/client.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { silentLogger } from '../../lib/log.ts';
import { errorText, isApiAnswer, type ApiClientLike } from '../client/client-like.ts';

/** Where recorded events go (the agent's and the controllers' recorders write through one). */
export interface EventSink {
  /** A new event (count 1). */
  create(event: CoreEvent): Promise<void>;
  /** An existing event seen again (count and lastTimestamp changed). */
  update(event: CoreEvent): Promise<void>;
}

export interface ApiEventSinkOptions {
  client: ApiClientLike;
  clock: Clock;
  log?: Logger;
  /** Events waiting to be written (client-go's broadcaster queue: 1000); more are dropped. */
  queueSize?: number;
  /** Spam filter: burst per involved object and ms per refilled token (25, 5 min). */
  burst?: number;
  refillMs?: number;
  /** Tries per event on transport errors, and the pause between them. */
  maxTries?: number;
  retryDelayMs?: number;
  /** After an event could not be written, drop further events for this long. */
  downForMs?: number;
}

interface Item {
  kind: 'create' | 'update';
  event: CoreEvent;
  done: () => void;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** The spam-filter key: the involved object and the event source (EventSourceObjectSpamFilter). */
function objectKey(e: CoreEvent): string {
  const o = e.involvedObject;
  return [e.source?.component ?? '', e.source?.host ?? '', o.kind ?? '', o.namespace ?? '', o.name ?? '', o.uid ?? '', o.apiVersion ?? ''].join('/');
}

export class ApiEventSink implements EventSink {
  private readonly queue: Item[] = [];
  private readonly buckets = new Map<string, Bucket>();
  private working = false;
  private downUntil = 0;
  private dropped = 0;
  private readonly log: Logger;
  private idle: Promise<void> = Promise.resolve();

  constructor(private readonly o: ApiEventSinkOptions) {
    this.log = o.log ?? silentLogger;
  }

  create(event: CoreEvent): Promise<void> {
    return this.push('create', event);
  }

  update(event: CoreEvent): Promise<void> {
    return this.push('update', event);
  }

  /** Events dropped so far (queue full, spam filter, API down). */
  droppedCount(): number {
    return this.dropped;
  }

  /** Resolves when the queue is empty. */
  async flush(): Promise<void> {
    await this.idle;
  }

  private push(kind: Item['kind'], event: CoreEvent): Promise<void> {
    if (!this.take(event)) {
      this.drop(event, 'too many events about this object');
      return Promise.resolve();
    }
    if (this.queue.length >= (this.o.queueSize ?? 1000)) {
      this.drop(event, 'event queue is full');
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.queue.push({ kind, event, done: resolve });
      if (!this.working) {
        this.working = true;
        this.idle = this.work();
      }
    });
  }

  /** Token bucket per involved object. */
  private take(event: CoreEvent): boolean {
    const burst = this.o.burst ?? 25;
    const refill = this.o.refillMs ?? 300_000;
    const key = objectKey(event);
    const now = this.o.clock.now();
    const b = this.buckets.get(key) ?? { tokens: burst, at: now };
    const gained = Math.floor((now - b.at) / refill);
    if (gained > 0) {
      b.tokens = Math.min(burst, b.tokens + gained);
      b.at += gained * refill;
    }
    if (b.tokens >= burst) b.at = now;
    this.buckets.set(key, b);
    if (b.tokens <= 0) return false;
    b.tokens--;
    if (this.buckets.size > 4096) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined && oldest !== key) this.buckets.delete(oldest);
    }
    return true;
  }

  private drop(event: CoreEvent, why: string): void {
    this.dropped++;
    this.log.warn({ reason: event.reason, object: `${event.involvedObject.kind ?? ''}/${event.involvedObject.name ?? ''}`, why }, 'event dropped');
  }

  private async work(): Promise<void> {
    for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) {
      try {
        if (this.o.clock.now() < this.downUntil) this.drop(item.event, 'API server unavailable');
        else await this.write(item);
      } catch (err) {
        this.log.warn({ err: errorText(err), reason: item.event.reason }, 'event not written');
      } finally {
        item.done();
      }
    }
    this.working = false;
  }

  private async write(item: Item): Promise<void> {
    const tries = this.o.maxTries ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send(item);
        return;
      } catch (err) {
        // The server answered: the event is rejected for good (client-go does not retry those).
        if (isApiAnswer(err) && err.httpStatus < 500) {
          this.log.warn({ err: errorText(err), reason: item.event.reason }, 'server rejected event; not retrying');
          return;
        }
        if (attempt >= tries) {
          this.downUntil = this.o.clock.now() + (this.o.downForMs ?? 10_000);
          this.drop(item.event, `API server unavailable (${errorText(err)})`);
          return;
        }
        await this.o.clock.sleep(this.o.retryDelayMs ?? 1000);
      }
    }
  }

  private async send(item: Item): Promise<void> {
    const e = item.event;
    const ns = e.metadata.namespace ?? e.involvedObject.namespace ?? 'default';
    const namespace = ns === '' ? 'default' : ns;
    const { resourceVersion: _rv, ...meta } = e.metadata;
    const body: CoreEvent = { ...e, metadata: { ...meta, namespace } };
    if (item.kind === 'update') {
      try {
        await this.o.client.patch(EVENTS, namespace, e.metadata.name ?? '', {
          count: e.count ?? 1, lastTimestamp: e.lastTimestamp ?? null, message: e.message ?? '',
        }, 'strategic');
        return;
      } catch (err) {
        if (!isClientNotFound(err)) throw err;
        // gone (or never written): create it with the current count
      }
    }
    await this.o.client.create(EVENTS, namespace, { ...body, apiVersion: 'v1', kind: 'Event' });
  }
}
