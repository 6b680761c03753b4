// Apply conflicts: fields another manager owns whose value this apply would change. The error
// carries what kube-apiserver answers with — 409 Conflict, the message `Apply failed with N
// conflict(s): ...` and one FieldManagerConflict cause per field — so the HTTP layer only renders.
import type { Status, StatusCause } from 'kubernetes-types/meta/v1.d.ts';
import { NodeletError } from '../../lib/errors.ts';
import type { FieldSet } from './field-set.ts';
import { printManager } from './managed-fields.ts';
import type { Path } from './path.ts';
import { pathString } from './path.ts';
import { compareStrings } from './value.ts';

/** A conflicting field and the identifier of the manager that owns it. */
export interface Conflict {
  readonly manager: string;
  readonly path: Path;
}

/** Conflicts from managers' conflicting sets: by manager identifier, paths in set order. */
export function conflictsFromSets(sets: ReadonlyMap<string, FieldSet>): Conflict[] {
  const out: Conflict[] = [];
  // Go iterates a map here; sorting the managers makes causes deterministic.
  for (const manager of [...sets.keys()].sort(compareStrings)) {
    for (const path of sets.get(manager)?.paths() ?? []) out.push({ manager, path });
  }
  return out;
}

/** getConflictMessage: one line for one conflict, else grouped by manager (sorted). */
export function conflictMessage(conflicts: readonly Conflict[]): string {
  const first = conflicts[0];
  if (conflicts.length === 1 && first !== undefined) {
    return `Apply failed with 1 conflict: conflict with ${printManager(first.manager)}: ${pathString(first.path)}`;
  }
  const byManager = new Map<string, Path[]>();
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.path]);
  const lines: string[] = [];
  for (const manager of [...byManager.keys()].sort(compareStrings)) {
    lines.push(`conflicts with ${printManager(manager)}:`);
    for (const path of byManager.get(manager) ?? []) lines.push(`- ${pathString(path)}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/** The causes of the 409 (StatusCause's `reason` is its Go field Type, FieldManagerConflict). */
export function conflictCauses(conflicts: readonly Conflict[]): StatusCause[] {
  return conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.manager)}`,
    field: pathString(c.path),
  }));
}

export class ApplyConflictError extends NodeletError {
  readonly conflicts: readonly Conflict[];
  readonly causes: readonly StatusCause[];
  readonly httpStatus = 409;

  constructor(conflicts: readonly Conflict[]) {
    super('APPLY_CONFLICT', conflictMessage(conflicts), { reason: 'Conflict' });
    this.conflicts = conflicts;
    this.causes = conflictCauses(conflicts);
  }

  /** The metav1.Status kube-apiserver answers with (errors.NewApplyConflict). */
  toStatus(): Status {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: 'Conflict',
      details: { causes: [...this.causes] },
      code: 409,
    };
  }
}
