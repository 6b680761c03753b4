// A Storage that lives only in memory, for unit tests.
import { IndexedStore, noPersistence, type IndexedStoreOptions } from './indexed-store.ts';

export function createMemoryStorage(options: IndexedStoreOptions = {}): IndexedStore {
  return new IndexedStore(noPersistence, options);
}
