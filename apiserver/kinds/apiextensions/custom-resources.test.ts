// Custom resources against their CRD's schema: kube-openapi's validation messages as kube reports
// them, structural pruning with the paths fieldValidation reports, defaulting, nulls, metadata,
// embedded resources, list types, and the kinds a definition makes (status and scale semantics).
import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../api/errors.ts';
import { CustomResourceDecoder } from './custom-decoder.ts';
import { customResourceKinds } from './custom-kind.ts';
import { applyDefaults, pruneNulls, pruneUnknown } from './pruning.ts';
import { goFloat, validateValue } from './value-validation.ts';
import { validateListSetsAndMaps } from './list-types.ts';
import { strictErrorMessage } from '../../../kube/schemas/decode.ts';

type Obj = Record<string, unknown>;

const SCHEMA: Obj = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['color'],
      properties: {
        replicas: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
        color: { type: 'string', enum: ['red', 'green', 'blue'] },
        name: { type: 'string', minLength: 2, maxLength: 5, pattern: '^[a-z]+$' },
        ratio: { type: 'number', exclusiveMinimum: true, minimum: 0.5 },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 2, 'x-kubernetes-list-type': 'set' },
        ports: {
          type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer', default: 80 } } },
        },
        email: { type: 'string', format: 'email' },
        when: { type: 'string', format: 'date-time' },
        port: { 'x-kubernetes-int-or-string': true },
        note: { type: 'string', nullable: true },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'integer', default: 3 } } },
        template: {
          type: 'object', 'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', properties: { image: { type: 'string' } } } },
        },
      },
    },
    status: { type: 'object', properties: { replicas: { type: 'integer' }, phase: { type: 'string' } } },
  },
};

function messages(value: Obj, schema: Obj = SCHEMA): string[] {
  return validateValue(schema, value).map(fieldErrorString);
}

const spec = (s: Obj): Obj => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { color: 'red', ...s } });

describe('custom resource validation (kube-openapi, as kube words it)', () => {
  const cases: [string, Obj, string[]][] = [
    ['a valid object', { replicas: 3, name: 'abc', tags: ['a'], port: 'http', note: null }, []],
    ['a string for an integer', { replicas: 'three' }, ['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"']],
    ['a fraction for an integer', { replicas: 1.5 }, ['spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"']],
    ['a number below the minimum', { replicas: -1 }, ['spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0']],
    ['a number above the maximum', { replicas: 11 }, ['spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10']],
    ['an exclusive minimum', { ratio: 0.5 }, ['spec.ratio: Invalid value: 0.5: spec.ratio in body should be greater than 0.5']],
    ['a value not in the enum', { color: 'purple' }, ['spec.color: Unsupported value: "purple": supported values: "red", "green", "blue"']],
    ['a string too short', { name: 'a' }, ['spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long']],
    ['a string too long', { name: 'abcdef' }, ['spec.name: Too long: may not be more than 5 bytes']],
    ['a string off its pattern', { name: 'ABC' }, ['spec.name: Invalid value: "ABC": spec.name in body should match \'^[a-z]+$\'']],
    ['too few items', { tags: [] }, ['spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items']],
    ['too many items', { tags: ['a', 'b', 'c'] }, ['spec.tags: Too many: 3: must have at most 2 items']],
    ['an item of the wrong type', { tags: [1] }, ['spec.tags[0]: Invalid value: "integer": spec.tags[0] in body must be of type string: "integer"']],
    ['a bad email', { email: 'nobody' }, ['spec.email: Invalid value: "nobody": spec.email in body must be of type email: "nobody"']],
    ['a bad date-time', { when: 'yesterday' }, ['spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"']],
    ['a bool for an int-or-string', { port: true }, ['spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"']],
    ['a null where not nullable', { replicas: null }, ['spec.replicas: Invalid value: "null": spec.replicas in body must be of type integer: "null"']],
    ['a map value of the wrong type', { labels: { a: 1 } }, ['spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"']],
    ['a required field missing', { color: undefined }, ['spec.color: Required value']],
  ];
  for (const [name, s, expected] of cases) {
    it(`reports ${name}`, () => {
      const obj = spec(s);
      const sp = obj['spec'] as Obj;
      for (const k of Object.keys(sp)) if (sp[k] === undefined) Reflect.deleteProperty(sp, k);
      expect(messages(obj)).toEqual(expected);
    });
  }

  it('reports a type error and the enum together, as kube does', () => {
    expect(messages(spec({ color: 5 }))).toEqual([
      'spec.color: Invalid value: "integer": spec.color in body must be of type string: "integer"',
      'spec.color: Unsupported value: 5: supported values: "red", "green", "blue"',
    ]);
  });

  it('words a failed anyOf at the root of the object as <nil>', () => {
    const schema: Obj = { type: 'object', properties: { v: { anyOf: [{ type: 'integer' }, { type: 'string' }] } } };
    expect(messages({ v: true }, schema)).toEqual([
      '<nil>: Invalid value: "": "v" must validate at least one schema (anyOf)',
      'v: Invalid value: "boolean": v in body must be of type integer: "boolean"',
    ]);
  });

  it('prints floats as Go\'s %v does', () => {
    expect([goFloat(0.5), goFloat(1e6), goFloat(123456.5), goFloat(1e-5), goFloat(1.5e21)]).toEqual(['0.5', '1e+06', '123456.5', '1e-05', '1.5e+21']);
  });

  it('finds duplicates in sets and map lists', () => {
    expect(validateListSetsAndMaps('', SCHEMA, spec({ tags: ['a', 'a'], ports: [{ name: 'x' }, { name: 'y' }, { name: 'x' }] })).map(fieldErrorString)).toEqual([
      'spec.tags[1]: Duplicate value: "a"',
      'spec.ports[2]: Duplicate value: map[string]interface {}{"name":"x"}',
    ]);
  });
});

describe('pruning and defaulting', () => {
  it('prunes what the schema does not specify, keeping apiVersion, kind, metadata and preserved fields', () => {
    const obj: Obj = {
      apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, extra: 1,
      spec: { color: 'red', colour: 'red', ports: [{ name: 'a', nmae: 'b' }], config: { anything: { goes: true }, known: 1 }, template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { image: 'x', cmd: 'y' } } },
      status: { phase: 'Up', extra: true },
    };
    expect(pruneUnknown(obj, SCHEMA, true)).toEqual(['extra', 'spec.colour', 'spec.ports[0].nmae', 'spec.template.spec.cmd', 'status.extra']);
    expect(obj).toEqual({
      apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' },
      spec: { color: 'red', ports: [{ name: 'a' }], config: { anything: { goes: true }, known: 1 }, template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { image: 'x' } } },
      status: { phase: 'Up' },
    });
  });

  it('applies defaults where fields are absent, also inside lists and preserved objects', () => {
    const obj: Obj = spec({ ports: [{ name: 'a' }, { name: 'b', port: 8080 }], config: {} });
    applyDefaults(obj, SCHEMA);
    expect(obj['spec']).toEqual({ color: 'red', replicas: 1, ports: [{ name: 'a', port: 80 }, { name: 'b', port: 8080 }], config: { known: 3 } });
  });

  it('drops nulls unless nullable or defaulted (then the default applies)', () => {
    const obj: Obj = spec({ replicas: null, note: null, email: null });
    pruneNulls(obj, SCHEMA);
    applyDefaults(obj, SCHEMA);
    expect(obj['spec']).toEqual({ color: 'red', replicas: 1, note: null });
  });
});

describe('the decoder of a custom resource', () => {
  const decoder = new CustomResourceDecoder('com.example.v1.Widget', SCHEMA);

  it('reports the strict errors in upstream\'s order and prunes', () => {
    const obj: Obj = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', bogus: 1 }, spec: { color: 'red', z: 1, a: 2 } };
    const r = decoder.decode(obj, { strict: true });
    expect(r.error).toBeUndefined();
    expect(r.strict.map(strictErrorMessage)).toEqual(['unknown field "metadata.bogus"', 'unknown field "spec.a"', 'unknown field "spec.z"']);
    expect(obj).toEqual({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { color: 'red', replicas: 1 } });
  });

  it('refuses metadata of the wrong type in Go\'s words', () => {
    const r = decoder.decode({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 5 } });
    expect(r.error?.message).toBe('json: cannot unmarshal number into Go struct field ObjectMeta.name of type string');
  });

  it('keeps unknown fields when told not to prune (a strict patch check) but still reports them', () => {
    const obj: Obj = spec({ extra: 1 });
    const r = decoder.decode(obj, { strict: true, prune: false });
    expect(r.strict.map(strictErrorMessage)).toEqual(['unknown field "spec.extra"']);
    expect((obj['spec'] as Obj)['extra']).toBe(1);
  });

  it('requires the embedded resources\' apiVersion and kind to be strings', () => {
    const r = decoder.decode(spec({ template: { apiVersion: 1, kind: 'Pod' } }));
    expect(r.error?.message).toBe('spec.template.apiVersion: Invalid value: 1: must be a string');
  });
});

describe('the kinds a definition makes', () => {
  const crd: Obj = {
    metadata: { name: 'widgets.example.com', resourceVersion: '5' },
    spec: {
      group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: SCHEMA }, subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } } },
        { name: 'v1beta1', served: true, storage: false, schema: { openAPIV3Schema: SCHEMA } },
        { name: 'v1alpha1', served: false, storage: false, schema: { openAPIV3Schema: SCHEMA } },
      ],
    },
    status: {
      acceptedNames: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'] },
      conditions: [{ type: 'Established', status: 'True' }],
    },
  };

  it('serves each served version of an established definition', () => {
    const kinds = customResourceKinds(crd);
    expect(kinds.map((k) => `${k.group}/${k.version} ${k.kind} ${k.resource}`)).toEqual(['example.com/v1 Widget widgets', 'example.com/v1beta1 Widget widgets']);
    expect(kinds[0]?.subresources.map((s) => s.name)).toEqual(['status', 'scale']);
    expect(kinds[0]?.scale).toEqual({ specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas' });
    expect(kinds[0]?.shortNames).toEqual(['wd']);
    expect(kinds[0]?.strategicMergePatch).toBe(false);
    expect(kinds[0]?.strategy.allowUnconditionalUpdate).toBe(false);
    expect(customResourceKinds({ ...crd, status: { ...(crd['status'] as Obj), conditions: [] } })).toEqual([]);
  });

  it('resets status on create, keeps it on update, keeps all else on /status, and counts generations', () => {
    const kind = customResourceKinds(crd)[0];
    if (kind === undefined) throw new Error('no kind');
    const created: Obj = { ...spec({}), status: { replicas: 9 } };
    kind.prepareForCreate(created);
    expect(created['status']).toBeUndefined();
    expect((created['metadata'] as Obj)['generation']).toBe(1);
    const old: Obj = { ...structuredClone(created), status: { replicas: 1 } };
    const update: Obj = { ...structuredClone(old), spec: { color: 'blue' }, status: { replicas: 5 } };
    kind.prepareForUpdate(update, old, '');
    expect(update['status']).toEqual({ replicas: 1 });
    expect((update['metadata'] as Obj)['generation']).toBe(2);
    const statusWrite: Obj = { ...structuredClone(old), spec: { color: 'green' }, metadata: { name: 'w', labels: { a: 'b' } }, status: { replicas: 4 } };
    kind.prepareForUpdate(statusWrite, old, 'status');
    expect(statusWrite['spec']).toEqual(old['spec']);
    expect(statusWrite['metadata']).toEqual(old['metadata']);
    expect(statusWrite['status']).toEqual({ replicas: 4 });
  });

  it('validates metadata, the schema and the scale paths with kube\'s words', () => {
    const kind = customResourceKinds(crd)[0];
    if (kind === undefined) throw new Error('no kind');
    const obj: Obj = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'W!', namespace: 'default' }, spec: { color: 'red', replicas: 'x' } };
    expect(kind.validate(obj).map(fieldErrorString)).toEqual([
      'metadata.name: Invalid value: "W!": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      '.spec.replicas: Invalid value: 0: .spec.replicas accessor error: x is of the type string, expected int64',
    ]);
  });
});
