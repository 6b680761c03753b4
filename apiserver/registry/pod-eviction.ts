// pods/eviction: a policy/v1 (or v1beta1) Eviction, as kube-apiserver 1.32's EvictionREST
// (pkg/registry/core/pod/storage/eviction.go). A pod that is Pending, Succeeded, Failed or being
// deleted goes at once; otherwise the PodDisruptionBudgets whose selector matches it decide: none
// → delete; more than one → a Failure Status with code 500 in a 201 answer, as upstream writes it
// (the HTTP status of a REST result is the create handler's 201; clients read the Status); an
// unready pod whose budget is healthy (or whose policy is AlwaysAllow) → delete on the condition
// that the pod has not changed; else the budget must allow a disruption: it is decremented and
// the pod recorded in status.disruptedPods, or the eviction is refused with a 429. A deleted pod
// first gets the DisruptionTarget condition. The decisions are pure functions (table-tested).
import { ApiError } from '../api/errors.ts';
import { isQualifiedName, isValidLabelValue } from '../../kube/names.ts';
import type { SubresourceHandler, SubresourceRequest } from '../kinds/kind.ts';
import type { KubeObject } from '../storage/types.ts';
import type { DeleteOptionsBody } from './strategies.ts';
import { setPodCondition } from './pod-conditions.ts';
import { deepClone, meta, rfc3339 } from './object-meta.ts';
import { cannotUnmarshal, isObj, subresourceBody, type Obj } from './subresource-body.ts';

/** Above this many entries in status.disruptedPods the budget refuses evictions. */
export const MAX_DISRUPTED_POD_SIZE = 2000;
const RETRIES = 20;
const MULTIPLE_PDBS = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';
const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
function status(o: KubeObject): Obj {
  return isObj(o['status']) ? o['status'] : {};
}
function spec(o: KubeObject): Obj {
  return isObj(o['spec']) ? o['spec'] : {};
}

/** canIgnorePDB: a pod that is not running (or is going already) costs no disruption. */
export function canIgnorePdb(pod: KubeObject): boolean {
  const phase = status(pod)['phase'];
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || meta(pod).deletionTimestamp !== undefined;
}

/** shouldEnforceResourceVersion: only terminal and deleting pods may change unchecked. */
export function shouldEnforceResourceVersion(pod: KubeObject): boolean {
  const phase = status(pod)['phase'];
  return !(phase === 'Succeeded' || phase === 'Failed' || meta(pod).deletionTimestamp !== undefined);
}

/** podutil.IsPodReady. */
export function isPodReady(pod: KubeObject): boolean {
  const conditions = Array.isArray(status(pod)['conditions']) ? status(pod)['conditions'] as unknown[] : [];
  return conditions.some((c) => isObj(c) && c['type'] === 'Ready' && c['status'] === 'True');
}

/**
 * metav1.LabelSelectorAsSelector, then Matches: undefined for a selector that does not parse (it
 * matches nothing); an empty selector matches nothing either (a PDB must not cover everything).
 */
export function selectorMatches(selector: unknown, labels: Record<string, unknown>): boolean {
  if (!isObj(selector)) return false;
  const matchLabels = isObj(selector['matchLabels']) ? selector['matchLabels'] : {};
  const exprs = Array.isArray(selector['matchExpressions']) ? selector['matchExpressions'] : [];
  if (Object.keys(matchLabels).length === 0 && exprs.length === 0) return false;
  const value = (k: string): string | undefined => (typeof labels[k] === 'string' ? labels[k] : undefined);
  for (const [k, v] of Object.entries(matchLabels)) {
    if (typeof v !== 'string' || isQualifiedName(k).length > 0 || isValidLabelValue(v).length > 0) return false;
  }
  for (const e of exprs) {
    if (!isObj(e)) return false;
    const key = str(e['key']);
    const values = Array.isArray(e['values']) ? e['values'] : [];
    if (isQualifiedName(key).length > 0 || values.some((v) => typeof v !== 'string' || isValidLabelValue(v).length > 0)) return false;
    const op = e['operator'];
    if ((op === 'In' || op === 'NotIn') && values.length === 0) return false;
    if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) return false;
    if (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist') return false;
  }
  for (const [k, v] of Object.entries(matchLabels)) if (value(k) !== v) return false;
  for (const e of exprs as Obj[]) {
    const v = value(str(e['key']));
    const values = e['values'] as string[] | undefined ?? [];
    switch (e['operator']) {
      case 'In': if (v === undefined || !values.includes(v)) return false; break;
      case 'NotIn': if (v !== undefined && values.includes(v)) return false; break;
      case 'Exists': if (v === undefined) return false; break;
      default: if (v !== undefined) return false;
    }
  }
  return true;
}

/** getPodDisruptionBudgets: the budgets of the pod's namespace whose selector matches it. */
export function coveringBudgets(pod: KubeObject, pdbs: readonly KubeObject[]): KubeObject[] {
  const ns = meta(pod).namespace;
  const labels = isObj(meta(pod).labels) ? meta(pod).labels as Record<string, unknown> : {};
  return pdbs.filter((p) => meta(p).namespace === ns && selectorMatches(spec(p)['selector'], labels));
}

export type EvictionDecision =
  /** Delete; with requireResourceVersion, only if the pod is still at that version. */
  | { action: 'delete'; requireResourceVersion?: string; budget?: string }
  /** More than one budget covers the pod. */
  | { action: 'unsupported' }
  /** The budget must allow one more disruption (checkAndDecrement). */
  | { action: 'decrement'; budget: string };

/** What an eviction of pod does, given the budgets of its namespace (before any write). */
export function evictionDecision(pod: KubeObject, pdbs: readonly KubeObject[]): EvictionDecision {
  const rv = meta(pod).resourceVersion ?? '';
  if (canIgnorePdb(pod)) return shouldEnforceResourceVersion(pod) ? { action: 'delete', requireResourceVersion: rv } : { action: 'delete' };
  const covering = coveringBudgets(pod, pdbs);
  if (covering.length > 1) return { action: 'unsupported' };
  const pdb = covering[0];
  if (pdb === undefined) return { action: 'delete' };
  const name = meta(pdb).name ?? '';
  if (!isPodReady(pod)) {
    const st = status(pdb);
    if (spec(pdb)['unhealthyPodEvictionPolicy'] === 'AlwaysAllow') return { action: 'delete', requireResourceVersion: rv, budget: name };
    if (num(st['currentHealthy']) >= num(st['desiredHealthy']) && num(st['desiredHealthy']) > 0) {
      return { action: 'delete', requireResourceVersion: rv, budget: name };
    }
  }
  return { action: 'decrement', budget: name };
}

/** createTooManyRequestsError: the budget's status is older than its spec. */
export function budgetNotProcessed(name: string): ApiError {
  return new ApiError(429, 'TooManyRequests', VIOLATION, {
    causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${name} is still being processed by the server.` }],
    retryAfterSeconds: 10,
  });
}

/** apimeta.SetStatusCondition for DisruptionAllowed (pdbhelper.UpdateDisruptionAllowedCondition). */
function updateDisruptionAllowedCondition(st: Obj, nowMs: number): void {
  const allowed = num(st['disruptionsAllowed']) > 0;
  const condition = {
    type: 'DisruptionAllowed',
    status: allowed ? 'True' : 'False',
    observedGeneration: num(st['observedGeneration']),
    reason: allowed ? 'SufficientPods' : 'InsufficientPods',
    message: '',
  };
  const list = Array.isArray(st['conditions']) ? (st['conditions'] as unknown[]).filter(isObj) : [];
  const existing = list.find((c) => c['type'] === 'DisruptionAllowed');
  if (existing === undefined) {
    st['conditions'] = [...list, { ...condition, lastTransitionTime: rfc3339(nowMs) }];
    return;
  }
  if (existing['status'] !== condition.status) existing['lastTransitionTime'] = rfc3339(nowMs);
  Object.assign(existing, { status: condition.status, reason: condition.reason, message: condition.message, observedGeneration: condition.observedGeneration });
  st['conditions'] = list;
}

/**
 * checkAndDecrement: the budget after one more disruption of podName, or the refusal. A dry run
 * decrements without recording the pod.
 */
export function checkAndDecrement(pdb: KubeObject, podName: string, nowMs: number, dryRun: boolean): KubeObject {
  const name = meta(pdb).name ?? '';
  const st = status(pdb);
  const generation = typeof meta(pdb)['generation'] === 'number' ? meta(pdb)['generation'] as number : 0;
  if (num(st['observedGeneration']) < generation) throw budgetNotProcessed(name);
  const allowed = num(st['disruptionsAllowed']);
  const gr = { group: 'policy', resource: 'poddisruptionbudget' };
  if (allowed < 0) throw ApiError.forbidden(gr, name, 'pdb disruptions allowed is negative');
  if (Object.keys(isObj(st['disruptedPods']) ? st['disruptedPods'] : {}).length > MAX_DISRUPTED_POD_SIZE) {
    throw ApiError.forbidden(gr, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  }
  if (allowed === 0) {
    throw new ApiError(429, 'TooManyRequests', VIOLATION, {
      causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${name} needs ${num(st['desiredHealthy'])} healthy pods and has ${num(st['currentHealthy'])} currently` }],
    });
  }
  const next = deepClone(pdb);
  const nst: Obj = { ...status(next), disruptionsAllowed: allowed - 1 };
  next['status'] = nst;
  if (allowed - 1 === 0) updateDisruptionAllowedCondition(nst, nowMs);
  if (!dryRun) nst['disruptedPods'] = { ...(isObj(nst['disruptedPods']) ? nst['disruptedPods'] : {}), [podName]: rfc3339(nowMs) };
  return next;
}

/** The Eviction's DeleteOptions, decoded as the decoder takes metav1.DeleteOptions. */
function deleteOptionsOf(v: unknown): { options: DeleteOptionsBody; dryRun: string[] } {
  if (v === undefined || v === null) return { options: {}, dryRun: [] };
  if (!isObj(v)) throw ApiError.badRequest(`Eviction in version "v1" cannot be handled as a Eviction: ${cannotUnmarshal(v, 'Eviction.deleteOptions', 'v1.DeleteOptions')}`);
  const field = (f: string, goType: string): ApiError => ApiError.badRequest(`Eviction in version "v1" cannot be handled as a Eviction: ${cannotUnmarshal(v[f], `DeleteOptions.deleteOptions.${f}`, goType)}`);
  const options: DeleteOptionsBody = {};
  const grace = v['gracePeriodSeconds'];
  if (grace !== undefined && grace !== null) {
    if (typeof grace !== 'number' || !Number.isInteger(grace)) throw field('gracePeriodSeconds', 'int64');
    options.gracePeriodSeconds = grace;
  }
  const pre = v['preconditions'];
  if (pre !== undefined && pre !== null) {
    if (!isObj(pre)) throw field('preconditions', 'v1.Preconditions');
    options.preconditions = {};
    if (typeof pre['uid'] === 'string') options.preconditions.uid = pre['uid'];
    if (typeof pre['resourceVersion'] === 'string') options.preconditions.resourceVersion = pre['resourceVersion'];
  }
  const policy = v['propagationPolicy'];
  if (policy !== undefined && policy !== null) {
    if (typeof policy !== 'string') throw field('propagationPolicy', 'v1.DeletionPropagation');
    options.propagationPolicy = policy;
  }
  const dry = v['dryRun'];
  if (dry !== undefined && dry !== null && (!Array.isArray(dry) || dry.some((x) => typeof x !== 'string'))) throw field('dryRun', '[]string');
  return { options, dryRun: Array.isArray(dry) ? dry as string[] : [] };
}

/**
 * propagateDryRun: the request's dryRun and the DeleteOptions' must agree when both are given.
 * Upstream answers a mismatch with a bare error (a 500); it is the client's fault: a 400 here.
 */
function effectiveDryRun(query: string[], body: string[]): boolean {
  if (query.length > 0 && body.length > 0 && JSON.stringify(query) !== JSON.stringify(body)) {
    throw ApiError.badRequest(`Non-matching dry-run options in request and content: [${query.join(' ')}] and [${body.join(' ')}]`);
  }
  return [...query, ...body].includes('All');
}

function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.status.reason === 'Conflict';
}

/**
 * addConditionAndDeletePod: marks the pod DisruptionTarget (checking the delete's preconditions
 * against the latest pod, and moving a resourceVersion precondition to the version written),
 * then deletes it.
 */
async function addConditionAndDelete(r: SubresourceRequest, namespace: string, options: DeleteOptionsBody, dryRun: boolean): Promise<void> {
  let opts = options;
  if (!dryRun) {
    const updated = await r.parent.update(namespace, r.name, (latest) => {
      const m = meta(latest);
      const pre = options.preconditions ?? {};
      const gr = { resource: 'Pod' };
      if (pre.uid !== undefined && pre.uid !== '' && pre.uid !== m.uid) {
        throw ApiError.conflict(gr, r.name, `the UID in the precondition (${pre.uid}) does not match the UID in record (${m.uid ?? ''}). The object might have been deleted and then recreated`);
      }
      if (pre.resourceVersion !== undefined && pre.resourceVersion !== '' && pre.resourceVersion !== m.resourceVersion) {
        throw ApiError.conflict(gr, r.name, `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${m.resourceVersion ?? ''}). The object might have been modified`);
      }
      const next = deepClone(latest);
      setPodCondition(next, { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' }, r.clock.now());
      return next;
    }, { dryRun: false, prepared: true });
    if (options.preconditions?.resourceVersion !== undefined) {
      opts = { ...options, preconditions: { ...options.preconditions, resourceVersion: meta(updated).resourceVersion ?? '' } };
    }
  }
  await r.parent.delete(namespace, r.name, opts, { dryRun });
}

const SUCCESS = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

/** POST pods/<name>/eviction. */
export const evictPod: SubresourceHandler = async (r) => {
  const body = subresourceBody(r.body, 'Eviction', ['policy/v1', 'policy/v1beta1']);
  const bodyName = isObj(body['metadata']) ? str(body['metadata']['name']) : '';
  if (bodyName !== r.name) throw ApiError.badRequest('name in URL does not match name in Eviction object');
  const { options, dryRun: bodyDryRun } = deleteOptionsOf(body['deleteOptions']);
  const dryRun = effectiveDryRun(r.dryRun ? ['All'] : [], bodyDryRun);
  const namespace = r.namespace ?? '';
  const rvUnset = options.preconditions?.resourceVersion === undefined;

  for (let attempt = 0; ; attempt++) {
    const pod = await r.parent.get(namespace, r.name);
    const budgets = canIgnorePdb(pod) ? [] : await r.list('policy', 'poddisruptionbudgets', namespace);
    const decision = evictionDecision(pod, budgets);
    if (decision.action === 'unsupported') {
      return { code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: MULTIPLE_PDBS, code: 500 } };
    }
    if (decision.action === 'decrement') {
      const store = r.storeOf('policy', 'poddisruptionbudgets');
      if (store !== undefined) {
        await store.update(namespace, decision.budget, (pdb) => checkAndDecrement(pdb, r.name, r.clock.now(), dryRun), { dryRun, prepared: true });
      }
      await addConditionAndDelete(r, namespace, options, dryRun);
      return { code: 201, body: SUCCESS };
    }
    const required = rvUnset ? decision.requireResourceVersion : undefined;
    const guarded = required !== undefined;
    const deleteOptions: DeleteOptionsBody = required !== undefined
      ? { ...options, preconditions: { ...options.preconditions, resourceVersion: required } }
      : options;
    try {
      await addConditionAndDelete(r, namespace, deleteOptions, dryRun);
      return { code: 201, body: SUCCESS };
    } catch (err) {
      if (!isConflict(err) || !guarded) throw err;
      // the pod changed since it was read: a pod without a budget is read again; a pod whose
      // budget allowed it while unready gets the budget's 429 so that the client retries
      if (decision.budget !== undefined) throw budgetNotProcessed(decision.budget);
      if (attempt >= RETRIES) throw err;
    }
  }
};
