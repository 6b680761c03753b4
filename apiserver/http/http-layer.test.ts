// The HTTP layer in-process, on a real TLS socket: query decoding as upstream, watch start-up and
// ending, list consistency parameters, anonymous access, and the answers to requests Node would
// otherwise drop (CONNECT, oversized headers, broken escapes).
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/log.ts';
import { ApiServer } from '../server.ts';
import { createMemoryStorage } from '../storage/memory-storage.ts';

let server: ApiServer;
let port: number;
let ca: string;
let token: string;

beforeAll(async () => {
  server = await ApiServer.start({ storage: createMemoryStorage({ historySize: 20 }), log: silentLogger, bookmarkIntervalMs: 200 });
  port = server.port;
  ca = server.credentials.caCert;
  token = server.credentials.adminToken;
});

afterAll(async () => {
  await server.close();
});

interface Answer {
  code: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(method: string, path: string, opts: { body?: unknown; auth?: string | false; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.auth !== false) headers['Authorization'] = `Bearer ${opts.auth ?? token}`;
    if (payload !== undefined) {
      headers['Content-Type'] = headers['Content-Type'] ?? 'application/json';
      // Node's client sends a DELETE body without framing unless told its length
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const req = httpsRequest({ host: '127.0.0.1', port, method, path, ca, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => { resolve({ code: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }); });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Sends raw bytes over TLS and returns everything the server writes before it closes. */
function raw(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => { s.write(text); });
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => { resolve(Buffer.concat(chunks).toString('utf8')); });
    s.on('error', reject);
    s.setTimeout(5000, () => { s.destroy(new Error('no answer within 5 s')); });
  });
}

function statusOf(a: Answer | string): { code?: number; reason?: string; message?: string; kind?: string; details?: unknown } {
  const text = typeof a === 'string' ? a.slice(a.indexOf('\r\n\r\n') + 4) : a.body;
  return JSON.parse(text) as { code?: number; reason?: string; message?: string };
}

async function createConfigMap(ns: string, name: string): Promise<string> {
  const a = await call('POST', `/api/v1/namespaces/${ns}/configmaps`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' } } });
  expect(a.code).toBe(201);
  return (JSON.parse(a.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
}

/** Opens a watch and collects its lines; resolves `opened` when the status line arrives. */
function openWatch(path: string): { opened: Promise<number>; lines: string[]; ended: Promise<void>; close: () => void } {
  const lines: string[] = [];
  let close = (): void => undefined;
  let resolveEnded: () => void = () => undefined;
  const ended = new Promise<void>((r) => { resolveEnded = r; });
  const opened = new Promise<number>((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, ca, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      resolve(res.statusCode ?? 0);
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        const parts = buf.split('\n');
        buf = parts.pop() ?? '';
        lines.push(...parts.filter((p) => p !== ''));
      });
      res.on('end', () => { resolveEnded(); });
      res.on('error', () => { resolveEnded(); });
    });
    req.on('error', (err) => { reject(err); resolveEnded(); });
    close = (): void => { req.destroy(); };
    req.end();
  });
  return { opened, lines, ended, close };
}

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('watch', () => {
  it('answers 200 before any event, so a watch on a quiet collection starts at once', async () => {
    await call('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'quiet' } } });
    const list = JSON.parse((await call('GET', '/api/v1/namespaces/quiet/configmaps')).body) as { metadata: { resourceVersion: string } };
    const w = openWatch(`/api/v1/namespaces/quiet/configmaps?watch=true&resourceVersion=${list.metadata.resourceVersion}`);
    expect(await w.opened).toBe(200);
    expect(w.lines).toEqual([]);
    w.close();
  });

  it('takes the Python client\'s booleans (watch=True) and reads watch=False as a list', async () => {
    const w = openWatch('/api/v1/namespaces/default/configmaps?watch=True');
    expect(await w.opened).toBe(200);
    await createConfigMap('default', 'py-watch');
    await until(() => w.lines.some((l) => l.includes('py-watch')), 'the ADDED event');
    w.close();
    const list = await call('GET', '/api/v1/namespaces/default/configmaps?watch=False');
    expect(JSON.parse(list.body)).toMatchObject({ kind: 'ConfigMapList' });
  });

  it('ends at once for a negative timeoutSeconds, after a clean 200', async () => {
    const w = openWatch('/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=-1');
    expect(await w.opened).toBe(200);
    await w.ended;
    expect(w.lines).toEqual([]);
  });

  it('ends after timeoutSeconds', async () => {
    const w = openWatch('/api/v1/namespaces/quiet/configmaps?watch=1&timeoutSeconds=1');
    expect(await w.opened).toBe(200);
    const t0 = Date.now();
    await w.ended;
    expect(Date.now() - t0).toBeGreaterThan(800);
  });

  it('refuses a malformed integer with strconv\'s words', async () => {
    const a = await call('GET', '/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=ten');
    expect(a.code).toBe(400);
    expect(statusOf(a)).toMatchObject({ reason: 'BadRequest', message: 'strconv.ParseInt: parsing "ten": invalid syntax' });
    const b = await call('GET', '/api/v1/namespaces/default/configmaps?limit=99999999999999999999');
    expect(statusOf(b).message).toBe('strconv.ParseInt: parsing "99999999999999999999": value out of range');
  });

  it('sends bookmarks when asked, and a 410 ERROR event for a compacted version', async () => {
    const w = openWatch('/api/v1/namespaces/quiet/configmaps?watch=1&allowWatchBookmarks=True&resourceVersion=0');
    await w.opened;
    await until(() => w.lines.some((l) => l.includes('"BOOKMARK"')), 'a bookmark');
    w.close();
    for (let i = 0; i < 25; i++) await createConfigMap('default', `churn-${i}`);
    const old = openWatch('/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=2');
    expect(await old.opened).toBe(200);
    await old.ended;
    const ev = JSON.parse(old.lines[0] ?? '{}') as { type: string; object: { code: number; reason: string; message: string } };
    expect(ev).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
    expect(ev.object.message).toMatch(/^too old resource version: 2 \(\d+\)$/);
  });

  it('serves the watch-list protocol: initial events, then a bookmark marking their end', async () => {
    await createConfigMap('quiet', 'wl-1');
    const w = openWatch('/api/v1/namespaces/quiet/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true');
    await w.opened;
    await until(() => w.lines.length >= 2, 'two events');
    const [first, second] = w.lines.map((l) => JSON.parse(l) as { type: string; object: { metadata: { name?: string; annotations?: Record<string, string> } } });
    expect(first).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'wl-1' } } });
    expect(second).toMatchObject({ type: 'BOOKMARK', object: { metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } } });
    w.close();
    const bad = await call('GET', '/api/v1/namespaces/quiet/configmaps?watch=1&sendInitialEvents=true');
    expect(bad.code).toBe(422);
    expect(statusOf(bad).message).toBe('ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
  });
});

describe('list consistency', () => {
  it('serves Exact at an older version from the history, and refuses versions it cannot serve', async () => {
    const rv1 = await createConfigMap('default', 'exact-a');
    await call('DELETE', '/api/v1/namespaces/default/configmaps/exact-a');
    await createConfigMap('default', 'exact-b');
    const at = JSON.parse((await call('GET', `/api/v1/namespaces/default/configmaps?resourceVersion=${rv1}&resourceVersionMatch=Exact`)).body) as { items: { metadata: { name: string } }[]; metadata: { resourceVersion: string } };
    const names = at.items.map((i) => i.metadata.name);
    expect(names).toContain('exact-a');
    expect(names).not.toContain('exact-b');
    expect(at.metadata.resourceVersion).toBe(rv1);
    const now = JSON.parse((await call('GET', `/api/v1/namespaces/default/configmaps?resourceVersion=${rv1}&resourceVersionMatch=NotOlderThan`)).body) as { items: { metadata: { name: string } }[] };
    expect(now.items.map((i) => i.metadata.name)).toContain('exact-b');

    const future = await call('GET', '/api/v1/namespaces/default/configmaps?resourceVersion=999999&resourceVersionMatch=NotOlderThan');
    expect(future.code).toBe(504);
    expect(statusOf(future)).toMatchObject({ reason: 'Timeout', details: { causes: [{ reason: 'ResourceVersionTooLarge' }], retryAfterSeconds: 1 } });
    const gone = await call('GET', '/api/v1/namespaces/default/configmaps?resourceVersion=1&resourceVersionMatch=Exact');
    expect(gone.code).toBe(410);
    const invalid = await call('GET', '/api/v1/namespaces/default/configmaps?resourceVersionMatch=Exact');
    expect(invalid.code).toBe(422);
    expect(statusOf(invalid).message).toBe('ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
  });

  it('refuses an unknown dryRun value with a 422 on the verb\'s options', async () => {
    const a = await call('POST', '/api/v1/namespaces/default/configmaps?dryRun=Some', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' } } });
    expect(a.code).toBe(422);
    expect(statusOf(a).message).toBe('CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Some"}: supported values: "All"');
  });
});

describe('anonymous access', () => {
  it('serves health and version to anyone, verbose forms included', async () => {
    for (const p of ['/healthz', '/livez', '/readyz']) {
      const a = await call('GET', p, { auth: false });
      expect([p, a.code, a.body]).toEqual([p, 200, 'ok']);
    }
    const v = await call('GET', '/readyz?verbose', { auth: false });
    expect(v.body).toMatch(/^\[\+\]ping ok\n[\s\S]*readyz check passed\n$/);
    const version = await call('GET', '/version', { auth: false });
    expect(JSON.parse(version.body)).toMatchObject({ major: '1', minor: '32' });
  });

  it('refuses everything else in RBAC\'s words, and a bad token with 401', async () => {
    const api = await call('GET', '/api', { auth: false });
    expect(api.code).toBe(403);
    expect(statusOf(api).message).toBe('forbidden: User "system:anonymous" cannot get path "/api"');
    const pods = await call('GET', '/api/v1/namespaces/default/pods', { auth: false });
    expect(statusOf(pods)).toMatchObject({ code: 403, reason: 'Forbidden', message: 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"' });
    const ping = await call('GET', '/healthz/ping', { auth: false });
    expect(ping.code).toBe(403);
    const bad = await call('GET', '/healthz', { auth: 'nope' });
    expect(bad.code).toBe(401);
  });
});

describe('bodies and routes as upstream decodes them', () => {
  it('serves only list and watch on a namespaced kind\'s cluster-wide path', async () => {
    const a = await call('POST', '/api/v1/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } } });
    expect(statusOf(a)).toMatchObject({ code: 405, reason: 'MethodNotAllowed' });
    expect((await call('DELETE', '/api/v1/configmaps')).code).toBe(405);
    expect((await call('GET', '/api/v1/configmaps')).code).toBe(200);
  });

  it('takes a null metadata, refuses a non-object one and out-of-range DeleteOptions in the decoder\'s words', async () => {
    const nullMeta = await call('POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: null } });
    expect(statusOf(nullMeta).code).not.toBe(400);
    const strMeta = await call('POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: 'x' } });
    expect(statusOf(strMeta).message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal string into Go struct field ConfigMap.metadata of type v1.ObjectMeta');
    await createConfigMap('default', 'del-opts');
    const huge = await call('DELETE', '/api/v1/namespaces/default/configmaps/del-opts', { body: { gracePeriodSeconds: 1e300 } });
    expect(statusOf(huge)).toMatchObject({ code: 400, message: 'json: cannot unmarshal number 1e+300 into Go struct field DeleteOptions.gracePeriodSeconds of type int64' });
  });

  it('answers a HEAD watch with its headers and frees the connection', async () => {
    const t0 = Date.now();
    const a = await call('HEAD', '/api/v1/namespaces/default/configmaps?watch=1');
    expect(a.code).toBe(200);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('requests Node would drop', () => {
  it('answers CONNECT and TRACE on a collection with a 405 Status', async () => {
    const connect = await raw(`CONNECT /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    expect(connect.startsWith('HTTP/1.1 405 ')).toBe(true);
    expect(statusOf(connect)).toMatchObject({ kind: 'Status', code: 405, reason: 'MethodNotAllowed' });
    const trace = await call('TRACE', '/api/v1/namespaces/default/pods');
    expect(statusOf(trace)).toMatchObject({ code: 405, reason: 'MethodNotAllowed' });
  });

  it('takes a long URL kube takes, and answers one beyond the header limit with a 431 Status', async () => {
    const selector = Array.from({ length: 1500 }, (_, i) => `k${i}=v`).join(',');
    const long = await call('GET', `/api/v1/namespaces/default/configmaps?labelSelector=${encodeURIComponent(selector)}`);
    expect(long.code).toBe(200);
    const huge = await raw(`GET /api/v1/pods?x=${'a'.repeat(1_100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(huge.slice(0, 200)).toMatch(/^HTTP\/1.1 431 /);
    expect(statusOf(huge)).toMatchObject({ kind: 'Status', code: 431 });
  });

  it('answers a broken escape with 400 and serves a plain request that carries an Upgrade header', async () => {
    const bad = await call('GET', '/api/v1/namespaces/%zz/pods');
    expect(statusOf(bad)).toMatchObject({ code: 400, reason: 'BadRequest' });
    const h2c = await raw(`GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n`);
    expect(h2c.startsWith('HTTP/1.1 200 ')).toBe(true);
    expect(h2c).toContain('"NamespaceList"');
  });
});

describe('impersonation', () => {
  it('lets the admin act as another user (kubectl --as), who is then refused what it may not do', async () => {
    const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'default' } } };
    const asAdmin = await call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { body: review });
    expect(JSON.parse(asAdmin.body)).toMatchObject({ status: { allowed: true } });
    const asJane = await call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { body: review, headers: { 'Impersonate-User': 'jane' } });
    expect(JSON.parse(asJane.body)).toMatchObject({ status: { allowed: false } });
    const whoami = await call('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      headers: { 'Impersonate-User': 'system:serviceaccount:default:builder' },
    });
    expect(JSON.parse(whoami.body)).toMatchObject({ status: { userInfo: { username: 'system:serviceaccount:default:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] } } });
    const groupsOnly = await call('GET', '/api/v1/namespaces', { headers: { 'Impersonate-Group': 'devs' } });
    expect(groupsOnly.code).toBe(400);
  });
});
