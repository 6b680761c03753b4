// Validation of the served kinds with kube-apiserver's field paths and messages
// (pkg/apis/core/validation, apimachinery pkg/api/validation, coordination validation), for
// objects already defaulted (applyDefaults/prepareForCreate). Pure: returns FieldError lists;
// `invalidError` wraps them into the 422 Status. Map entries are checked in insertion order
// (Go iterates maps randomly, so kube's order among several map errors is not stable either).
import { ApiError, fieldErrors as fe, goQuote } from './errors.ts';
import type { FieldError } from './errors.ts';
import { podQOSClass } from './defaults.ts';
import {
  byteLength, inclusiveRangeError, isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isQualifiedName,
  isRelaxedEnvVarName, isValidLabelValue, isValidPortName, isValidPortNum, validatePathSegmentName,
} from '../../kube/names.ts';
import { compareQuantities, formatQuantity, parseQuantity, QUANTITY_FORMAT_ERROR } from './quantity.ts';
import { arr, isObj, o, objs, s, type Obj } from '../../kube/values.ts';

export type NameFn = (name: string, prefix: boolean) => string[];

const IS_NEGATIVE = 'must be greater than or equal to 0';
const IMMUTABLE = 'field is immutable';
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
/** core.MaxSecretSize: 1 MiB, also the ConfigMap limit. */
export const MAX_SECRET_SIZE = 1024 * 1024;
const MAX_INT32 = 2147483647;

// not values.ts's num: this one lets a non-finite number through (JSON.parse reads 1e400 as
// Infinity), as these validators always have
function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}
function strMap(v: unknown): [string, string][] {
  return Object.entries(o(v)).map(([k, val]) => [k, typeof val === 'string' ? val : String(val)]);
}

export function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}
export const nameIsDNSSubdomain: NameFn = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
export const nameIsDNSLabel: NameFn = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);
const pathSegmentName: NameFn = (name, prefix) => validatePathSegmentName(name, prefix);

// ---------------------------------------------------------------------------------------------
// ObjectMeta

export function validateLabels(labels: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of strMap(labels)) {
    for (const m of isQualifiedName(k)) errs.push(fe.invalid(path, k, m));
    for (const m of isValidLabelValue(v)) errs.push(fe.invalid(path, v, m));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of strMap(annotations)) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(fe.invalid(path, k, m));
    total += byteLength(k) + byteLength(v);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(fe.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

function validateKubeFinalizerName(value: string, path: string): FieldError[] {
  if (!value.includes('/') && !STANDARD_FINALIZERS.has(value)) {
    return [fe.invalid(path, value, 'name is neither a standard finalizer name nor is it fully qualified')];
  }
  return [];
}

function validateFinalizers(finalizers: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = arr(finalizers).map(s);
  for (const f of list) for (const m of isQualifiedName(f)) errs.push(fe.invalid(path, f, m));
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(fe.invalid(path, list, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

function validateOwnerReferences(refs: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of objs(refs)) {
    const apiVersion = s(ref['apiVersion']);
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    if (version === '') errs.push(fe.invalid(`${path}.apiVersion`, apiVersion, 'version must not be empty'));
    if (s(ref['kind']) === '') errs.push(fe.invalid(`${path}.kind`, s(ref['kind']), 'kind must not be empty'));
    if (s(ref['name']) === '') errs.push(fe.invalid(`${path}.name`, s(ref['name']), 'name must not be empty'));
    if (s(ref['uid']) === '') errs.push(fe.invalid(`${path}.uid`, s(ref['uid']), 'uid must not be empty'));
    if (apiVersion === 'v1' && ref['kind'] === 'Event') {
      errs.push(fe.invalid(path, ref, '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref['controller'] === true) {
      const cur = `${s(ref['kind'])}/${s(ref['name'])}`;
      if (firstController !== '') {
        errs.push(fe.invalid(path, refs,
          `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`));
      } else firstController = cur;
    }
  }
  return errs;
}

/** Which flavour of ObjectMeta validation: core's (the default) also checks kube finalizer names. */
export interface ObjectMetaOptions {
  /** pkg/apis/core/validation's check of finalizer names (default true); apimachinery's generic one has none. */
  kubeFinalizers?: boolean;
}

/** ValidateObjectMeta (core flavour: also checks kube finalizer names, unless options say otherwise). */
export function validateObjectMeta(meta: Obj, namespaced: boolean, nameFn: NameFn, options: ObjectMetaOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  const generateName = s(meta['generateName']);
  const name = s(meta['name']);
  if (generateName !== '') for (const m of nameFn(generateName, true)) errs.push(fe.invalid('metadata.generateName', generateName, m));
  if (name === '') errs.push(fe.required('metadata.name', 'name or generateName is required'));
  else for (const m of nameFn(name, false)) errs.push(fe.invalid('metadata.name', name, m));
  const ns = s(meta['namespace']);
  if (namespaced) {
    if (ns === '') errs.push(fe.required('metadata.namespace'));
    else for (const m of nameIsDNSLabel(ns, false)) errs.push(fe.invalid('metadata.namespace', ns, m));
  } else if (ns !== '') {
    errs.push(fe.forbidden('metadata.namespace', 'not allowed on this type'));
  }
  const generation = num(meta['generation']);
  if (generation !== undefined && generation < 0) errs.push(fe.invalid('metadata.generation', generation, IS_NEGATIVE));
  errs.push(...validateLabels(meta['labels'], 'metadata.labels'));
  errs.push(...validateAnnotations(meta['annotations'], 'metadata.annotations'));
  errs.push(...validateOwnerReferences(meta['ownerReferences'], 'metadata.ownerReferences'));
  errs.push(...validateFinalizers(meta['finalizers'], 'metadata.finalizers'));
  if (options.kubeFinalizers !== false) arr(meta['finalizers']).forEach((f, i) => errs.push(...validateKubeFinalizerName(s(f), `metadata.finalizers[${i}]`)));
  return errs;
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  return canonicalJSON(a) === canonicalJSON(b);
}

/** JSON with sorted keys, where null, [] and {} maps count as absent (Semantic.DeepEqual's nil == empty). */
function canonicalJSON(v: unknown): string {
  const norm = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(norm);
    if (isObj(x)) {
      const out: Obj = {};
      for (const k of Object.keys(x).sort()) {
        const val = x[k];
        if (val === null || val === undefined || (Array.isArray(val) && val.length === 0)) continue;
        out[k] = norm(val);
      }
      return out;
    }
    return x;
  };
  return JSON.stringify(norm(v) ?? null);
}

export function validateImmutable(newVal: unknown, oldVal: unknown, path: string): FieldError[] {
  return jsonEqual(newVal, oldVal) ? [] : [fe.invalid(path, newVal ?? null, IMMUTABLE)];
}

/** ValidateObjectMetaUpdate (without the resourceVersion-required check, which storage handles). */
export function validateObjectMetaUpdate(newMeta: Obj, oldMeta: Obj, options: ObjectMetaOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  if (oldMeta['deletionTimestamp'] !== undefined && oldMeta['deletionTimestamp'] !== null) {
    const oldF = new Set(arr(oldMeta['finalizers']).map(s));
    const extra = [...new Set(arr(newMeta['finalizers']).map(s))].filter((f) => !oldF.has(f)).sort();
    if (extra.length > 0) {
      errs.push(fe.forbidden('metadata.finalizers',
        `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map(goQuote).join(', ')}}`));
    }
  }
  const newGen = num(newMeta['generation']) ?? 0;
  if (newGen < (num(oldMeta['generation']) ?? 0)) errs.push(fe.invalid('metadata.generation', newGen, 'must not be decremented'));
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
    errs.push(...validateImmutable(newMeta[f] ?? (f === 'deletionGracePeriodSeconds' || f === 'deletionTimestamp' ? null : ''),
      oldMeta[f] ?? (f === 'deletionGracePeriodSeconds' || f === 'deletionTimestamp' ? null : ''), `metadata.${f}`));
  }
  errs.push(...validateLabels(newMeta['labels'], 'metadata.labels'));
  errs.push(...validateAnnotations(newMeta['annotations'], 'metadata.annotations'));
  errs.push(...validateOwnerReferences(newMeta['ownerReferences'], 'metadata.ownerReferences'));
  if (options.kubeFinalizers === false) errs.push(...validateFinalizers(newMeta['finalizers'], 'metadata.finalizers'));
  else arr(newMeta['finalizers']).forEach((f, i) => errs.push(...validateKubeFinalizerName(s(f), `metadata.finalizers[${i}]`)));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Pod

export function validatePathNoBacksteps(target: string, path: string): FieldError[] {
  return target.replace(/\\/g, '/').split('/').includes('..') ? [fe.invalid(path, target, "must not contain '..'")] : [];
}

function validateLocalDescendingPath(target: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (target.startsWith('/')) errs.push(fe.invalid(path, target, 'must be a relative path'));
  return [...errs, ...validatePathNoBacksteps(target, path)];
}

function validateKeyToPaths(items: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(items).forEach((kp, i) => {
    const p = `${path}[${i}]`;
    if (s(kp['key']) === '') errs.push(fe.required(`${p}.key`));
    const target = s(kp['path']);
    if (target === '') errs.push(fe.required(`${p}.path`));
    errs.push(...validateLocalNonReservedPath(target, `${p}.path`));
    const mode = num(kp['mode']);
    if (mode !== undefined && (mode > 0o777 || mode < 0)) {
      errs.push(fe.invalid(`${p}.mode`, mode, 'must be a number between 0 and 0777 (octal), both inclusive'));
    }
  });
  return errs;
}

function validateLocalNonReservedPath(target: string, path: string): FieldError[] {
  const errs = validateLocalDescendingPath(target, path);
  if (target.startsWith('..')) errs.push(fe.invalid(path, target, "must not start with '..'"));
  return errs;
}

function validateDefaultMode(mode: unknown, path: string): FieldError[] {
  const m = num(mode);
  if (m !== undefined && (m > 0o777 || m < 0)) {
    return [fe.invalid(path, m, 'must be a number between 0 and 0777 (octal), both inclusive')];
  }
  return [];
}

/** validateVolumeSource's order of checks. */
const VOLUME_CHECK_ORDER = ['emptyDir', 'hostPath', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs',
  'iscsi', 'glusterfs', 'flocker', 'persistentVolumeClaim', 'rbd', 'cinder', 'cephfs', 'quobyte', 'downwardAPI', 'fc',
  'flexVolume', 'configMap', 'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk',
  'storageos', 'projected', 'scaleIO', 'csi', 'ephemeral', 'image'];

const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];

function validateVolumeSource(v: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  for (const src of VOLUME_CHECK_ORDER) {
    const val = v[src];
    if (val === undefined || val === null) continue;
    // kube's path typo for downwardAPI is kept (it is what a user sees).
    const errField = src === 'downwardAPI' ? 'downwarAPI' : src === 'cephfs' ? 'cephFS' : src;
    if (n > 0) {
      errs.push(fe.forbidden(`${path}.${errField}`, 'may not specify more than 1 volume type'));
      continue;
    }
    n++;
    const sp = `${path}.${src}`;
    const so = o(val);
    switch (src) {
      case 'hostPath': {
        const p = s(so['path']);
        if (p === '') {
          errs.push(fe.required(`${sp}.path`));
          break;
        }
        errs.push(...validatePathNoBacksteps(p, `${sp}.path`));
        const t = so['type'];
        if (typeof t === 'string' && !HOST_PATH_TYPES.includes(t)) errs.push(fe.notSupported(`${sp}.type`, t, HOST_PATH_TYPES));
        break;
      }
      case 'secret': {
        const name = s(so['secretName']);
        if (name === '') errs.push(fe.required(`${sp}.secretName`));
        errs.push(...validateDefaultMode(so['defaultMode'], `${sp}.defaultMode`));
        errs.push(...validateKeyToPaths(so['items'], `${sp}.items`));
        break;
      }
      case 'configMap': {
        const name = s(so['name']);
        if (name === '') errs.push(fe.required(`${sp}.name`));
        else for (const m of nameIsDNSSubdomain(name, false)) errs.push(fe.invalid(`${sp}.name`, name, m));
        errs.push(...validateDefaultMode(so['defaultMode'], `${sp}.defaultMode`));
        errs.push(...validateKeyToPaths(so['items'], `${sp}.items`));
        break;
      }
      case 'persistentVolumeClaim':
        if (s(so['claimName']) === '') errs.push(fe.required(`${sp}.claimName`));
        break;
      case 'emptyDir': {
        const limit = so['sizeLimit'];
        if (limit !== undefined && limit !== null) {
          const q = parseQuantity(typeof limit === 'number' ? String(limit) : s(limit));
          if (q !== undefined && q.nanos < 0n) errs.push(fe.forbidden(`${sp}.sizeLimit`, 'SizeLimit field must be a valid resource quantity'));
        }
        break;
      }
      default:
    }
  }
  if (n === 0) errs.push(fe.required(path, 'must specify a volume type'));
  return errs;
}

function validateVolumes(volumes: unknown): [Set<string>, FieldError[]] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objs(volumes).forEach((v, i) => {
    const p = `spec.volumes[${i}]`;
    const name = s(v['name']);
    const el = validateVolumeSource(v, p);
    if (name === '') el.push(fe.required(`${p}.name`));
    else for (const m of isDNS1123Label(name)) el.push(fe.invalid(`${p}.name`, name, m));
    if (names.has(name)) el.push(fe.duplicate(`${p}.name`, name));
    if (el.length === 0) names.add(name);
    else errs.push(...el);
  });
  return [names, errs];
}

export function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => fe.invalid(path, port, m));
  if (typeof port === 'string') return isValidPortName(port).map((m) => fe.invalid(path, port, m));
  return [fe.internal(path, `unknown type: ${String(port)}`)];
}

const HTTP_SCHEMES = ['HTTP', 'HTTPS'];

function validateHandler(h: Obj, path: string, gracePeriod: number | undefined, allowSleep: boolean): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  const kinds = allowSleep ? ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'] : ['exec', 'httpGet', 'tcpSocket', 'grpc'];
  for (const kind of kinds) {
    const val = h[kind];
    if (val === undefined || val === null) continue;
    if (n > 0) {
      errs.push(fe.forbidden(`${path}.${kind}`, 'may not specify more than 1 handler type'));
      continue;
    }
    n++;
    const a = o(val);
    const p = `${path}.${kind}`;
    switch (kind) {
      case 'exec':
        if (arr(a['command']).length === 0) errs.push(fe.required(`${p}.command`));
        break;
      case 'httpGet': {
        if (s(a['path']) === '') errs.push(fe.required(`${p}.path`));
        errs.push(...validatePortNumOrName(a['port'], `${p}.port`));
        const scheme = s(a['scheme']);
        if (!HTTP_SCHEMES.includes(scheme)) errs.push(fe.notSupported(`${p}.scheme`, scheme, HTTP_SCHEMES));
        for (const header of objs(a['httpHeaders'])) {
          const hn = s(header['name']);
          if (!/^[-A-Za-z0-9]+$/.test(hn)) {
            errs.push(fe.invalid(`${p}.httpHeaders`, hn,
              "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"));
          }
        }
        break;
      }
      case 'tcpSocket':
        errs.push(...validatePortNumOrName(a['port'], `${p}.port`));
        break;
      case 'grpc': {
        const port = num(a['port']) ?? 0;
        errs.push(...isValidPortNum(port).map((m) => fe.invalid(`${p}.port`, port, m)));
        break;
      }
      case 'sleep': {
        const seconds = num(a['seconds']) ?? 0;
        if (gracePeriod !== undefined && (seconds <= 0 || seconds > gracePeriod)) {
          errs.push(fe.invalid(p, seconds, `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod})`));
        }
        break;
      }
      default:
    }
  }
  if (n === 0) errs.push(fe.required(path, 'must specify a handler type'));
  return errs;
}

function validateProbe(probe: Obj, path: string, gracePeriod: number | undefined): FieldError[] {
  const errs = validateHandler(probe, path, gracePeriod, false);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    const v = num(probe[f]) ?? 0;
    if (v < 0) errs.push(fe.invalid(`${path}.${f}`, v, IS_NEGATIVE));
  }
  const tgps = num(probe['terminationGracePeriodSeconds']);
  if (tgps !== undefined && tgps <= 0) errs.push(fe.invalid(`${path}.terminationGracePeriodSeconds`, tgps, 'must be greater than 0'));
  return errs;
}

function validateProbes(c: Obj, path: string, gracePeriod: number | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const lifecycle = c['lifecycle'];
  if (isObj(lifecycle)) {
    for (const hook of ['postStart', 'preStop']) {
      if (isObj(lifecycle[hook])) errs.push(...validateHandler(lifecycle[hook], `${path}.lifecycle.${hook}`, gracePeriod, true));
    }
  }
  for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const probe = c[kind];
    if (!isObj(probe)) continue;
    errs.push(...validateProbe(probe, `${path}.${kind}`, gracePeriod));
    if (kind === 'readinessProbe') {
      const tgps = num(probe['terminationGracePeriodSeconds']);
      if (tgps !== undefined) errs.push(fe.invalid(`${path}.${kind}.terminationGracePeriodSeconds`, tgps, 'must not be set for readinessProbes'));
    } else {
      const st = num(probe['successThreshold']) ?? 0;
      if (st !== 1) errs.push(fe.invalid(`${path}.${kind}.successThreshold`, st, 'must be 1'));
    }
  }
  return errs;
}

const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];

function validateContainerPorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objs(ports).forEach((p, i) => {
    const ip = `${path}[${i}]`;
    const name = s(p['name']);
    if (name !== '') {
      const msgs = isValidPortName(name);
      if (msgs.length > 0) for (const m of msgs) errs.push(fe.invalid(`${ip}.name`, name, m));
      else if (names.has(name)) errs.push(fe.duplicate(`${ip}.name`, name));
      else names.add(name);
    }
    const cp = num(p['containerPort']) ?? 0;
    if (cp === 0) errs.push(fe.required(`${ip}.containerPort`));
    else for (const m of isValidPortNum(cp)) errs.push(fe.invalid(`${ip}.containerPort`, cp, m));
    const hp = num(p['hostPort']) ?? 0;
    if (hp !== 0) for (const m of isValidPortNum(hp)) errs.push(fe.invalid(`${ip}.hostPort`, hp, m));
    const proto = s(p['protocol']);
    if (proto === '') errs.push(fe.required(`${ip}.protocol`));
    else if (!PORT_PROTOCOLS.includes(proto)) errs.push(fe.notSupported(`${ip}.protocol`, proto, PORT_PROTOCOLS));
  });
  return errs;
}

function checkHostPortConflicts(containers: Obj[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    objs(c['ports']).forEach((p, pi) => {
      const hp = num(p['hostPort']) ?? 0;
      if (hp === 0) return;
      const key = `${s(p['hostIP'])}/${hp}/${s(p['protocol'])}`;
      if (seen.has(key)) errs.push(fe.duplicate(`${path}[${ci}].ports[${pi}].hostPort`, `${hp}/${s(p['protocol'])}`));
      else seen.add(key);
    });
  });
  return errs;
}

const ENV_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName',
  'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];

function validateKeySelector(sel: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = s(sel['name']);
  for (const m of nameIsDNSSubdomain(name, false)) errs.push(fe.invalid(`${path}.name`, name, m));
  const key = s(sel['key']);
  if (key === '') errs.push(fe.required(`${path}.key`));
  else for (const m of isConfigMapKey(key)) errs.push(fe.invalid(`${path}.key`, key, m));
  return errs;
}

function validateEnv(env: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(env).forEach((e, i) => {
    const ip = `${path}[${i}]`;
    const name = s(e['name']);
    if (name === '') errs.push(fe.required(`${ip}.name`));
    for (const m of isRelaxedEnvVarName(name)) errs.push(fe.invalid(`${ip}.name`, name, m));
    const vf = e['valueFrom'];
    if (!isObj(vf)) return;
    const vp = `${ip}.valueFrom`;
    let n = 0;
    if (isObj(vf['fieldRef'])) {
      n++;
      const fr = vf['fieldRef'];
      const fp = s(fr['fieldPath']);
      if (s(fr['apiVersion']) === '') errs.push(fe.required(`${vp}.fieldRef.apiVersion`));
      else if (fp === '') errs.push(fe.required(`${vp}.fieldRef.fieldPath`));
      else {
        const sub = /^(metadata\.(?:annotations|labels))\['(.*)'\]$/.exec(fp);
        if (sub !== null) {
          const key = sub[1] === 'metadata.annotations' ? (sub[2] ?? '').toLowerCase() : (sub[2] ?? '');
          for (const m of isQualifiedName(key)) errs.push(fe.invalid(`${vp}.fieldRef`, key, m));
        } else if (!ENV_FIELD_PATHS.includes(fp)) {
          errs.push(fe.notSupported(`${vp}.fieldRef.fieldPath`, fp, ENV_FIELD_PATHS));
        }
      }
    }
    if (isObj(vf['resourceFieldRef'])) {
      n++;
      const rf = vf['resourceFieldRef'];
      const resource = s(rf['resource']);
      const supported = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];
      if (resource === '') errs.push(fe.required(`${vp}.resourceFieldRef.resource`));
      else if (!supported.includes(resource) && !/^(limits|requests)\.hugepages-/.test(resource)) {
        errs.push(fe.notSupported(`${vp}.resourceFieldRef.resource`, resource, supported));
      }
    }
    if (isObj(vf['configMapKeyRef'])) {
      n++;
      errs.push(...validateKeySelector(vf['configMapKeyRef'], `${vp}.configMapKeyRef`));
    }
    if (isObj(vf['secretKeyRef'])) {
      n++;
      errs.push(...validateKeySelector(vf['secretKeyRef'], `${vp}.secretKeyRef`));
    }
    if (n === 0) {
      errs.push(fe.invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    } else if (s(e['value']) !== '') {
      errs.push(fe.invalid(vp, '', 'may not be specified when `value` is not empty'));
    } else if (n > 1) {
      errs.push(fe.invalid(vp, '', 'may not have more than one field specified at a time'));
    }
  });
  return errs;
}

function validateEnvFrom(envFrom: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(envFrom).forEach((ef, i) => {
    const ip = `${path}[${i}]`;
    const prefix = s(ef['prefix']);
    if (prefix !== '') for (const m of isRelaxedEnvVarName(prefix)) errs.push(fe.invalid(`${ip}.prefix`, prefix, m));
    let n = 0;
    for (const ref of ['configMapRef', 'secretRef']) {
      const r = ef[ref];
      if (!isObj(r)) continue;
      n++;
      const name = s(r['name']);
      if (name === '') errs.push(fe.required(`${ip}.${ref}.name`));
      else for (const m of nameIsDNSSubdomain(name, false)) errs.push(fe.invalid(`${ip}.${ref}.name`, name, m));
    }
    if (n === 0) errs.push(fe.invalid(ip, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(fe.invalid(ip, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateVolumeMounts(mounts: unknown, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountpoints = new Set<string>();
  objs(mounts).forEach((m, i) => {
    const ip = `${path}[${i}]`;
    const name = s(m['name']);
    if (name === '') errs.push(fe.required(`${ip}.name`));
    if (!volumes.has(name)) errs.push(fe.notFound(`${ip}.name`, name));
    const mp = s(m['mountPath']);
    if (mp === '') errs.push(fe.required(`${ip}.mountPath`));
    if (mountpoints.has(mp)) errs.push(fe.invalid(`${ip}.mountPath`, mp, 'must be unique'));
    mountpoints.add(mp);
    const subPath = s(m['subPath']);
    if (subPath !== '') errs.push(...validateLocalDescendingPath(subPath, `${path}.subPath`));
    const subPathExpr = s(m['subPathExpr']);
    if (subPathExpr !== '') {
      if (subPath !== '') errs.push(fe.invalid(`${ip}.subPathExpr`, subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...validateLocalDescendingPath(subPathExpr, `${path}.subPathExpr`));
    }
    const prop = m['mountPropagation'];
    if (typeof prop === 'string') {
      const supported = ['Bidirectional', 'HostToContainer', 'None'];
      if (!supported.includes(prop)) errs.push(fe.notSupported(`${path}.mountPropagation`, prop, supported));
    }
  });
  return errs;
}

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

function isOvercommitAllowed(name: string): boolean {
  return !name.startsWith('hugepages-') && (STANDARD_CONTAINER_RESOURCES.has(name) || !name.includes('/') || name.startsWith('kubernetes.io/'));
}

export function validateResourceList(rl: unknown, path: string): [Map<string, ReturnType<typeof parseQuantity>>, FieldError[]] {
  const errs: FieldError[] = [];
  const parsed = new Map<string, ReturnType<typeof parseQuantity>>();
  for (const [name, raw] of Object.entries(o(rl))) {
    const fp = `${path}[${name}]`;
    for (const m of isQualifiedName(name)) errs.push(fe.invalid(fp, name, m));
    if (!name.includes('/')) {
      if (!STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) {
        errs.push(fe.invalid(fp, name, 'must be a standard resource for containers'));
      }
    }
    const q = parseQuantity(typeof raw === 'number' ? String(raw) : s(raw));
    parsed.set(name, q);
    if (q === undefined) {
      errs.push(fe.invalid(fp, raw, QUANTITY_FORMAT_ERROR));
      continue;
    }
    if (q.nanos < 0n) errs.push(fe.invalid(fp, formatQuantity(q), IS_NEGATIVE));
    const integerResource = !STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-');
    if (integerResource && q.nanos % 1_000_000_000n !== 0n) errs.push(fe.invalid(fp, formatQuantity(q), 'must be an integer'));
  }
  return [parsed, errs];
}

function validateResources(res: Obj, path: string): FieldError[] {
  const [limits, limErrs] = validateResourceList(res['limits'], `${path}.limits`);
  const [requests, reqErrs] = validateResourceList(res['requests'], `${path}.requests`);
  const errs = [...limErrs, ...reqErrs];
  for (const [name, q] of requests) {
    if (q === undefined) continue;
    const lim = limits.get(name);
    if (lim !== undefined) {
      const cmp = compareQuantities(q, lim);
      if (cmp !== 0 && !isOvercommitAllowed(name)) {
        errs.push(fe.invalid(`${path}.requests`, formatQuantity(q), `must be equal to ${name} limit of ${formatQuantity(lim)}`));
      } else if (cmp > 0) {
        errs.push(fe.invalid(`${path}.requests`, formatQuantity(q), `must be less than or equal to ${name} limit of ${formatQuantity(lim)}`));
      }
    } else if (!limits.has(name) && !isOvercommitAllowed(name)) {
      errs.push(fe.required(`${path}.limits`, 'Limit must be set for non overcommitable resources'));
    }
  }
  return errs;
}

function validateSecurityContext(sc: unknown, path: string): FieldError[] {
  if (!isObj(sc)) return [];
  const errs: FieldError[] = [];
  for (const f of ['runAsUser', 'runAsGroup']) {
    const v = num(sc[f]);
    if (v !== undefined && (v < 0 || v > MAX_INT32)) errs.push(fe.invalid(`${path}.${f}`, v, inclusiveRangeError(0, MAX_INT32)));
  }
  if (sc['privileged'] === true && sc['allowPrivilegeEscalation'] === false) {
    errs.push(fe.invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
  }
  const caps = o(sc['capabilities']);
  if (arr(caps['add']).includes('CAP_SYS_ADMIN') && sc['allowPrivilegeEscalation'] === false) {
    errs.push(fe.invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
  }
  const procMount = sc['procMount'];
  if (typeof procMount === 'string' && procMount !== 'Default' && procMount !== 'Unmasked') {
    errs.push(fe.notSupported(`${path}.procMount`, procMount, ['Default', 'Unmasked']));
  }
  return errs;
}

export function validateContainerCommon(c: Obj, path: string, volumes: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const name = s(c['name']);
  if (name === '') errs.push(fe.required(`${path}.name`));
  else for (const m of isDNS1123Label(name)) errs.push(fe.invalid(`${path}.name`, name, m));
  if (s(c['image']) === '') errs.push(fe.required(`${path}.image`));
  const tmp = s(c['terminationMessagePolicy']);
  if (tmp === '') errs.push(fe.required(`${path}.terminationMessagePolicy`));
  else if (!TERMINATION_MESSAGE_POLICIES.includes(tmp)) {
    errs.push(fe.notSupported(`${path}.terminationMessagePolicy`, tmp, TERMINATION_MESSAGE_POLICIES));
  }
  errs.push(...validateContainerPorts(c['ports'], `${path}.ports`));
  errs.push(...validateEnv(c['env'], `${path}.env`));
  errs.push(...validateEnvFrom(c['envFrom'], `${path}.envFrom`));
  errs.push(...validateVolumeMounts(c['volumeMounts'], volumes, `${path}.volumeMounts`));
  const pp = s(c['imagePullPolicy']);
  if (pp === '') errs.push(fe.required(`${path}.imagePullPolicy`));
  else if (!PULL_POLICIES.includes(pp)) errs.push(fe.notSupported(`${path}.imagePullPolicy`, pp, PULL_POLICIES));
  errs.push(...validateResources(o(c['resources']), `${path}.resources`));
  errs.push(...validateSecurityContext(c['securityContext'], `${path}.securityContext`));
  return errs;
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const SYSCTL_RE = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;
const SYSCTL_RE_TEXT = '^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$';

export function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(tolerations).forEach((t, i) => {
    const ip = `${path}[${i}]`;
    const key = s(t['key']);
    const op = s(t['operator']);
    const effect = s(t['effect']);
    const value = s(t['value']);
    if (key !== '') for (const m of isQualifiedName(key)) errs.push(fe.invalid(`${ip}.key`, key, m));
    if (key === '' && op !== 'Exists') {
      errs.push(fe.invalid(`${ip}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t['tolerationSeconds'] !== undefined && t['tolerationSeconds'] !== null && effect !== 'NoExecute') {
      errs.push(fe.invalid(`${ip}.effect`, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (op === 'Equal' || op === '') {
      const ve = isValidLabelValue(value);
      if (ve.length > 0) errs.push(fe.invalid(`${ip}.operator`, value, ve.join(';')));
    } else if (op === 'Exists') {
      if (value !== '') errs.push(fe.invalid(`${ip}.operator`, t, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(fe.notSupported(`${ip}.operator`, op, ['Equal', 'Exists']));
    }
    if (effect !== '' && !TAINT_EFFECTS.includes(effect)) errs.push(fe.notSupported(`${ip}.effect`, effect, TAINT_EFFECTS));
  });
  return errs;
}

export function validatePodSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const gracePeriod = num(spec['terminationGracePeriodSeconds']);
  const [volumes, volErrs] = validateVolumes(spec['volumes']);
  errs.push(...volErrs);
  const containers = objs(spec['containers']);
  const initContainers = objs(spec['initContainers']);

  // validateContainers
  if (containers.length === 0) errs.push(fe.required('spec.containers'));
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const p = `spec.containers[${i}]`;
    errs.push(...validateContainerCommon(c, p, volumes));
    const name = s(c['name']);
    if (names.has(name)) errs.push(fe.duplicate(`${p}.name`, name));
    else names.add(name);
    errs.push(...validateProbes(c, p, gracePeriod));
    if (c['restartPolicy'] !== undefined && c['restartPolicy'] !== null) {
      errs.push(fe.forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
    }
  });
  errs.push(...checkHostPortConflicts(containers, 'spec.containers'));

  // validateInitContainers
  const allNames = new Set(containers.map((c) => s(c['name'])));
  initContainers.forEach((c, i) => {
    const p = `spec.initContainers[${i}]`;
    errs.push(...validateContainerCommon(c, p, volumes));
    let restartAlways = false;
    const rp = c['restartPolicy'];
    if (rp !== undefined && rp !== null) {
      if (rp !== 'Always') errs.push(fe.notSupported(`${p}.restartPolicy`, rp, ['Always']));
      restartAlways = rp === 'Always';
    }
    const name = s(c['name']);
    if (allNames.has(name)) errs.push(fe.duplicate(`${p}.name`, name));
    else if (name !== '') allNames.add(name);
    errs.push(...checkHostPortConflicts([c], 'spec.initContainers'));
    if (restartAlways) {
      errs.push(...validateProbes(c, p, gracePeriod));
    } else {
      const withoutAlways = 'may not be set for init containers without restartPolicy=Always';
      if (isObj(c['lifecycle'])) errs.push(fe.forbidden(`${p}.lifecycle`, withoutAlways));
      if (isObj(c['livenessProbe'])) errs.push(fe.forbidden(`${p}.livenessProbe`, withoutAlways));
      if (isObj(c['readinessProbe'])) errs.push(fe.forbidden(`${p}.readinessProbe`, 'may not be set for init containers'));
      if (isObj(c['startupProbe'])) errs.push(fe.forbidden(`${p}.startupProbe`, withoutAlways));
    }
  });

  if (spec['hostNetwork'] === true) {
    for (const [list, key] of [[containers, 'containers'], [initContainers, 'initContainers']] as const) {
      list.forEach((c, ci) => { objs(c['ports']).forEach((port, pi) => {
        const hp = num(port['hostPort']) ?? 0;
        if (hp !== num(port['containerPort'])) {
          errs.push(fe.invalid(`spec.${key}[${ci}].ports[${pi}].hostPort`, hp, 'must match `containerPort` when `hostNetwork` is true'));
        }
      }); });
    }
  }

  const rp = s(spec['restartPolicy']);
  if (rp === '') errs.push(fe.required('spec.restartPolicy'));
  else if (!RESTART_POLICIES.includes(rp)) errs.push(fe.notSupported('spec.restartPolicy', rp, RESTART_POLICIES));
  const dp = s(spec['dnsPolicy']);
  if (dp === '') errs.push(fe.required('spec.dnsPolicy'));
  else if (!DNS_POLICIES.includes(dp)) errs.push(fe.notSupported('spec.dnsPolicy', dp, DNS_POLICIES));
  errs.push(...validateLabels(spec['nodeSelector'], 'spec.nodeSelector'));

  const psc = o(spec['securityContext']);
  for (const f of ['runAsUser', 'runAsGroup']) {
    const v = num(psc[f]);
    if (v !== undefined && (v < 0 || v > MAX_INT32)) errs.push(fe.invalid(`spec.securityContext.${f}`, v, inclusiveRangeError(0, MAX_INT32)));
  }
  arr(psc['supplementalGroups']).forEach((g, i) => {
    if (typeof g === 'number' && (g < 0 || g > MAX_INT32)) {
      errs.push(fe.invalid(`spec.securityContext.supplementalGroups[${i}]`, g, inclusiveRangeError(0, MAX_INT32)));
    }
  });
  const sysctlNames = new Set<string>();
  objs(psc['sysctls']).forEach((sc, i) => {
    const p = `spec.securityContext.sysctls[${i}].name`;
    const name = s(sc['name']);
    if (name === '') errs.push(fe.required(p));
    else if (name.length > 253 || !SYSCTL_RE.test(name)) {
      errs.push(fe.invalid(p, name, `must have at most 253 characters and match regex ${SYSCTL_RE_TEXT}`));
    } else if (sysctlNames.has(name)) errs.push(fe.duplicate(p, name));
    sysctlNames.add(name);
  });

  objs(spec['imagePullSecrets']).forEach((ref, i) => {
    if (s(ref['name']) === '') errs.push(fe.required(`spec.imagePullSecrets[${i}].name`));
  });

  const san = s(spec['serviceAccountName']);
  if (san !== '') for (const m of nameIsDNSSubdomain(san, false)) errs.push(fe.invalid('spec.serviceAccountName', san, m));
  const nodeName = s(spec['nodeName']);
  if (nodeName !== '') for (const m of nameIsDNSSubdomain(nodeName, false)) errs.push(fe.invalid('spec.nodeName', nodeName, m));
  const ads = num(spec['activeDeadlineSeconds']);
  if (ads !== undefined && (ads < 1 || ads > MAX_INT32)) {
    errs.push(fe.invalid('spec.activeDeadlineSeconds', ads, inclusiveRangeError(1, MAX_INT32)));
  }
  for (const f of ['hostname', 'subdomain']) {
    const v = s(spec[f]);
    if (v !== '') for (const m of isDNS1123Label(v)) errs.push(fe.invalid(`spec.${f}`, v, m));
  }
  errs.push(...validateTolerations(spec['tolerations'], 'spec.tolerations'));
  const pcn = s(spec['priorityClassName']);
  if (pcn !== '') for (const m of nameIsDNSSubdomain(pcn, false)) errs.push(fe.invalid('spec.priorityClassName', pcn, m));
  const pp = spec['preemptionPolicy'];
  if (typeof pp === 'string' && pp !== 'PreemptLowerPriority' && pp !== 'Never') {
    errs.push(fe.notSupported('spec.preemptionPolicy', pp, ['Never', 'PreemptLowerPriority']));
  }
  const os = spec['os'];
  if (isObj(os)) {
    const osName = s(os['name']);
    if (osName === '') errs.push(fe.required('spec.os.name'));
    else if (osName !== 'linux' && osName !== 'windows') errs.push(fe.notSupported('spec.os.name', osName, ['linux', 'windows']));
  }
  return errs;
}

function validatePodCreate(pod: Obj): FieldError[] {
  const meta = o(pod['metadata']);
  const spec = o(pod['spec']);
  const errs = validateObjectMeta(meta, true, nameIsDNSSubdomain);
  errs.push(...validatePodSpec(spec));
  for (const [key, list] of [['containers', objs(spec['containers'])], ['initContainers', objs(spec['initContainers'])]] as const) {
    list.forEach((c, i) => {
      const image = s(c['image']);
      if (image.trim() !== image) {
        errs.push(fe.invalid(`spec.${key}[${i}].image`, image, 'must not have leading or trailing whitespace'));
      }
    });
  }
  if (arr(spec['ephemeralContainers']).length > 0) errs.push(fe.forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  return errs;
}

/** The fields a pod update may change, as kube lists them in its Forbidden message. */
export const POD_UPDATABLE_FIELDS_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,' +
  '`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),' +
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function validateContainerUpdates(newList: Obj[], oldList: Obj[], path: string): [FieldError[], boolean] {
  if (newList.length !== oldList.length) return [[fe.forbidden(path, 'pod updates may not add or remove containers')], true];
  const errs: FieldError[] = [];
  newList.forEach((c, i) => {
    const image = s(c['image']);
    if (image === '') errs.push(fe.required(`${path}[${i}].image`));
    if (image.trim() !== image) errs.push(fe.invalid(`${path}[${i}].image`, image, 'must not have leading or trailing whitespace'));
  });
  return [errs, false];
}

function validatePodUpdate(newPod: Obj, oldPod: Obj): FieldError[] {
  const newSpec = o(newPod['spec']);
  const oldSpec = o(oldPod['spec']);
  const errs = validateObjectMetaUpdate(o(newPod['metadata']), o(oldPod['metadata']));
  // validatePodMetadataAndSpec
  errs.push(...validateObjectMeta(o(newPod['metadata']), true, nameIsDNSSubdomain));
  errs.push(...validatePodSpec(newSpec));

  for (const key of ['containers', 'initContainers']) {
    const [cErrs, stop] = validateContainerUpdates(objs(newSpec[key]), objs(oldSpec[key]), `spec.${key}`);
    errs.push(...cErrs);
    if (stop) return errs;
  }
  const newADS = num(newSpec['activeDeadlineSeconds']);
  const oldADS = num(oldSpec['activeDeadlineSeconds']);
  if (newADS !== undefined) {
    if (newADS < 0 || newADS > MAX_INT32) {
      errs.push(fe.invalid('spec.activeDeadlineSeconds', newADS, inclusiveRangeError(0, MAX_INT32)));
      return errs;
    }
    if (oldADS !== undefined && oldADS < newADS) {
      errs.push(fe.invalid('spec.activeDeadlineSeconds', newADS, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (oldADS !== undefined) {
    errs.push(fe.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  // only additions to tolerations (tolerationSeconds of an existing one may change)
  const newTols = objs(newSpec['tolerations']);
  for (const old of objs(oldSpec['tolerations'])) {
    const found = newTols.some((n) => jsonEqual({ ...old, tolerationSeconds: n['tolerationSeconds'] }, n));
    if (!found) {
      errs.push(fe.forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
      return errs;
    }
  }

  if (jsonEqual(newSpec, oldSpec)) return errs;

  const oldQos = s(o(oldPod['status'])['qosClass']) || podQOSClass(oldPod);
  if (oldQos !== podQOSClass(newPod)) errs.push(fe.invalid('metadata', s(o(newPod['status'])['qosClass']), 'Pod QoS is immutable'));

  const munged: Obj = structuredClone(newSpec);
  for (const key of ['containers', 'initContainers']) {
    const oldList = objs(oldSpec[key]);
    if (Array.isArray(newSpec[key])) munged[key] = objs(munged[key]).map((c, i) => ({ ...c, image: oldList[i]?.['image'] }));
  }
  munged['activeDeadlineSeconds'] = oldSpec['activeDeadlineSeconds'];
  munged['tolerations'] = oldSpec['tolerations'];
  munged['schedulingGates'] = oldSpec['schedulingGates'];
  const oldTgps = num(oldSpec['terminationGracePeriodSeconds']);
  if (oldTgps !== undefined && oldTgps < 0 && munged['terminationGracePeriodSeconds'] === 1) {
    munged['terminationGracePeriodSeconds'] = oldTgps;
  }
  if (!jsonEqual(munged, oldSpec)) errs.push(fe.forbidden('spec', POD_UPDATABLE_FIELDS_MESSAGE));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Other kinds

function validateConfigMap(cm: Obj): FieldError[] {
  const errs = validateObjectMeta(o(cm['metadata']), true, nameIsDNSSubdomain);
  let total = 0;
  const binary = o(cm['binaryData']);
  for (const [k, v] of strMap(cm['data'])) {
    for (const m of isConfigMapKey(k)) errs.push(fe.invalid(`data[${k}]`, k, m));
    if (k in binary) errs.push(fe.invalid(`data[${k}]`, k, 'duplicate of key present in binaryData'));
    total += byteLength(v);
  }
  for (const [k, v] of strMap(binary)) {
    for (const m of isConfigMapKey(k)) errs.push(fe.invalid(`binaryData[${k}]`, k, m));
    total += Buffer.from(v, 'base64').length;
  }
  if (total > MAX_SECRET_SIZE) errs.push(fe.tooLong('', MAX_SECRET_SIZE));
  return errs;
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function validateSecret(secret: Obj): FieldError[] {
  const meta = o(secret['metadata']);
  const errs = validateObjectMeta(meta, true, nameIsDNSSubdomain);
  const data = new Map<string, Buffer>();
  let total = 0;
  for (const [k, v] of strMap(secret['data'])) {
    for (const m of isConfigMapKey(k)) errs.push(fe.invalid(`data[${k}]`, k, m));
    if (!BASE64_RE.test(v)) errs.push(fe.invalid(`data[${k}]`, '<secret contents redacted>', 'illegal base64 data'));
    const bytes = Buffer.from(v, 'base64');
    data.set(k, bytes);
    total += bytes.length;
  }
  if (total > MAX_SECRET_SIZE) errs.push(fe.tooLong('data', MAX_SECRET_SIZE));
  const requireJSON = (key: string): void => {
    const bytes = data.get(key);
    if (bytes === undefined) {
      errs.push(fe.required(`data[${key}]`));
      return;
    }
    try {
      const parsed: unknown = JSON.parse(bytes.toString('utf8'));
      if (!isObj(parsed)) throw new Error('json: cannot unmarshal into Go value of type map[string]interface {}');
    } catch (err) {
      errs.push(fe.invalid(`data[${key}]`, '<secret contents redacted>', err instanceof Error ? err.message : String(err)));
    }
  };
  switch (s(secret['type'])) {
    case 'kubernetes.io/service-account-token':
      if (s(o(meta['annotations'])['kubernetes.io/service-account.name']) === '') {
        errs.push(fe.required('metadata.annotations[kubernetes.io/service-account.name]'));
      }
      break;
    case 'kubernetes.io/dockercfg':
      requireJSON('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      requireJSON('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (!data.has('username') && !data.has('password')) {
        errs.push(fe.required('data[username]'), fe.required('data[password]'));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if ((data.get('ssh-privatekey')?.length ?? 0) === 0) errs.push(fe.required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      if (!data.has('tls.crt')) errs.push(fe.required('data[tls.crt]'));
      if (!data.has('tls.key')) errs.push(fe.required('data[tls.key]'));
      break;
    default:
  }
  return errs;
}

function validateImmutableData(newObj: Obj, oldObj: Obj, fields: string[]): FieldError[] {
  if (oldObj['immutable'] !== true) return [];
  const errs: FieldError[] = [];
  const why = 'field is immutable when `immutable` is set';
  if (newObj['immutable'] !== true) errs.push(fe.forbidden('immutable', why));
  for (const f of fields) if (!jsonEqual(newObj[f], oldObj[f])) errs.push(fe.forbidden(f, why));
  return errs;
}

function validateNamespace(ns: Obj): FieldError[] {
  const errs = validateObjectMeta(o(ns['metadata']), false, nameIsDNSLabel);
  for (const f of arr(o(ns['spec'])['finalizers']).map((x) => s(x))) {
    for (const m of isQualifiedName(f)) errs.push(fe.invalid('spec.finalizers', f, m));
    errs.push(...validateKubeFinalizerName(f, 'spec.finalizers'));
  }
  return errs;
}

function validateNode(node: Obj): FieldError[] {
  const errs = validateObjectMeta(o(node['metadata']), false, nameIsDNSSubdomain);
  const spec = o(node['spec']);
  objs(spec['taints']).forEach((t, i) => {
    const p = `spec.taints[${i}]`;
    const key = s(t['key']);
    if (key === '') errs.push(fe.required(`${p}.key`));
    else for (const m of isQualifiedName(key)) errs.push(fe.invalid(`${p}.key`, key, m));
    const value = s(t['value']);
    if (value !== '') for (const m of isValidLabelValue(value)) errs.push(fe.invalid(`${p}.value`, value, m));
    const effect = s(t['effect']);
    if (effect === '') errs.push(fe.required(`${p}.effect`));
    else if (!TAINT_EFFECTS.includes(effect)) errs.push(fe.notSupported(`${p}.effect`, effect, TAINT_EFFECTS));
  });
  return errs;
}

/**
 * legacyValidateEvent, which every Event passes whatever the version it came through; the
 * reporting controller's field is named as the request's version names it.
 */
function validateEvent(ev: Obj, reportingField: 'reportingComponent' | 'reportingController' = 'reportingComponent'): FieldError[] {
  const meta = o(ev['metadata']);
  const errs: FieldError[] = [];
  const ns = s(meta['namespace']);
  const io = o(ev['involvedObject']);
  const ioNs = s(io['namespace']);
  const eventTime = ev['eventTime'];
  if (eventTime === undefined || eventTime === null || eventTime === '') {
    if (ioNs === '') {
      if (ns !== '' && ns !== 'default') errs.push(fe.invalid('involvedObject.namespace', ioNs, 'does not match event.namespace'));
    } else if (ns !== ioNs) {
      errs.push(fe.invalid('involvedObject.namespace', ioNs, 'does not match event.namespace'));
    }
  } else {
    if (ioNs === '' && ns !== 'default' && ns !== 'kube-system') {
      errs.push(fe.invalid('involvedObject.namespace', ioNs, 'does not match event.namespace'));
    }
    const rc = s(ev['reportingComponent']);
    if (rc === '') errs.push(fe.required(reportingField));
    for (const m of isQualifiedName(rc)) errs.push(fe.invalid(reportingField, rc, m));
    const ri = s(ev['reportingInstance']);
    if (ri === '') errs.push(fe.required('reportingInstance'));
    if (ri.length > 128) errs.push(fe.invalid('reportingInstance', '', 'can have at most 128 characters'));
    const action = s(ev['action']);
    if (action === '') errs.push(fe.required('action'));
    if (action.length > 128) errs.push(fe.invalid('action', '', 'can have at most 128 characters'));
    const reason = s(ev['reason']);
    if (reason === '') errs.push(fe.required('reason'));
    if (reason.length > 128) errs.push(fe.invalid('reason', '', 'can have at most 128 characters'));
    if (s(ev['message']).length > 1024) errs.push(fe.invalid('message', '', 'can have at most 1024 characters'));
  }
  for (const m of isDNS1123Subdomain(ns)) errs.push(fe.invalid('namespace', ns, m));
  // rest.BeforeCreate's generic metadata check (path segment names).
  errs.push(...validateObjectMeta(meta, true, pathSegmentName).filter((e) => !e.field.startsWith('metadata.finalizers[')));
  return errs;
}

const isUnset = (v: unknown): boolean => v === undefined || v === null || v === '';

/** validateV1EventSeries: a series counts at least two and says when it was last seen. */
function validateEventSeries(ev: Obj): FieldError[] {
  const series = ev['series'];
  if (isUnset(series)) return [];
  const errs: FieldError[] = [];
  const count = num(o(series)['count']) ?? 0;
  if (count < 2) errs.push(fe.invalid('series.count', '', 'should be at least 2'));
  if (isUnset(o(series)['lastObservedTime'])) errs.push(fe.required('series.lastObservedTime'));
  return errs;
}

/**
 * ValidateEventCreate for a request through events.k8s.io/v1, given the Event in its core form
 * (paths are the core fields' names, as upstream validates the internal type): the legacy checks,
 * then the strict ones the new API brought — a DNS-subdomain name, an eventTime, a Normal or
 * Warning type and none of the deprecated fields.
 */
export function validateEventsV1Create(ev: Obj): FieldError[] {
  const errs = validateEvent(ev, 'reportingController');
  errs.push(...validateObjectMeta(o(ev['metadata']), true, nameIsDNSSubdomain));
  errs.push(...validateEventSeries(ev));
  if (isUnset(ev['eventTime'])) errs.push(fe.required('eventTime'));
  const type = s(ev['type']);
  if (type !== 'Normal' && type !== 'Warning') errs.push(fe.invalid('type', '', `has invalid value: ${type}`));
  if (!isUnset(ev['firstTimestamp'])) errs.push(fe.invalid('firstTimestamp', '', 'needs to be unset'));
  if (!isUnset(ev['lastTimestamp'])) errs.push(fe.invalid('lastTimestamp', '', 'needs to be unset'));
  if ((num(ev['count']) ?? 0) !== 0) errs.push(fe.invalid('count', '', 'needs to be unset'));
  const source = o(ev['source']);
  if (s(source['component']) !== '' || s(source['host']) !== '') errs.push(fe.invalid('source', '', 'needs to be unset'));
  return dedupe(errs);
}

/** ValidateEventUpdate through events.k8s.io/v1 (core form): what was reported stays as reported. */
export function validateEventsV1Update(ev: Obj, old: Obj): FieldError[] {
  const errs = validateEvent(ev, 'reportingController');
  errs.push(...validateObjectMetaUpdate(o(ev['metadata']), o(old['metadata'])));
  if (!jsonEqual(ev['series'], old['series'])) errs.push(...validateEventSeries(ev));
  const immutable: [string, string][] = [
    ['involvedObject', 'involvedObject'], ['reason', 'reason'], ['message', 'message'], ['source', 'source'],
    ['firstTimestamp', 'firstTimestamp'], ['lastTimestamp', 'lastTimestamp'], ['count', 'count'], ['type', 'type'],
    ['eventTime', 'eventTime'], ['action', 'action'], ['related', 'related'],
    ['reportingComponent', 'reportingController'], ['reportingInstance', 'reportingInstance'],
  ];
  for (const [field, path] of immutable) errs.push(...validateImmutable(ev[field], old[field], path));
  return errs;
}

/** The same error twice (the legacy and the strict check agree) is reported once. */
function dedupe(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const k = JSON.stringify(e);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function validateLease(lease: Obj): FieldError[] {
  const errs = validateObjectMeta(o(lease['metadata']), true, nameIsDNSSubdomain);
  const spec = o(lease['spec']);
  const duration = num(spec['leaseDurationSeconds']);
  if (duration !== undefined && duration <= 0) errs.push(fe.invalid('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  const transitions = num(spec['leaseTransitions']);
  if (transitions !== undefined && transitions < 0) errs.push(fe.invalid('spec.leaseTransitions', transitions, IS_NEGATIVE));
  return errs;
}

function kindOf(obj: Obj): string {
  const apiVersion = s(obj['apiVersion']);
  const kind = s(obj['kind']);
  if (apiVersion === 'coordination.k8s.io/v1' && kind === 'Lease') return 'Lease';
  return apiVersion === 'v1' ? kind : `${apiVersion}/${kind}`;
}

/** Validates a new object (after defaulting and name generation). Unknown kinds → []. */
export function validateCreate(obj: unknown): FieldError[] {
  const x = o(obj);
  switch (kindOf(x)) {
    case 'Pod': return validatePodCreate(x);
    case 'Namespace': return validateNamespace(x);
    case 'ConfigMap': return validateConfigMap(x);
    case 'Secret': return validateSecret(x);
    case 'ServiceAccount': return validateObjectMeta(o(x['metadata']), true, nameIsDNSSubdomain);
    case 'Node': return validateNode(x);
    case 'Event': return validateEvent(x);
    case 'Lease': return validateLease(x);
    default: return [];
  }
}

/** Validates an update of `oldObj` into `newObj` (both defaulted; status/spec already carried over). */
export function validateUpdate(newObj: unknown, oldObj: unknown): FieldError[] {
  const n = o(newObj);
  const old = o(oldObj);
  const metaErrs = (): FieldError[] => validateObjectMetaUpdate(o(n['metadata']), o(old['metadata']));
  switch (kindOf(n)) {
    case 'Pod': return validatePodUpdate(n, old);
    case 'Namespace': return [...metaErrs(), ...validateNamespace(n)];
    case 'ConfigMap': return [...metaErrs(), ...validateImmutableData(n, old, ['data', 'binaryData']), ...validateConfigMap(n)];
    case 'Secret':
      return [...metaErrs(), ...validateImmutable(s(n['type']), s(old['type']), 'type'),
        ...validateImmutableData(n, old, ['data']), ...validateSecret(n)];
    case 'ServiceAccount': return [...metaErrs(), ...validateObjectMeta(o(n['metadata']), true, nameIsDNSSubdomain)];
    case 'Node': {
      const errs = [...metaErrs(), ...validateNode(n)];
      const oldSpec = o(old['spec']);
      const newSpec = o(n['spec']);
      if (s(oldSpec['podCIDR']) !== '' && s(newSpec['podCIDR']) !== s(oldSpec['podCIDR'])) {
        errs.push(fe.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
      }
      if (s(oldSpec['providerID']) !== '' && s(newSpec['providerID']) !== s(oldSpec['providerID'])) {
        errs.push(fe.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
      }
      return errs;
    }
    case 'Event': return [...metaErrs(), ...validateEvent(n)];
    case 'Lease': return [...metaErrs(), ...validateLease(n)];
    default: return [];
  }
}

/** The 422 Invalid error for `obj` and its field errors (Kind and group taken from the object). */
export function invalidError(obj: unknown, errs: readonly FieldError[]): ApiError {
  const x = o(obj);
  const apiVersion = s(x['apiVersion']);
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return ApiError.invalid(s(x['kind']), s(o(x['metadata'])['name']), errs, group);
}
