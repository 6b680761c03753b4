// managedFields on every write and server-side apply, through the HTTP layer in-process: which
// manager a create, update, patch, /status and /scale write is recorded for (fieldManager or the
// User-Agent's prefix), the options' validation, and apply's create, update, conflicts, force,
// dry run, fieldValidation and no-op behaviour, with kube-apiserver 1.32's messages.
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/log.ts';
import { ApiServer } from '../server.ts';
import { createMemoryStorage } from '../storage/memory-storage.ts';

type Obj = Record<string, unknown>;

interface Entry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Obj;
  subresource?: string;
}

interface Answer {
  code: number;
  headers: Record<string, string | string[] | undefined>;
  body: Obj;
}

const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const TIME0 = '2026-03-01T12:00:00Z';
const clock = new FakeClock(T0);
let server: ApiServer;

beforeAll(async () => {
  server = await ApiServer.start({ storage: createMemoryStorage({ historySize: 50 }), log: silentLogger, clock });
});

afterAll(async () => {
  await server.close();
});

const APPLY = 'application/apply-patch+yaml';
const MERGE = 'application/merge-patch+json';

function call(method: string, path: string, opts: { body?: unknown; type?: string; ua?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    const headers: Record<string, string> = { Authorization: `Bearer ${server.credentials.adminToken}` };
    if (opts.ua !== undefined) headers['User-Agent'] = opts.ua;
    if (payload !== undefined) {
      headers['Content-Type'] = opts.type ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const req = httpsRequest({ host: '127.0.0.1', port: server.port, method, path, ca: server.credentials.caCert, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ code: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Obj });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function entries(obj: Obj): Entry[] {
  const md = obj['metadata'] as { managedFields?: Entry[] } | undefined;
  return md?.managedFields ?? [];
}

function entry(obj: Obj, manager: string, operation = 'Update', subresource?: string): Entry | undefined {
  return entries(obj).find((e) => e.manager === manager && e.operation === operation && e.subresource === subresource);
}

function rv(obj: Obj): string {
  return (obj['metadata'] as { resourceVersion: string }).resourceVersion;
}

/** The store clock's time as managedFields carry it. */
const now = (): string => new Date(clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');

const cmPath = (name = ''): string => `/api/v1/namespaces/default/configmaps${name === '' ? '' : `/${name}`}`;
const deployPath = (name = ''): string => `/apis/apps/v1/namespaces/default/deployments${name === '' ? '' : `/${name}`}`;

function configMap(name: string, data: Record<string, string>): Obj {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data };
}

function deployment(name: string, replicas?: number, image = 'nginx:1'): Obj {
  const spec: Obj = {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image }] } },
  };
  if (replicas !== undefined) spec['replicas'] = replicas;
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' }, spec };
}

async function created(path: string, body: Obj, query = ''): Promise<Obj> {
  const a = await call('POST', `${path}${query}`, { body });
  expect(a.code, JSON.stringify(a.body)).toBe(201);
  return a.body;
}

describe('managedFields on every write', () => {
  it('records a create as an Update by the fieldManager, at the store clock\'s time', async () => {
    const obj = await created(cmPath(), configMap('mf-create', { a: '1' }), '?fieldManager=alice');
    expect(entries(obj)).toEqual([{
      manager: 'alice', operation: 'Update', apiVersion: 'v1', time: TIME0, fieldsType: 'FieldsV1',
      fieldsV1: { 'f:data': { '.': {}, 'f:a': {} } },
    }]);
    // and it is stored so
    expect(entries((await call('GET', cmPath('mf-create'))).body)).toEqual(entries(obj));
  });

  it('names the manager by the User-Agent up to its first "/" when there is no fieldManager, "unknown" without either', async () => {
    const byAgent = (await call('POST', cmPath(), { body: configMap('mf-ua', { a: '1' }), ua: 'kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9' })).body;
    expect(entries(byAgent).map((e) => e.manager)).toEqual(['kubectl']);
    const odd = (await call('POST', cmPath(), { body: configMap('mf-ua-odd', { a: '1' }), ua: `my\u00a0tool-${'x'.repeat(200)}` })).body;
    // Go reads header bytes as UTF-8: the no-break space is not printable and goes; 128 bytes at most
    expect(entries(odd)[0]?.manager).toBe(`mytool-${'x'.repeat(121)}`);
    const nobody = (await call('POST', cmPath(), { body: configMap('mf-nobody', { a: '1' }) })).body;
    expect(entries(nobody).map((e) => e.manager)).toEqual(['unknown']);
    const both = (await call('POST', `${cmPath()}?fieldManager=explicit`, { body: configMap('mf-both', { a: '1' }), ua: 'kubectl/v1.32.0' })).body;
    expect(entries(both).map((e) => e.manager)).toEqual(['explicit']);
  });

  it('refuses a fieldManager that is too long or not printable, with the options\' other problems in one 422', async () => {
    const long = await call('POST', `${cmPath()}?fieldManager=${'m'.repeat(129)}`, { body: configMap('mf-long', {}) });
    expect(long.code).toBe(422);
    expect(long.body['message']).toBe('CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes');
    const tab = await call('PUT', `${cmPath('mf-create')}?fieldManager=a%09b&dryRun=Some`, { body: configMap('mf-create', {}) });
    expect(tab.code).toBe(422);
    expect(tab.body['message']).toBe('UpdateOptions.meta.k8s.io "" is invalid: [fieldManager: Invalid value: "a\\tb": invalid character U+0009 (at position 1), dryRun: Unsupported value: []string{"Some"}: supported values: "All"]');
    const force = await call('PATCH', `${cmPath('mf-create')}?force=false`, { body: { data: {} }, type: MERGE });
    expect(force.code).toBe(422);
    expect(force.body['message']).toBe('PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  });

  it('records updates and every patch type for their own manager; removed fields leave every set', async () => {
    await created(cmPath(), configMap('mf-writes', { a: '1', b: '2' }), '?fieldManager=creator');
    await clock.step(60_000);
    const put = await call('PUT', `${cmPath('mf-writes')}?fieldManager=putter`, { body: configMap('mf-writes', { a: '1', b: '2', c: '3' }) });
    expect(put.code).toBe(200);
    expect(entry(put.body, 'putter')).toEqual({
      manager: 'putter', operation: 'Update', apiVersion: 'v1', time: '2026-03-01T12:01:00Z', fieldsType: 'FieldsV1',
      fieldsV1: { 'f:data': { 'f:c': {} } },
    });
    const merge = await call('PATCH', `${cmPath('mf-writes')}?fieldManager=merger`, { body: { data: { d: '4' } }, type: MERGE });
    expect(entry(merge.body, 'merger')?.fieldsV1).toEqual({ 'f:data': { 'f:d': {} } });
    const strategic = await call('PATCH', `${cmPath('mf-writes')}?fieldManager=strategist`, { body: { metadata: { labels: { l: 'x' } } }, type: 'application/strategic-merge-patch+json' });
    expect(entry(strategic.body, 'strategist')?.fieldsV1).toEqual({ 'f:metadata': { 'f:labels': { '.': {}, 'f:l': {} } } });
    const json = await call('PATCH', `${cmPath('mf-writes')}?fieldManager=jsonpatcher`, { body: [{ op: 'remove', path: '/data/a' }, { op: 'add', path: '/data/e', value: '5' }], type: 'application/json-patch+json' });
    expect(json.code).toBe(200);
    expect(entry(json.body, 'jsonpatcher')?.fieldsV1).toEqual({ 'f:data': { 'f:e': {} } });
    // the creator lost data.a, which the JSON patch removed
    expect(entry(json.body, 'creator')?.fieldsV1).toEqual({ 'f:data': { '.': {}, 'f:b': {} } });
    // sorted as kube sorts them: operation, time, then manager
    expect(entries(json.body).map((e) => e.manager)).toEqual(['creator', 'jsonpatcher', 'merger', 'putter', 'strategist']);
  });

  it('keeps a no-op update a no-op: same resourceVersion, same entries', async () => {
    const obj = await created(cmPath(), configMap('mf-noop', { a: '1' }), '?fieldManager=creator');
    await clock.step(60_000);
    const put = await call('PUT', `${cmPath('mf-noop')}?fieldManager=other`, { body: configMap('mf-noop', { a: '1' }) });
    expect(rv(put.body)).toBe(rv(obj));
    expect(entries(put.body)).toEqual(entries(obj));
    const patch = await call('PATCH', `${cmPath('mf-noop')}?fieldManager=other`, { body: { data: { a: '1' } }, type: MERGE });
    expect(rv(patch.body)).toBe(rv(obj));
  });

  it('takes managedFields a write sets itself: [] resets them, valid entries are kept, invalid ones are a 422', async () => {
    await created(cmPath(), configMap('mf-own', { a: '1', b: '2' }), '?fieldManager=creator');
    const own: Entry = { manager: 'earlier', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } };
    const kept = await call('PUT', `${cmPath('mf-own')}?fieldManager=putter`, { body: { ...configMap('mf-own', { a: '1', b: '2' }), metadata: { name: 'mf-own', managedFields: [own] } } });
    expect(entries(kept.body)).toEqual([own]);
    // a create's own entries lose what it sets, like any other manager's
    const onCreate = await created(cmPath(), { ...configMap('mf-own2', { a: '1' }), metadata: { name: 'mf-own2', managedFields: [{ ...own, fieldsV1: { 'f:data': { 'f:a': {} }, 'f:metadata': { 'f:labels': { 'f:x': {} } } } }] } }, '?fieldManager=creator');
    expect(entries(onCreate).map((e) => [e.manager, e.fieldsV1])).toEqual([
      ['earlier', { 'f:metadata': { 'f:labels': { 'f:x': {} } } }],
      ['creator', { 'f:data': { '.': {}, 'f:a': {} } }],
    ]);
    const reset = await call('PUT', `${cmPath('mf-own')}?fieldManager=resetter`, { body: { ...configMap('mf-own', { a: '1', b: '2' }), metadata: { name: 'mf-own', managedFields: [] } } });
    expect(reset.code).toBe(200);
    expect(entries(reset.body)).toEqual([]);
    const bad = await call('PUT', `${cmPath('mf-own')}?fieldManager=x`, { body: { ...configMap('mf-own', { a: '1' }), metadata: { name: 'mf-own', managedFields: [{ ...own, manager: 'm'.repeat(130) }] } } });
    expect(bad.code).toBe(422);
    expect(bad.body['message']).toBe('ConfigMap "mf-own" is invalid: metadata.managedFields[0].manager: Too long: may not be more than 128 bytes');
  });

  it('records /status writes with subresource "status", owning status only; the main resource never owns status', async () => {
    await created(deployPath(), deployment('mf-status', 1), '?fieldManager=creator');
    const status = await call('PUT', `${deployPath('mf-status')}/status?fieldManager=controller`, { body: { ...deployment('mf-status', 1), status: { replicas: 1, readyReplicas: 1 } } });
    expect(status.code).toBe(200);
    expect(entry(status.body, 'controller', 'Update', 'status')?.fieldsV1).toEqual({ 'f:status': { 'f:readyReplicas': {}, 'f:replicas': {} } });
    const patched = await call('PATCH', `${deployPath('mf-status')}/status?fieldManager=patcher`, { body: { status: { availableReplicas: 1 } }, type: MERGE });
    expect(entry(patched.body, 'patcher', 'Update', 'status')?.fieldsV1).toEqual({ 'f:status': { 'f:availableReplicas': {} } });
    const main = await call('PUT', `${deployPath('mf-status')}?fieldManager=mainwriter`, { body: { ...deployment('mf-status', 1), status: { replicas: 9 } } });
    expect(main.code).toBe(200);
    expect(entry(main.body, 'mainwriter')).toBeUndefined();
    expect(JSON.stringify(entry(main.body, 'creator')?.fieldsV1)).not.toContain('f:status');
  });

  it('records /scale writes on the parent with subresource "scale"; the earlier owner of replicas gives it up', async () => {
    await created(deployPath(), deployment('mf-scale', 1), '?fieldManager=creator');
    const scaled = await call('PATCH', `${deployPath('mf-scale')}/scale`, { body: { spec: { replicas: 3 } }, type: MERGE, ua: 'kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9' });
    expect(scaled.code).toBe(200);
    expect(scaled.body['metadata']).not.toHaveProperty('managedFields');
    const parent = (await call('GET', deployPath('mf-scale'))).body;
    // the owner through /scale has no time: upstream takes times from the parent's entries
    expect(entry(parent, 'kubectl', 'Update', 'scale')).toEqual({
      manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } }, subresource: 'scale',
    });
    expect(JSON.stringify(entry(parent, 'creator')?.fieldsV1)).not.toContain('f:replicas');
    const put = await call('PUT', `${deployPath('mf-scale')}/scale?fieldManager=hpa`, { body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'mf-scale', namespace: 'default' }, spec: { replicas: 4 } } });
    expect(put.code).toBe(200);
    const after = (await call('GET', deployPath('mf-scale'))).body;
    expect(entry(after, 'hpa', 'Update', 'scale')?.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(entry(after, 'kubectl', 'Update', 'scale')).toBeUndefined();
  });
});

describe('server-side apply', () => {
  it('creates what does not exist (201) with an Apply entry owning exactly the applied fields', async () => {
    const a = await call('PATCH', `${deployPath('ssa-web')}?fieldManager=kubectl&fieldValidation=Strict&force=false`, { body: JSON.stringify(deployment('ssa-web', 2)), type: APPLY });
    expect(a.code).toBe(201);
    expect(entries(a.body)).toEqual([{
      manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: now(), fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:spec': {
          'f:replicas': {}, 'f:selector': {},
          'f:template': { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } },
        },
      },
    }]);
    // defaulted, prepared and validated like any create
    const spec = a.body['spec'] as Obj;
    expect(spec['revisionHistoryLimit']).toBe(10);
    expect((a.body['metadata'] as Obj)['generation']).toBe(1);
  });

  it('updates with a changed configuration (200): what the applier stopped applying is removed', async () => {
    await call('PATCH', `${cmPath('ssa-cm')}?fieldManager=kubectl`, { body: JSON.stringify(configMap('ssa-cm', { a: '1', b: '2' })), type: APPLY });
    const b = await call('PATCH', `${cmPath('ssa-cm')}?fieldManager=kubectl`, { body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-cm\ndata:\n  a: "10"\n', type: APPLY });
    expect(b.code).toBe(200);
    expect(b.body['data']).toEqual({ a: '10' });
    expect(entry(b.body, 'kubectl', 'Apply')?.fieldsV1).toEqual({ 'f:data': { 'f:a': {} } });
  });

  it('answers a conflict with 409 and kube\'s message and causes; force takes the field', async () => {
    await call('PATCH', `${deployPath('ssa-conflict')}?fieldManager=kubectl`, { body: JSON.stringify(deployment('ssa-conflict', 1)), type: APPLY });
    const other = await call('PATCH', `${deployPath('ssa-conflict')}?fieldManager=other`, { body: JSON.stringify(deployment('ssa-conflict', 5)), type: APPLY });
    expect(other.code).toBe(409);
    expect(other.body).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas',
      reason: 'Conflict',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.replicas' }] },
      code: 409,
    });
    const forced = await call('PATCH', `${deployPath('ssa-conflict')}?fieldManager=other&force=true`, { body: JSON.stringify(deployment('ssa-conflict', 5)), type: APPLY });
    expect(forced.code).toBe(200);
    expect((forced.body['spec'] as Obj)['replicas']).toBe(5);
    expect(JSON.stringify(entry(forced.body, 'kubectl', 'Apply')?.fieldsV1)).not.toContain('f:replicas');
    expect(JSON.stringify(entry(forced.body, 'other', 'Apply')?.fieldsV1)).toContain('f:replicas');
  });

  it('names an Update owner with its API version in the conflict (client-side apply, then a server-side apply)', async () => {
    await created(deployPath(), deployment('ssa-csa', 1), '?fieldManager=kubectl-client-side-apply');
    const a = await call('PATCH', `${deployPath('ssa-csa')}?fieldManager=mine`, { body: JSON.stringify(deployment('ssa-csa', 2)), type: APPLY });
    expect(a.code).toBe(409);
    expect(a.body['message']).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
  });

  it('shows the conflict with the /scale owner of replicas', async () => {
    await call('PATCH', `${deployPath('ssa-scale')}?fieldManager=kubectl`, { body: JSON.stringify(deployment('ssa-scale', 1)), type: APPLY });
    await call('PATCH', `${deployPath('ssa-scale')}/scale`, { body: { spec: { replicas: 3 } }, type: MERGE, ua: 'kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9' });
    const again = await call('PATCH', `${deployPath('ssa-scale')}?fieldManager=kubectl`, { body: JSON.stringify(deployment('ssa-scale', 1)), type: APPLY });
    expect(again.code).toBe(409);
    expect(again.body['message']).toBe('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas');
    // applying through /scale takes replicas with subresource "scale"
    const scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'ssa-scale', namespace: 'default' }, spec: { replicas: 6 } };
    const viaScale = await call('PATCH', `${deployPath('ssa-scale')}/scale?fieldManager=autoscaler&force=true`, { body: JSON.stringify(scale), type: APPLY });
    expect(viaScale.code).toBe(200);
    expect((viaScale.body['spec'] as Obj)['replicas']).toBe(6);
    const parent = (await call('GET', deployPath('ssa-scale'))).body;
    expect(entry(parent, 'autoscaler', 'Apply', 'scale')?.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(entry(parent, 'kubectl', 'Update', 'scale')).toBeUndefined();
  });

  it('leaves a no-op apply a no-op: same resourceVersion and entry time', async () => {
    const first = await call('PATCH', `${cmPath('ssa-noop')}?fieldManager=kubectl`, { body: JSON.stringify(configMap('ssa-noop', { a: '1' })), type: APPLY });
    await clock.step(60_000);
    const again = await call('PATCH', `${cmPath('ssa-noop')}?fieldManager=kubectl`, { body: JSON.stringify(configMap('ssa-noop', { a: '1' })), type: APPLY });
    expect(again.code).toBe(200);
    expect(rv(again.body)).toBe(rv(first.body));
    expect(entries(again.body)).toEqual(entries(first.body));
  });

  it('stores nothing on dryRun=All, creating or updating', async () => {
    const create = await call('PATCH', `${cmPath('ssa-dry')}?fieldManager=kubectl&dryRun=All`, { body: JSON.stringify(configMap('ssa-dry', { a: '1' })), type: APPLY });
    expect(create.code).toBe(201);
    expect((await call('GET', cmPath('ssa-dry'))).code).toBe(404);
    const real = await call('PATCH', `${cmPath('ssa-dry')}?fieldManager=kubectl`, { body: JSON.stringify(configMap('ssa-dry', { a: '1' })), type: APPLY });
    const dry = await call('PATCH', `${cmPath('ssa-dry')}?fieldManager=kubectl&dryRun=All`, { body: JSON.stringify(configMap('ssa-dry', { a: '2' })), type: APPLY });
    expect(dry.code).toBe(200);
    expect(dry.body['data']).toEqual({ a: '2' });
    const stored = (await call('GET', cmPath('ssa-dry'))).body;
    expect(stored['data']).toEqual({ a: '1' });
    expect(rv(stored)).toBe(rv(real.body));
  });

  it('checks duplicate keys by fieldValidation and always refuses fields the schema does not declare', async () => {
    const dup = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-strict\ndata:\n  a: "1"\n  a: "2"\n';
    const strict = await call('PATCH', `${cmPath('ssa-strict')}?fieldManager=kubectl&fieldValidation=Strict`, { body: dup, type: APPLY });
    expect(strict.code).toBe(400);
    expect(strict.body['message']).toBe('error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 7: key "a" already set in map');
    const warn = await call('PATCH', `${cmPath('ssa-strict')}?fieldManager=kubectl&fieldValidation=Warn`, { body: dup, type: APPLY });
    expect(warn.code).toBe(201);
    expect(warn.headers['warning']).toBe('299 - "line 7: key \\"a\\" already set in map"');
    const ignore = await call('PATCH', `${cmPath('ssa-strict')}?fieldManager=kubectl&fieldValidation=Ignore`, { body: dup, type: APPLY });
    expect(ignore.code).toBe(200);
    expect(ignore.headers['warning']).toBeUndefined();
    const unknown = await call('PATCH', `${deployPath('ssa-unknown')}?fieldManager=kubectl&fieldValidation=Ignore`, { body: JSON.stringify({ ...deployment('ssa-unknown', 1), spec: { replicas: 1, replica: 2 } }), type: APPLY });
    // always refused, as structured-merge-diff refuses it (kube 1.32 answers 500, its fix 400)
    expect(unknown.code).toBe(400);
    expect(unknown.body['message']).toBe('failed to create typed patch object (default/ssa-unknown; apps/v1, Kind=Deployment): .spec.replica: field not declared in schema');
    const wrongType = await call('PATCH', `${deployPath('ssa-unknown')}?fieldManager=kubectl`, { body: JSON.stringify({ ...deployment('ssa-unknown'), spec: { replicas: 'three' } }), type: APPLY });
    expect(wrongType.code).toBe(400);
    expect(wrongType.body['message']).toBe('failed to create typed patch object (default/ssa-unknown; apps/v1, Kind=Deployment): .spec.replicas: expected numeric (int or float), got string');
  });

  it('refuses malformed applies with kube\'s words', async () => {
    const path = `${cmPath('ssa-bad')}?fieldManager=kubectl`;
    const cases: [string, number, string][] = [
      ['apiVersion: v1\nkind: Secret\nmetadata: {name: ssa-bad}\n', 400, 'invalid object type: /v1, Kind=Secret'],
      ['', 400, 'invalid object type: /, Kind='],
      ['[1, 2]', 400, 'error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}'],
      ['"text"', 400, 'error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go value of type map[string]interface {}'],
      ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-bad\n  managedFields: []\n', 400, 'metadata.managedFields must be nil'],
      ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n', 400, 'the name of the object (other) does not match the name on the URL (ssa-bad)'],
      ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa-bad, namespace: kube-system}\n', 400, 'the namespace of the provided object does not match the namespace sent on the request'],
      ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa-bad, uid: "1234"}\n', 409, 'Operation cannot be fulfilled on configmaps "ssa-bad": uid mismatch: the provided object specified uid 1234, and no existing object was found'],
    ];
    for (const [body, code, message] of cases) {
      const a = await call('PATCH', path, { body, type: APPLY });
      expect([a.code, a.body['message']], body).toEqual([code, message]);
    }
    const noManager = await call('PATCH', cmPath('ssa-bad'), { body: JSON.stringify(configMap('ssa-bad', {})), type: APPLY });
    expect([noManager.code, noManager.body['message']]).toEqual([422, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch']);
    const cbor = await call('PATCH', path, { body: 'x', type: 'application/apply-patch+cbor' });
    expect([cbor.code, cbor.body['message']]).toEqual([415, 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml']);
    expect((await call('GET', cmPath('ssa-bad'))).code).toBe(404);
  });

  it('applies through /status (spec untouched, subresource "status") and does not create there', async () => {
    await call('PATCH', `${deployPath('ssa-status')}?fieldManager=kubectl`, { body: JSON.stringify(deployment('ssa-status', 1)), type: APPLY });
    const body = { ...deployment('ssa-status', 7, 'other:2'), status: { replicas: 1 } };
    const a = await call('PATCH', `${deployPath('ssa-status')}/status?fieldManager=controller`, { body: JSON.stringify(body), type: APPLY });
    expect(a.code).toBe(200);
    expect((a.body['spec'] as Obj)['replicas']).toBe(1);
    expect((a.body['status'] as Obj)['replicas']).toBe(1);
    expect(entry(a.body, 'controller', 'Apply', 'status')?.fieldsV1).toEqual({ 'f:status': { 'f:replicas': {} } });
    const missing = await call('PATCH', `${deployPath('ssa-nothing')}/status?fieldManager=controller`, { body: JSON.stringify({ ...deployment('ssa-nothing'), status: { replicas: 1 } }), type: APPLY });
    expect([missing.code, missing.body['message']]).toEqual([404, 'deployments.apps "ssa-nothing" not found']);
  });

  it('validates the result like any update (422)', async () => {
    await call('PATCH', `${deployPath('ssa-invalid')}?fieldManager=kubectl`, { body: JSON.stringify(deployment('ssa-invalid', 1)), type: APPLY });
    const a = await call('PATCH', `${deployPath('ssa-invalid')}?fieldManager=kubectl`, { body: JSON.stringify(deployment('ssa-invalid', -1)), type: APPLY });
    expect(a.code).toBe(422);
    expect(a.body['message']).toContain('spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  });
});
