// apps/v1 through the real kubectl (1.32) against an in-process API server: the generators,
// tables, defaults, the scale subresource, every patch type, apply and re-apply of each workload
// kind, watch, delete, the category `all`, and kube's 422 texts. No controller runs: nothing
// creates pods from these objects.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useKubectlServer } from '../testing/kubectl-server.ts';
import { until } from '../testing/until.ts';

const env = useKubectlServer({ minRequestTimeoutSeconds: 5 });
const { ok } = env;

/** A field of an object, by kubectl's jsonpath: JSON values parsed, plain strings as they are. */
async function field(resource: string, name: string, path: string): Promise<unknown> {
  const text = await ok(['get', resource, name, '-o', `jsonpath={${path}}`]);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const TEMPLATE_GENERATION = '.metadata.annotations.deprecated\\.daemonset\\.template\\.generation';

function workloads(image: string, replicas: number): string {
  const template = (app: string): string => `  template:
    metadata: {labels: {app: ${app}}}
    spec:
      containers:
      - name: main
        image: ${image}
        ports:
        - containerPort: 8080`;
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: api}}
${template('api')}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: front}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: front}}
${template('front')}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: ${replicas}
  selector: {matchLabels: {app: db}}
${template('db')}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
${template('agent')}
      nodeSelector: {kubernetes.io/os: linux}
`;
}

describe('apps/v1 with kubectl', () => {
  it('creates a deployment from the generator and prints kube\'s tables', async () => {
    expect(await ok(['create', 'deployment', 'web', '--image=localhost/busybox:local', '--replicas=2'])).toBe('deployment.apps/web created\n');
    const table = await ok(['get', 'deployments']);
    expect(table).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m);
    expect(table).toMatch(/^web\s+0\/2\s+0\s+0\s+\d+s$/m);
    const wide = await ok(['get', 'deploy', '-o', 'wide']);
    expect(wide).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/m);
    expect(wide).toMatch(/^web\s+0\/2\s+0\s+0\s+\d+s\s+busybox\s+localhost\/busybox:local\s+app=web$/m);
  });

  it('shows the scheme defaults, the template\'s pod defaults and the reset status', async () => {
    const yaml = await ok(['get', 'deploy', 'web', '-o', 'yaml']);
    expect(yaml).toContain('      creationTimestamp: null\n');
    expect(yaml).toContain('status: {}\n');
    expect(await field('deploy', 'web', '.metadata.generation')).toBe(1);
    expect(await field('deploy', 'web', '.spec')).toMatchObject({
      replicas: 2, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    });
    expect(await field('deploy', 'web', '.spec.template.spec')).toEqual({
      containers: [{
        name: 'busybox', image: 'localhost/busybox:local', imagePullPolicy: 'IfNotPresent', resources: {},
        terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
      }],
      dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {}, terminationGracePeriodSeconds: 30,
    });
  });

  it('scales through the scale subresource', async () => {
    expect(await ok(['scale', 'deployment', 'web', '--replicas=3'])).toBe('deployment.apps/web scaled\n');
    const scale = JSON.parse(await ok(['get', '--raw', '/apis/apps/v1/namespaces/default/deployments/web/scale'])) as unknown;
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 3 }, status: { replicas: 0, selector: 'app=web' } });
    expect(await field('deploy', 'web', '.spec.replicas')).toBe(3);
    expect(await field('deploy', 'web', '.metadata.generation')).toBe(2);
  });

  it('patches with merge, strategic and json patches', async () => {
    expect(await ok(['patch', 'deploy', 'web', '--type=merge', '-p', '{"spec":{"minReadySeconds":5}}'])).toBe('deployment.apps/web patched\n');
    expect(await ok(['patch', 'deploy', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"busybox","image":"localhost/busybox:v2"}]}}}}']))
      .toBe('deployment.apps/web patched\n');
    expect(await ok(['patch', 'deploy', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/revisionHistoryLimit","value":3}]']))
      .toBe('deployment.apps/web patched\n');
    expect(await field('deploy', 'web', '.spec')).toMatchObject({ minReadySeconds: 5, revisionHistoryLimit: 3 });
    // the strategic patch merged the container by name: its other fields stayed
    expect(await field('deploy', 'web', '.spec.template.spec.containers')).toEqual([expect.objectContaining({ name: 'busybox', image: 'localhost/busybox:v2', terminationMessagePath: '/dev/termination-log' })]);
    expect(await field('deploy', 'web', '.metadata.generation')).toBe(5);
  });

  it('refuses a change of the selector: field is immutable', async () => {
    const r = await env.kubectl.run(['patch', 'deploy', 'web', '--type=merge', '-p',
      '{"spec":{"selector":{"matchLabels":{"app":"web","v":"2"}},"template":{"metadata":{"labels":{"app":"web","v":"2"}}}}}']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('The Deployment "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, ' +
      'MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable\n');
  });

  it('applies a Deployment, a ReplicaSet, a StatefulSet and a DaemonSet, then applies a change', async () => {
    const first = env.kubectl.file('workloads.yaml', workloads('localhost/busybox:local', 1));
    expect(await ok(['apply', '-f', first])).toBe(
      'deployment.apps/api created\nreplicaset.apps/front created\nstatefulset.apps/db created\ndaemonset.apps/agent created\n');
    expect(await field('sts', 'db', '.spec')).toMatchObject({
      podManagementPolicy: 'OrderedReady', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' }, revisionHistoryLimit: 10,
    });
    expect(await field('sts', 'db', '.spec.volumeClaimTemplates[0]')).toMatchObject({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
    expect(await field('sts', 'db', '.status')).toEqual({ replicas: 0, availableReplicas: 0 });
    expect(await field('ds', 'agent', '.spec.updateStrategy')).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(await field('ds', 'agent', TEMPLATE_GENERATION)).toBe(1);

    const second = env.kubectl.file('workloads-2.yaml', workloads('localhost/busybox:v2', 2));
    expect(await ok(['apply', '-f', second])).toBe(
      'deployment.apps/api configured\nreplicaset.apps/front configured\nstatefulset.apps/db configured\ndaemonset.apps/agent configured\n');
    for (const [resource, name] of [['deploy', 'api'], ['rs', 'front'], ['sts', 'db'], ['ds', 'agent']] as const) {
      expect(await field(resource, name, '.spec.template.spec.containers[0].image')).toBe('localhost/busybox:v2');
      expect(await field(resource, name, '.metadata.generation')).toBe(2);
      if (resource !== 'ds') expect(await field(resource, name, '.spec.replicas')).toBe(2);
    }
    expect(await field('ds', 'agent', TEMPLATE_GENERATION)).toBe(2);
    // volumeClaimTemplates is an atomic list that the server defaults (kind, volumeMode, status),
    // so kubectl's three-way patch always carries it and reports the StatefulSet configured, as
    // with kube; the object does not change
    expect(await ok(['apply', '-f', second])).toBe(
      'deployment.apps/api unchanged\nreplicaset.apps/front unchanged\nstatefulset.apps/db configured\ndaemonset.apps/agent unchanged\n');
    expect(await field('sts', 'db', '.metadata.generation')).toBe(2);

    const tables = await ok(['get', 'rs,sts,ds']);
    expect(tables).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE$/m);
    expect(tables).toMatch(/^replicaset\.apps\/front\s+2\s+0\s+0\s+\d+s$/m);
    expect(tables).toMatch(/^statefulset\.apps\/db\s+0\/2\s+\d+s$/m);
    expect(tables).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE$/m);
    expect(tables).toMatch(/^daemonset\.apps\/agent\s+0\s+0\s+0\s+0\s+0\s+kubernetes\.io\/os=linux\s+\d+s$/m);
  });

  it('refuses StatefulSet updates outside the updatable fields', async () => {
    const r = await env.kubectl.run(['patch', 'sts', 'db', '--type=merge', '-p', '{"spec":{"serviceName":"db2"}}']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('The StatefulSet "db" is invalid: spec: Forbidden: updates to statefulset spec for fields other than \'replicas\', \'ordinals\', ' +
      '\'template\', \'updateStrategy\', \'persistentVolumeClaimRetentionPolicy\' and \'minReadySeconds\' are forbidden\n');
  });

  it('rejects a manifest whose selector does not match the template with kube\'s 422', async () => {
    const bad = env.kubectl.file('bad.yaml', `apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: other}}
    spec:
      containers:
      - name: c
        image: localhost/busybox:local
`);
    const r = await env.kubectl.run(['apply', '-f', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('The Deployment "bad" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: ' +
      '`selector` does not match template `labels`\n');
  });

  it('stores a ControllerRevision and prints its controller; its data is immutable', async () => {
    const cr = env.kubectl.file('cr.yaml', `apiVersion: apps/v1
kind: ControllerRevision
metadata:
  name: db-5d8f
  ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: db, uid: u-1, controller: true}]
revision: 3
data: {a: 1}
`);
    expect(await ok(['apply', '-f', cr])).toBe('controllerrevision.apps/db-5d8f created\n');
    const table = await ok(['get', 'controllerrevisions']);
    expect(table).toMatch(/^NAME\s+CONTROLLER\s+REVISION\s+AGE$/m);
    expect(table).toMatch(/^db-5d8f\s+statefulset\.apps\/db\s+3\s+\d+s$/m);
    const r = await env.kubectl.run(['patch', 'controllerrevision', 'db-5d8f', '--type=merge', '-p', '{"data":{"a":2}}']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^The ControllerRevision "db-5d8f" is invalid: data: Invalid value: runtime\.Unknown\{.*\}: field is immutable\n$/);
    await ok(['delete', 'controllerrevision', 'db-5d8f']);
  });

  it('lists every workload under the category all', async () => {
    const all = await ok(['get', 'all', '-o', 'name']);
    for (const n of ['deployment.apps/web', 'deployment.apps/api', 'replicaset.apps/front', 'statefulset.apps/db', 'daemonset.apps/agent']) {
      expect(all.split('\n')).toContain(n);
    }
  });

  it('watches a deployment change with get -w', async () => {
    const child = spawn('kubectl', ['--cache-dir', join(env.kubectl.dir, 'cache'), 'get', 'deployments', '-w', '--no-headers'],
      { env: { ...process.env, KUBECONFIG: env.kubectl.kubeconfig, HOME: env.kubectl.dir } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    try {
      await until(() => (/^web\s+0\/3\s/m.test(out) ? true : undefined));
      await ok(['scale', 'deployment', 'web', '--replicas=5']);
      await until(() => (/^web\s+0\/5\s/m.test(out) ? true : undefined));
    } finally {
      child.kill();
    }
  });

  it('deletes them', async () => {
    expect(await ok(['delete', 'deployment', 'web', 'api'])).toBe('deployment.apps "web" deleted\ndeployment.apps "api" deleted\n');
    expect(await ok(['delete', '-f', env.kubectl.file('again.yaml', workloads('x', 1)), '--ignore-not-found'])).toBe(
      'replicaset.apps "front" deleted\nstatefulset.apps "db" deleted\ndaemonset.apps "agent" deleted\n');
    // what stays is the server's own `kubernetes` Service
    const r = await env.kubectl.run(['get', 'all']);
    expect(r.stdout).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nservice\/kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP\s+\d+s\n$/);
    expect(r.stderr).toBe('');
  });
});
