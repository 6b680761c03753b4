// fieldValidation through the HTTP layer, in-process over TLS, as kube 1.32 answers it on create,
// update, the status subresource and every patch type: Strict refuses unknown and duplicate
// fields (400 for a body, 422 on "patch" for a patch), Warn — the default — stores the pruned
// object and sends one `Warning: 299 - "…"` header per problem, Ignore prunes silently; any other
// value is a 422 on the verb's options. Bodies and expectations follow upstream's
// test/integration/apiserver/field_validation_test.go.
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/log.ts';
import { ApiServer } from '../server.ts';
import { createMemoryStorage } from '../storage/memory-storage.ts';
import { invalidDeploymentJSON, invalidDeploymentYAML } from '../testing/field-validation-bodies.ts';

let server: ApiServer;

beforeAll(async () => {
  server = await ApiServer.start({ storage: createMemoryStorage({ historySize: 50 }), log: silentLogger });
  expect((await call('POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name: 'fv' } }))).code).toBe(201);
});

afterAll(async () => {
  await server.close();
});

interface Answer {
  code: number;
  warnings: string[];
  body: Record<string, unknown>;
}

function call(method: string, path: string, body?: string, contentType = 'application/json'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Authorization: `Bearer ${server.credentials.adminToken}` };
    if (body !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const req = httpsRequest({ host: '127.0.0.1', port: server.port, method, path, ca: server.credentials.caCert, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const warnings: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) if (res.rawHeaders[i]?.toLowerCase() === 'warning') warnings.push(res.rawHeaders[i + 1] ?? '');
        resolve({ code: res.statusCode ?? 0, warnings, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown> });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const PODS = '/api/v1/namespaces/fv/pods';
const DEPLOYMENTS = '/apis/apps/v1/namespaces/fv/deployments';
const header = (text: string): string => `299 - "${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;

function podWithTypo(name: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox', comand: ['sh'] }] } });
}

const validDeployment = (name: string): string => JSON.stringify({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels: { app: 'nginx' } },
  spec: { selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:latest', imagePullPolicy: 'Always' }] } } },
});

const JSON_STRICT_ERRORS = [
  'unknown field "spec.unknown1"', 'unknown field "spec.unknownDupe"', 'duplicate field "spec.paused"',
  'unknown field "spec.template.spec.containers[0].unknownNested"', 'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
];
const YAML_LINES = ['line 10: key "unknownDupe" already set in map', 'line 12: key "paused" already set in map', 'line 26: key "imagePullPolicy" already set in map'];
// kube converts YAML to JSON through a Go map: the unknown fields come in sorted order
const YAML_UNKNOWN = ['unknown field "spec.template.spec.containers[0].unknownNested"', 'unknown field "spec.unknown1"', 'unknown field "spec.unknownDupe"'];

describe('create', () => {
  it('Strict refuses an unknown field with the decoder\'s 400', async () => {
    const a = await call('POST', `${PODS}?fieldValidation=Strict`, podWithTypo('strict'));
    expect(a.code).toBe(400);
    expect(a.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
    expect(a.body['message']).toBe('Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].comand"');
    expect(a.warnings).toEqual([]);
    expect((await call('GET', `${PODS}/strict`)).code).toBe(404);
  });

  it('Warn stores the pruned object and warns once per field; no parameter means Warn', async () => {
    for (const [name, query] of [['warn', '?fieldValidation=Warn'], ['default', ''], ['empty', '?fieldValidation=']] as const) {
      const a = await call('POST', `${PODS}${query}`, podWithTypo(name));
      expect(a.code, name).toBe(201);
      expect(a.warnings, name).toEqual([header('unknown field "spec.containers[0].comand"')]);
      const stored = await call('GET', `${PODS}/${name}`);
      expect((stored.body['spec'] as { containers: Record<string, unknown>[] }).containers[0]).not.toHaveProperty('comand');
    }
  });

  it('Ignore stores the pruned object silently', async () => {
    const a = await call('POST', `${PODS}?fieldValidation=Ignore`, podWithTypo('ignore'));
    expect(a.code).toBe(201);
    expect(a.warnings).toEqual([]);
    expect((a.body['spec'] as { containers: Record<string, unknown>[] }).containers[0]).not.toHaveProperty('comand');
  });

  it('refuses any other value with a 422 on CreateOptions (the value is case-sensitive)', async () => {
    for (const value of ['junk', 'strict']) {
      const a = await call('POST', `${PODS}?fieldValidation=${value}`, podWithTypo('bad'));
      expect(a.code).toBe(422);
      expect(a.body).toMatchObject({ reason: 'Invalid', details: { group: 'meta.k8s.io', kind: 'CreateOptions' } });
      expect(a.body['message']).toBe(`CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "${value}": supported values: "", "Ignore", "Strict", "Warn"`);
    }
  });

  it('reports duplicate keys of a JSON body where Go does, in its order', async () => {
    const strict = await call('POST', `${DEPLOYMENTS}?fieldValidation=Strict`, invalidDeploymentJSON('dup-strict'));
    expect(strict.code).toBe(400);
    expect(strict.body['message']).toBe(`Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ${JSON_STRICT_ERRORS.join(', ')}`);
    const warn = await call('POST', DEPLOYMENTS, invalidDeploymentJSON('dup-warn'));
    expect(warn.code).toBe(201);
    expect(warn.warnings).toEqual(JSON_STRICT_ERRORS.map(header));
    // the last value of a repeated key wins, as in Go
    expect(warn.body['spec']).toMatchObject({ paused: false, template: { spec: { containers: [{ imagePullPolicy: 'Never' }] } } });
    expect(warn.body['spec']).not.toHaveProperty('unknown1');
  });

  it('reports a YAML body\'s duplicate keys as goyaml words them, one warning per line', async () => {
    const strict = await call('POST', `${DEPLOYMENTS}?fieldValidation=Strict`, invalidDeploymentYAML('yaml-strict'), 'application/yaml');
    expect(strict.code).toBe(400);
    expect(strict.body['message']).toBe(`Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: yaml: unmarshal errors:\n  ${YAML_LINES.join('\n  ')}, ${YAML_UNKNOWN.join(', ')}`);
    const warn = await call('POST', `${DEPLOYMENTS}?fieldValidation=Warn`, invalidDeploymentYAML('yaml-warn'), 'application/yaml');
    expect(warn.code).toBe(201);
    expect(warn.warnings).toEqual([...YAML_LINES, ...YAML_UNKNOWN].map(header));
    const ignore = await call('POST', `${DEPLOYMENTS}?fieldValidation=Ignore`, invalidDeploymentYAML('yaml-ignore'), 'application/yaml');
    expect(ignore.code).toBe(201);
    expect(ignore.warnings).toEqual([]);
  });

  it('refuses a wrong type whatever the directive, before any strict error', async () => {
    for (const fv of ['Strict', 'Warn', 'Ignore']) {
      const body = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'typed' }, spec: { replicas: 'two', bogus: 1 } });
      const a = await call('POST', `${DEPLOYMENTS}?fieldValidation=${fv}`, body);
      expect(a.code).toBe(400);
      expect(a.body['message']).toBe('Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
    }
  });

  it('sends the warnings with a failure too', async () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'Bad_Name' }, spec: { containers: [{ name: 'c', image: 'b', comand: [] }] } });
    const a = await call('POST', PODS, body);
    expect(a.code).toBe(422);
    expect(a.warnings).toEqual([header('unknown field "spec.containers[0].comand"')]);
  });
});

describe('update', () => {
  it('applies the directive to PUT and to the status subresource', async () => {
    expect((await call('POST', DEPLOYMENTS, validDeployment('put'))).code).toBe(201);
    const strict = await call('PUT', `${DEPLOYMENTS}/put?fieldValidation=Strict`, invalidDeploymentJSON('put'));
    expect(strict.code).toBe(400);
    expect(strict.body['message']).toBe(`Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ${JSON_STRICT_ERRORS.join(', ')}`);
    const warn = await call('PUT', `${DEPLOYMENTS}/put`, invalidDeploymentJSON('put'));
    expect(warn.code).toBe(200);
    expect(warn.warnings).toEqual(JSON_STRICT_ERRORS.map(header));
    const current = await call('GET', `${DEPLOYMENTS}/put`);
    const status = { ...current.body, status: { replicas: 0, bogus: 1 } };
    const s = await call('PUT', `${DEPLOYMENTS}/put/status?fieldValidation=Strict`, JSON.stringify(status));
    expect(s.code).toBe(400);
    expect(s.body['message']).toBe('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "status.bogus"');
    const bad = await call('PUT', `${DEPLOYMENTS}/put?fieldValidation=nope`, validDeployment('put'));
    expect(bad.code).toBe(422);
    expect(bad.body['message']).toBe('UpdateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "nope": supported values: "", "Ignore", "Strict", "Warn"');
  });
});

describe('patch', () => {
  const mergePatch = `{
    "spec": {
      "unknown1": "val1",
      "unknownDupe": "valDupe",
      "unknownDupe": "valDupe2",
      "paused": true,
      "paused": false,
      "template": { "spec": { "containers": [{ "name": "nginx", "image": "nginx:latest", "unknownNested": "val1", "imagePullPolicy": "Always", "imagePullPolicy": "Never" }] } }
    }
  }`;
  const jsonPatch = `[
    {"op": "add", "path": "/spec/unknown1", "value": "val1", "foo":"bar"},
    {"op": "add", "path": "/spec/unknown2", "path": "/spec/unknown3", "value": "val1"},
    {"op": "add", "path": "/spec/unknownDupe", "value": "valDupe"},
    {"op": "add", "path": "/spec/unknownDupe", "value": "valDupe2"},
    {"op": "add", "path": "/spec/paused", "value": true},
    {"op": "add", "path": "/spec/paused", "value": false},
    {"op": "add", "path": "/spec/template/spec/containers/0/unknownNested", "value": "val1"},
    {"op": "add", "path": "/spec/template/spec/containers/0/imagePullPolicy", "value": "Always"},
    {"op": "add", "path": "/spec/template/spec/containers/0/imagePullPolicy", "value": "Never"}
  ]`;
  const MERGE_ERRORS = [
    'duplicate field "spec.unknownDupe"', 'duplicate field "spec.paused"', 'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
    'unknown field "spec.template.spec.containers[0].unknownNested"', 'unknown field "spec.unknown1"', 'unknown field "spec.unknownDupe"',
  ];
  const JSON_PATCH_ERRORS = [
    'json patch unknown field "[0].foo"', 'json patch duplicate field "[1].path"',
    'unknown field "spec.template.spec.containers[0].unknownNested"', 'unknown field "spec.unknown1"', 'unknown field "spec.unknown3"', 'unknown field "spec.unknownDupe"',
  ];

  async function target(name: string): Promise<string> {
    expect((await call('POST', DEPLOYMENTS, validDeployment(name))).code).toBe(201);
    return `${DEPLOYMENTS}/${name}`;
  }

  it('merge patch: Strict is a 422 on "patch", Warn warns (the patch\'s repeats, then the result\'s unknown fields), Ignore is silent', async () => {
    const path = await target('merge');
    const strict = await call('PATCH', `${path}?fieldValidation=Strict`, mergePatch, 'application/merge-patch+json');
    expect(strict.code).toBe(422);
    expect(strict.body).toMatchObject({ reason: 'Invalid', details: { causes: [{ reason: 'FieldValueInvalid', field: 'patch' }] } });
    expect(strict.body['message']).toMatch(new RegExp(`^ "" is invalid: patch: Invalid value: ".*": strict decoding error: ${MERGE_ERRORS.join(', ').replace(/[[\]().]/g, (c) => `\\${c}`)}$`, 's'));
    const warn = await call('PATCH', path, mergePatch, 'application/merge-patch+json');
    expect(warn.code).toBe(200);
    expect(warn.warnings).toEqual(MERGE_ERRORS.map(header));
    expect(warn.body['spec']).not.toHaveProperty('unknown1');
    const ignore = await call('PATCH', `${path}?fieldValidation=Ignore`, mergePatch, 'application/merge-patch+json');
    expect(ignore.code).toBe(200);
    expect(ignore.warnings).toEqual([]);
  });

  it('JSON patch: the operations\' own unknown and repeated fields, then the result\'s', async () => {
    const path = await target('jsonpatch');
    const strict = await call('PATCH', `${path}?fieldValidation=Strict`, jsonPatch, 'application/json-patch+json');
    expect(strict.code).toBe(422);
    expect(String(strict.body['message'])).toContain(`strict decoding error: ${JSON_PATCH_ERRORS.join(', ')}`);
    const warn = await call('PATCH', `${path}?fieldValidation=Warn`, jsonPatch, 'application/json-patch+json');
    expect(warn.code).toBe(200);
    expect(warn.warnings).toEqual(JSON_PATCH_ERRORS.map(header));
    const typed = await call('PATCH', `${path}?fieldValidation=Strict`, '[{"op": 5, "path": "/spec/paused"}]', 'application/json-patch+json');
    expect(typed.code).toBe(400);
    expect(typed.body['message']).toBe('error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.op of type string');
  });

  it('strategic merge patch: the unknown fields of the result sorted, as the unstructured converter gives them', async () => {
    const path = await target('smp');
    const smp = '{"spec":{"unknownDupe":"a","unknownDupe":"b","paused":true,"paused":false,"zeta":1,"template":{"spec":{"containers":[{"name":"nginx","unknownNested":"v"}]}}}}';
    const errors = [
      'duplicate field "spec.unknownDupe"', 'duplicate field "spec.paused"',
      'unknown field "spec.template.spec.containers[0].unknownNested"', 'unknown field "spec.unknownDupe"', 'unknown field "spec.zeta"',
    ];
    const strict = await call('PATCH', `${path}?fieldValidation=Strict`, smp, 'application/strategic-merge-patch+json');
    expect(strict.code).toBe(422);
    expect(String(strict.body['message'])).toMatch(/^ "" is invalid: patch: Invalid value: "map\[spec:map\[/);
    expect(String(strict.body['message'])).toContain(`: strict decoding error: ${errors.join(', ')}`);
    const warn = await call('PATCH', path, smp, 'application/strategic-merge-patch+json');
    expect(warn.code).toBe(200);
    expect(warn.warnings).toEqual(errors.map(header));
  });

  it('a patch that adds nothing unknown warns about nothing', async () => {
    const path = await target('clean');
    const a = await call('PATCH', `${path}?fieldValidation=Strict`, '{"spec":{"paused":true}}', 'application/merge-patch+json');
    expect(a.code).toBe(200);
    expect(a.warnings).toEqual([]);
  });
});
