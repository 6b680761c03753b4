// batch/v1 Job as kube-apiserver 1.32 serves it: SetDefaults_Job (with the pod template's
// defaults), the registry's PrepareForCreate (the generated selector and template labels, with
// the object's uid), and pkg/apis/batch/validation's ValidateJob / ValidateJobUpdate in kube's
// words. The feature gates are 1.32's defaults: JobPodReplacementPolicy, JobBackoffLimitPerIndex,
// JobManagedBy, JobSuccessPolicy and ElasticIndexedJob on. Pure; every reader tolerates any
// JSON type where a Go type is expected.
import { fieldErrors as fe, type FieldError } from '../../api/errors.ts';
import { validateLabelSelector } from '../../api/label-selector-validation.ts';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, regexError } from '../../../kube/names.ts';
import { nameIsDNSSubdomain, validateImmutable, validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation.ts';
import { defaultPodTemplate, selectorMatches, templateLabels, validatePodTemplate } from './pod-template.ts';
import {
  arr, child, goLabelSelector, goStringMap, invalidRendered, isNil, isObj, num, o, objs, s, type Obj,
} from './values.ts';

export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';

const MAX_INT32 = 2147483647;
const IS_NEGATIVE = 'must be greater than or equal to 0';
const MAX_PARALLELISM_INDEXED = 100000;
const MAX_FAILED_INDEXES = 100_000;
const COMPLETIONS_SOFT_LIMIT = 100_000;
const PARALLELISM_LIMIT_HIGH_COMPLETIONS = 10_000;
const MAX_FAILED_INDEXES_HIGH_COMPLETIONS = 10_000;
const MAX_POD_FAILURE_POLICY_RULES = 20;
const MAX_EXIT_CODE_VALUES = 255;
const MAX_POD_CONDITION_PATTERNS = 20;
const MAX_MANAGED_BY_LENGTH = 63;
const MAX_SUCCEEDED_INDEXES_LENGTH = 64 * 1024;
const MAX_SUCCESS_POLICY_RULES = 20;

const POD_FAILURE_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const EXIT_CODE_OPERATORS = ['In', 'NotIn'];
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];
const POD_REPLACEMENT_POLICIES = ['Failed', 'TerminatingOrFailed'];

function meta(obj: Obj): Obj {
  return o(obj['metadata']);
}

function nonNegative(v: unknown, path: string): FieldError[] {
  const n = num(v);
  return n !== undefined && n < 0 ? [fe.invalid(path, n, IS_NEGATIVE)] : [];
}

// ---- defaults ------------------------------------------------------------------------------------

/** podFailurePolicy onPodConditions patterns default to status True. */
export function defaultPodFailurePolicy(spec: Obj): void {
  for (const rule of objs(o(spec['podFailurePolicy'])['rules'])) {
    for (const pattern of arr(rule['onPodConditions'])) {
      if (isObj(pattern) && (isNil(pattern['status']) || pattern['status'] === '')) pattern['status'] = 'True';
    }
  }
}

/** SetDefaults_Job: the labels default only copies non-empty template labels onto unlabelled jobs. */
function defaultJobLabels(job: Obj): void {
  const labels = templateLabels(o(job['spec'])['template']);
  if (labels === undefined || Object.keys(labels).length === 0) return;
  const m = child(job, 'metadata');
  if (m === undefined) return;
  const own = m['labels'];
  if (isNil(own) || (isObj(own) && Object.keys(own).length === 0)) m['labels'] = { ...labels };
}

/** SetDefaults_Job and the template's pod defaults (mutates). */
export function defaultJob(job: Obj): void {
  const spec = child(job, 'spec');
  if (spec === undefined) return;
  defaultJobSpec(spec);
  defaultJobLabels(job);
}

/** The JobSpec part of SetDefaults_Job, with the pod template's defaults. */
export function defaultJobSpec(spec: Obj): void {
  if (isNil(spec['completions']) && isNil(spec['parallelism'])) {
    spec['completions'] = 1;
    spec['parallelism'] = 1;
  }
  if (isNil(spec['parallelism'])) spec['parallelism'] = 1;
  if (isNil(spec['backoffLimit'])) spec['backoffLimit'] = isNil(spec['backoffLimitPerIndex']) ? 6 : MAX_INT32;
  if (isNil(spec['completionMode'])) spec['completionMode'] = 'NonIndexed';
  if (isNil(spec['suspend'])) spec['suspend'] = false;
  defaultPodFailurePolicy(spec);
  if (isNil(spec['podReplacementPolicy'])) spec['podReplacementPolicy'] = isNil(spec['podFailurePolicy']) ? 'TerminatingOrFailed' : 'Failed';
  if (isNil(spec['manualSelector'])) spec['manualSelector'] = false;
  if (isNil(spec['template'])) spec['template'] = {};
  defaultPodTemplate(spec['template']);
}

// ---- PrepareForCreate ---------------------------------------------------------------------------

/**
 * generateSelector: the template gets the job-name and controller-uid labels (new and legacy
 * keys, user-set ones kept so that validation can refuse a conflict) and the selector matches
 * batch.kubernetes.io/controller-uid=<uid>.
 */
export function generateSelector(job: Obj): void {
  const m = meta(job);
  const name = s(m['name']);
  const uid = s(m['uid']);
  const spec = o(job['spec']);
  const template = spec['template'];
  if (isObj(template)) {
    const tm = child(template, 'metadata');
    const labels = tm === undefined ? undefined : child(tm, 'labels');
    if (labels !== undefined) {
      for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(key in labels)) labels[key] = name;
      for (const key of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (!(key in labels)) labels[key] = uid;
    }
  }
  if (!isObj(job['spec'])) return;
  const selector = child(spec, 'selector');
  const matchLabels = selector === undefined ? undefined : child(selector, 'matchLabels');
  if (matchLabels !== undefined && !(CONTROLLER_UID_LABEL in matchLabels)) matchLabels[CONTROLLER_UID_LABEL] = uid;
}

/**
 * The job strategy's PrepareForCreate beyond the generic status/generation handling: the
 * generated selector unless manualSelector, an empty status; then the labels default that
 * decoding the stored object applies again (so the job carries its template's labels).
 */
export function prepareJobForCreate(job: Obj): void {
  if (o(job['spec'])['manualSelector'] !== true) generateSelector(job);
  job['status'] = {};
  defaultJobLabels(job);
}

/** The job strategy's PrepareForUpdate beyond the generic handling: the stored labels default. */
export function prepareJobForUpdate(job: Obj): void {
  defaultJobLabels(job);
}

// ---- validation ---------------------------------------------------------------------------------

export interface JobValidationOptions {
  /** The generated selector must carry the batch.kubernetes.io/ labels too. */
  requirePrefixedLabels: boolean;
  /** Suspended jobs that never started may change node selector, tolerations, labels… */
  allowMutableSchedulingDirectives: boolean;
}

function validateHasLabel(labels: unknown, path: string, key: string, expected: string): FieldError[] {
  const l = o(labels);
  if (!(key in l)) return [fe.required(`${path}.labels[${key}]`, `must be '${expected}'`)];
  if (l[key] !== expected) return [invalidRendered(`${path}.labels[${key}]`, goStringMap(labels), `must be '${expected}'`)];
  return [];
}

function validateGeneratedSelector(job: Obj, requirePrefixed: boolean): FieldError[] {
  const spec = o(job['spec']);
  if (spec['manualSelector'] === true || isNil(spec['selector'])) return [];
  const m = meta(job);
  const uid = s(m['uid']);
  const name = s(m['name']);
  const errs: FieldError[] = [];
  if (uid === '') errs.push(fe.required('metadata.uid'));
  const labels = o(o(spec['template'])['metadata'])['labels'];
  const path = 'spec.template.metadata';
  errs.push(...validateHasLabel(labels, path, LEGACY_CONTROLLER_UID_LABEL, uid));
  errs.push(...validateHasLabel(labels, path, LEGACY_JOB_NAME_LABEL, name));
  const expected: Obj = {};
  if (requirePrefixed) {
    errs.push(...validateHasLabel(labels, path, CONTROLLER_UID_LABEL, uid));
    errs.push(...validateHasLabel(labels, path, JOB_NAME_LABEL, name));
    expected[CONTROLLER_UID_LABEL] = uid;
    expected[JOB_NAME_LABEL] = name;
  }
  expected[LEGACY_CONTROLLER_UID_LABEL] = uid;
  expected[LEGACY_JOB_NAME_LABEL] = name;
  if (selectorMatches(spec['selector'], expected) === false) {
    errs.push(invalidRendered('spec.selector', goLabelSelector(spec['selector']), '`selector` not auto-generated'));
  }
  return errs;
}

/** validateIndexesFormat: the number of indexes in "1,3-5,7", or the error text. */
export function indexesFormatError(indexes: string, completions: number): { total: number } | { error: string } {
  if (indexes === '') return { total: 0 };
  let last: number | undefined;
  let total = 0;
  const toInt = (x: string): number | undefined => (/^[+-]?[0-9]+$/.test(x) ? Number(x) : undefined);
  for (const interval of indexes.split(',')) {
    const limits = interval.split('-');
    if (limits.length > 2) {
      return { error: `the fragment ${JSON.stringify(interval)} violates the requirement that an index interval can have at most two parts separated by '-'` };
    }
    const x = toInt(limits[0] ?? '');
    if (x === undefined) return { error: `cannot convert string to integer for index: ${JSON.stringify(limits[0] ?? '')}` };
    if (x >= completions) return { error: `too large index: ${JSON.stringify(limits[0] ?? '')}` };
    if (last !== undefined && last >= x) return { error: `non-increasing order, previous: ${last}, current: ${x}` };
    total++;
    last = x;
    if (limits.length > 1) {
      const y = toInt(limits[1] ?? '');
      if (y === undefined) return { error: `cannot convert string to integer for index: ${JSON.stringify(limits[1] ?? '')}` };
      if (y >= completions) return { error: `too large index: ${JSON.stringify(limits[1] ?? '')}` };
      if (last >= y) return { error: `non-increasing order, previous: ${last}, current: ${y}` };
      total += y - x;
      last = y;
    }
  }
  return { total };
}

function validatePodFailurePolicy(spec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const rules = arr(o(spec['podFailurePolicy'])['rules']);
  const rulesPath = `${path}.rules`;
  if (rules.length > MAX_POD_FAILURE_POLICY_RULES) errs.push(fe.tooMany(rulesPath, rules.length, MAX_POD_FAILURE_POLICY_RULES));
  const podSpec = o(o(spec['template'])['spec']);
  const containerNames = new Set([...objs(podSpec['containers']), ...objs(podSpec['initContainers'])].map((c) => s(c['name'])));
  rules.map(o).forEach((rule, i) => {
    const rp = `${rulesPath}[${i}]`;
    const action = s(rule['action']);
    if (action === '') errs.push(fe.required(`${rp}.action`, `valid values: ["${POD_FAILURE_ACTIONS.join('" "')}"]`));
    else if (action === 'FailIndex') {
      if (isNil(spec['backoffLimitPerIndex'])) errs.push(fe.invalid(`${rp}.action`, action, 'requires the backoffLimitPerIndex to be set'));
    } else if (!POD_FAILURE_ACTIONS.includes(action)) errs.push(fe.notSupported(`${rp}.action`, action, POD_FAILURE_ACTIONS));
    const onExitCodes = rule['onExitCodes'];
    const onPodConditions = arr(rule['onPodConditions']);
    if (!isNil(onExitCodes)) {
      const ep = `${rp}.onExitCodes`;
      const req = o(onExitCodes);
      const op = s(req['operator']);
      if (op === '') errs.push(fe.required(`${ep}.operator`, `valid values: ["${EXIT_CODE_OPERATORS.join('" "')}"]`));
      else if (!EXIT_CODE_OPERATORS.includes(op)) errs.push(fe.notSupported(`${ep}.operator`, op, EXIT_CODE_OPERATORS));
      const cn = req['containerName'];
      if (typeof cn === 'string' && !containerNames.has(cn)) {
        errs.push(fe.invalid(`${ep}.containerName`, cn, 'must be one of the container or initContainer names in the pod template'));
      }
      const values = arr(req['values']).map((v) => num(v) ?? 0);
      const vp = `${ep}.values`;
      if (values.length === 0) errs.push(invalidRendered(vp, '[]int32(nil)', 'at least one value is required'));
      else if (values.length > MAX_EXIT_CODE_VALUES) errs.push(fe.tooMany(vp, values.length, MAX_EXIT_CODE_VALUES));
      const seen = new Set<number>();
      values.forEach((v, j) => {
        if (op === 'In' && v === 0) errs.push(fe.invalid(`${vp}[${j}]`, v, 'must not be 0 for the In operator'));
        if (seen.has(v)) errs.push(fe.duplicate(`${vp}[${j}]`, v));
        else seen.add(v);
      });
      const ordered = values.every((v, j) => j === 0 || (values[j - 1] ?? 0) <= v);
      if (!ordered) errs.push(invalidRendered(vp, `[]int32{${values.join(', ')}}`, 'must be ordered'));
    }
    if (onPodConditions.length > 0) {
      const cp = `${rp}.onPodConditions`;
      if (onPodConditions.length > MAX_POD_CONDITION_PATTERNS) errs.push(fe.tooMany(cp, onPodConditions.length, MAX_POD_CONDITION_PATTERNS));
      onPodConditions.map(o).forEach((pattern, j) => {
        const type = s(pattern['type']);
        for (const msg of isQualifiedName(type)) errs.push(fe.invalid(`${cp}[${j}].type`, type, msg));
        const status = s(pattern['status']);
        if (status === '') errs.push(fe.required(`${cp}[${j}].status`, `valid values: ["${CONDITION_STATUSES.join('" "')}"]`));
        else if (!CONDITION_STATUSES.includes(status)) errs.push(fe.notSupported(`${cp}[${j}].status`, status, CONDITION_STATUSES));
      });
    }
    if (!isNil(onExitCodes) && onPodConditions.length > 0) {
      errs.push({ type: 'FieldValueInvalid', field: rp, detail: 'specifying both OnExitCodes and OnPodConditions is not supported', omitValue: true });
    }
    if (isNil(onExitCodes) && onPodConditions.length === 0) {
      errs.push({ type: 'FieldValueInvalid', field: rp, detail: 'specifying one of OnExitCodes and OnPodConditions is required', omitValue: true });
    }
  });
  return errs;
}

function validateSuccessPolicy(spec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const rules = arr(o(spec['successPolicy'])['rules']);
  const rulesPath = `${path}.rules`;
  if (rules.length === 0) errs.push(fe.required(rulesPath, 'at least one rules must be specified when the successPolicy is specified'));
  if (rules.length > MAX_SUCCESS_POLICY_RULES) errs.push(fe.tooMany(rulesPath, rules.length, MAX_SUCCESS_POLICY_RULES));
  const completions = num(spec['completions']);
  rules.map(o).forEach((rule, i) => {
    const rp = `${rulesPath}[${i}]`;
    const count = num(rule['succeededCount']);
    const indexes = rule['succeededIndexes'];
    if (isNil(rule['succeededCount']) && isNil(indexes)) {
      errs.push(fe.required(rp, 'at least one of succeededCount or succeededIndexes must be specified'));
    }
    // Upstream dereferences completions here (Indexed requires it; a missing one is reported above).
    if (completions === undefined) return;
    let total = 0;
    if (typeof indexes === 'string') {
      const ip = `${rp}.succeededIndexes`;
      if (indexes.length > MAX_SUCCEEDED_INDEXES_LENGTH) errs.push(fe.tooLong(ip, MAX_SUCCEEDED_INDEXES_LENGTH));
      const r = indexesFormatError(indexes, completions);
      if ('error' in r) errs.push(fe.invalid(ip, indexes, `error parsing succeededIndexes: ${r.error}`));
      else total = r.total;
    }
    if (count !== undefined) {
      const cp = `${rp}.succeededCount`;
      errs.push(...nonNegative(count, cp));
      if (count > completions) errs.push(fe.invalid(cp, count, `must be less than or equal to ${completions} (the number of specified completions)`));
      if (typeof indexes === 'string' && count > total) {
        errs.push(fe.invalid(cp, count, `must be less than or equal to ${total} (the number of indexes in the specified succeededIndexes field)`));
      }
    }
  });
  return errs;
}

function validateManagedBy(value: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (value === '') return [fe.required(path)];
  const slash = value.indexOf('/');
  const host = slash < 0 ? value : value.slice(0, slash);
  const rest = slash < 0 ? '' : value.slice(slash + 1);
  if (slash < 0 || host === '' || rest === '') {
    errs.push(fe.invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")'));
  } else {
    for (const m of isDNS1123Subdomain(host)) errs.push(fe.invalid(path, host, m));
    if (!/^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(rest)) {
      errs.push(fe.invalid(path, rest, regexError('Invalid path', "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+")));
    }
  }
  if (value.length > MAX_MANAGED_BY_LENGTH) errs.push(fe.tooLong(path, MAX_MANAGED_BY_LENGTH));
  return errs;
}

/** validateJobSpec: a JobSpec at `path` (`spec`, or `spec.jobTemplate.spec` for a CronJob). */
export function validateJobSpecFields(spec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const parallelism = num(spec['parallelism']);
  const completions = num(spec['completions']);
  const perIndex = num(spec['backoffLimitPerIndex']);
  const maxFailed = num(spec['maxFailedIndexes']);
  errs.push(...nonNegative(spec['parallelism'], `${path}.parallelism`));
  errs.push(...nonNegative(spec['completions'], `${path}.completions`));
  errs.push(...nonNegative(spec['activeDeadlineSeconds'], `${path}.activeDeadlineSeconds`));
  errs.push(...nonNegative(spec['backoffLimit'], `${path}.backoffLimit`));
  errs.push(...nonNegative(spec['ttlSecondsAfterFinished'], `${path}.ttlSecondsAfterFinished`));
  errs.push(...nonNegative(spec['backoffLimitPerIndex'], `${path}.backoffLimitPerIndex`));
  if (!isNil(spec['maxFailedIndexes'])) {
    errs.push(...nonNegative(spec['maxFailedIndexes'], `${path}.maxFailedIndexes`));
    if (isNil(spec['backoffLimitPerIndex'])) errs.push(fe.required(`${path}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'));
  }
  if (typeof spec['managedBy'] === 'string') errs.push(...validateManagedBy(spec['managedBy'], `${path}.managedBy`));
  const mode = spec['completionMode'];
  const indexed = mode === 'Indexed';
  if (!isNil(mode)) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(fe.notSupported(`${path}.completionMode`, s(mode), ['NonIndexed', 'Indexed']));
    if (indexed) {
      if (isNil(spec['completions'])) errs.push(fe.required(`${path}.completions`, 'when completion mode is Indexed'));
      if (parallelism !== undefined && parallelism > MAX_PARALLELISM_INDEXED) {
        errs.push(fe.invalid(`${path}.parallelism`, parallelism, `must be less than or equal to ${MAX_PARALLELISM_INDEXED} when completion mode is Indexed`));
      }
      if (completions !== undefined && maxFailed !== undefined && maxFailed > completions) {
        errs.push(fe.invalid(`${path}.maxFailedIndexes`, maxFailed, 'must be less than or equal to completions'));
      }
      if (maxFailed !== undefined && maxFailed > MAX_FAILED_INDEXES) {
        errs.push(fe.invalid(`${path}.maxFailedIndexes`, maxFailed, `must be less than or equal to ${MAX_FAILED_INDEXES}`));
      }
      if (completions !== undefined && completions > COMPLETIONS_SOFT_LIMIT && perIndex !== undefined) {
        const why = `when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`;
        if (isNil(spec['maxFailedIndexes'])) errs.push(fe.required(`${path}.maxFailedIndexes`, `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`));
        if (parallelism !== undefined && parallelism > PARALLELISM_LIMIT_HIGH_COMPLETIONS) {
          errs.push(fe.invalid(`${path}.parallelism`, parallelism, `must be less than or equal to ${PARALLELISM_LIMIT_HIGH_COMPLETIONS} ${why}`));
        }
        if (maxFailed !== undefined && maxFailed > MAX_FAILED_INDEXES_HIGH_COMPLETIONS) {
          errs.push(fe.invalid(`${path}.maxFailedIndexes`, maxFailed, `must be less than or equal to ${MAX_FAILED_INDEXES_HIGH_COMPLETIONS} ${why}`));
        }
      }
    }
  }
  if (!indexed) {
    if (perIndex !== undefined) errs.push(fe.invalid(`${path}.backoffLimitPerIndex`, perIndex, 'requires indexed completion mode'));
    if (maxFailed !== undefined) errs.push(fe.invalid(`${path}.maxFailedIndexes`, maxFailed, 'requires indexed completion mode'));
  }
  const hasFailurePolicy = !isNil(spec['podFailurePolicy']);
  if (hasFailurePolicy) errs.push(...validatePodFailurePolicy(spec, `${path}.podFailurePolicy`));
  if (!isNil(spec['successPolicy'])) {
    if (!indexed) errs.push(fe.invalid(`${path}.successPolicy`, spec['successPolicy'], 'requires indexed completion mode'));
    else errs.push(...validateSuccessPolicy(spec, `${path}.successPolicy`));
  }
  const prp = spec['podReplacementPolicy'];
  if (!isNil(prp)) {
    if (hasFailurePolicy) {
      if (prp !== 'Failed') errs.push(fe.notSupported(`${path}.podReplacementPolicy`, s(prp), ['Failed']));
    } else if (!POD_REPLACEMENT_POLICIES.includes(s(prp))) {
      errs.push(fe.notSupported(`${path}.podReplacementPolicy`, s(prp), POD_REPLACEMENT_POLICIES));
    }
  }
  errs.push(...validatePodTemplate(spec['template'], `${path}.template`));
  const rp = s(o(o(spec['template'])['spec'])['restartPolicy']);
  const rpPath = `${path}.template.spec.restartPolicy`;
  if (rp === 'Always' || rp === '') errs.push(fe.required(rpPath, 'valid values: "OnFailure", "Never"'));
  else if (rp !== 'OnFailure' && rp !== 'Never') errs.push(fe.notSupported(rpPath, rp, ['OnFailure', 'Never']));
  else if (hasFailurePolicy && rp !== 'Never') errs.push(fe.invalid(rpPath, rp, 'only "Never" is supported when podFailurePolicy is specified'));
  return errs;
}

/** ValidateJobSpec: validateJobSpec plus the selector (required, valid, matching the template's labels). */
function validateJobSpec(spec: Obj, path: string): FieldError[] {
  const errs = validateJobSpecFields(spec, path);
  const selector = spec['selector'];
  if (isNil(selector)) errs.push(fe.required(`${path}.selector`));
  else errs.push(...validateLabelSelector(selector, `${path}.selector`));
  const labels = o(o(spec['template'])['metadata'])['labels'];
  if (selectorMatches(selector, labels) === false) {
    errs.push(invalidRendered(`${path}.template.metadata.labels`, goStringMap(labels), '`selector` does not match template `labels`'));
  }
  return errs;
}

function validateJobStatus(job: Obj): FieldError[] {
  const status = o(job['status']);
  return ['active', 'succeeded', 'failed', 'ready', 'terminating'].flatMap((f) => nonNegative(status[f], `status.${f}`));
}

/** ValidateJob. */
export function validateJob(job: Obj, opts: JobValidationOptions = { requirePrefixedLabels: true, allowMutableSchedulingDirectives: false }): FieldError[] {
  const m = meta(job);
  const spec = o(job['spec']);
  const errs = validateObjectMeta(m, true, nameIsDNSSubdomain);
  errs.push(...validateGeneratedSelector(job, opts.requirePrefixedLabels));
  errs.push(...validateJobSpec(spec, 'spec'));
  const completions = num(spec['completions']);
  if (spec['completionMode'] === 'Indexed' && completions !== undefined && completions > 0) {
    const name = s(m['name']);
    const hostname = `${name}-${completions - 1}`;
    if (isDNS1123Label(hostname).length > 0) {
      errs.push(fe.invalid('metadata.name', name, `will not able to create pod with invalid DNS label: ${hostname}`));
    }
  }
  return errs;
}

/** validationOptionsForJob for an update. */
function updateOptions(old: Obj): JobValidationOptions {
  const oldSpec = o(old['spec']);
  const oldLabels = o(o(o(oldSpec['template'])['metadata'])['labels']);
  return {
    requirePrefixedLabels: JOB_NAME_LABEL in oldLabels && CONTROLLER_UID_LABEL in oldLabels,
    allowMutableSchedulingDirectives: oldSpec['suspend'] === true && isNil(o(old['status'])['startTime']),
  };
}

function validateCompletionsUpdate(spec: Obj, oldSpec: Obj): FieldError[] {
  if (spec['completionMode'] !== 'Indexed') return validateImmutable(spec['completions'], oldSpec['completions'], 'spec.completions');
  if (spec['completions'] === oldSpec['completions'] || isNil(spec['completions'])) return [];
  if (spec['completions'] !== spec['parallelism']) {
    return [fe.invalid('spec.completions', spec['completions'], 'can only be modified in tandem with spec.parallelism')];
  }
  return [];
}

function validatePodTemplateUpdate(spec: Obj, oldSpec: Obj, opts: JobValidationOptions): FieldError[] {
  const template = o(spec['template']);
  let oldTemplate: Obj = o(oldSpec['template']);
  if (opts.allowMutableSchedulingDirectives) {
    oldTemplate = structuredClone(oldTemplate);
    const newPod = o(template['spec']);
    const oldPod = child(oldTemplate, 'spec') ?? {};
    const newAffinity = newPod['affinity'];
    const oldAffinity = oldPod['affinity'];
    if (isNil(newAffinity) && isObj(oldAffinity)) {
      delete oldAffinity['nodeAffinity'];
      if (Object.keys(oldAffinity).length === 0) delete oldPod['affinity'];
    } else if (isObj(newAffinity) && isNil(oldAffinity)) {
      oldPod['affinity'] = isNil(newAffinity['nodeAffinity']) ? {} : { nodeAffinity: newAffinity['nodeAffinity'] };
    } else if (isObj(newAffinity) && isObj(oldAffinity)) {
      oldAffinity['nodeAffinity'] = newAffinity['nodeAffinity'];
    }
    for (const f of ['nodeSelector', 'tolerations', 'schedulingGates']) oldPod[f] = newPod[f];
    const oldMeta = child(oldTemplate, 'metadata') ?? {};
    const newMeta = o(template['metadata']);
    oldMeta['annotations'] = newMeta['annotations'];
    oldMeta['labels'] = newMeta['labels'];
  }
  return validateImmutable(spec['template'], oldTemplate, 'spec.template');
}

/** The job strategy's ValidateUpdate: ValidateJob of the new object, then ValidateJobUpdate. */
export function validateJobUpdate(job: Obj, old: Obj): FieldError[] {
  const opts = updateOptions(old);
  const spec = o(job['spec']);
  const oldSpec = o(old['spec']);
  const errs = validateJob(job, opts);
  errs.push(...validateObjectMetaUpdate(meta(job), meta(old)));
  errs.push(...validateJobSpec(spec, 'spec'));
  errs.push(...validateCompletionsUpdate(spec, oldSpec));
  if (validateImmutable(spec['selector'], oldSpec['selector'], 'spec.selector').length > 0) {
    errs.push(invalidRendered('spec.selector', isNil(spec['selector']) ? 'null' : goLabelSelector(spec['selector']), 'field is immutable'));
  }
  errs.push(...validatePodTemplateUpdate(spec, oldSpec, opts));
  for (const f of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    errs.push(...validateImmutable(spec[f], oldSpec[f], `spec.${f}`));
  }
  errs.push(...validateJobStatus(job));
  return errs;
}
