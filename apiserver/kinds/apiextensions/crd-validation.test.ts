// CustomResourceDefinition validation: what users get wrong most, with kube's paths and words
// (a schema every version shares is reported at spec.validation, as upstream's internal version
// has it), the defaults, and the update rules.
import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../api/errors.ts';
import { defaultCrd, prepareCrdForCreate, prepareCrdForDelete, validateCrd, validateCrdUpdate } from './crd-validation.ts';

type Obj = Record<string, unknown>;

const SCHEMA = {
  type: 'object',
  properties: {
    spec: { type: 'object', properties: { replicas: { type: 'integer', minimum: 0 }, color: { type: 'string' } } },
    status: { type: 'object', properties: { replicas: { type: 'integer' } } },
  },
};

function crd(change: (c: Obj) => void = () => undefined): Obj {
  const c: Obj = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com', scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: structuredClone(SCHEMA) }, subresources: { status: {} } }],
    },
  };
  change(c);
  return c;
}

const spec = (c: Obj): Obj => c['spec'] as Obj;
const version = (c: Obj, i = 0): Obj => (spec(c)['versions'] as Obj[])[i] as Obj;
const schemaOf = (c: Obj, i = 0): Obj => (version(c, i)['schema'] as Obj)['openAPIV3Schema'] as Obj;
const props = (s: Obj): Record<string, Obj> => s['properties'] as Record<string, Obj>;

/** The messages validation gives the definition as kube would store it on create. */
function errors(c: Obj): string[] {
  defaultCrd(c);
  prepareCrdForCreate(c);
  return validateCrd(c).map(fieldErrorString);
}

describe('CustomResourceDefinition defaults', () => {
  it('fills singular, listKind, the conversion and storedVersions', () => {
    const c = crd();
    defaultCrd(c);
    prepareCrdForCreate(c);
    expect(spec(c)['names']).toEqual({ plural: 'widgets', kind: 'Widget', singular: 'widget', listKind: 'WidgetList' });
    expect(spec(c)['conversion']).toEqual({ strategy: 'None' });
    expect(c['status']).toEqual({ acceptedNames: { plural: '', kind: '' }, storedVersions: ['v1'] });
    expect(validateCrd(c)).toEqual([]);
  });

  it('decodes the schemas under items as Go does, with its words for a type error', () => {
    const c = crd((x) => {
      props(props(schemaOf(x))['spec'] as Obj)['list'] = { type: 'array', items: { type: 5 } };
    });
    expect(() => { defaultCrd(c); }).toThrow('CustomResourceDefinition in version "v1" cannot be handled as a CustomResourceDefinition: json: cannot unmarshal number into Go struct field JSONSchemaProps.type of type string');
  });
});

describe('CustomResourceDefinition validation', () => {
  const cases: [string, (c: Obj) => void, string[]][] = [
    ['a name that is not <plural>.<group>', (c) => { (c['metadata'] as Obj)['name'] = 'gadgets.example.com'; },
      ['metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group']],
    ['a group without a dot', (c) => { spec(c)['group'] = 'example'; (c['metadata'] as Obj)['name'] = 'widgets.example'; },
      ['spec.group: Invalid value: "example": should be a domain with at least one dot']],
    ['a missing group', (c) => { delete spec(c)['group']; (c['metadata'] as Obj)['name'] = 'widgets.'; }, [
      'metadata.name: Invalid value: "widgets.": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
      'spec.group: Required value',
    ]],
    ['an unknown scope', (c) => { spec(c)['scope'] = 'Global'; },
      ['spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"']],
    ['a kind that is not a DNS label', (c) => { (spec(c)['names'] as Obj)['kind'] = 'Wid_get'; }, [
      'spec.names.singular: Invalid value: "wid_get": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
      'spec.names.kind: Invalid value: "Wid_get": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
      'spec.names.listKind: Invalid value: "Wid_getList": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
    ]],
    ['the same kind and listKind', (c) => { (spec(c)['names'] as Obj)['listKind'] = 'Widget'; },
      ['spec.names.listKind: Invalid value: "Widget": kind and listKind may not be the same']],
    ['a version without a schema', (c) => { delete version(c)['schema']; },
      ['spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required']],
    ['an object field without a type', (c) => { delete props(schemaOf(c))['spec']?.['type']; },
      ['spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields']],
    ['an array without items', (c) => { props(props(schemaOf(c))['spec'] as Obj)['list'] = { type: 'array' }; },
      ['spec.validation.openAPIV3Schema.properties[spec].properties[list].items: Required value: must be specified']],
    ['array items without a type', (c) => { props(props(schemaOf(c))['spec'] as Obj)['list'] = { type: 'array', items: { description: 'x' } }; },
      ['spec.validation.openAPIV3Schema.properties[spec].properties[list].items.type: Required value: must not be empty for specified array items']],
    ['a root that is not an object', (c) => { schemaOf(c)['type'] = 'string'; delete version(c)['subresources']; },
      ['spec.validation.openAPIV3Schema.type: Invalid value: "string": must be object at the root']],
    ['a type that is not an OpenAPI type', (c) => { (props(schemaOf(c))['spec'] as Obj)['type'] = 'map'; },
      ['spec.validation.openAPIV3Schema.properties[spec].type: Unsupported value: "map": supported values: "array", "boolean", "integer", "number", "object", "string"']],
    ['metadata restricted beyond name and generateName', (c) => { props(schemaOf(c))['metadata'] = { type: 'object', properties: { labels: { type: 'object' } } }; },
      ['spec.validation.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified']],
    ['a default in the top-level metadata', (c) => { props(schemaOf(c))['metadata'] = { type: 'object', default: { name: 'x' } }; },
      ['spec.validation.openAPIV3Schema.properties[metadata].default: Forbidden: must not be set in top-level metadata']],
    ['uniqueItems', (c) => { props(props(schemaOf(c))['spec'] as Obj)['list'] = { type: 'array', items: { type: 'string' }, uniqueItems: true }; },
      ['spec.validation.openAPIV3Schema.properties[spec].properties[list].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic']],
    ['properties and additionalProperties', (c) => { (props(schemaOf(c))['spec'] as Obj)['additionalProperties'] = { type: 'string' }; },
      ['spec.validation.openAPIV3Schema.properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive']],
    ['a default of the wrong type', (c) => { (props(props(schemaOf(c))['spec'] as Obj)['replicas'] as Obj)['default'] = 'three'; },
      ['spec.validation.openAPIV3Schema.properties[spec].properties[replicas].default: Invalid value: "string":  in body must be of type integer: "string"']],
    ['a default below its minimum', (c) => { (props(props(schemaOf(c))['spec'] as Obj)['replicas'] as Obj)['default'] = -1; },
      ['spec.validation.openAPIV3Schema.properties[spec].properties[replicas].default: Invalid value: -1:  in body should be greater than or equal to 0']],
    ['a default with unknown fields', (c) => { (props(schemaOf(c))['spec'] as Obj)['default'] = { colour: 'red' }; },
      ['spec.validation.openAPIV3Schema.properties[spec].default: Invalid value: {"colour":"red"}: must not have unknown fields']],
    ['an invalid pattern', (c) => { (props(props(schemaOf(c))['spec'] as Obj)['color'] as Obj)['pattern'] = '+'; },
      ['spec.validation.openAPIV3Schema.properties[spec].properties[color].pattern: Invalid value: "+": must be a valid regular expression, but isn\'t: error parsing regexp: missing argument to repetition operator: `+`']],
    ['a type in a value validation', (c) => { (props(schemaOf(c))['spec'] as Obj)['anyOf'] = [{ type: 'object', required: ['color'] }]; },
      ['spec.validation.openAPIV3Schema.properties[spec].anyOf[0].type: Forbidden: must be empty to be structural']],
    ['a value validation naming a field the schema lacks', (c) => { (props(schemaOf(c))['spec'] as Obj)['anyOf'] = [{ properties: { size: { minimum: 1 } } }]; },
      ['spec.validation.openAPIV3Schema.properties[spec].properties[size]: Required value: because it is defined in spec.validation.openAPIV3Schema.properties[spec].anyOf[0].properties[size]']],
    ['a map list without keys', (c) => { props(props(schemaOf(c))['spec'] as Obj)['ports'] = { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object', properties: { name: { type: 'string' } } } }; },
      ['spec.validation.openAPIV3Schema.properties[spec].properties[ports].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map']],
    ['a map list key that is optional without a default', (c) => {
      props(props(schemaOf(c))['spec'] as Obj)['ports'] = { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', properties: { name: { type: 'string' } } } };
    }, ['spec.validation.openAPIV3Schema.properties[spec].properties[ports].items.properties[name].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property']],
    ['a list type on an object', (c) => { (props(schemaOf(c))['spec'] as Obj)['x-kubernetes-list-type'] = 'set'; },
      ['spec.validation.openAPIV3Schema.properties[spec].type: Invalid value: "object": must be array if x-kubernetes-list-type is specified']],
    ['preserve-unknown-fields set to false', (c) => { (props(schemaOf(c))['spec'] as Obj)['x-kubernetes-preserve-unknown-fields'] = false; },
      ['spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined']],
    ['a status subresource with root fields it does not allow', (c) => { schemaOf(c)['additionalProperties'] = { type: 'string' }; delete schemaOf(c)['properties']; }, [
      'spec.validation.openAPIV3Schema: Invalid value: {"type":"object","additionalProperties":{"type":"string"}}: only [Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations] fields are allowed at the root of the schema if the status subresource is enabled',
      'spec.validation.openAPIV3Schema.additionalProperties: Forbidden: must not be used at the root',
    ]],
    ['a scale path outside .spec', (c) => { version(c)['subresources'] = { scale: { specReplicasPath: '.status.replicas', statusReplicasPath: '.status.replicas' } }; },
      ['spec.subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec']],
    ['a scale without its status path', (c) => { version(c)['subresources'] = { scale: { specReplicasPath: '.spec.replicas' } }; },
      ['spec.subresources.scale.statusReplicasPath: Required value']],
    ['a printer column without a type and with a bad path', (c) => { version(c)['additionalPrinterColumns'] = [{ name: 'Replicas', jsonPath: 'spec.replicas' }]; }, [
      'spec.additionalPrinterColumns[0].type: Required value: must be one of boolean,date,integer,number,string',
      'spec.additionalPrinterColumns[0].JSONPath: Invalid value: "spec.replicas": must be a simple json path starting with .',
    ]],
    ['an unknown printer column type and format', (c) => { version(c)['additionalPrinterColumns'] = [{ name: 'R', type: 'int', format: 'long', jsonPath: '.spec.replicas' }]; }, [
      'spec.additionalPrinterColumns[0].type: Invalid value: "int": must be one of boolean,date,integer,number,string',
      'spec.additionalPrinterColumns[0].format: Invalid value: "long": must be one of byte,date,date-time,double,float,int32,int64,password',
    ]],
    ['a community group without approval', (c) => { spec(c)['group'] = 'widgets.k8s.io'; (c['metadata'] as Obj)['name'] = 'widgets.widgets.k8s.io'; },
      ['metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111']],
    ['a webhook conversion without a client config', (c) => { spec(c)['conversion'] = { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'] } }; },
      ['spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook']],
  ];
  for (const [name, change, expected] of cases) {
    it(`refuses ${name}`, () => {
      expect(errors(crd(change))).toEqual(expected);
    });
  }

  it('refuses versions without exactly one storage version, in Go\'s rendering of the versions', () => {
    const none = errors(crd((c) => { version(c)['storage'] = false; }));
    expect(none).toHaveLength(2);
    expect(none[0]).toMatch(/^spec\.versions: Invalid value: \[\]apiextensions\.CustomResourceDefinitionVersion\{apiextensions\.CustomResourceDefinitionVersion\{Name:"v1", Served:true, Storage:false, .*\}\}: must have exactly one version marked as storage version$/);
    expect(none[1]).toBe('status.storedVersions: Invalid value: []string(nil): must have at least one stored version');
    const two = errors(crd((c) => { (spec(c)['versions'] as Obj[]).push({ ...structuredClone(version(c)), name: 'v2' }); }));
    expect(two).toHaveLength(2);
    expect(two[0]).toMatch(/: must have exactly one version marked as storage version$/);
    expect(two[1]).toBe('status.storedVersions: Invalid value: []string{"v1"}: must have the storage version v2');
    const dup = errors(crd((c) => { (spec(c)['versions'] as Obj[]).push({ ...structuredClone(version(c)), storage: false }); }));
    expect(dup[0]).toMatch(/: must contain unique version names$/);
  });

  it('reports per version when the versions\' schemas differ', () => {
    const c = crd((x) => {
      const v2 = structuredClone(version(x));
      v2['name'] = 'v2';
      v2['storage'] = false;
      delete (props(((v2['schema'] as Obj)['openAPIV3Schema'] as Obj))['spec'] as Obj)['type'];
      (spec(x)['versions'] as Obj[]).push(v2);
    });
    expect(errors(c)).toEqual(['spec.versions[1].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields']);
  });

  it('takes CEL rules without compiling them, but checks their shape', () => {
    expect(errors(crd((c) => { (props(schemaOf(c))['spec'] as Obj)['x-kubernetes-validations'] = [{ rule: 'self.replicas >= 0' }]; }))).toEqual([]);
    expect(errors(crd((c) => { (props(schemaOf(c))['spec'] as Obj)['x-kubernetes-validations'] = [{ rule: ' ' }]; })))
      .toEqual(['spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Required value: rule is not specified']);
  });

  it('takes int-or-string, embedded resources and preserved fields', () => {
    expect(errors(crd((c) => {
      const p = props(props(schemaOf(c))['spec'] as Obj);
      p['port'] = { 'x-kubernetes-int-or-string': true };
      p['template'] = { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true };
      p['config'] = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    }))).toEqual([]);
  });
});

describe('CustomResourceDefinition updates and deletion', () => {
  function stored(): Obj {
    const c = crd();
    defaultCrd(c);
    prepareCrdForCreate(c);
    (c['status'] as Obj)['conditions'] = [{ type: 'Established', status: 'True' }];
    return c;
  }

  it('keeps the group, plural and (once established) scope and kind', () => {
    const old = stored();
    const next = structuredClone(old);
    spec(next)['group'] = 'example.org';
    spec(next)['scope'] = 'Cluster';
    (spec(next)['names'] as Obj)['kind'] = 'Gadget';
    (spec(next)['names'] as Obj)['listKind'] = 'GadgetList';
    (next['metadata'] as Obj)['name'] = 'widgets.example.com';
    const errs = validateCrdUpdate(next, old).map(fieldErrorString);
    expect(errs).toContain('spec.scope: Invalid value: "Cluster": field is immutable');
    expect(errs).toContain('spec.names.kind: Invalid value: "Gadget": field is immutable');
    expect(errs).toContain('spec.group: Invalid value: "example.org": field is immutable');
  });

  it('marks a deleted definition Terminating behind its cleanup finalizer', () => {
    const c = stored();
    prepareCrdForDelete(c, '2024-01-01T00:00:00Z');
    expect((c['metadata'] as Obj)['finalizers']).toEqual(['customresourcecleanup.apiextensions.k8s.io']);
    expect(((c['status'] as Obj)['conditions'] as Obj[]).find((x) => x['type'] === 'Terminating')).toEqual({
      type: 'Terminating', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z', reason: 'InstanceDeletionPending',
      message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
    });
  });
});
