// The Storage implementation shared by every backend: an in-memory index of the current objects,
// a bounded ring of recent events for watches, and a Persistence that makes each write durable
// before it is acknowledged. Backends differ only in Persistence (none, or SQLite on disk).
import { cloneJson } from '../../lib/clone.ts';
import {
  StorageError,
  type KubeObject,
  type ListResult,
  type Storage,
  type StorageEvent,
  type StorageWatch,
  type StoredItem,
} from './types.ts';

export type PersistOp =
  | { op: 'put'; key: string; value: string; revision: number }
  | { op: 'delete'; key: string; revision: number };

/** Where committed writes go; commit must be durable when it returns. */
export interface Persistence {
  load(): { revision: number; entries: { key: string; value: string; revision: number }[] };
  commit(op: PersistOp): void;
  close(): void;
}

export const noPersistence: Persistence = {
  load: () => ({ revision: 0, entries: [] }),
  commit: () => undefined,
  close: () => undefined,
};

export interface IndexedStoreOptions {
  /** How many events are kept for watches that start in the past (default 10000). */
  historySize?: number;
}

interface Entry {
  value: string;
  revision: number;
}

interface Watcher {
  prefix: string;
  onEvent: (event: StorageEvent) => void;
  stopped: boolean;
}

function withRevision(json: string, revision: number): KubeObject {
  const object = JSON.parse(json) as KubeObject;
  object.metadata = { ...(object.metadata ?? {}), resourceVersion: String(revision) };
  return object;
}

export class IndexedStore implements Storage {
  private readonly entries = new Map<string, Entry>();
  private readonly history: StorageEvent[] = [];
  private readonly historySize: number;
  private readonly watchers = new Set<Watcher>();
  private current: number;
  /** Every event with a revision above this one is still in history. */
  private compacted: number;
  private closed = false;

  constructor(private readonly persistence: Persistence, options: IndexedStoreOptions = {}) {
    this.historySize = Math.max(1, options.historySize ?? 10_000);
    const loaded = persistence.load();
    for (const e of loaded.entries) this.entries.set(e.key, { value: e.value, revision: e.revision });
    this.current = loaded.revision;
    this.compacted = loaded.revision;
  }

  revision(): Promise<number> {
    return Promise.resolve(this.current);
  }

  get(key: string): Promise<StoredItem | undefined> {
    const e = this.entries.get(key);
    return Promise.resolve(e === undefined ? undefined : this.item(key, e));
  }

  list(prefix: string): Promise<ListResult> {
    const keys = [...this.entries.keys()].filter((k) => k.startsWith(prefix)).sort();
    const items = keys.map((k) => this.item(k, this.entries.get(k) as Entry));
    return Promise.resolve({ items, revision: this.current });
  }

  create(key: string, object: KubeObject): Promise<StoredItem> {
    return this.run(() => {
      if (this.entries.has(key)) throw new StorageError('KeyExists', key, `key exists: ${key}`);
      return this.put(key, object, 'ADDED', undefined);
    });
  }

  update(key: string, object: KubeObject, expectedRevision: number): Promise<StoredItem> {
    return this.run(() => {
      const prev = this.entries.get(key);
      if (prev === undefined) throw new StorageError('NotFound', key, `key not found: ${key}`);
      if (prev.revision !== expectedRevision) {
        throw new StorageError('Conflict', key, `revision mismatch on ${key}: have ${prev.revision}, expected ${expectedRevision}`);
      }
      return this.put(key, object, 'MODIFIED', prev);
    });
  }

  delete(key: string, expectedRevision?: number): Promise<StoredItem> {
    return this.run(() => {
      const prev = this.entries.get(key);
      if (prev === undefined) throw new StorageError('NotFound', key, `key not found: ${key}`);
      if (expectedRevision !== undefined && prev.revision !== expectedRevision) {
        throw new StorageError('Conflict', key, `revision mismatch on ${key}: have ${prev.revision}, expected ${expectedRevision}`);
      }
      const revision = this.current + 1;
      this.persistence.commit({ op: 'delete', key, revision });
      this.current = revision;
      this.entries.delete(key);
      const object = withRevision(prev.value, revision);
      this.emit({ type: 'DELETED', key, object, prevObject: withRevision(prev.value, prev.revision), revision });
      return { key, object, revision };
    });
  }

  watch(prefix: string, fromRevision: number, onEvent: (event: StorageEvent) => void): StorageWatch {
    if (this.closed) throw new StorageError('Expired', prefix, 'storage is closed');
    if (fromRevision < this.compacted) {
      throw new StorageError('Expired', prefix, `too old resource version: ${fromRevision} (${this.compacted + 1})`);
    }
    const watcher: Watcher = { prefix, onEvent, stopped: false };
    for (const ev of this.history) {
      if (ev.revision > fromRevision && ev.key.startsWith(prefix)) onEvent(ev);
    }
    this.watchers.add(watcher);
    return {
      stop: () => {
        watcher.stopped = true;
        this.watchers.delete(watcher);
      },
    };
  }

  /** The oldest revision a watch may start from. */
  oldestWatchableRevision(): number {
    return this.compacted;
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.watchers.clear();
      this.persistence.close();
    }
    return Promise.resolve();
  }

  private run<T>(fn: () => T): Promise<T> {
    try {
      if (this.closed) throw new Error('storage is closed');
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private put(key: string, object: KubeObject, type: 'ADDED' | 'MODIFIED', prev: Entry | undefined): StoredItem {
    const revision = this.current + 1;
    const meta = { ...(object.metadata ?? {}) };
    delete meta.resourceVersion;
    const value = JSON.stringify({ ...object, metadata: meta });
    this.persistence.commit({ op: 'put', key, value, revision });
    this.current = revision;
    this.entries.set(key, { value, revision });
    const stored = withRevision(value, revision);
    // the caller's own copy (watchers share the event's): cloning is cheaper than parsing again
    const result = cloneJson(stored);
    const event: StorageEvent = { type, key, object: stored, revision };
    if (prev !== undefined) event.prevObject = withRevision(prev.value, prev.revision);
    this.emit(event);
    return { key, object: result, revision };
  }

  private emit(event: StorageEvent): void {
    this.history.push(event);
    while (this.history.length > this.historySize) {
      const dropped = this.history.shift();
      if (dropped !== undefined) this.compacted = dropped.revision;
    }
    for (const w of [...this.watchers]) {
      if (w.stopped || !event.key.startsWith(w.prefix)) continue;
      try {
        w.onEvent(event);
      } catch {
        // A failing watcher must not break the write that triggered it.
      }
    }
  }

  private item(key: string, e: Entry): StoredItem {
    return { key, object: withRevision(e.value, e.revision), revision: e.revision };
  }
}
