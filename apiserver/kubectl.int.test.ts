// The API server driven by the real kubectl (1.32, via the dispatcher) over HTTPS with a bearer
// token: what a user types and what they see.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../lib/paths.ts';
import { NODES, PODS, type KubeObject } from '../kube/client/client.ts';
import { parseKubeconfig } from '../kube/client/kubeconfig.ts';
import { Kubectl } from './testing/kubectl.ts';
import { useKubectlServer } from './testing/kubectl-server.ts';
import { until } from './testing/until.ts';

const env = useKubectlServer({ minRequestTimeoutSeconds: 2 });
const { ok } = env;

const NODE = `apiVersion: v1
kind: Node
metadata:
  name: node1
  labels: {kubernetes.io/hostname: node1}
status:
  capacity: {cpu: "4", memory: 8Gi, pods: "110"}
  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
  conditions:
  - {type: Ready, status: "True", reason: KubeletReady, message: kubelet is posting ready status}
  addresses:
  - {type: InternalIP, address: 127.0.0.1}
`;

function podYaml(name: string, image: string, labels = 'app: web'): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: {${labels}}
spec:
  containers:
  - name: main
    image: ${image}
`;
}

describe('kubectl against nodelet apiserver', () => {
  it('refuses anonymous requests with 403 and a wrong token with 401', async () => {
    const conn = parseKubeconfig(env.server.kubeconfig());
    const status = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = request(`${env.server.url}/api/v1/namespaces`, { ca: conn.ca }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => { body += c.toString(); });
        res.on('end', () => { resolve({ code: res.statusCode ?? 0, body }); });
      });
      req.on('error', reject);
      req.end();
    });
    expect(status.code).toBe(403);
    expect(JSON.parse(status.body)).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403, details: { kind: 'namespaces' },
      message: 'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope',
    });
    const r = await env.kubectl.run(['get', 'pods', '--token', 'wrong']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('You must be logged in to the server');
  });

  it('serves version and discovery', async () => {
    expect(await ok(['version'])).toContain('Server Version: v1.32.4');
    const resources = await ok(['api-resources', '--no-headers']);
    expect(resources).toMatch(/^pods\s+po\s+v1\s+true\s+Pod$/m);
    expect(resources).toMatch(/^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m);
    expect(resources).toMatch(/^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
  });

  it('applies a pod (created, then configured) and schedules it onto a Ready node', async () => {
    await ok(['create', '-f', env.kubectl.file('node.yaml', NODE)]);
    expect(await ok(['apply', '-f', env.kubectl.file('web.yaml', podYaml('web', 'nginx:1.27'))])).toBe('pod/web created\n');
    expect(await ok(['apply', '-f', env.kubectl.file('web2.yaml', podYaml('web', 'nginx:1.28', 'app: web, tier: fe'))])).toBe('pod/web configured\n');
    expect(await ok(['apply', '-f', env.kubectl.file('web2.yaml', podYaml('web', 'nginx:1.28', 'app: web, tier: fe'))])).toBe('pod/web unchanged\n');
    expect(await ok(['get', 'pod', 'web', '-o', 'jsonpath={.spec.containers[0].image} {.metadata.labels.tier}'])).toBe('nginx:1.28 fe');
    await until(async () => ((await env.client.get<KubeObject & { spec: { nodeName?: string } }>(PODS, 'default', 'web')).spec.nodeName === 'node1' ? true : undefined), 5000);
    const described = await ok(['describe', 'pod', 'web']);
    expect(described).toMatch(/Node:\s+node1/);
    expect(described).toMatch(/Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/web to node1/);
  });

  it('creates from a file once, and reports AlreadyExists the second time', async () => {
    const f = env.kubectl.file('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: fast}\n');
    expect(await ok(['create', '-f', f])).toBe('configmap/settings created\n');
    const again = await env.kubectl.run(['create', '-f', f]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Error from server (AlreadyExists): error when creating');
    expect(again.stderr).toContain('configmaps "settings" already exists');
    expect(JSON.parse(await ok(['get', 'cm', 'settings', '-o', 'json']))).toMatchObject({ kind: 'ConfigMap', data: { mode: 'fast' }, metadata: { namespace: 'default' } });
  });

  it('lists across namespaces with labels, and in yaml', async () => {
    await ok(['apply', '-f', env.kubectl.file('other.yaml', podYaml('other', 'busybox', 'app: other').replace('metadata:\n', 'metadata:\n  namespace: kube-public\n'))]);
    const all = await ok(['get', 'pods', '-A', '--show-labels']);
    expect(all).toMatch(/^NAMESPACE\s+NAME\s+.*LABELS$/m);
    expect(all).toMatch(/^kube-public\s+other\s+.*app=other$/m);
    expect(all).toMatch(/^default\s+web\s+.*app=web,tier=fe$/m);
    const y = await ok(['get', 'pod', 'other', '-n', 'kube-public', '-o', 'yaml']);
    expect(y).toContain('kind: Pod');
    expect(y).toContain('namespace: kube-public');
    expect(await ok(['get', 'pods', '-l', 'app=web', '-o', 'name'])).toBe('pod/web\n');
    expect(await ok(['get', 'pods', '-A', '--field-selector', 'metadata.namespace=kube-public', '-o', 'name'])).toBe('pod/other\n');
  });

  it('prints server-side tables with kubectl\'s columns, wide ones with -o wide', async () => {
    const table = await ok(['get', 'pods']);
    expect(table).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
    expect(table).toMatch(/^web\s+0\/1\s+Pending\s+0\s+\d+s$/m);
    const wide = await ok(['get', 'pods', '-o', 'wide']);
    expect(wide).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/m);
    expect(wide).toMatch(/^web\s+.*\s+<none>\s+node1\s+<none>\s+<none>$/m);
    expect(await ok(['get', 'nodes'])).toMatch(/^node1\s+Ready\s+<none>\s+\d+s\s+$/m);
    expect(await ok(['get', 'ns', 'default'])).toMatch(/^default\s+Active\s+\d+s$/m);
  });

  it('creates configmaps, secrets and namespaces from the generator commands (protobuf bodies)', async () => {
    expect(await ok(['create', 'configmap', 'gen', '--from-literal=color=blue'])).toBe('configmap/gen created\n');
    expect(await ok(['create', 'secret', 'generic', 'pw', '--from-literal=password=s3cr3t'])).toBe('secret/pw created\n');
    expect(await ok(['create', 'namespace', 'made'])).toBe('namespace/made created\n');
    expect(await ok(['get', 'cm', 'gen', '-o', 'jsonpath={.data.color}'])).toBe('blue');
    expect(Buffer.from(await ok(['get', 'secret', 'pw', '-o', 'jsonpath={.data.password}']), 'base64').toString()).toBe('s3cr3t');
    expect(await ok(['get', 'secret', 'pw'])).toMatch(/^pw\s+Opaque\s+1\s+\d+s$/m);
    expect(await ok(['get', 'ns', 'made', '-o', 'jsonpath={.status.phase}'])).toBe('Active');
  });

  it('labels and patches with merge, strategic and json patches', async () => {
    expect(await ok(['label', 'pod', 'web', 'stage=prod'])).toBe('pod/web labeled\n');
    expect(await ok(['patch', 'pod', 'web', '--type=merge', '-p', '{"metadata":{"annotations":{"note":"m"}}}'])).toBe('pod/web patched\n');
    expect(await ok(['patch', 'pod', 'web', '-p', '{"spec":{"containers":[{"name":"main","image":"nginx:1.29"}]}}'])).toBe('pod/web patched\n');
    expect(await ok(['patch', 'pod', 'web', '--type=json', '-p', '[{"op":"add","path":"/metadata/labels/json","value":"yes"}]'])).toBe('pod/web patched\n');
    const pod = JSON.parse(await ok(['get', 'pod', 'web', '-o', 'json'])) as { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: { containers: { name: string; image: string }[] } };
    expect(pod.metadata.labels).toMatchObject({ stage: 'prod', json: 'yes', app: 'web' });
    expect(pod.metadata.annotations['note']).toBe('m');
    expect(pod.spec.containers).toMatchObject([{ name: 'main', image: 'nginx:1.29' }]);
  });

  it('rejects invalid manifests with field paths (422)', async () => {
    const bad = env.kubectl.file('bad.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Name}\nspec:\n  containers:\n  - name: c\n');
    const r = await env.kubectl.run(['create', '-f', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The Pod "Bad_Name" is invalid');
    expect(r.stderr).toContain('spec.containers[0].image: Required value');
    expect(r.stderr).toContain('metadata.name: Invalid value: "Bad_Name"');
    const wrongKind = await env.kubectl.run(['get', '--raw', '/api/v1/namespaces/default/pods/x/nope']);
    expect(wrongKind.code).toBe(1);
  });

  it('waits for a condition set through the API', async () => {
    const waiting = env.kubectl.run(['wait', '--for=condition=Ready', 'pod/web', '--timeout=10s']);
    await new Promise((r) => setTimeout(r, 300));
    const pod = await env.client.get<KubeObject & { status: Record<string, unknown> }>(PODS, 'default', 'web');
    await env.client.updateStatus(PODS, 'default', { ...pod, status: { ...pod.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
    const r = await waiting;
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('pod/web condition met\n');
  });

  it('watches with get -w until the server ends the stream', async () => {
    const child = spawn('kubectl', ['--cache-dir', join(env.kubectl.dir, 'cache'), 'get', 'pods', '-w', '--no-headers'], { env: { ...process.env, KUBECONFIG: env.kubectl.kubeconfig, HOME: env.kubectl.dir } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await until(() => (out.includes('web') ? true : undefined), 5000);
    await ok(['apply', '-f', env.kubectl.file('late.yaml', podYaml('late', 'busybox', 'app: late'))]);
    await until(() => (out.includes('late') ? true : undefined), 5000);
    // minRequestTimeoutSeconds=2: the server ends the watch within 4 s and kubectl exits 0.
    expect(await exited).toBe(0);
    expect(out).toMatch(/^late\s/m);
  });

  it('deletes gracefully (bound pods wait for their node) and forcibly', async () => {
    const r = await env.kubectl.run(['delete', 'pod', 'web', '--wait=false']);
    expect(r.stdout).toBe('pod "web" deleted\n');
    const terminating = await env.client.get<KubeObject>(PODS, 'default', 'web');
    expect(terminating.metadata?.deletionTimestamp).toBeDefined();
    expect(terminating.metadata?.deletionGracePeriodSeconds).toBe(30);
    const forced = await env.kubectl.run(['delete', 'pod', 'web', '--grace-period=0', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain('Immediate deletion does not wait');
    const gone = await env.kubectl.run(['get', 'pod', 'web']);
    expect(gone.stderr).toContain('Error from server (NotFound): pods "web" not found');
    // A pod that is not bound to a node goes at once.
    await env.client.delete(NODES, undefined, 'node1');
    await ok(['run', 'lonely', '--image=busybox', '--restart=Never']);
    expect(await ok(['delete', 'pod', 'lonely'])).toBe('pod "lonely" deleted\n');
  });

  it('deletes a namespace with its content', async () => {
    await ok(['create', '-f', env.kubectl.file('ns.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n')]);
    await until(async () => ((await env.kubectl.run(['get', 'sa', 'default', '-n', 'team'])).code === 0 ? true : undefined), 5000);
    await ok(['create', '-f', env.kubectl.file('cm-team.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: team}\n')]);
    expect(await ok(['delete', 'namespace', 'team', '--timeout=10s'])).toBe('namespace "team" deleted\n');
    const r = await env.kubectl.run(['get', 'ns', 'team']);
    expect(r.stderr).toContain('namespaces "team" not found');
  });
});

describe('nodelet apiserver process', () => {
  let dir: string;
  let child: ChildProcess | undefined;

  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'nodelet-apiserver-')); });
  afterAll(() => {
    if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  async function startProcess(port: number): Promise<ChildProcess> {
    const p = spawn(join(PROJECT_ROOT, 'bin', 'nodelet'), ['apiserver', '--data-dir', dir, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODELET_LOG_LEVEL: 'warn' } });
    let out = '';
    p.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    await until(() => (out.includes('listening') ? true : undefined), 20_000);
    return p;
  }

  it('keeps every acknowledged object across kill -9 and a restart on the same data dir', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    child = await startProcess(port);
    const k = new Kubectl(readFileSync(join(dir, 'kubeconfig'), 'utf8'));
    try {
      for (let i = 0; i < 5; i++) {
        const r = await k.run(['create', '-f', k.file(`cm${i}.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm${i}}\ndata: {i: "${i}"}\n`)]);
        expect(r.stdout).toBe(`configmap/cm${i} created\n`);
      }
      const running = child;
      const killed = new Promise((resolve) => running.on('exit', resolve));
      running.kill('SIGKILL');
      await killed;
      const token = readFileSync(join(dir, 'node-token'), 'utf8');
      child = await startProcess(port);
      expect(readFileSync(join(dir, 'node-token'), 'utf8')).toBe(token);
      const names = await k.run(['get', 'cm', '-o', 'name']);
      expect(names.stdout.split('\n').filter((l) => l.startsWith('configmap/cm'))).toEqual(['configmap/cm0', 'configmap/cm1', 'configmap/cm2', 'configmap/cm3', 'configmap/cm4']);
    } finally {
      k.cleanup();
    }
  });
});
