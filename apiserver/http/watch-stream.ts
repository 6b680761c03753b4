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

export interface WatchStreamOptions {
  store: ResourceStore;
  namespace: string | undefined;
  watch: WatchOptions;
  output: Output;
  clock: Clock;
  /** Seconds until the server ends the stream. */
  timeoutSeconds: number;
  bookmarks: boolean;
  bookmarkIntervalMs: number;
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

  constructor(private readonly res: ServerResponse, private readonly o: WatchStreamOptions) {}

  async start(): Promise<void> {
    const { res } = this;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.socket?.setNoDelay(true);
    res.on('close', () => { this.end(); });
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
    this.timers.push(this.o.clock.setTimer(this.o.timeoutSeconds * 1000, () => { this.end(); }));
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

  private scheduleBookmark(): void {
    this.timers.push(this.o.clock.setTimer(this.o.bookmarkIntervalMs, () => {
      void this.o.revision().then((rv) => {
        if (this.ended) return;
        const object: KubeObject = {
          kind: this.o.store.info.kind,
          apiVersion: this.o.store.info.group === '' ? this.o.store.info.version : `${this.o.store.info.group}/${this.o.store.info.version}`,
          metadata: { resourceVersion: String(rv) },
        };
        this.write({ type: 'BOOKMARK', object });
        this.scheduleBookmark();
      });
    }));
  }

  private send(e: WatchEvent): void {
    if (this.ended) return;
    const object = renderObject(this.o.store.info.resource, e.object, this.o.output, this.o.clock.now(), this.first);
    this.first = false;
    this.write({ type: e.type, object });
  }

  private write(event: { type: string; object: unknown }): void {
    if (this.res.writableEnded) return;
    this.res.write(JSON.stringify(event) + '\n');
    if (this.res.writableLength > MAX_BUFFERED) this.end();
  }
}
