// Test helpers for the kinds of this directory: an object through a kind's create or update path
// (defaults, preparation, validation) as the generic store runs it, with the field errors as kube
// prints them.
import { fieldErrorString } from '../../api/errors.ts';
import type { KindDefinition } from '../kind.ts';
import type { Obj } from './common.ts';

export const CREATED = '2026-11-23T17:55:00Z';
export const NOW = Date.parse('2026-11-23T18:00:00Z');

/** What the store sets before a kind's hooks: identity, namespace, creation time. */
export function stored(kind: KindDefinition, body: Obj): Obj {
  const obj = structuredClone(body);
  const meta = (obj['metadata'] ?? {}) as Obj;
  obj['metadata'] = meta;
  if (kind.namespaced) meta['namespace'] = 'default';
  meta['uid'] = 'u-1';
  meta['creationTimestamp'] = CREATED;
  obj['apiVersion'] = kind.group === '' ? kind.version : `${kind.group}/${kind.version}`;
  obj['kind'] = kind.kind;
  return obj;
}

/** A create: the prepared object and its field errors. */
export function create(kind: KindDefinition, body: Obj): { obj: Obj; errors: string[] } {
  const obj = stored(kind, body);
  kind.prepareForCreate(obj);
  return { obj, errors: kind.validate(obj).map(fieldErrorString) };
}

/** A valid create (throws with the errors otherwise). */
export function created(kind: KindDefinition, body: Obj): Obj {
  const { obj, errors } = create(kind, body);
  if (errors.length > 0) throw new Error(`create failed: ${errors.join('; ')}`);
  return obj;
}

/** An update of old by body (main resource or status): the prepared object and its field errors. */
export function update(kind: KindDefinition, old: Obj, body: Obj, subresource: '' | 'status' = ''): { obj: Obj; errors: string[] } {
  const obj = structuredClone(body);
  const meta = (obj['metadata'] ?? {}) as Obj;
  obj['metadata'] = { ...meta, ...(old['metadata'] as Obj), labels: meta['labels'], annotations: meta['annotations'] };
  obj['apiVersion'] = old['apiVersion'];
  obj['kind'] = old['kind'];
  kind.prepareForUpdate(obj, old, subresource);
  return { obj, errors: kind.validateUpdate(obj, old).map(fieldErrorString) };
}
