// Renders objects and lists in the form the client negotiated: as they are, as a server-side
// Table (kubectl get), or as PartialObjectMetadata.
import { toTable } from '../machinery.ts';
import type { KindDefinition } from '../kinds/kind.ts';
import type { KubeObject } from '../storage/types.ts';
import type { Output } from './negotiate.ts';

function partial(obj: KubeObject, version: string): unknown {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata ?? {} };
}

/** What rendering needs of a kind: its plural and, when it declares one, its table. */
export type Printable = Pick<KindDefinition, 'resource' | 'table'>;

/**
 * One object (GET or a watch event) of a kind. withColumns=false leaves columnDefinitions empty,
 * as in watch events after the first.
 */
export function renderObject(kind: Printable, obj: KubeObject, output: Output, now: number, withColumns = true): unknown {
  if (output.form === 'object') return obj;
  if (output.form === 'partial') return partial(obj, output.version);
  const table = toTable(kind.resource, [obj], {
    includeObject: output.includeObject, now, resourceVersion: obj.metadata?.resourceVersion ?? '', noHeaders: !withColumns,
  }, kind.table);
  return output.version === 'v1beta1' ? { ...table, apiVersion: 'meta.k8s.io/v1beta1' } : table;
}

export interface ListShape {
  kind: Printable;
  listKind: string;
  apiVersion: string;
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
}

export function renderList(l: ListShape, output: Output, now: number): { body: unknown; contentType: string } {
  const metadata: Record<string, string> = { resourceVersion: l.resourceVersion };
  if (l.continue !== undefined) metadata['continue'] = l.continue;
  if (output.form === 'table') {
    const table = toTable(l.kind.resource, l.items, {
      includeObject: output.includeObject, now, resourceVersion: l.resourceVersion, ...(l.continue === undefined ? {} : { continue: l.continue }),
    }, l.kind.table);
    return { body: output.version === 'v1beta1' ? { ...table, apiVersion: 'meta.k8s.io/v1beta1' } : table, contentType: `application/json;as=Table;v=${output.version};g=meta.k8s.io` };
  }
  if (output.form === 'partial') {
    return {
      body: { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${output.version}`, metadata, items: l.items.map((i) => partial(i, output.version)) },
      contentType: `application/json;as=PartialObjectMetadataList;v=${output.version};g=meta.k8s.io`,
    };
  }
  return { body: { kind: l.listKind, apiVersion: l.apiVersion, metadata, items: l.items }, contentType: 'application/json' };
}
