// The decoder's refusal of an ObjectMeta of the wrong JSON types, for kinds the Go-type tables
// (api/json-types.ts) do not describe yet: a 400 `Deployment in version "v1" cannot be handled
// as a Deployment: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of
// type string`, and null metadata fields dropped as Go decodes them. ObjectMeta is the same Go
// type in every kind, so ConfigMap's entry of the table checks it. Once the structural schemas
// cover the apps kinds, the store's decode step refuses these bodies first and this finds nothing.
import { decodeError, decodeTypes } from '../../api/json-types.ts';
import type { Obj } from './access.ts';

/** Throws the decoder's 400 for a metadata of the wrong shape; drops null metadata fields. */
export function decodeMetadata(obj: Obj, kind: string): void {
  if (!('metadata' in obj)) return;
  const holder: Obj = { metadata: obj['metadata'] };
  const err = decodeTypes('v1', 'ConfigMap', holder);
  if (err !== undefined) {
    const message = err.message.replace('Go struct field ConfigMap.metadata ', `Go struct field ${kind}.metadata `);
    throw decodeError(kind, 'v1', { ...err, message });
  }
  if (holder['metadata'] === undefined) delete obj['metadata'];
}
