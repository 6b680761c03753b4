// What a resource's store lets the server attach to its writes, for kinds whose writes hold
// server-side state besides the object (kube's BeginCreate/BeginUpdate/AfterDelete store hooks:
// Services take ClusterIPs and node ports from allocators). A begin hook runs after validation,
// may fill in the object and throws an ApiError to refuse the write; the transaction it returns
// is committed once the object is stored and reverted when the write fails, is retried or is a
// dry run. Hooks are synchronous, so no other write runs between a hook and its decision.
import type { KubeObject } from '../storage/types.ts';

export interface WriteTransaction {
  commit(): void;
  revert(): void;
}

export interface WriteHooks {
  beginCreate?(obj: KubeObject, dryRun: boolean): WriteTransaction;
  beginUpdate?(next: KubeObject, current: KubeObject, dryRun: boolean): WriteTransaction;
  /** The object left storage for good (not merely marked for deletion). */
  afterDelete?(obj: KubeObject): void;
}

/** Runs the transactions as one: commit and revert each in order. */
export function allOf(txns: readonly WriteTransaction[]): WriteTransaction {
  return {
    commit: () => { for (const t of txns) t.commit(); },
    revert: () => { for (const t of txns) t.revert(); },
  };
}
