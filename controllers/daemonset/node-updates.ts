// Which node changes can matter to DaemonSets (shouldIgnoreNodeUpdate): a node update whose set of
// True conditions and everything else but resourceVersion and conditions are unchanged (a
// heartbeat) is ignored; otherwise each DaemonSet whose fit on the node changed is synced.
import type { Node, NodeCondition } from 'kubernetes-types/core/v1.d.ts';
import { canonicalJson } from '../framework/hash.ts';

/** nodeInSameCondition: the same condition types are True (order and other fields aside). */
export function sameTrueConditions(a: readonly NodeCondition[] | undefined, b: readonly NodeCondition[] | undefined): boolean {
  const trueTypes = (cs: readonly NodeCondition[] | undefined): string[] => [...new Set((cs ?? []).filter((c) => c.status === 'True').map((c) => c.type))].sort();
  return canonicalJson(trueTypes(a)) === canonicalJson(trueTypes(b));
}

function withoutVolatile(n: Node): unknown {
  const { resourceVersion: _rv, ...metadata } = n.metadata ?? {};
  const { conditions: _c, ...status } = n.status ?? {};
  return { ...n, metadata, status };
}

export function shouldIgnoreNodeUpdate(oldNode: Node, curNode: Node): boolean {
  if (!sameTrueConditions(oldNode.status?.conditions, curNode.status?.conditions)) return false;
  return canonicalJson(withoutVolatile(oldNode)) === canonicalJson(withoutVolatile(curNode));
}
