// The OpenAPI v3 definitions of a custom resource version, as apiextensions-apiserver's openapi
// builder makes them (pkg/controller/openapi/builder): named `<reversed group>.<version>.<Kind>`
// (`com.example.v1.Widget`) and its list; the version's schema with apiVersion, kind and a
// metadata that refers to ObjectMeta (embedded resources get the same), int-or-string unfolded,
// and x-kubernetes-group-version-kind — what `kubectl explain` walks. Pure.
import { definition, type Schema } from '../../../kube/schemas/schemas.ts';
import type { KindOpenApi } from '../kind.ts';
import { isEmbedded, isIntOrString, isSchema, type JSONSchema } from './schema.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const ref = (name: string): Record<string, unknown> => ({ $ref: `#/components/schemas/${name}` });
const METADATA_DOC = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const LIST_METADATA_DOC = 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** TypeMeta's apiVersion and kind, from the generated schemas (any kind has them). */
function typeMeta(): { apiVersion: Schema; kind: Schema } {
  const props = (definition('io.k8s.api.core.v1.ConfigMap')?.['properties'] ?? {}) as Record<string, Schema>;
  return { apiVersion: props['apiVersion'] ?? { type: 'string' }, kind: props['kind'] ?? { type: 'string' } };
}

/** util.ToRESTFriendlyName of `<group>/<version>/<kind>`: the group's labels reversed. */
export function definitionName(group: string, version: string, kind: string): string {
  return [...group.split('.').reverse(), version, kind].join('.');
}

function objectMeta(description: string): Schema {
  return { allOf: [ref(`${META}.ObjectMeta`)], description };
}

/** The schema as served: int-or-string unfolded, embedded resources given their TypeMeta and ObjectMeta. */
function served(s: JSONSchema, tm: { apiVersion: Schema; kind: Schema }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties' && isSchema(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([p, x]) => [p, isSchema(x) ? served(x, tm) : x]));
    } else if ((k === 'items' || k === 'additionalProperties' || k === 'not') && isSchema(v)) {
      out[k] = served(v, tm);
    } else if ((k === 'allOf' || k === 'anyOf' || k === 'oneOf') && Array.isArray(v)) {
      out[k] = (v as unknown[]).map((x) => (isSchema(x) ? served(x, tm) : x));
    } else {
      out[k] = v;
    }
  }
  if (isIntOrString(s) && out['anyOf'] === undefined && !(Array.isArray(out['allOf']) && out['allOf'].length > 0)) {
    out['anyOf'] = [{ type: 'integer' }, { type: 'string' }];
  }
  if (isEmbedded(s)) {
    const props = (isSchema(out['properties']) ? { ...out['properties'] } : {}) as Record<string, unknown>;
    props['apiVersion'] = { ...tm.apiVersion, description: 'apiVersion defines the versioned schema of this representation of an object. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources' };
    props['kind'] = { ...tm.kind, description: 'kind is a string value representing the type of this object. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds' };
    props['metadata'] = objectMeta(METADATA_DOC);
    out['properties'] = props;
    const required = Array.isArray(out['required']) ? [...(out['required'] as string[])] : [];
    for (const f of ['kind', 'apiVersion']) if (!required.includes(f)) required.push(f);
    out['required'] = required;
  }
  return out;
}

/** The definitions of one served version of a custom resource. */
export function customResourceOpenApi(o: {
  group: string; version: string; kind: string; listKind: string; plural: string; schema: JSONSchema | undefined;
}): KindOpenApi {
  const tm = typeMeta();
  const name = definitionName(o.group, o.version, o.kind);
  const listName = definitionName(o.group, o.version, o.listKind);
  let kindSchema: Record<string, unknown>;
  if (o.schema === undefined) {
    kindSchema = { type: 'object' };
  } else {
    kindSchema = served(o.schema, tm);
    const props = isSchema(kindSchema['properties']) ? { ...kindSchema['properties'] } : {};
    props['metadata'] = objectMeta(METADATA_DOC);
    props['apiVersion'] = tm.apiVersion;
    props['kind'] = tm.kind;
    kindSchema['properties'] = props;
  }
  kindSchema['x-kubernetes-group-version-kind'] = [{ group: o.group, version: o.version, kind: o.kind }];
  const listSchema: Record<string, unknown> = {
    description: `${o.listKind} is a list of ${o.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: tm.apiVersion,
      items: { description: `List of ${o.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`, type: 'array', items: ref(name) },
      kind: tm.kind,
      metadata: { allOf: [ref(`${META}.ListMeta`)], description: LIST_METADATA_DOC },
    },
    'x-kubernetes-group-version-kind': [{ group: o.group, version: o.version, kind: o.listKind }],
  };
  return { definition: name, listDefinition: listName, schemas: { [name]: kindSchema, [listName]: listSchema } };
}
