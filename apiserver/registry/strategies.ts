// Per-kind store behaviour the kinds declare (apiserver/kinds/): how pods are deleted
// gracefully, and the events.k8s.io/v1 <-> core/v1 Event conversion (both versions are views of
// the same stored objects).
import type { KubeObject } from '../storage/types.ts';
import { isRecord, str } from './object-meta.ts';

export interface DeleteOptionsBody {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  dryRun?: string[];
}

export interface Strategy {
  /** PUT without metadata.resourceVersion overwrites unconditionally. */
  allowUnconditionalUpdate: boolean;
  /** Seconds of grace for a delete (0 = remove now); undefined for kinds without graceful delete. */
  gracePeriod?(obj: KubeObject, options: DeleteOptionsBody): number;
  /** Converts from the served version to the stored form and back (only events.k8s.io). */
  toStorage?(obj: KubeObject): KubeObject;
  fromStorage?(obj: KubeObject): KubeObject;
  /** A delete is about to mark the object for deletion: the kind may change it first (CRDs: their cleanup finalizer). */
  prepareForDelete?(obj: KubeObject, now: string): void;
}

function get(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (!isRecord(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

function s(obj: unknown, path: string): string {
  const v = get(obj, path);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

const plain = (_namespaced: boolean): Strategy => ({
  allowUnconditionalUpdate: true,
});

/**
 * The longest grace period a deletion can carry: the seconds a Go time.Duration holds
 * (math.MaxInt64 nanoseconds, about 292 years), beyond which kube's deletionTimestamp arithmetic
 * overflows. Longer requests (up to int64 seconds are valid) are cut to it, so the timestamp
 * stays a valid RFC 3339 time.
 */
export const MAX_GRACE_PERIOD_SECONDS = 9_223_372_036;

export const podStrategy: Strategy = {
  allowUnconditionalUpdate: true,
  gracePeriod(obj, options) {
    const spec = isRecord(obj['spec']) ? obj['spec'] : {};
    let grace = options.gracePeriodSeconds ?? (typeof spec['terminationGracePeriodSeconds'] === 'number' ? spec['terminationGracePeriodSeconds'] : 30);
    const phase = s(obj, 'status.phase');
    if (str(spec['nodeName']) === undefined || str(spec['nodeName']) === '') grace = 0;
    if (phase === 'Succeeded' || phase === 'Failed') grace = 0;
    if (!Number.isFinite(grace)) grace = grace > 0 ? MAX_GRACE_PERIOD_SECONDS : 0;
    return Math.min(Math.max(0, Math.trunc(grace)), MAX_GRACE_PERIOD_SECONDS);
  },
};

function copyIf(from: Record<string, unknown>, fk: string, to: Record<string, unknown>, tk: string): void {
  if (from[fk] !== undefined && from[fk] !== null) to[tk] = from[fk];
}

/** events.k8s.io/v1 Event -> stored core/v1 Event. */
export function eventFromEventsV1(e: KubeObject): KubeObject {
  const out: KubeObject = { apiVersion: 'v1', kind: 'Event', metadata: e.metadata ?? {} };
  copyIf(e, 'regarding', out, 'involvedObject');
  copyIf(e, 'note', out, 'message');
  for (const k of ['reason', 'type', 'eventTime', 'series', 'action', 'related', 'reportingInstance']) copyIf(e, k, out, k);
  copyIf(e, 'reportingController', out, 'reportingComponent');
  copyIf(e, 'deprecatedSource', out, 'source');
  copyIf(e, 'deprecatedFirstTimestamp', out, 'firstTimestamp');
  copyIf(e, 'deprecatedLastTimestamp', out, 'lastTimestamp');
  copyIf(e, 'deprecatedCount', out, 'count');
  out['involvedObject'] ??= {};
  return out;
}

/** Stored core/v1 Event -> events.k8s.io/v1 Event. */
export function eventToEventsV1(e: KubeObject): KubeObject {
  const out: KubeObject = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: e.metadata ?? {} };
  copyIf(e, 'involvedObject', out, 'regarding');
  copyIf(e, 'message', out, 'note');
  for (const k of ['reason', 'type', 'eventTime', 'series', 'action', 'related', 'reportingInstance']) copyIf(e, k, out, k);
  copyIf(e, 'reportingComponent', out, 'reportingController');
  copyIf(e, 'source', out, 'deprecatedSource');
  copyIf(e, 'firstTimestamp', out, 'deprecatedFirstTimestamp');
  copyIf(e, 'lastTimestamp', out, 'deprecatedLastTimestamp');
  copyIf(e, 'count', out, 'deprecatedCount');
  return out;
}

export const eventsV1Strategy: Strategy = {
  ...plain(true),
  toStorage: eventFromEventsV1,
  fromStorage: eventToEventsV1,
};
