// Content negotiation: what the Accept header asks for (a plain object, a server-side Table,
// PartialObjectMetadata, or aggregated discovery) and what the request body is.

export interface MediaType {
  type: string;
  params: Record<string, string>;
}

export function parseMediaTypes(header: string | undefined): MediaType[] {
  if (header === undefined || header.trim() === '') return [];
  return header.split(',').map((part) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim());
    const p: Record<string, string> = {};
    for (const kv of params) {
      const i = kv.indexOf('=');
      if (i > 0) p[kv.slice(0, i).trim().toLowerCase()] = kv.slice(i + 1).trim().replace(/^"|"$/g, '');
    }
    return { type: type.toLowerCase(), params: p };
  });
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export type Output =
  | { form: 'object' }
  | { form: 'table'; includeObject: IncludeObject; version: 'v1' | 'v1beta1' }
  | { form: 'partial'; version: 'v1' | 'v1beta1' };

function isJsonish(t: string): boolean {
  return t === 'application/json' || t === '*/*' || t === 'application/*' || t === 'application/yaml';
}

/** The response form for a GET/LIST/WATCH of objects. */
export function outputFor(accept: string | undefined, includeObjectParam: string | null): Output {
  for (const mt of parseMediaTypes(accept)) {
    if (!isJsonish(mt.type) && mt.type !== 'application/vnd.kubernetes.protobuf') continue;
    const as = mt.params['as'];
    if (as === undefined) {
      if (mt.type === 'application/vnd.kubernetes.protobuf') continue;
      return { form: 'object' };
    }
    if (mt.params['g'] !== 'meta.k8s.io') continue;
    const version = mt.params['v'] === 'v1beta1' ? 'v1beta1' : mt.params['v'] === 'v1' ? 'v1' : undefined;
    if (version === undefined) continue;
    if (as === 'Table') {
      const inc = includeObjectParam === 'None' || includeObjectParam === 'Object' ? includeObjectParam : 'Metadata';
      return { form: 'table', includeObject: inc, version };
    }
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return { form: 'partial', version };
  }
  return { form: 'object' };
}

/** The aggregated discovery version the client accepts, if any. */
export function aggregatedDiscoveryVersion(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const mt of parseMediaTypes(accept)) {
    if (mt.type !== 'application/json' || mt.params['g'] !== 'apidiscovery.k8s.io' || mt.params['as'] !== 'APIGroupDiscoveryList') continue;
    if (mt.params['v'] === 'v2' || mt.params['v'] === 'v2beta1') return mt.params['v'];
  }
  return undefined;
}

export function contentType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
