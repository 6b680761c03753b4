// The engine's event stream, narrowed to this node's containers and decoded into RuntimeEvent.
// When the stream breaks (engine restart, socket error) it reconnects with back-off and asks for
// events since the last one seen, skipping any it already delivered, until the signal aborts.
import type { RuntimeEvent } from '../types.ts';
import { isAborted, type EngineContext } from './context.ts';
import { JsonLineDecoder } from './images.ts';
import { WATCHED_ACTIONS, eventFromMessage, ownedFilters, type EngineEventMessage } from './mapping.ts';

export const EVENTS_BACKOFF_INITIAL_MS = 250;
export const EVENTS_BACKOFF_MAX_MS = 10_000;

export class DockerEvents {
  constructor(private readonly ctx: EngineContext) {}

  async *events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    let backoff = EVENTS_BACKOFF_INITIAL_MS;
    let lastNano = 0;
    while (!isAborted(signal)) {
      let stream: NodeJS.ReadableStream & { destroy(): void };
      try {
        stream = (await this.ctx.docker.getEvents({
          filters: { type: ['container'], event: [...WATCHED_ACTIONS], label: ownedFilters(this.ctx.nodeName) },
          ...(lastNano === 0 ? {} : { since: Math.floor(lastNano / 1e9) }),
          abortSignal: signal,
        } as object)) as NodeJS.ReadableStream & { destroy(): void };
      } catch (err) {
        if (isAborted(signal)) return;
        this.ctx.log.warn({ err, retryInMs: backoff }, 'engine event stream unavailable');
        await this.ctx.clock.sleep(backoff, signal).catch(() => undefined);
        backoff = Math.min(backoff * 2, EVENTS_BACKOFF_MAX_MS);
        continue;
      }
      const onAbort = (): void => { stream.destroy(); };
      signal.addEventListener('abort', onAbort, { once: true });
      const decoder = new JsonLineDecoder<EngineEventMessage>();
      try {
        for await (const chunk of stream) {
          backoff = EVENTS_BACKOFF_INITIAL_MS; // the stream works again
          for (const msg of decoder.push(chunk)) {
            const nano = msg.timeNano ?? (msg.time ?? 0) * 1e9;
            if (nano !== 0 && nano <= lastNano) continue; // replayed after a reconnect
            if (nano !== 0) lastNano = nano;
            const ev = eventFromMessage(msg);
            if (ev !== undefined) yield ev;
          }
        }
      } catch (err) {
        if (isAborted(signal)) return;
        this.ctx.log.warn({ err }, 'engine event stream broke');
      } finally {
        signal.removeEventListener('abort', onAbort);
        stream.destroy();
      }
      if (isAborted(signal)) return;
      this.ctx.log.info({ retryInMs: backoff }, 'engine event stream ended; reconnecting');
      await this.ctx.clock.sleep(backoff, signal).catch(() => undefined);
      backoff = Math.min(backoff * 2, EVENTS_BACKOFF_MAX_MS);
    }
  }
}
