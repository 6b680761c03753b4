// EndpointSliceTracker (k8s.io/endpointslice/util): the generation of every EndpointSlice this
// controller last wrote, per Service, or "deletion expected". It tells the informer handlers
// whether a slice event is news (someone else's change: resync the Service) or the echo of our own
// write, and tells a sync whether the cache still lags behind our writes (then it must wait rather
// than act on old slices and, say, create a duplicate).
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import type { Service } from 'kubernetes-types/core/v1.d.ts';
import { SERVICE_NAME_LABEL } from './slice-meta.ts';

const DELETION_EXPECTED = -1;

function serviceKeyOf(slice: EndpointSlice): string {
  return `${slice.metadata?.namespace ?? ''}/${slice.metadata?.labels?.[SERVICE_NAME_LABEL] ?? ''}`;
}

export class EndpointSliceTracker {
  /** Service key → slice uid → generation (or DELETION_EXPECTED). */
  private readonly generations = new Map<string, Map<string, number>>();
  /** Service key → the uid of the Service last synced under that name. */
  private readonly serviceUids = new Map<string, string>();

  has(slice: EndpointSlice): boolean {
    return this.generations.get(serviceKeyOf(slice))?.has(slice.metadata?.uid ?? '') ?? false;
  }

  /** True when the slice is unknown or newer than what we wrote. */
  shouldSync(slice: EndpointSlice): boolean {
    const g = this.generations.get(serviceKeyOf(slice))?.get(slice.metadata?.uid ?? '');
    return g === undefined || (slice.metadata?.generation ?? 0) > g;
  }

  /**
   * StaleSlices: the cached slices lag our writes (an older generation than written, a slice we
   * deleted still there, or a slice we wrote missing). A recreated Service (new uid) forgets the
   * old one's writes.
   */
  staleSlices(svc: Service, slices: readonly EndpointSlice[]): boolean {
    const key = `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
    const uid = svc.metadata?.uid ?? '';
    const tracked = this.serviceUids.get(key);
    if (tracked !== undefined && tracked !== '' && uid !== '' && tracked !== uid) this.generations.delete(key);
    this.serviceUids.set(key, uid);
    const gens = this.generations.get(key);
    if (gens === undefined) return false;
    const provided = new Set<string>();
    for (const slice of slices) {
      const sliceUid = slice.metadata?.uid ?? '';
      provided.add(sliceUid);
      const g = gens.get(sliceUid);
      if (g !== undefined && (g === DELETION_EXPECTED || g > (slice.metadata?.generation ?? 0))) return true;
    }
    for (const [sliceUid, g] of gens) if (g !== DELETION_EXPECTED && !provided.has(sliceUid)) return true;
    return false;
  }

  /** Records a slice as written (created or updated). */
  update(slice: EndpointSlice): void {
    this.forService(slice).set(slice.metadata?.uid ?? '', slice.metadata?.generation ?? 0);
  }

  expectDeletion(slice: EndpointSlice): void {
    this.forService(slice).set(slice.metadata?.uid ?? '', DELETION_EXPECTED);
  }

  /** Forgets a deleted slice; false when we did not expect its deletion. */
  handleDeletion(slice: EndpointSlice): boolean {
    const gens = this.generations.get(serviceKeyOf(slice));
    if (gens === undefined) return true;
    const uid = slice.metadata?.uid ?? '';
    const g = gens.get(uid);
    gens.delete(uid);
    return g === undefined || g === DELETION_EXPECTED;
  }

  deleteService(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    this.generations.delete(key);
    this.serviceUids.delete(key);
  }

  private forService(slice: EndpointSlice): Map<string, number> {
    const key = serviceKeyOf(slice);
    let gens = this.generations.get(key);
    if (gens === undefined) this.generations.set(key, (gens = new Map<string, number>()));
    return gens;
  }
}
