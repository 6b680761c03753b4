// uidTrackingExpectations (tracking_utils.go): per job, the pods whose tracking finalizer this
// controller removed but the informer has not shown without it yet. Until then a sync must not
// count such a pod again, though its cached copy still carries the finalizer.

export class FinalizerExpectations {
  private readonly byJob = new Map<string, Set<string>>();

  /** A copy of the uids awaited for jobKey. */
  expected(jobKey: string): Set<string> {
    return new Set(this.byJob.get(jobKey));
  }

  expectRemoved(jobKey: string, uids: readonly string[]): void {
    let set = this.byJob.get(jobKey);
    if (set === undefined) {
      set = new Set();
      this.byJob.set(jobKey, set);
    }
    for (const u of uids) set.add(u);
  }

  /** The removal was seen (or failed, so it will never be seen). */
  observed(jobKey: string, uid: string): void {
    this.byJob.get(jobKey)?.delete(uid);
  }

  forget(jobKey: string): void {
    this.byJob.delete(jobKey);
  }
}
