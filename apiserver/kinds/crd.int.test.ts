// CustomResourceDefinitions and custom resources driven by the real kubectl (1.32) against an
// in-process API server: the definition is applied and established, its resource appears in
// discovery at once and a custom resource applies right after; `get` prints the printer columns,
// `explain` the schema; kube's 422 for an invalid resource and its 400 for an unknown field under
// strict validation; scale, merge patch, the 415 of a strategic merge patch; deleting the
// definition removes its resources and the resource leaves discovery.
import { describe, expect, it } from 'vitest';
import { useKubectlServer } from '../testing/kubectl-server.ts';
import { until } from '../testing/until.ts';

type Obj = Record<string, unknown>;

const env = useKubectlServer({ minRequestTimeoutSeconds: 2 });
const { ok, fails, yamlOf } = env;

function at(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((cur, k) => (cur as Obj | undefined)?.[k], obj);
}

/** The header and the rows of `kubectl get` output, split on runs of spaces. */
function rows(out: string): string[][] {
  return out.trimEnd().split('\n').map((l) => l.trim().split(/\s{2,}/));
}

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
    shortNames: [wd]
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        description: A Widget is a thing with replicas.
        properties:
          spec:
            type: object
            description: What the widget should be.
            required: [color]
            properties:
              replicas:
                type: integer
                minimum: 0
                default: 1
                description: How many widgets.
              color:
                type: string
                enum: [red, green, blue]
                description: The colour of the widget.
              selector:
                type: string
          status:
            type: object
            properties:
              replicas:
                type: integer
              selector:
                type: string
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
        labelSelectorPath: .status.selector
    additionalPrinterColumns:
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Color
      type: string
      jsonPath: .spec.color
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
`;

const widget = (name: string, spec: string): string => `apiVersion: example.com/v1
kind: Widget
metadata:
  name: ${name}
spec:
${spec}`;

describe('CustomResourceDefinitions with kubectl', () => {
  it('applies a definition, which is established and listed', async () => {
    expect(await ok(['apply', '-f', env.kubectl.file('crd.yaml', CRD)])).toBe('customresourcedefinition.apiextensions.k8s.io/widgets.example.com created\n');
    const crd = await yamlOf('crd', 'widgets.example.com');
    const conditions = at(crd, 'status.conditions') as Obj[];
    expect(conditions.map((c) => [c['type'], c['status'], c['reason']])).toEqual([
      ['NamesAccepted', 'True', 'NoConflicts'],
      ['Established', 'True', 'InitialNamesAccepted'],
    ]);
    expect(at(crd, 'status.acceptedNames')).toEqual({ plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'] });
    expect(at(crd, 'status.storedVersions')).toEqual(['v1']);
    expect(at(crd, 'spec.conversion')).toEqual({ strategy: 'None' });
    const table = rows(await ok(['get', 'crd']));
    expect(table[0]).toEqual(['NAME', 'CREATED AT']);
    expect(table[1]?.[0]).toBe('widgets.example.com');
    expect(table[1]?.[1]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('applies a custom resource right away (kubectl\'s cached discovery predates the definition) and lists it in discovery', async () => {
    expect(await ok(['apply', '-f', env.kubectl.file('w.yaml', widget('w', '  color: red\n'))])).toBe('widget.example.com/w created\n');
    expect(await ok(['api-resources', '--no-headers'])).toMatch(/^widgets\s+wd\s+example\.com\/v1\s+true\s+Widget$/m);
    const w = await yamlOf('widget', 'w');
    expect(w['spec']).toEqual({ color: 'red', replicas: 1 });
    expect(at(w, 'metadata.generation')).toBe(1);
  });

  it('prints the printer columns', async () => {
    const table = rows(await ok(['get', 'widgets']));
    expect(table[0]).toEqual(['NAME', 'REPLICAS', 'COLOR', 'AGE']);
    expect(table[1]?.slice(0, 3)).toEqual(['w', '1', 'red']);
    expect(table[1]?.[3]).toMatch(/^\d+s$/);
    expect(rows(await ok(['get', 'wd', 'w']))[1]?.[0]).toBe('w');
  });

  it('applies a changed custom resource with a merge patch (no strategic merge for custom kinds)', async () => {
    expect(await ok(['apply', '-f', env.kubectl.file('w.yaml', widget('w', '  color: green\n'))])).toBe('widget.example.com/w configured\n');
    expect(await ok(['apply', '-f', env.kubectl.file('w.yaml', widget('w', '  color: green\n'))])).toBe('widget.example.com/w unchanged\n');
    expect(at(await yamlOf('widget', 'w'), 'spec')).toEqual({ color: 'green', replicas: 1 });
  });

  it('serves what a changed definition says: a new column, a second version', async () => {
    const changed = CRD.replace('    - name: Age\n', '    - name: Selector\n      type: string\n      jsonPath: .spec.selector\n      priority: 1\n    - name: Age\n')
      .replace('  versions:\n  - name: v1\n', `  versions:\n  - name: v1beta1\n    served: true\n    storage: false\n    schema:\n      openAPIV3Schema:\n        type: object\n        x-kubernetes-preserve-unknown-fields: true\n  - name: v1\n`);
    expect(await ok(['apply', '-f', env.kubectl.file('crd2.yaml', changed)])).toBe('customresourcedefinition.apiextensions.k8s.io/widgets.example.com configured\n');
    expect(rows(await ok(['get', 'widgets', '-o', 'wide']))[0]).toEqual(['NAME', 'REPLICAS', 'COLOR', 'SELECTOR', 'AGE']);
    const beta = JSON.parse(await ok(['get', '--raw', '/apis/example.com/v1beta1/namespaces/default/widgets/w'])) as Obj;
    expect(beta['apiVersion']).toBe('example.com/v1beta1');
    expect(at(beta, 'spec.color')).toBe('green');
    const group = JSON.parse(await ok(['get', '--raw', '/apis/example.com'])) as Obj;
    expect(at(group, 'preferredVersion')).toEqual({ groupVersion: 'example.com/v1', version: 'v1' });
    await ok(['apply', '-f', env.kubectl.file('crd.yaml', CRD)]);
  });

  it('explains the custom kind from its schema', async () => {
    const out = await ok(['explain', 'widget.spec']);
    expect(out).toContain('GROUP:      example.com\nKIND:       Widget\nVERSION:    v1\n');
    expect(out).toMatch(/FIELD: spec <Object>/);
    expect(out).toContain('What the widget should be.');
    expect(out).toMatch(/color\s+<string> -required-\n\s+enum: red, green, blue/);
    expect(out).toMatch(/replicas\s+<integer>/);
    expect(out).toContain('How many widgets.');
  });

  it('refuses an invalid custom resource with kube\'s 422', async () => {
    const err = await fails(['apply', '-f', env.kubectl.file('bad.yaml', widget('bad', '  color: purple\n  replicas: many\n'))]);
    expect(err).toContain('The Widget "bad" is invalid: ');
    expect(err).toContain('spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"');
    expect(err).toContain('spec.color: Unsupported value: "purple": supported values: "red", "green", "blue"');
    const negative = await fails(['create', '-f', env.kubectl.file('neg.yaml', widget('neg', '  color: red\n  replicas: -1\n'))]);
    expect(negative).toContain('spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0');
    const missing = await fails(['create', '-f', env.kubectl.file('missing.yaml', widget('missing', '  replicas: 2\n'))]);
    expect(missing).toContain('The Widget "missing" is invalid: spec.color: Required value');
  });

  it('refuses an unknown field under strict validation and prunes it otherwise', async () => {
    const err = await fails(['apply', '-f', env.kubectl.file('typo.yaml', widget('typo', '  color: red\n  colour: red\n'))]);
    expect(err).toContain('strict decoding error: unknown field "spec.colour"');
    expect(await ok(['apply', '--validate=false', '-f', env.kubectl.file('typo.yaml', widget('typo', '  color: red\n  colour: red\n'))])).toBe('widget.example.com/typo created\n');
    expect(at(await yamlOf('widget', 'typo'), 'spec')).toEqual({ color: 'red', replicas: 1 });
    const warn = await env.kubectl.run(['create', '--validate=warn', '-f', env.kubectl.file('warn.yaml', widget('warn', '  color: red\n  size: big\n'))]);
    expect(warn.code).toBe(0);
    expect(warn.stderr).toContain('unknown field "spec.size"');
  });

  it('scales through the scale subresource', async () => {
    const generation = at(await yamlOf('widget', 'w'), 'metadata.generation') as number;
    expect(await ok(['scale', 'widget', 'w', '--replicas=3'])).toBe('widget.example.com/w scaled\n');
    const w = await yamlOf('widget', 'w');
    expect(at(w, 'spec.replicas')).toBe(3);
    expect(at(w, 'metadata.generation')).toBe(generation + 1);
    const scale = JSON.parse(await ok(['get', '--raw', '/apis/example.com/v1/namespaces/default/widgets/w/scale'])) as Obj;
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 3 }, status: { replicas: 0 } });
  });

  it('keeps status apart: the main resource ignores it, /status ignores the rest', async () => {
    await ok(['patch', 'widget', 'w', '--type=merge', '-p', '{"status":{"replicas":9}}']);
    expect(at(await yamlOf('widget', 'w'), 'status')).toBeUndefined();
    await ok(['patch', 'widget', 'w', '--subresource=status', '--type=merge', '-p', '{"spec":{"replicas":7},"status":{"replicas":2,"selector":"app=w"}}']);
    const w = await yamlOf('widget', 'w');
    expect(at(w, 'status')).toEqual({ replicas: 2, selector: 'app=w' });
    expect(at(w, 'spec.replicas')).toBe(3);
    const scale = JSON.parse(await ok(['get', '--raw', '/apis/example.com/v1/namespaces/default/widgets/w/scale'])) as Obj;
    expect(scale['status']).toEqual({ replicas: 2, selector: 'app=w' });
  });

  it('patches with merge and JSON patches, and refuses a strategic merge patch', async () => {
    expect(await ok(['patch', 'widget', 'w', '--type=merge', '-p', '{"spec":{"color":"blue"}}'])).toBe('widget.example.com/w patched\n');
    expect(await ok(['patch', 'widget', 'w', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":5}]'])).toBe('widget.example.com/w patched\n');
    expect(at(await yamlOf('widget', 'w'), 'spec')).toEqual({ color: 'blue', replicas: 5 });
    const err = await fails(['patch', 'widget', 'w', '--type=strategic', '-p', '{"spec":{"color":"red"}}']);
    expect(err).toContain('the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
    const invalid = await fails(['patch', 'widget', 'w', '--type=merge', '-p', '{"spec":{"color":"pink"}}']);
    expect(invalid).toContain('spec.color: Unsupported value: "pink": supported values: "red", "green", "blue"');
  });

  it('refuses an invalid definition in kube\'s words', async () => {
    const bad = CRD.replace('name: widgets.example.com', 'name: gadgets.example.com').replace('plural: widgets', 'plural: gizmos')
      .replace('          status:\n            type: object\n', '          status:\n');
    const err = await fails(['create', '-f', env.kubectl.file('bad-crd.yaml', bad)]);
    expect(err).toContain('The CustomResourceDefinition "gadgets.example.com" is invalid: ');
    expect(err).toContain('metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group');
    expect(err).toContain('spec.validation.openAPIV3Schema.properties[status].type: Required value: must not be empty for specified object fields');
  });

  it('deletes the definition with its custom resources; the resource leaves discovery', async () => {
    expect(rows(await ok(['get', 'widgets', '--no-headers'])).length).toBeGreaterThan(1);
    expect(await ok(['delete', 'crd', 'widgets.example.com'])).toBe('customresourcedefinition.apiextensions.k8s.io "widgets.example.com" deleted\n');
    await until(async () => ((await env.kubectl.run(['get', 'crd', 'widgets.example.com'])).code !== 0 ? true : undefined), 10_000, 100);
    expect(await ok(['api-resources', '--no-headers'])).not.toMatch(/^widgets\s/m);
    const err = await fails(['get', 'widgets']);
    expect(err).toContain('the server doesn\'t have a resource type "widgets"');
    // defined again, it starts empty
    await ok(['apply', '-f', env.kubectl.file('crd.yaml', CRD)]);
    expect((await ok(['get', 'widgets', '-A'])).trim()).toBe('');
    expect((await env.kubectl.run(['get', 'widgets', '-A'])).stderr).toContain('No resources found');
  });
});
