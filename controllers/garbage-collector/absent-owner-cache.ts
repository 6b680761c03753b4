// Owners the API server has confirmed absent (GET said NotFound, or answered with another uid), so
// the next dependent of the same owner needs no GET. Upstream's ReferenceCache: an LRU of 500.
import { identityKey, type ObjectIdentity } from './identity.ts';

export class AbsentOwnerCache {
  private readonly entries = new Map<string, true>();

  constructor(private readonly capacity = 500) {}

  add(id: ObjectIdentity): void {
    const k = identityKey(id);
    this.entries.delete(k);
    this.entries.set(k, true);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }

  /** A hit counts as a use: it moves the entry to the young end. */
  has(id: ObjectIdentity): boolean {
    const k = identityKey(id);
    if (!this.entries.has(k)) return false;
    this.entries.delete(k);
    this.entries.set(k, true);
    return true;
  }

  get size(): number {
    return this.entries.size;
  }
}
