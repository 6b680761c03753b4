// What the core/v1, discovery.k8s.io and storage.k8s.io kinds of this directory share: reading
// a decoded body that may hold any JSON type anywhere, IP and CIDR checks as k8s.io/utils/net's
// sloppy parser and apimachinery's validators word them, node selector validation,
// resource names and quantities (pkg/apis/core/helper), access modes, and the Go `%#v`
// renderings some field errors print. Pure.
import { fieldErrors as fe } from '../../api/errors.ts';
import type { FieldError, FieldErrorType } from '../../api/errors.ts';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../../../kube/names.ts';
import { canonicalQuantity, formatQuantity, parseQuantity, QUANTITY_FORMAT_ERROR, type Quantity } from '../../api/quantity.ts';
import { maskTrailingDash, type NameFn } from '../../api/validation.ts';
import { arr, isObj, o, objs, s, type Obj } from '../../../kube/values.ts';

// re-exported: the core kinds take every accessor from this one module
export { arr, child, isObj, num, o, objs, s, type Obj } from '../../../kube/values.ts';

export function strs(v: unknown): string[] {
  return arr(v).map(s);
}
/** A map's entries with string values (non-strings as Go's zero value ''). */
export function strEntries(v: unknown): [string, string][] {
  return Object.entries(o(v)).map(([k, val]) => [k, s(val)]);
}
/** Whether a field is set (not absent, not null): Go's non-nil pointer. */
export function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

export function setIfEmpty(x: Obj, key: string, value: unknown): void {
  if (x[key] === undefined || x[key] === null || x[key] === '') x[key] = value;
}

export const nameIsDNS1035Label: NameFn = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);

export function dns1123Label(value: string, path: string): FieldError[] {
  return isDNS1123Label(value).map((m) => fe.invalid(path, value, m));
}
export function dns1123Subdomain(value: string, path: string): FieldError[] {
  return isDNS1123Subdomain(value).map((m) => fe.invalid(path, value, m));
}
export function qualifiedName(value: string, path: string): FieldError[] {
  return isQualifiedName(value).map((m) => fe.invalid(path, value, m));
}

/**
 * A field error whose bad value Go prints with `%#v` (a struct, a typed slice): the rendering is
 * given as text and printed as is, not quoted.
 */
export function rawValueError(type: FieldErrorType, field: string, rendered: string, detail: string): FieldError {
  return { type, field, detail: detail === '' ? rendered : `${rendered}: ${detail}`, omitValue: true };
}

/** Go's `%#v` of a slice of a string type: `[]core.X{"a", "b"}`, or `[]core.X(nil)` when empty. */
export function goStringSlice(typeName: string, values: readonly string[] | undefined): string {
  if (values === undefined || values.length === 0) return `[]${typeName}(nil)`;
  return `[]${typeName}{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}

// ---------------------------------------------------------------------------------------------
// IPs and CIDRs (k8s.io/utils/net ParseIPSloppy / ParseCIDRSloppy: Go's net parser that still
// takes IPv4 octets with leading zeros)

function parseIPv4Bytes(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,8}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

function parseIPv6Bytes(text: string): number[] | undefined {
  if (text === '' || text.includes('%')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const fields = part.split(':');
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i] ?? '';
      if (i === fields.length - 1 && f.includes('.')) {
        const v4 = parseIPv4Bytes(f);
        if (v4 === undefined) return undefined;
        out.push(...v4);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(f)) return undefined;
      const n = parseInt(f, 16);
      out.push(n >> 8, n & 0xff);
    }
    return out;
  };
  const head = groups(halves[0] ?? '');
  if (head === undefined) return undefined;
  if (halves.length === 1) return head.length === 16 ? head : undefined;
  const tail = groups(halves[1] ?? '');
  if (tail === undefined || head.length + tail.length > 14) return undefined;
  return [...head, ...new Array<number>(16 - head.length - tail.length).fill(0), ...tail];
}

/** An IP as Go's net.IP: 16 bytes (IPv4 as ::ffff:a.b.c.d); undefined when it does not parse. */
export function parseIP(text: string): number[] | undefined {
  const v4 = parseIPv4Bytes(text);
  if (v4 !== undefined) return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4];
  return parseIPv6Bytes(text);
}

/** net.IP.To4: the 4 bytes of an IPv4 (or IPv4-mapped) address. */
export function to4(ip: readonly number[]): number[] | undefined {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return undefined;
  return ip[10] === 0xff && ip[11] === 0xff ? ip.slice(12) : undefined;
}

/** netutils.IsIPv6String. */
export function isIPv6String(text: string): boolean {
  const ip = parseIP(text);
  return ip !== undefined && to4(ip) === undefined;
}

export const INVALID_IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
export const INVALID_CIDR = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

/** validation.IsValidIP. */
export function validateIP(value: string, path: string): FieldError[] {
  return parseIP(value) === undefined ? [fe.invalid(path, value, INVALID_IP)] : [];
}

/** validation.IsValidIPv4Address / IsValidIPv6Address. */
export function validateIPFamilyAddress(value: string, path: string, v6: boolean): FieldError[] {
  const ip = parseIP(value);
  if (v6) return ip === undefined || to4(ip) !== undefined ? [fe.invalid(path, value, 'must be a valid IPv6 address')] : [];
  return ip === undefined || to4(ip) === undefined ? [fe.invalid(path, value, 'must be a valid IPv4 address')] : [];
}

/** ValidateNonSpecialIP: no unspecified, loopback or link-local addresses (Endpoints, external IPs). */
export function validateNonSpecialIP(value: string, path: string): FieldError[] {
  const ip = parseIP(value);
  if (ip === undefined) return [fe.invalid(path, value, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  const v4 = to4(ip);
  const b0 = ip[0] ?? 0;
  const b1 = ip[1] ?? 0;
  const unspecified = v4 !== undefined ? v4.every((b) => b === 0) : ip.every((b) => b === 0);
  const loopback = v4 !== undefined ? v4[0] === 127 : ip.slice(0, 15).every((b) => b === 0) && ip[15] === 1;
  const linkLocal = v4 !== undefined ? v4[0] === 169 && v4[1] === 254 : b0 === 0xfe && (b1 & 0xc0) === 0x80;
  const linkLocalMulticast = v4 !== undefined ? v4[0] === 224 && v4[1] === 0 && v4[2] === 0 : b0 === 0xff && (b1 & 0x0f) === 0x02;
  if (unspecified) errs.push(fe.invalid(path, value, `may not be unspecified (${value})`));
  if (loopback) errs.push(fe.invalid(path, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (linkLocal) errs.push(fe.invalid(path, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (linkLocalMulticast) errs.push(fe.invalid(path, value, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}

/** validation.IsValidCIDR (sloppy parsing). */
export function validateCIDR(value: string, path: string): FieldError[] {
  const slash = value.indexOf('/');
  const addr = slash < 0 ? value : value.slice(0, slash);
  const mask = slash < 0 ? '' : value.slice(slash + 1);
  const v4 = parseIPv4Bytes(addr) !== undefined;
  const ok = slash >= 0 && parseIP(addr) !== undefined && /^\d{1,3}$/.test(mask) && Number(mask) <= (v4 ? 32 : 128);
  return ok ? [] : [fe.invalid(path, value, INVALID_CIDR)];
}

/** validation.IsFullyQualifiedDomainName. */
export function validateFQDN(name: string, path: string): FieldError[] {
  if (name.length === 0) return [fe.required(path)];
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  const sub = isDNS1123Subdomain(trimmed);
  if (sub.length > 0) return [fe.invalid(path, trimmed, sub.join(','))];
  const labels = trimmed.split('.');
  if (labels.length < 2) return [fe.invalid(path, trimmed, 'should be a domain with at least two segments separated by dots')];
  for (const label of labels) {
    const errs = isDNS1123Label(label);
    if (errs.length > 0) return [fe.invalid(path, label, errs.join(','))];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// Selectors

/** ValidateNodeSelector (a PersistentVolume's required node affinity). */
export function validateNodeSelector(sel: Obj, path: string): FieldError[] {
  const termsPath = `${path}.nodeSelectorTerms`;
  const terms = objs(sel['nodeSelectorTerms']);
  if (terms.length === 0) return [fe.required(termsPath, 'must have at least one node selector term')];
  const errs: FieldError[] = [];
  terms.forEach((term, i) => {
    objs(term['matchExpressions']).forEach((req, j) => {
      const p = `${termsPath}[${i}].matchExpressions[${j}]`;
      const op = s(req['operator']);
      const values = strs(req['values']);
      if (op === 'In' || op === 'NotIn') {
        if (values.length === 0) errs.push(fe.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      } else if (op === 'Exists' || op === 'DoesNotExist') {
        if (values.length > 0) errs.push(fe.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      } else if (op === 'Gt' || op === 'Lt') {
        if (values.length !== 1) errs.push(fe.required(`${p}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      } else {
        errs.push(fe.invalid(`${p}.operator`, op, 'not a valid selector operator'));
      }
      errs.push(...qualifiedName(s(req['key']), `${p}.key`));
      values.forEach((v, k) => { for (const m of isValidLabelValue(v)) errs.push(fe.invalid(`${p}.values[${k}]`, v, m)); });
    });
    objs(term['matchFields']).forEach((req, j) => {
      const p = `${termsPath}[${i}].matchFields[${j}]`;
      const op = s(req['operator']);
      const values = strs(req['values']);
      if (op === 'In' || op === 'NotIn') {
        if (values.length !== 1) errs.push(fe.required(`${p}.values`, "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
      } else {
        errs.push(fe.invalid(`${p}.operator`, op, 'not a valid selector operator'));
      }
      const key = s(req['key']);
      if (key !== 'metadata.name') errs.push(fe.invalid(`${p}.key`, key, 'not a valid field selector key'));
      values.forEach((v, k) => { for (const m of isValidLabelValue(v)) errs.push(fe.invalid(`${p}.values[${k}]`, v, m)); });
    });
  });
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Resource names and quantities (pkg/apis/core/helper)

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu',
  'limits.memory', 'limits.ephemeral-storage', 'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets',
  'configmaps', 'persistentvolumeclaims', 'storage', 'requests.storage', 'services.nodeports', 'services.loadbalancers',
]);
const STANDARD_QUOTA_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.storage', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'resourcequotas', 'services', 'replicationcontrollers',
  'secrets', 'persistentvolumeclaims', 'configmaps', 'services.nodeports', 'services.loadbalancers',
]);
const INTEGER_RESOURCES = new Set([
  'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'services.nodeports', 'services.loadbalancers',
]);

export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}
export function isHugePageResourceName(name: string): boolean {
  return name.startsWith('hugepages-');
}
function isQuotaHugePageResourceName(name: string): boolean {
  return name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');
}
export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}
export function isStandardQuotaResourceName(name: string): boolean {
  return STANDARD_QUOTA_RESOURCES.has(name) || isQuotaHugePageResourceName(name);
}
function isIntegerResourceName(name: string): boolean {
  return INTEGER_RESOURCES.has(name) || isExtendedResourceName(name);
}
export function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePageResourceName(name);
}

/** validateResourceName: qualified, and a standard name unless prefixed. */
export function validateResourceName(name: string, path: string): FieldError[] {
  const errs = qualifiedName(name, path);
  if (errs.length > 0) return errs;
  if (!name.includes('/') && !(STANDARD_RESOURCES.has(name) || isQuotaHugePageResourceName(name))) {
    return [fe.invalid(path, name, 'must be a standard resource type or fully qualified')];
  }
  return [];
}

/** validateContainerResourceName. */
export function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePageResourceName(name)) {
      return [...errs, fe.invalid(path, name, 'must be a standard resource for containers')];
    }
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    return [...errs, fe.invalid(path, name, "doesn't follow extended resource name standard")];
  }
  return errs;
}

/** A decoded quantity (a JSON string or number); undefined when it does not parse. */
export function quantityOf(raw: unknown): Quantity | undefined {
  if (typeof raw === 'string') return parseQuantity(raw);
  if (typeof raw === 'number' && Number.isFinite(raw)) return parseQuantity(String(raw));
  return undefined;
}

/** Quantity.String() of a stored value; '0' when absent (Go's zero Quantity). */
export function quantityString(raw: unknown): string {
  if (raw === undefined || raw === null) return '0';
  const q = quantityOf(raw);
  return q === undefined ? s(raw) : formatQuantity(q);
}

/** SetDefaults_ResourceList: every quantity rounded up to milli precision, in canonical form. */
export function defaultResourceList(rl: unknown): void {
  if (!isObj(rl)) return;
  for (const [k, v] of Object.entries(rl)) {
    if (typeof v === 'string') rl[k] = canonicalQuantity(v, true);
    else if (typeof v === 'number' && Number.isFinite(v)) rl[k] = canonicalQuantity(String(v), true);
  }
}

/**
 * A quantity that does not parse: kube refuses it while decoding the body; here it is a field
 * error on the quantity (undefined when it parses).
 */
export function quantityFormatError(raw: unknown, path: string): FieldError | undefined {
  if (quantityOf(raw) !== undefined) return undefined;
  const shown: unknown = typeof raw === 'string' ? raw : JSON.stringify(raw);
  return fe.invalid(path, typeof shown === 'string' ? shown : 'null', QUANTITY_FORMAT_ERROR);
}

/** ValidateResourceQuantityValue: not negative, and whole for integer resources. */
export function validateResourceQuantityValue(name: string, q: Quantity, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (q.nanos < 0n) errs.push(fe.invalid(path, formatQuantity(q), 'must be greater than or equal to 0'));
  if (isIntegerResourceName(name) && milliValue(q) % 1000n !== 0n) errs.push(fe.invalid(path, formatQuantity(q), 'must be an integer'));
  return errs;
}

/** Quantity.MilliValue (rounded up, away from zero). */
export function milliValue(q: Quantity): bigint {
  const m = 1_000_000n;
  const abs = q.nanos < 0n ? -q.nanos : q.nanos;
  const up = abs % m === 0n ? abs / m : abs / m + 1n;
  return q.nanos < 0n ? -up : up;
}

/** validateBasicResource: `must be a valid resource quantity` for a negative one, with Value() as the bad value. */
export function validateBasicResource(q: Quantity, path: string): FieldError[] {
  if (q.nanos >= 0n) return [];
  const g = 1_000_000_000n;
  const abs = -q.nanos;
  const value = -(abs % g === 0n ? abs / g : abs / g + 1n);
  return [fe.invalid(path, Number(value), 'must be a valid resource quantity')];
}

// ---------------------------------------------------------------------------------------------
// Persistent volume access modes

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

/** The accessModes checks PersistentVolume and PersistentVolumeClaim specs share. */
export function validateAccessModes(modes: string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  let rwop = false;
  let other = false;
  for (const mode of modes) {
    if (!ACCESS_MODES.includes(mode)) errs.push(fe.notSupported(path, mode, ACCESS_MODES));
    if (mode === 'ReadWriteOncePod') rwop = true;
    else if (ACCESS_MODES.includes(mode)) other = true;
  }
  if (rwop && other) errs.push(fe.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

/** helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order. */
export function accessModesString(modes: unknown): string {
  const list = strs(modes);
  const out: string[] = [];
  if (list.includes('ReadWriteOnce')) out.push('RWO');
  if (list.includes('ReadOnlyMany')) out.push('ROX');
  if (list.includes('ReadWriteMany')) out.push('RWX');
  if (list.includes('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

/** The beta annotation that named a volume's or claim's class before spec.storageClassName. */
export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
