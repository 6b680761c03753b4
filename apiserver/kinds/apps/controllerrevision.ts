// apps/v1 ControllerRevision as kube-apiserver 1.32 serves it: no defaults, status or
// generation; revision always written (no omitempty); ValidateControllerRevision (data
// required, revision ≥ 0) and ValidateControllerRevisionUpdate (data immutable); and
// printControllerRevision's row (the controlling owner as kind.group/name).
import { fieldErrors as fe, type FieldError } from '../../api/errors.ts';
import { translateTimestampSince } from '../../api/tables.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation.ts';
import { defineKind, type KindDefinition } from '../kind.ts';
import { isNil, num, o, objs, s, type Obj } from './access.ts';
import { CONTROLLERREVISION_COLUMNS } from './columns.ts';
import { decodeMetadata } from './decode.ts';
import { goRawUnknown, invalidGo } from './go-format.ts';
import { nonNegative } from './template.ts';

function validate(obj: Obj): FieldError[] {
  const errs = validateObjectMeta(o(obj['metadata']), true, nameIsDNSSubdomain);
  if (isNil(obj['data'])) errs.push(fe.required('data', 'data is mandatory'));
  errs.push(...nonNegative(obj['revision'], 'revision'));
  return errs;
}

/** The controller column: `<kind>[.<group>]/<name>` in lower case, `<none>` without a controller. */
function controllerOf(obj: Obj): string {
  const ref = objs(o(obj['metadata'])['ownerReferences']).find((r) => r['controller'] === true);
  if (ref === undefined) return '<none>';
  const apiVersion = s(ref['apiVersion']);
  const parts = apiVersion.split('/');
  // schema.ParseGroupVersion refuses more than one '/'; upstream's printer then fails the whole
  // table, here the name alone is shown
  if (parts.length > 2) return s(ref['name']);
  const group = parts.length === 2 ? parts[0] ?? '' : '';
  const kind = s(ref['kind']);
  if (kind === '' && group === '') return s(ref['name']);
  return `${(group === '' ? kind : `${kind}.${group}`).toLowerCase()}/${s(ref['name'])}`;
}

function row(obj: Obj, now: number): { cells: unknown[] } {
  const meta = o(obj['metadata']);
  return { cells: [s(meta['name']), controllerOf(obj), num(obj['revision']) ?? 0, translateTimestampSince(meta['creationTimestamp'], now)] };
}

export const CONTROLLERREVISION: KindDefinition = defineKind({
  group: 'apps', version: 'v1', kind: 'ControllerRevision', resource: 'controllerrevisions', namespaced: true,
  table: { columns: CONTROLLERREVISION_COLUMNS, row },
  defaults(obj) {
    decodeMetadata(obj, 'ControllerRevision');
    // revision is an int64 without omitempty
    if (isNil(obj['revision'])) obj['revision'] = 0;
  },
  validate,
  validateUpdate(obj, old) {
    const errs = [...validateObjectMetaUpdate(o(obj['metadata']), o(old['metadata'])), ...validate(obj)];
    const data = obj['data'];
    if (JSON.stringify(data) !== JSON.stringify(old['data']) && !jsonSame(data, old['data'])) {
      errs.push(invalidGo('data', isNil(data) ? '"null"' : goRawUnknown(data), 'field is immutable'));
    }
    return errs;
  },
});

/** Same JSON value, key order aside (upstream compares the raw bytes of the two documents). */
function jsonSame(a: unknown, b: unknown): boolean {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Obj)[k])]));
    }
    return v;
  };
  return JSON.stringify(canon(a) ?? null) === JSON.stringify(canon(b) ?? null);
}
