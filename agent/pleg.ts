// Pod lifecycle events: the runtime's event stream drives re-syncs of the affected pod at once;
// a slow relist (default 45 s) compares container states with the previous relist and re-syncs
// pods whose containers changed (missed events, engine restarts). No 1-second relist.
import type { Clock, Timer } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import { silentLogger } from '../lib/log.ts';
import type { Runtime } from '../runtime/types.ts';
import type { AgentMetrics } from './metrics.ts';

export interface PlegOptions {
  runtime: Pick<Runtime, 'events' | 'listContainers' | 'listSandboxes'>;
  clock: Clock;
  /** A pod's containers or sandbox changed. */
  onPodEvent: (uid: string) => void;
  relistMs?: number;
  log?: Logger;
  metrics?: AgentMetrics;
}

function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

export class PodLifecycleEvents {
  private abort: AbortController | undefined;
  private timer: Timer | undefined;
  private last = new Map<string, string>();
  private readonly log: Logger;
  private loop: Promise<void> | undefined;

  constructor(private readonly o: PlegOptions) {
    this.log = o.log ?? silentLogger;
  }

  start(): void {
    if (this.abort !== undefined) return;
    const abort = new AbortController();
    this.abort = abort;
    this.loop = this.watch(abort.signal);
    this.scheduleRelist();
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    this.timer?.cancel();
    await this.loop;
    this.abort = undefined;
  }

  /** One relist: re-syncs pods whose container/sandbox states changed since the last one. Returns their uids. */
  async relist(): Promise<string[]> {
    this.o.metrics?.plegRelists.inc();
    const [containers, sandboxes] = await Promise.all([this.o.runtime.listContainers(), this.o.runtime.listSandboxes()]);
    const next = new Map<string, string[]>();
    const add = (uid: string, s: string): void => {
      const l = next.get(uid) ?? [];
      l.push(s);
      next.set(uid, l);
    };
    for (const c of containers) add(c.pod.uid, `${c.id}:${c.state}`);
    for (const s of sandboxes) add(s.pod.uid, `${s.id}:${s.state}`);
    const fp = new Map([...next].map(([uid, l]) => [uid, l.sort().join(',')]));
    const changed: string[] = [];
    for (const [uid, f] of fp) if (this.last.get(uid) !== f) changed.push(uid);
    for (const uid of this.last.keys()) if (!fp.has(uid)) changed.push(uid);
    this.last = fp;
    for (const uid of changed) this.o.onPodEvent(uid);
    return changed;
  }

  private scheduleRelist(): void {
    if (this.abort?.signal.aborted !== false) return;
    this.timer = this.o.clock.setTimer(this.o.relistMs ?? 45_000, () => {
      this.relist().catch((err: unknown) => {
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'relist failed');
      }).finally(() => { this.scheduleRelist(); });
    });
  }

  private async watch(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        for await (const e of this.o.runtime.events(signal)) {
          this.o.metrics?.plegEvents.inc({ type: e.type });
          if (e.pod !== undefined && e.pod.uid !== '') this.o.onPodEvent(e.pod.uid);
        }
      } catch (err) {
        if (isAborted(signal)) return;
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'runtime event stream failed; retrying');
      }
      if (isAborted(signal)) return;
      await this.o.clock.sleep(1000, signal).catch(() => undefined);
    }
  }
}
