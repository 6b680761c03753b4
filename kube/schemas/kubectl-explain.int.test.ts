// The real kubectl (1.32, through the dispatcher) against a minimal node:http server that serves
// the API server's discovery (apiserver/http/discovery.ts, plus apps/v1 deployments and batch/v1
// jobs when it does not list them yet) and the OpenAPI documents built here: `kubectl explain`
// prints upstream's descriptions, fields and types; `apply --validate=true` finds the
// fieldValidation parameter (so the server, not the client, rejects a typo); `create
// --dry-run=client -o yaml` validates and prints offline.
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregatedDiscovery, VERSION_INFO } from '../../apiserver/http/discovery.ts';
import { RESOURCES } from '../../apiserver/resources.ts';
import { Kubectl } from '../../apiserver/testing/kubectl.ts';
import { GENERATED_FILE, writeGenerated } from './generate.ts';
import { createOpenApiDocuments, type OpenApiDocuments, type ServedResource } from './openapi-documents.ts';

interface DiscoveryList {
  items: {
    metadata: { name?: string };
    versions: {
      version: string;
      resources: {
        resource: string;
        responseKind: { group: string; version: string; kind: string };
        scope: string;
        verbs: string[];
        subresources?: { subresource: string; responseKind: { group: string; version: string; kind: string }; verbs: string[] }[];
      }[];
    }[];
  }[];
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Resources kubectl explain is asked about here, added to discovery when it lacks them. */
const EXTRA: { group: string; resource: string; kind: string; singular: string }[] = [
  { group: 'apps', resource: 'deployments', kind: 'Deployment', singular: 'deployment' },
  { group: 'batch', resource: 'jobs', kind: 'Job', singular: 'job' },
];

function discovery(): { core: DiscoveryList; groups: DiscoveryList } {
  const core = aggregatedDiscovery(true, 'v2', RESOURCES) as DiscoveryList;
  const groups = aggregatedDiscovery(false, 'v2', RESOURCES) as DiscoveryList;
  for (const e of EXTRA) {
    let item = groups.items.find((i) => i.metadata.name === e.group);
    if (!item) {
      item = { metadata: { name: e.group }, versions: [{ version: 'v1', resources: [] }] };
      groups.items.push(item);
    }
    const v = item.versions[0];
    if (v && !v.resources.some((r) => r.resource === e.resource)) {
      v.resources.push({
        resource: e.resource, responseKind: { group: e.group, version: 'v1', kind: e.kind }, scope: 'Namespaced', verbs: ALL_VERBS,
        subresources: [{ subresource: 'status', responseKind: { group: e.group, version: 'v1', kind: e.kind }, verbs: ['get', 'patch', 'update'] }],
      });
    }
  }
  return { core, groups };
}

/** The served resources, read back from the discovery documents (one source for both). */
function servedFrom(lists: DiscoveryList[]): ServedResource[] {
  const out: ServedResource[] = [];
  for (const list of lists) {
    for (const item of list.items) {
      for (const v of item.versions) {
        for (const r of v.resources) {
          out.push({
            group: r.responseKind.group, version: r.responseKind.version, kind: r.responseKind.kind, resource: r.resource,
            namespaced: r.scope === 'Namespaced', verbs: r.verbs,
            subresources: (r.subresources ?? []).map((s) => ({
              name: s.subresource, kind: s.responseKind.kind, verbs: s.verbs, group: s.responseKind.group, version: s.responseKind.version,
            })),
          });
        }
      }
    }
  }
  return out;
}

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

let server: Server;
let kubectl: Kubectl;
let docs: OpenApiDocuments;
const requests: string[] = [];
/** Objects the server holds, by path; PATCH bodies it received. */
const objects = new Map<string, string>();
const patches: { path: string; type: string; body: string }[] = [];

interface Answer {
  code: number;
  body: string;
  type?: string;
  headers?: Record<string, string>;
}

const NOT_FOUND: Answer = {
  code: 404,
  body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404 }),
};

function answer(method: string, url: URL, body: string, contentType: string, d: ReturnType<typeof discovery>): Answer {
  const path = url.pathname;
  const held = objects.get(path);
  if (held !== undefined && method === 'GET') return { code: 200, body: held };
  if (held !== undefined && method === 'PATCH') {
    patches.push({ path, type: contentType, body });
    return { code: 200, body: held };
  }
  if (path === '/version') return { code: 200, body: JSON.stringify(VERSION_INFO) };
  if (path === '/api') return { code: 200, body: JSON.stringify(d.core), type: AGGREGATED };
  if (path === '/apis') return { code: 200, body: JSON.stringify(d.groups), type: AGGREGATED };
  if (path === '/openapi/v3') {
    const index = docs.v3Index();
    return { code: 200, body: index.json, headers: { ETag: index.etag } };
  }
  if (path.startsWith('/openapi/v3/')) {
    const doc = docs.v3(path.slice('/openapi/v3/'.length));
    return doc ? { code: 200, body: doc.json, headers: { ETag: doc.etag, 'Cache-Control': 'public, immutable' } } : NOT_FOUND;
  }
  // /openapi/v2 too: kubectl reads v2 only as protobuf, and 404 is what it tolerates
  if (method === 'POST') return { code: 201, body };
  return NOT_FOUND;
}

function handle(req: IncomingMessage, res: ServerResponse, d: ReturnType<typeof discovery>): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const method = req.method ?? 'GET';
  requests.push(`${method} ${url.pathname}${url.search}`);
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const a = answer(method, url, Buffer.concat(chunks).toString('utf8'), req.headers['content-type'] ?? '', d);
    res.writeHead(a.code, { 'Content-Type': a.type ?? 'application/json', 'Content-Length': Buffer.byteLength(a.body), ...(a.headers ?? {}) });
    res.end(a.body);
  });
}

beforeAll(async () => {
  if (!existsSync(GENERATED_FILE)) await writeGenerated();
  const d = discovery();
  docs = createOpenApiDocuments(servedFrom([d.core, d.groups]), { serverVersion: VERSION_INFO.gitVersion });
  server = createServer((req, res) => { handle(req, res, d); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  kubectl = new Kubectl([
    'apiVersion: v1', 'kind: Config', 'current-context: t',
    'clusters: [{name: t, cluster: {server: "http://127.0.0.1:' + String(port) + '"}}]',
    'contexts: [{name: t, context: {cluster: t, user: t, namespace: default}}]',
    'users: [{name: t, user: {}}]', '',
  ].join('\n'));
});

afterAll(async () => {
  kubectl.cleanup();
  await new Promise<void>((r) => server.close(() => { r(); }));
});

async function explain(...args: string[]): Promise<string> {
  const r = await kubectl.run(['explain', ...args]);
  if (r.code !== 0) throw new Error(`kubectl explain ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

describe('kubectl explain against the generated OpenAPI v3 documents', () => {
  it('pod.spec.containers: the field, its type and the Container fields', async () => {
    const out = await explain('pod.spec.containers');
    expect(out).toContain('KIND:       Pod\nVERSION:    v1\n');
    expect(out).toContain('FIELD: containers <[]Container>');
    expect(out).toContain('List of containers belonging to the pod. Containers cannot currently be');
    expect(out).toContain('A single application container that you want to run within a pod.');
    expect(out).toMatch(/ {2}name\t<string> -required-\n/);
    expect(out).toMatch(/ {2}ports\t<\[\]ContainerPort>\n/);
    expect(out).toMatch(/ {2}resources\t<ResourceRequirements>\n/);
    expect(out).toMatch(/ {2}env\t<\[\]EnvVar>\n/);
    expect(out).toMatch(/ {2}livenessProbe\t<Probe>\n/);
    expect(out).toMatch(/ {2}args\t<\[\]string>\n/);
    expect(out).toContain('FIELDS:\n');
  });

  it('deployment.spec.strategy --recursive: GROUP apps and the nested fields', async () => {
    const out = await explain('deployment.spec.strategy', '--recursive');
    expect(out).toContain('GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n');
    expect(out).toContain('FIELD: strategy <DeploymentStrategy>');
    expect(out).toContain('The deployment strategy to use to replace existing pods with new ones.');
    expect(out).toMatch(/ {2}rollingUpdate\t<RollingUpdateDeployment>\n {4}maxSurge\t<IntOrString>\n {4}maxUnavailable\t<IntOrString>\n {2}type\t<string>\n/);
  });

  it('job and job.spec.backoffLimit: a batch kind and an <integer> field', async () => {
    const job = await explain('job');
    expect(job).toContain('GROUP:      batch\nKIND:       Job\nVERSION:    v1\n');
    expect(job).toContain('Job represents the configuration of a single job.');
    expect(job).toMatch(/ {2}spec\t<JobSpec>\n/);
    expect(job).toMatch(/ {2}metadata\t<ObjectMeta>\n/);
    const field = await explain('job.spec.backoffLimit');
    expect(field).toContain('FIELD: backoffLimit <integer>');
    expect(field).toContain('Specifies the number of retries before marking this job failed. Defaults to');
  });

  it('maps, quantities and times: <map[string]string>, <map[string]Quantity>, Time as <string>', async () => {
    const res = await explain('pod.spec.containers.resources');
    expect(res).toMatch(/ {2}limits\t<map\[string\]Quantity>\n/);
    const labels = await explain('pod.metadata.labels');
    expect(labels).toContain('FIELD: labels <map[string]string>');
    const created = await explain('pod.metadata.creationTimestamp');
    expect(created).toContain('FIELD: creationTimestamp <string>');
    expect(created).toContain('CreationTimestamp is a timestamp representing the server time when this');
  });

  it('a missing field is kubectl\'s own error', async () => {
    const r = await kubectl.run(['explain', 'pod.spec.nope']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('field "nope" does not exist');
  });
});

describe('kubectl validation with the documents', () => {
  const typo = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: typo\nspec:\n  containers:\n  - name: c\n    image: busybox\n    imagee: x\n';

  it('apply --validate=true finds the fieldValidation parameter and lets the server validate strictly', async () => {
    requests.length = 0;
    const r = await kubectl.run(['apply', '--validate=true', '-f', kubectl.file('typo.yaml', typo)]);
    expect(r.stderr).not.toContain('failed to download openapi');
    const post = requests.find((q) => q.startsWith('POST /api/v1/namespaces/default/pods'));
    expect(post).toContain('fieldValidation=Strict');
    expect(requests.some((q) => q.startsWith('GET /openapi/v3?'))).toBe(true);
    expect(requests.some((q) => q.startsWith('GET /openapi/v3/api/v1?hash='))).toBe(true);
  });

  it('client-side apply computes the strategic merge patch from the v3 schemas (merge keys, $setElementOrder)', async () => {
    const applied = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', env: [{ name: 'A', value: '1' }] }, { name: 'side', image: 'busybox' }] } } } };
    const live = { ...applied, metadata: { ...applied.metadata, resourceVersion: '7', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(applied) } } };
    objects.set('/apis/apps/v1/namespaces/default/deployments/web', JSON.stringify(live));
    const manifest = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.28\n        env: [{name: A, value: "1"}]\n';
    patches.length = 0;
    requests.length = 0;
    const r = await kubectl.run(['apply', '-f', kubectl.file('web.yaml', manifest)]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('deployment.apps/web configured\n');
    expect(patches).toHaveLength(1);
    expect(patches[0]?.type).toBe('application/strategic-merge-patch+json');
    const patch = JSON.parse(patches[0]?.body ?? '{}') as { spec: { template: { spec: Record<string, unknown> } } };
    // computed from the v3 schemas: kubectl never fell back to /openapi/v2 or its built-in types
    expect(requests.some((q) => q.startsWith('GET /openapi/v2'))).toBe(false);
    // containers merged by name: the removed one deleted by directive, the kept one patched in place
    expect(patch.spec.template.spec['$setElementOrder/containers']).toEqual([{ name: 'web' }]);
    expect(patch.spec.template.spec['containers']).toEqual(expect.arrayContaining([{ image: 'nginx:1.28', name: 'web' }, { $patch: 'delete', name: 'side' }]));
  });

  it('create --dry-run=client -o yaml prints the object without a request to write it', async () => {
    requests.length = 0;
    const ok = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n';
    const r = await kubectl.run(['create', '--dry-run=client', '-o', 'yaml', '-f', kubectl.file('dep.yaml', ok)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kind: Deployment');
    expect(requests.some((q) => q.startsWith('POST'))).toBe(false);
  });
});
