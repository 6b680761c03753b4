// RBAC objects, the reviews, service-account tokens, evictions and ephemeral containers driven by
// the real kubectl (1.32) against an in-process API server: what `kubectl create role|…`,
// `kubectl get`, `kubectl auth can-i|whoami`, `kubectl create token`, `kubectl drain` and
// `kubectl debug` show and do.
import { describe, expect, it } from 'vitest';
import { PODS, type KubeObject } from '../../kube/client/client.ts';
import { useKubectlServer } from '../testing/kubectl-server.ts';
import { until } from '../testing/until.ts';

const env = useKubectlServer({ minRequestTimeoutSeconds: 2, scheduler: false });
const { ok } = env;

const NODE = `apiVersion: v1
kind: Node
metadata:
  name: node1
  labels: {kubernetes.io/hostname: node1}
`;

function podYaml(name: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  nodeName: node1
  containers:
  - name: c
    image: localhost/busybox:local
`;
}

/** A pod bound to node1 and reported Running and Ready, as the agent would. */
async function runningPod(name: string): Promise<void> {
  await ok(['apply', '-f', env.kubectl.file(`${name}.yaml`, podYaml(name))]);
  await ok(['patch', 'pod', name, '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}']);
}

describe('RBAC, reviews, tokens, eviction and ephemeral containers with kubectl', () => {
  it('creates roles and bindings with kubectl create and prints them with kube\'s columns', async () => {
    expect(await ok(['create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods'])).toBe('role.rbac.authorization.k8s.io/pod-reader created\n');
    expect(await ok(['create', 'clusterrole', 'health', '--verb=get', '--non-resource-url=/healthz'])).toBe('clusterrole.rbac.authorization.k8s.io/health created\n');
    expect(await ok(['create', 'rolebinding', 'read-pods', '--role=pod-reader', '--user=alice', '--group=devs', '--serviceaccount=default:builder']))
      .toBe('rolebinding.rbac.authorization.k8s.io/read-pods created\n');
    expect(await ok(['create', 'clusterrolebinding', 'health', '--clusterrole=health', '--serviceaccount=default:builder']))
      .toBe('clusterrolebinding.rbac.authorization.k8s.io/health created\n');

    const got = await ok(['get', 'roles,rolebindings,clusterroles,clusterrolebindings']);
    expect(got).toMatch(/^NAME\s+CREATED AT$/m);
    expect(got).toMatch(/^role\.rbac\.authorization\.k8s\.io\/pod-reader\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    expect(got).toMatch(/^NAME\s+ROLE\s+AGE$/m);
    expect(got).toMatch(/^rolebinding\.rbac\.authorization\.k8s\.io\/read-pods\s+Role\/pod-reader\s+\d+s$/m);
    // the cluster starts with kube's default roles and bindings
    expect(got).toMatch(/^clusterrole\.rbac\.authorization\.k8s\.io\/cluster-admin\s+\d{4}-/m);
    for (const r of ['admin', 'edit', 'view', 'system:public-info-viewer', 'health']) expect(got).toContain(`clusterrole.rbac.authorization.k8s.io/${r} `);
    expect(got).toMatch(/^clusterrolebinding\.rbac\.authorization\.k8s\.io\/cluster-admin\s+ClusterRole\/cluster-admin\s+\d+s$/m);

    const wide = await ok(['get', 'rolebinding', 'read-pods', '-o', 'wide']);
    expect(wide).toMatch(/^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS$/m);
    expect(wide).toMatch(/^read-pods\s+Role\/pod-reader\s+\d+s\s+alice\s+devs\s+default:builder$/m);
    expect(JSON.parse(await ok(['get', 'rolebinding', 'read-pods', '-o', 'json']))).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
      subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'ServiceAccount', name: 'builder', namespace: 'default' }],
    });
    const change = await env.kubectl.run(['patch', 'rolebinding', 'read-pods', '--type=merge', '-p', '{"roleRef":{"name":"other"}}']);
    expect(change.code).toBe(1);
    expect(change.stderr).toContain('roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"other"}: cannot change roleRef');
  });

  it('answers kubectl auth can-i and whoami for the administrator', async () => {
    expect(await ok(['auth', 'can-i', 'create', 'pods'])).toBe('yes\n');
    expect(await ok(['auth', 'can-i', 'create', 'deployments'])).toBe('yes\n');
    expect(await ok(['auth', 'can-i', 'get', '/healthz'])).toBe('yes\n');
    const list = await ok(['auth', 'can-i', '--list']);
    expect(list).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/m);
    expect(list).toMatch(/^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
    expect(list).toMatch(/^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
    const who = await ok(['auth', 'whoami']);
    expect(who).toMatch(/^Username\s+admin$/m);
    expect(who).toMatch(/^Groups\s+\[system:masters system:authenticated\]$/m);
  });

  it('issues a token for a service account that authenticates as it', async () => {
    await until(async () => ((await env.kubectl.run(['get', 'serviceaccount', 'default'])).code === 0 ? true : undefined));
    const token = (await ok(['create', 'token', 'default'])).trim();
    expect(token.split('.')).toHaveLength(3);
    const who = await ok(['auth', 'whoami', `--token=${token}`]);
    expect(who).toMatch(/^Username\s+system:serviceaccount:default:default$/m);
    expect(who).toMatch(/^Groups\s+\[system:serviceaccounts system:serviceaccounts:default system:authenticated\]$/m);
    expect(who).toMatch(/^Extra: authentication\.kubernetes\.io\/credential-id\s+\[JTI=[0-9a-f-]{36}\]$/m);
    expect(JSON.parse(await ok(['get', '--raw', '/api', `--token=${token}`]))).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    // no RBAC yet: the authorizer answers no for a service account
    const canI = await env.kubectl.run(['auth', 'can-i', 'list', 'pods', `--token=${token}`]);
    expect(canI).toMatchObject({ code: 1, stdout: 'no\n' });

    const short = await env.kubectl.run(['create', 'token', 'default', '--duration=1m']);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
    expect((await env.kubectl.run(['create', 'token', 'nobody'])).stderr).toContain('serviceaccounts "nobody" not found');

    // TokenReview (kubectl cannot validate a review kind against /openapi/v2, which is not served)
    const review = (t: string): string => `apiVersion: authentication.k8s.io/v1\nkind: TokenReview\nspec:\n  token: ${t}\n`;
    const reviewed = JSON.parse(await ok(['create', '--validate=false', '-o', 'json', '-f', env.kubectl.file('tr.yaml', review(token))])) as { status: Record<string, unknown> };
    expect(reviewed.status).toMatchObject({ authenticated: true, audiences: ['https://kubernetes.default.svc.cluster.local'], user: { username: 'system:serviceaccount:default:default' } });
    const bad = JSON.parse(await ok(['create', '--validate=false', '-o', 'json', '-f', env.kubectl.file('tr2.yaml', review('garbage'))])) as { status: Record<string, unknown> };
    expect(bad.status).toEqual({ user: {}, error: 'invalid bearer token' });
  });

  it('adds an ephemeral container with kubectl debug', async () => {
    await ok(['apply', '-f', env.kubectl.file('node.yaml', NODE)]);
    await ok(['apply', '-f', env.kubectl.file('dbg.yaml', podYaml('dbg-target'))]);
    const r = await env.kubectl.run(['debug', 'dbg-target', '--image=localhost/busybox:local', '-c', 'dbg', '--attach=false', '--target=c']);
    expect(r.code, r.stderr).toBe(0);
    expect(await ok(['get', 'pod', 'dbg-target', '-o', 'jsonpath={.spec.ephemeralContainers[0].name} {.spec.ephemeralContainers[0].targetContainerName} {.spec.ephemeralContainers[0].imagePullPolicy}']))
      .toBe('dbg c IfNotPresent');
    const change = await env.kubectl.run(['patch', 'pod', 'dbg-target', '--subresource=ephemeralcontainers', '--type=json', '-p', '[{"op":"remove","path":"/spec/ephemeralContainers/0"}]']);
    expect(change.stderr).toContain('spec.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be removed');
  });

  it('drains a node through evictions, held back by a PodDisruptionBudget that allows no disruption', async () => {
    await ok(['apply', '-f', env.kubectl.file('node.yaml', NODE)]);
    await runningPod('web');
    const pdbServed = (await env.kubectl.run(['api-resources', '--api-group=policy', '-o', 'name'])).stdout.includes('poddisruptionbudgets');
    if (pdbServed) {
      await ok(['create', 'pdb', 'web', '--selector=app=web', '--min-available=1']);
      await ok(['patch', 'pdb', 'web', '--subresource=status', '--type=merge', '-p', '{"status":{"observedGeneration":1,"disruptionsAllowed":0,"currentHealthy":1,"desiredHealthy":1,"expectedPods":1}}']);
      const blocked = await env.kubectl.run(['drain', 'node1', '--ignore-daemonsets', '--delete-emptydir-data', '--force', '--grace-period=0', '--timeout=3s'], { timeoutMs: 30_000 });
      expect(blocked.code).toBe(1);
      expect(blocked.stderr).toContain(`error when evicting pods/"web" -n "default" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.`);
      expect(await ok(['get', 'node', 'node1', '-o', 'jsonpath={.spec.unschedulable}'])).toBe('true');
      await ok(['patch', 'pdb', 'web', '--subresource=status', '--type=merge', '-p', '{"status":{"disruptionsAllowed":1}}']);
    }
    const drained = await env.kubectl.run(['drain', 'node1', '--ignore-daemonsets', '--delete-emptydir-data', '--force', '--grace-period=0', '--timeout=20s'], { timeoutMs: 30_000 });
    expect(drained.code, drained.stderr).toBe(0);
    expect(drained.stdout).toContain('pod/web evicted');
    expect(drained.stdout).toContain('node/node1 drained');
    await until(async () => ((await env.client.list<KubeObject>(PODS, 'default')).items.some((p) => p.metadata?.name === 'web') ? undefined : true));
    if (pdbServed) {
      const status = JSON.parse(await ok(['get', 'pdb', 'web', '-o', 'jsonpath={.status}'])) as Record<string, unknown>;
      expect(status).toMatchObject({ disruptionsAllowed: 0, disruptedPods: { web: expect.any(String) as unknown } });
    }
    await ok(['uncordon', 'node1']);
  });

  it('evicts with a direct POST: 201 and a Status', async () => {
    await runningPod('direct');
    const eviction = JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'direct', namespace: 'default' }, deleteOptions: { gracePeriodSeconds: 0 } });
    const out = await ok(['create', '--raw', '/api/v1/namespaces/default/pods/direct/eviction', '-f', env.kubectl.file('ev.json', eviction)]);
    expect(JSON.parse(out)).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    expect((await env.kubectl.run(['get', 'pod', 'direct'])).stderr).toContain('pods "direct" not found');
  });
});
