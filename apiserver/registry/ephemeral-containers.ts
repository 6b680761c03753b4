// pods/ephemeralcontainers as kube-apiserver 1.32 serves it: GET answers the pod; PUT (a Pod) and
// PATCH (of the pod: what `kubectl debug` sends, a strategic merge patch) change only
// spec.ephemeralContainers (podEphemeralContainersStrategy: everything else is kept from the
// stored pod), validated with ValidatePodEphemeralContainersUpdate: ephemeral containers may be
// added, never removed or changed; each is a valid container with a unique name, a target among
// the pod's containers, and none of the fields an ephemeral container may not set. Starting them
// is the node agent's part.
import { ApiError, fieldErrors as fe, type FieldError } from '../api/errors.ts';
import { decodeError, decodeTypes, patchDecodeError } from '../api/json-types.ts';
import { goValue } from '../../kube/patch/patch.ts';
import { validateContainerCommon, validatePodSpec } from '../api/validation.ts';
import type { SubresourceHandler } from '../kinds/kind.ts';
import { applyDefaults, applyPatch, type PatchType } from '../machinery.ts';
import type { KubeObject } from '../storage/types.ts';
import { deepClone, meta } from './object-meta.ts';
import { isObj, subresourceBody, type Obj } from './subresource-body.ts';

const PATCH_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
};

/** The fields an ephemeral container may not set (allowedEphemeralContainerFields' false ones), in struct order. */
const FORBIDDEN_FIELDS = ['ports', 'resources', 'resizePolicy', 'restartPolicy', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'];
const NOT_FOR_EPHEMERAL = 'cannot be set for an Ephemeral Container';
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
function objs(v: unknown): Obj[] {
  return Array.isArray(v) ? v.map((x) => (isObj(x) ? x : {})) : [];
}
function specOf(o: KubeObject): Obj {
  return isObj(o['spec']) ? o['spec'] : {};
}

/** A value with Go's zero values left out, for Semantic.DeepEqual (nil and empty are equal). */
function normalized(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(normalized);
  if (isObj(v)) {
    const out: Obj = {};
    for (const k of Object.keys(v).sort()) {
      const x = normalized(v[k]);
      if (x !== undefined) out[k] = x;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v === null || v === '' ? undefined : v;
}

function semanticEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalized(a) ?? null) === JSON.stringify(normalized(b) ?? null);
}

/** A field-by-field account of what changed (upstream appends cmp.Diff's, whose layout is not stable). */
function describeChange(old: Obj, now: Obj): string {
  const keys = [...new Set([...Object.keys(old), ...Object.keys(now)])].sort();
  const lines: string[] = [];
  for (const k of keys) {
    if (semanticEqual(old[k], now[k])) continue;
    if (normalized(old[k]) !== undefined) lines.push(`- ${k}: ${JSON.stringify(old[k])}`);
    if (normalized(now[k]) !== undefined) lines.push(`+ ${k}: ${JSON.stringify(now[k])}`);
  }
  return lines.join('\n');
}

/** validateEphemeralContainers (within the pod spec's validation). */
export function validateEphemeralContainers(spec: Obj): FieldError[] {
  const ephemeral = objs(spec['ephemeralContainers']);
  if (ephemeral.length === 0) return [];
  const errs: FieldError[] = [];
  const others = new Set([...objs(spec['containers']), ...objs(spec['initContainers'])].map((c) => str(c['name'])));
  const all = new Set(others);
  const volumes = new Set(objs(spec['volumes']).map((v) => str(v['name'])).filter((n) => n !== ''));
  ephemeral.forEach((c, i) => {
    const p = `spec.ephemeralContainers[${i}]`;
    errs.push(...validateContainerCommon(c, p, volumes));
    const image = str(c['image']);
    if (image.trim() !== image) errs.push(fe.invalid(`${p}.image`, image, 'must not have leading or trailing whitespace'));
    const name = str(c['name']);
    if (all.has(name)) errs.push(fe.duplicate(`${p}.name`, name));
    else all.add(name);
    const target = str(c['targetContainerName']);
    if (target !== '' && !others.has(target)) errs.push(fe.notFound(`${p}.targetContainerName`, target));
    for (const f of FORBIDDEN_FIELDS) if (normalized(c[f]) !== undefined) errs.push(fe.forbidden(`${p}.${f}`, NOT_FOR_EPHEMERAL));
    objs(c['volumeMounts']).forEach((vm, j) => {
      if (str(vm['subPath']) !== '') errs.push(fe.forbidden(`${p}.volumeMounts[${j}].subPath`, NOT_FOR_EPHEMERAL));
      if (str(vm['subPathExpr']) !== '') errs.push(fe.forbidden(`${p}.volumeMounts[${j}].subPathExpr`, NOT_FOR_EPHEMERAL));
    });
  });
  return errs;
}

/** ValidatePodEphemeralContainersUpdate: pod and new differ only in spec.ephemeralContainers. */
export function validateEphemeralContainersUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const annotations = meta(old).annotations;
  if (isObj(annotations) && MIRROR_POD_ANNOTATION in annotations) return [fe.forbidden('', 'static pods do not support ephemeral containers')];
  const spec = specOf(pod);
  const errs = [...validatePodSpec(spec), ...validateEphemeralContainers(spec)];
  const byName = new Map(objs(spec['ephemeralContainers']).map((c) => [str(c['name']), c]));
  for (const before of objs(specOf(old)['ephemeralContainers'])) {
    const name = str(before['name']);
    const after = byName.get(name);
    if (after === undefined) {
      errs.push(fe.forbidden('spec.ephemeralContainers', `existing ephemeral containers ${JSON.stringify(name)} may not be removed\n`));
    } else if (!semanticEqual(before, after)) {
      errs.push(fe.forbidden('spec.ephemeralContainers', `existing ephemeral containers ${JSON.stringify(name)} may not be changed\n${describeChange(before, after)}`));
    }
  }
  return errs;
}

/** podEphemeralContainersStrategy.PrepareForUpdate: the stored pod with the new ephemeral containers (defaulted). */
export function withEphemeralContainers(current: KubeObject, desired: KubeObject): KubeObject {
  const next = deepClone(current);
  const spec = isObj(next['spec']) ? next['spec'] : (next['spec'] = {});
  const list = specOf(desired)['ephemeralContainers'];
  if (list === undefined || list === null) delete spec['ephemeralContainers'];
  else spec['ephemeralContainers'] = deepClone(list);
  // the scheme defaults of the decoded pod (idempotent for what the stored pod already has)
  applyDefaults(next);
  return next;
}

/** GET, PUT and PATCH of pods/<name>/ephemeralcontainers. */
export const ephemeralContainers: SubresourceHandler = async (r) => {
  const namespace = r.namespace ?? '';
  if (r.method === 'GET' || r.method === 'HEAD') return { code: 200, body: await r.parent.get(namespace, r.name) };
  let desiredOf: (current: KubeObject) => KubeObject;
  if (r.method === 'PUT') {
    const body = subresourceBody(r.body, 'Pod', ['v1']);
    const typeErr = decodeTypes('v1', 'Pod', body);
    if (typeErr !== undefined) throw decodeError('Pod', 'v1', typeErr);
    const m = isObj(body['metadata']) ? body['metadata'] : {};
    if (str(m['name']) !== '' && m['name'] !== r.name) {
      throw ApiError.badRequest(`the name of the object (${str(m['name'])}) does not match the name on the URL (${r.name})`);
    }
    if (str(m['namespace']) !== '' && m['namespace'] !== namespace) {
      throw ApiError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const rv = str(m['resourceVersion']);
    desiredOf = (current) => {
      if (rv !== '' && rv !== meta(current).resourceVersion) throw ApiError.conflict('pods', r.name);
      return body;
    };
  } else {
    const type = PATCH_TYPES[r.contentType];
    if (type === undefined) throw ApiError.unsupportedMediaType(Object.keys(PATCH_TYPES));
    const patch = r.body;
    if (patch === undefined) throw ApiError.badRequest('the body of the request was empty');
    if (type !== 'json' && !isObj(patch)) throw ApiError.badRequest('the patch must be a JSON object');
    if (type === 'json' && !Array.isArray(patch)) throw ApiError.badRequest('the JSON patch must be an array of operations');
    const pm = isObj(patch) && isObj(patch['metadata']) ? patch['metadata'] : {};
    desiredOf = (current) => {
      const cm = meta(current);
      if (typeof pm['uid'] === 'string' && pm['uid'] !== '' && pm['uid'] !== cm.uid) {
        throw ApiError.conflict('pods', r.name, `Precondition failed: UID in precondition: ${pm['uid']}, UID in object meta: ${cm.uid ?? ''}`);
      }
      if (typeof pm['resourceVersion'] === 'string' && pm['resourceVersion'] !== '' && pm['resourceVersion'] !== cm.resourceVersion) {
        throw ApiError.conflict('pods', r.name);
      }
      let patched: KubeObject;
      try {
        patched = applyPatch(type, deepClone(current), patch);
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw ApiError.badRequest(err instanceof Error ? err.message : String(err));
      }
      const typeErr = decodeTypes('v1', 'Pod', patched);
      if (typeErr !== undefined) throw patchDecodeError(type === 'strategic' ? goValue(patch) : JSON.stringify(patched), typeErr);
      return patched;
    };
  }
  const updated = await r.parent.update(namespace, r.name, (current) => {
    const next = withEphemeralContainers(current, desiredOf(current));
    const errs = validateEphemeralContainersUpdate(next, current);
    if (errs.length > 0) throw ApiError.invalid('Pod', r.name, errs);
    return next;
  }, { dryRun: r.dryRun, prepared: true });
  return { code: 200, body: updated };
};
