// Serves one watch: a chunked stream of newline-terminated WatchEvents, in the client's chosen
// form (objects, Table rows, PartialObjectMetadata), with bookmarks when asked, a server-chosen
// or requested timeout, and a 410 Expired ERROR event when the start revision is gone.
import type { ServerResponse } from 'node:http';
import type { Clock, Timer } from '../../lib/clock.ts';
import { ApiError } from '../api/errors.ts';
import type { ResourceStore, ResourceWatch, WatchEvent, WatchOptions } from '../registry/resource-store.ts';
import type { KubeObject } from '../storage/types.ts';
import { renderObject } from './render.ts';
import type { Output } from './negotiate.ts';
import { MAX_TIMER_SECONDS } from './query.ts';

export interface WatchStreamOptions {
  store: ResourceStore;
  namespace: string | undefined;
  watch: WatchOptions;
  output: Output;
  clock: Clock;
  /** Seconds until the server ends the stream; negative ends it at once. */
  timeoutSeconds: number;
  bookmarks: boolean;
  bookmarkIntervalMs: number;
  /**
   * sendInitialEvents=true: after the initial ADDED events, a BOOKMARK annotated
   * k8s.io/initial-events-end (the watch-list protocol).
   */
  initialEventsEnd?: boolean;
  /** Current storage revision, for bookmarks. */
  revision: () => Promise<number>;
  /** Called when the stream ends for any reason. */
  onEnd?: () => void;
}

/** Stop writing to a client that does not read (kube closes such watches too). */
const MAX_BUFFERED = 16 * 1024 * 1024;

export class WatchStream {
  private watch: ResourceWatch | undefined;
  private timers: Timer[] = [];
  private ended = false;
  private first = true;
  private deadline = 0;

  constructor(private readonly res: ServerResponse, private readonly o: WatchStreamOptions) {}

  async start(): Promise<void> {
    const { res } = this;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.socket?.setNoDelay(true);
    // kube-apiserver writes 200 and flushes before any event: a client's watch (client-node's
    // informer.start(), client-go's reflector) starts on the headers, not on the first event,
    // which a quiet collection may never send.
    res.flushHeaders();
    res.on('close', () => { this.end(); });
    if (this.o.timeoutSeconds < 0 || this.res.req.method === 'HEAD') {
      // a negative timeout ends the watch at once (upstream's timer fires immediately); a HEAD
      // has no body to stream, so it must not hold the connection either
      this.end();
      return;
    }
    try {
      this.watch = await this.o.store.watch(this.o.namespace, this.o.watch, (e) => { this.send(e); });
    } catch (err) {
      if (err instanceof ApiError) {
        this.write({ type: 'ERROR', object: err.status });
        this.end();
        return;
      }
      throw err;
    }
    if (this.ended) {
      this.watch.stop();
      return;
    }
    const timeoutMs = Math.min(this.o.timeoutSeconds, MAX_TIMER_SECONDS) * 1000;
    this.deadline = this.o.clock.now() + timeoutMs;
    this.timers.push(this.o.clock.setTimer(timeoutMs, () => { this.end(); }));
    if (this.o.initialEventsEnd === true) this.sendBookmark({ 'k8s.io/initial-events-end': 'true' });
    if (this.o.bookmarks) this.scheduleBookmark();
  }

  /** Ends the stream (server shutdown, timeout, client gone). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.watch?.stop();
    for (const t of this.timers) t.cancel();
    this.timers = [];
    if (!this.res.writableEnded) this.res.end();
    this.o.onEnd?.();
  }

  /**
   * The next bookmark: after the interval, but no later than 2 s before the watch times out, so a
   * client always gets a resourceVersion to resume from (the watch cache's nextBookmarkTime).
   */
  private scheduleBookmark(): void {
    const delay = Math.min(this.o.bookmarkIntervalMs, this.deadline - this.o.clock.now() - 2_000);
    if (delay <= 0) return;
    this.timers.push(this.o.clock.setTimer(delay, () => {
      this.sendBookmark();
      this.scheduleBookmark();
    }));
  }

  private sendBookmark(annotations?: Record<string, string>): void {
    void this.o.revision().then((rv) => {
      if (this.ended) return;
      const object: KubeObject = {
        kind: this.o.store.info.kind,
        apiVersion: this.o.store.info.group === '' ? this.o.store.info.version : `${this.o.store.info.group}/${this.o.store.info.version}`,
        metadata: { resourceVersion: String(rv), ...(annotations === undefined ? {} : { annotations }) },
      };
      this.write({ type: 'BOOKMARK', object });
    });
  }

  private send(e: WatchEvent): void {
    if (this.ended) return;
    const object = renderObject(this.o.store.info, e.object, this.o.output, this.o.clock.now(), this.first);
    this.first = false;
    this.write({ type: e.type, object });
  }

  private write(event: { type: string; object: unknown }): void {
    if (this.res.writableEnded) return;
    this.res.write(JSON.stringify(event) + '\n');
    if (this.res.writableLength > MAX_BUFFERED) this.end();
  }
}
