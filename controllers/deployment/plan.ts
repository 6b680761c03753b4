// What one sync of a deployment decides, as data: the writes in the order upstream makes them
// (each carrying the whole object it writes, and the events to record once it succeeds), plus when
// to look again. A PlanSession keeps the working copies the planner reads and writes as it goes,
// the way syncDeployment works on its copies: a ReplicaSet written earlier in the sync is seen
// written later in it.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import { canonicalJson } from '../framework/hash.ts';
import type { EventType } from '../framework/types.ts';
import { cloneJson } from '../../lib/clone.ts';

export interface PlannedEvent {
  type: EventType;
  reason: string;
  message: string;
}

export type DeploymentAction =
  /** ControllerRefManager adoption (the executor first re-reads the deployment, as canAdopt does). */
  | { kind: 'adoptReplicaSet'; name: string; uid: string; patch: Record<string, unknown> }
  | { kind: 'releaseReplicaSet'; name: string; uid: string; patch: Record<string, unknown> }
  /** deployment: the deployment as it stands, for the collision and failure paths. */
  | { kind: 'createReplicaSet'; replicaSet: ReplicaSet; deployment: Deployment; events: PlannedEvent[] }
  | { kind: 'updateReplicaSet'; replicaSet: ReplicaSet; events: PlannedEvent[] }
  | { kind: 'deleteReplicaSet'; name: string }
  /** A PUT to deployments/status of the whole object (annotations included, as upstream). */
  | { kind: 'updateDeploymentStatus'; deployment: Deployment }
  | { kind: 'event'; event: PlannedEvent };

export interface DeploymentPlan {
  actions: DeploymentAction[];
  requeueAfterMs?: number;
  /** Set when the sync must fail (and be retried), after the actions before it. */
  error?: string;
}

function sameName(a: ReplicaSet, b: ReplicaSet): boolean {
  return a.metadata?.name === b.metadata?.name;
}

/** Thrown by PlanSession.fail; the planner turns it into DeploymentPlan.error. */
export class PlanAbort extends Error {}

export class PlanSession {
  readonly actions: DeploymentAction[] = [];
  requeueAfterMs: number | undefined;
  error: string | undefined;

  /** d: the working copy of the deployment; rsList: working copies of its ReplicaSets. */
  constructor(readonly d: Deployment, readonly now: number, public rsList: ReplicaSet[] = []) {}

  /** The working copy of rs (by name), or rs itself. */
  current(rs: ReplicaSet): ReplicaSet {
    return this.rsList.find((x) => sameName(x, rs)) ?? rs;
  }

  private replace(rs: ReplicaSet): void {
    const i = this.rsList.findIndex((x) => sameName(x, rs));
    if (i >= 0) this.rsList[i] = rs;
    else this.rsList.push(rs);
  }

  /** An update of rs (already changed by the caller); returns the copy the server would answer. */
  updateReplicaSet(rs: ReplicaSet, events: PlannedEvent[] = []): ReplicaSet {
    const written = cloneJson(rs);
    this.actions.push({ kind: 'updateReplicaSet', replicaSet: cloneJson(written), events });
    const before = this.current(rs);
    // the server bumps generation on a spec change; cleanup reads it against observedGeneration
    if (canonicalJson(before.spec ?? null) !== canonicalJson(written.spec ?? null)) {
      written.metadata = { ...(written.metadata ?? {}), generation: (before.metadata?.generation ?? 0) + 1 };
    }
    this.replace(written);
    return written;
  }

  createReplicaSet(rs: ReplicaSet, events: PlannedEvent[]): ReplicaSet {
    this.actions.push({ kind: 'createReplicaSet', replicaSet: cloneJson(rs), deployment: cloneJson(this.d), events });
    const created = cloneJson(rs);
    created.metadata = { ...(created.metadata ?? {}), generation: 1 };
    this.replace(created);
    return created;
  }

  deleteReplicaSet(rs: ReplicaSet): void {
    this.actions.push({ kind: 'deleteReplicaSet', name: rs.metadata?.name ?? '' });
    this.rsList = this.rsList.filter((x) => !sameName(x, rs));
  }

  /** UpdateStatus(d) with the working copy as it is now. */
  updateStatus(): void {
    this.actions.push({ kind: 'updateDeploymentStatus', deployment: cloneJson(this.d) });
  }

  event(type: EventType, reason: string, message: string): void {
    this.actions.push({ kind: 'event', event: { type, reason, message } });
  }

  /** Ends the sync with an error (upstream returns it; the key is retried with back-off). */
  fail(message: string): never {
    throw new PlanAbort(message);
  }

  plan(): DeploymentPlan {
    const out: DeploymentPlan = { actions: this.actions };
    if (this.requeueAfterMs !== undefined) out.requeueAfterMs = this.requeueAfterMs;
    if (this.error !== undefined) out.error = this.error;
    return out;
  }
}
