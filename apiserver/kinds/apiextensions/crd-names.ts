// What apiextensions-apiserver's naming, establishing and finalizer controllers decide for a
// CustomResourceDefinition, as pure functions of the definition and the others of its group:
// which names it gets (status.acceptedNames: a name another definition of the group already
// accepted is refused, "PluralConflict"…), NamesAccepted, and Established as soon as the names
// are accepted (the establishing controller's step, taken at once); and, for a deleted
// definition, the Terminating conditions of its cleanup.
import { aggregateMessage, goQuote } from '../../api/errors.ts';
import { o, s, type Obj } from '../../../kube/values.ts';
import { CLEANUP_FINALIZER, conditionTrue, setCondition } from './crd-validation.ts';


function strs(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** The names the definitions of a group have accepted: resources (plural, singular, short names) and kinds. */
export function acceptedNamesOf(crds: readonly Obj[], group: string): { resources: Set<string>; kinds: Set<string> } {
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const crd of crds) {
    if (s(o(crd['spec'])['group']) !== group) continue;
    const a = o(o(crd['status'])['acceptedNames']);
    resources.add(s(a['plural']));
    resources.add(s(a['singular']));
    for (const n of strs(a['shortNames'])) resources.add(n);
    kinds.add(s(a['kind']));
    kinds.add(s(a['listKind']));
  }
  return { resources, kinds };
}

function equalToAcceptedOrFresh(requested: string, accepted: string, used: Set<string>): string | undefined {
  if (requested === accepted || !used.has(requested)) return undefined;
  return `${goQuote(requested)} is already in use`;
}

function sameNames(a: Obj, b: Obj): boolean {
  const norm = (x: Obj): string => JSON.stringify({
    plural: s(x['plural']), singular: s(x['singular']), shortNames: strs(x['shortNames']), kind: s(x['kind']), listKind: s(x['listKind']), categories: strs(x['categories']),
  });
  return norm(a) === norm(b);
}

/**
 * calculateNamesAndConditions: the accepted names and the NamesAccepted condition, given the
 * names the group's definitions (this one included) have accepted.
 */
export function calculateNames(crd: Obj, used: { resources: Set<string>; kinds: Set<string> }): { names: Obj; condition: Condition } {
  const requested = o(o(crd['spec'])['names']);
  const accepted = o(o(crd['status'])['acceptedNames']);
  const names: Obj = { ...accepted };
  const condition: Condition = { type: 'NamesAccepted', status: 'Unknown', reason: '', message: '' };
  const refuse = (reason: string, message: string): void => {
    condition.status = 'False';
    condition.reason = reason;
    condition.message = message;
  };
  const plural = equalToAcceptedOrFresh(s(requested['plural']), s(accepted['plural']), used.resources);
  if (plural !== undefined) refuse('PluralConflict', plural);
  else names['plural'] = s(requested['plural']);
  const singular = equalToAcceptedOrFresh(s(requested['singular']), s(accepted['singular']), used.resources);
  if (singular !== undefined) refuse('SingularConflict', singular);
  else names['singular'] = s(requested['singular']);
  const wanted = strs(requested['shortNames']);
  const had = strs(accepted['shortNames']);
  if (JSON.stringify(wanted) !== JSON.stringify(had)) {
    const errs = wanted.filter((n) => !had.includes(n)).map((n) => equalToAcceptedOrFresh(n, '', used.resources)).filter((e): e is string => e !== undefined);
    if (errs.length > 0) refuse('ShortNamesConflict', aggregateMessage(errs));
    else if (wanted.length > 0) names['shortNames'] = wanted;
    else delete names['shortNames'];
  }
  const kind = equalToAcceptedOrFresh(s(requested['kind']), s(accepted['kind']), used.kinds);
  if (kind !== undefined) refuse('KindConflict', kind);
  else names['kind'] = s(requested['kind']);
  const listKind = equalToAcceptedOrFresh(s(requested['listKind']), s(accepted['listKind']), used.kinds);
  if (listKind !== undefined) refuse('ListKindConflict', listKind);
  else names['listKind'] = s(requested['listKind']);
  const categories = strs(requested['categories']);
  if (categories.length > 0) names['categories'] = categories;
  else delete names['categories'];
  if (condition.status === 'Unknown') {
    condition.status = 'True';
    condition.reason = 'NoConflicts';
    condition.message = 'no conflicts found';
  }
  return { names, condition };
}

/**
 * The status the naming and establishing controllers give a (live) definition, or undefined when
 * it has what they would give it. Names accepted means Established at once.
 */
export function namingStatus(crd: Obj, used: { resources: Set<string>; kinds: Set<string> }, now: string): Obj | undefined {
  const requested = o(o(crd['spec'])['names']);
  const accepted = o(o(crd['status'])['acceptedNames']);
  const next = structuredClone(crd);
  let changed = false;
  if (!sameNames(requested, accepted)) {
    const { names, condition } = calculateNames(crd, used);
    const prior = (Array.isArray(o(crd['status'])['conditions']) ? (o(crd['status'])['conditions'] as unknown[]) : []).map(o).find((c) => c['type'] === 'NamesAccepted');
    const sameCondition = prior !== undefined && prior['status'] === condition.status && prior['reason'] === condition.reason && prior['message'] === condition.message;
    if (!sameNames(names, accepted) || !sameCondition) {
      next['status'] = { ...o(next['status']), acceptedNames: names };
      setCondition(next, condition, now);
      if (!conditionTrue(next, 'Established')) {
        setCondition(next, condition.status === 'True'
          ? { type: 'Established', status: 'False', reason: 'Installing', message: 'the initial names have been accepted' }
          : { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' }, now);
      }
      changed = true;
    }
  }
  if (conditionTrue(next, 'NamesAccepted') && !conditionTrue(next, 'Established')) {
    setCondition(next, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }, now);
    changed = true;
  }
  return changed ? next : undefined;
}

/** Whether a deleted definition waits for its cleanup (the finalizer controller's job). */
export function awaitsCleanup(crd: Obj): boolean {
  const m = o(crd['metadata']);
  return m['deletionTimestamp'] !== undefined && m['deletionTimestamp'] !== null && strs(m['finalizers']).includes(CLEANUP_FINALIZER);
}

/** The definition with its cleanup finalizer removed. */
export function withoutCleanupFinalizer(crd: Obj): Obj {
  const next = structuredClone(crd);
  const m = o(next['metadata']);
  next['metadata'] = m;
  const rest = strs(m['finalizers']).filter((f) => f !== CLEANUP_FINALIZER);
  if (rest.length > 0) m['finalizers'] = rest;
  else delete m['finalizers'];
  return next;
}
