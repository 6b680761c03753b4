// The storage contract of the API server, shaped after etcd's model: one global revision that
// every write bumps (it is the resourceVersion users see), compare-and-swap updates on a key's
// mod revision, and watches that start from a revision and fail with Expired once that revision
// has left the bounded history.
import { NodeletError } from '../../lib/errors.ts';

/** A stored Kubernetes object, kept as plain JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string | undefined;
    namespace?: string | undefined;
    resourceVersion?: string | undefined;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface StoredItem {
  key: string;
  /** The object with metadata.resourceVersion set to revision. */
  object: KubeObject;
  /** The revision of the object's last write (etcd's mod revision). */
  revision: number;
}

export type StorageEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StorageEvent {
  type: StorageEventType;
  key: string;
  /** The new state; for DELETED the last state, carrying the delete's revision. */
  object: KubeObject;
  /** The state before the write (absent for ADDED). */
  prevObject?: KubeObject;
  revision: number;
}

export interface ListResult {
  items: StoredItem[];
  /** The store's revision when the list was taken. */
  revision: number;
}

export interface StorageWatch {
  stop(): void;
}

/**
 * Objects returned by get, list, create and update belong to the caller (fresh copies it may
 * change); those of delete and of watch events are shared by every watcher and must not be changed.
 */
export interface Storage {
  /** The newest revision (0 for an empty, never-written store). */
  revision(): Promise<number>;
  get(key: string): Promise<StoredItem | undefined>;
  /** Items whose key starts with prefix, ordered by key. */
  list(prefix: string): Promise<ListResult>;
  /** Fails with StorageError 'KeyExists' when the key is taken. */
  create(key: string, object: KubeObject): Promise<StoredItem>;
  /**
   * Replaces the value when the key's current revision equals expectedRevision; fails with
   * 'Conflict' when it does not and 'NotFound' when the key is absent.
   */
  update(key: string, object: KubeObject, expectedRevision: number): Promise<StoredItem>;
  /** Removes the key (when expectedRevision is given, only at that revision). */
  delete(key: string, expectedRevision?: number): Promise<StoredItem>;
  /**
   * Delivers, in order, every event under prefix with a revision greater than fromRevision, then
   * live events until stopped. Fails with 'Expired' when fromRevision is older than the history.
   */
  watch(prefix: string, fromRevision: number, onEvent: (event: StorageEvent) => void): StorageWatch;
  close(): Promise<void>;
}

export type StorageErrorCode = 'KeyExists' | 'NotFound' | 'Conflict' | 'Expired';

export class StorageError extends NodeletError {
  readonly storageCode: StorageErrorCode;
  readonly key: string;

  constructor(storageCode: StorageErrorCode, key: string, message: string) {
    super(`storage.${storageCode}`, message);
    this.storageCode = storageCode;
    this.key = key;
  }
}

export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.storageCode === code);
}
