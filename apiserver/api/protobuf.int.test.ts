// kubectl 1.32's typed-client commands (protobuf bodies) against the in-process API server: each
// generator command is run twice, once as kubectl sends it (protobuf) and once as its
// `--dry-run=client -o json` rendering created with `kubectl create -f` (JSON), and the two stored
// objects must be the same. Commands whose kinds are not served yet are skipped; they turn on as
// the kinds land (apiserver/kinds/index.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KINDS } from '../kinds/index.ts';
import { useKubectlServer } from '../testing/kubectl-server.ts';
import { decodeProtobuf } from './protobuf.ts';

type Obj = Record<string, unknown>;

const env = useKubectlServer({ minRequestTimeoutSeconds: 2 });
const { ok } = env;

function served(group: string, kind: string, subresource?: string): boolean {
  const k = KINDS.find((d) => d.group === group && d.kind === kind);
  if (k === undefined) return false;
  return subresource === undefined || k.subresources.some((s) => s.name === subresource);
}

async function getJson(args: string[]): Promise<Obj> {
  return JSON.parse(await ok(['get', ...args, '-o', 'json'])) as Obj;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Replaces every string equal to a key of `subst` (names and uids that differ by construction). */
function substitute(v: unknown, subst: ReadonlyMap<string, string>): unknown {
  if (typeof v === 'string') return subst.get(v) ?? v;
  if (Array.isArray(v)) return v.map((x) => substitute(x, subst));
  if (!isObj(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [subst.get(k) ?? k, substitute(x, subst)]));
}

/** Drops null members: kube shows an unset non-omitempty list as null, which JSON bodies carry and protobuf cannot. */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (!isObj(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, withoutNulls(x)]));
}

/** A stored object without what differs between any two creates (identity, times, status), nulls dropped. */
/** A Service's ClusterIP and node ports are the allocators' random picks: compared as placeholders. */
function withoutAllocated(obj: Obj): Obj {
  if (obj['kind'] !== 'Service' || !isObj(obj['spec'])) return obj;
  const spec = { ...obj['spec'] };
  if (typeof spec['clusterIP'] === 'string' && spec['clusterIP'] !== 'None') {
    spec['clusterIP'] = '<allocated>';
    spec['clusterIPs'] = ['<allocated>'];
  }
  if (Array.isArray(spec['ports'])) spec['ports'] = spec['ports'].map((p: unknown) => (isObj(p) && 'nodePort' in p ? { ...p, nodePort: '<allocated>' } : p));
  return { ...obj, spec };
}

function comparable(obj: Obj): Obj {
  const meta = isObj(obj['metadata']) ? obj['metadata'] : {};
  const rest = Object.fromEntries(Object.entries(withoutAllocated(obj)).filter(([k]) => k !== 'metadata' && k !== 'status'));
  const keep = Object.fromEntries(Object.entries(meta).filter(([k]) => ['name', 'namespace', 'labels', 'annotations', 'finalizers'].includes(k)));
  return withoutNulls({ ...rest, metadata: keep }) as Obj;
}

interface Pair { viaProtobuf: Obj; viaJson: Obj }

/** Adds flags before a `--` that starts the container command. */
function withFlags(args: string[], flags: string[]): string[] {
  const i = args.indexOf('--');
  return i < 0 ? [...args, ...flags] : [...args.slice(0, i), ...flags, ...args.slice(i)];
}

/**
 * Runs a generator command as kubectl sends it (protobuf) and, under the name `<name>-json`, as
 * its dry-run JSON created with `kubectl create -f`; returns both stored objects, the JSON one
 * with its name and uid mapped back.
 */
async function viaBothPaths(resource: string, name: string, command: (name: string) => string[]): Promise<Pair> {
  expect(await ok(command(name))).toMatch(/ created\n$/);
  const rendered = await ok(withFlags(command(`${name}-json`), ['--dry-run=client', '-o', 'json']));
  await ok(['create', '-f', env.kubectl.file(`${resource}-${name}.json`, rendered)]);
  const viaProtobuf = await getJson([resource, name]);
  const viaJson = await getJson([resource, `${name}-json`]);
  const uid = (o: Obj): string => (isObj(o['metadata']) && typeof o['metadata']['uid'] === 'string' ? o['metadata']['uid'] : '');
  const subst = new Map([[`${name}-json`, name], [uid(viaJson), uid(viaProtobuf)]]);
  return { viaProtobuf, viaJson: substitute(viaJson, subst) as Obj };
}

function expectSameStored(pair: Pair): void {
  expect(comparable(pair.viaProtobuf)).toEqual(comparable(pair.viaJson));
}

/** A file that is not UTF-8 (kubectl puts it in binaryData). */
function binaryFile(): string {
  const path = join(env.kubectl.dir, 'bin.dat');
  writeFileSync(path, Buffer.from([0x00, 0x01, 0xff]));
  return path;
}

/** The TLS pair inside the captured `create secret tls` body (a throwaway self-signed P-256 cert). */
function tlsFiles(): { cert: string; key: string } {
  const secret = decodeProtobuf(readFileSync(join(import.meta.dirname, 'protobuf/testdata/create-secret-tls.bin'))) as { data: Record<string, string> };
  const text = (k: string): string => Buffer.from(secret.data[k] ?? '', 'base64').toString();
  return { cert: env.kubectl.file('tls.crt', text('tls.crt')), key: env.kubectl.file('tls.key', text('tls.key')) };
}

interface GeneratorCase {
  title: string;
  group: string;
  kind: string;
  resource: string;
  command: (name: string) => string[];
  check?: (stored: Obj) => void;
}

const GENERATORS: GeneratorCase[] = [
  {
    title: 'create configmap (data, empty value, binaryData)', group: '', kind: 'ConfigMap', resource: 'configmap',
    command: (n) => ['create', 'configmap', n, '--from-literal=a=b', '--from-literal=empty=', `--from-file=bin=${binaryFile()}`],
    check: (o) => { expect(o).toMatchObject({ data: { a: 'b', empty: '' }, binaryData: { bin: 'AAH/' } }); },
  },
  {
    title: 'create secret generic', group: '', kind: 'Secret', resource: 'secret',
    command: (n) => ['create', 'secret', 'generic', n, '--from-literal=user=admin', '--from-literal=empty=', '--type=Opaque'],
    check: (o) => { expect(o).toMatchObject({ type: 'Opaque', data: { user: 'YWRtaW4=', empty: '' } }); },
  },
  {
    title: 'create secret tls', group: '', kind: 'Secret', resource: 'secret',
    command: (n) => { const f = tlsFiles(); return ['create', 'secret', 'tls', n, `--cert=${f.cert}`, `--key=${f.key}`]; },
    check: (o) => { expect(o).toMatchObject({ type: 'kubernetes.io/tls' }); },
  },
  {
    title: 'create secret docker-registry', group: '', kind: 'Secret', resource: 'secret',
    command: (n) => ['create', 'secret', 'docker-registry', n, '--docker-server=reg.local', '--docker-username=u', '--docker-password=p', '--docker-email=e@x'],
    check: (o) => { expect(o).toMatchObject({ type: 'kubernetes.io/dockerconfigjson' }); },
  },
  {
    title: 'create quota (no scopes)', group: '', kind: 'ResourceQuota', resource: 'resourcequota',
    command: (n) => ['create', 'quota', n, '--hard=services=3,requests.storage=10Gi,count/deployments.apps=2'],
    check: (o) => { expect(o).toMatchObject({ spec: { hard: { services: '3', 'requests.storage': '10Gi', 'count/deployments.apps': '2' } } }); },
  },
  { title: 'create serviceaccount', group: '', kind: 'ServiceAccount', resource: 'serviceaccount', command: (n) => ['create', 'serviceaccount', n] },
  {
    title: 'create deployment (replicas 0, a port)', group: 'apps', kind: 'Deployment', resource: 'deployment.apps',
    command: (n) => ['create', 'deployment', n, '--image=nginx:1.27', '--replicas=0', '--port=80'],
    check: (o) => {
      expect(o).toMatchObject({ spec: { replicas: 0, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] } } } });
    },
  },
  { title: 'create deployment (two images)', group: 'apps', kind: 'Deployment', resource: 'deployment.apps', command: (n) => ['create', 'deployment', n, '--image=nginx', '--image=busybox:1.36'] },
  { title: 'create deployment (a command)', group: 'apps', kind: 'Deployment', resource: 'deployment.apps', command: (n) => ['create', 'deployment', n, '--image=busybox:1.36', '--', 'sleep', '3600'] },
  { title: 'create job', group: 'batch', kind: 'Job', resource: 'job.batch', command: (n) => ['create', 'job', n, '--image=busybox', '--', 'echo', 'hi'] },
  {
    title: 'create cronjob', group: 'batch', kind: 'CronJob', resource: 'cronjob.batch',
    command: (n) => ['create', 'cronjob', n, '--image=busybox', '--schedule=*/1 * * * *', '--restart=OnFailure', '--', 'date'],
    check: (o) => { expect(o).toMatchObject({ spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure' } } } } } }); },
  },
  { title: 'create service clusterip', group: '', kind: 'Service', resource: 'service', command: (n) => ['create', 'service', 'clusterip', n, '--tcp=80:8080', '--tcp=443'] },
  { title: 'create service clusterip (headless)', group: '', kind: 'Service', resource: 'service', command: (n) => ['create', 'service', 'clusterip', n, '--clusterip=None'] },
  { title: 'create service nodeport', group: '', kind: 'Service', resource: 'service', command: (n) => ['create', 'service', 'nodeport', n, '--tcp=80:http'] },
  { title: 'create service loadbalancer', group: '', kind: 'Service', resource: 'service', command: (n) => ['create', 'service', 'loadbalancer', n, '--tcp=443:8443'] },
  {
    title: 'create service externalname', group: '', kind: 'Service', resource: 'service',
    command: (n) => ['create', 'service', 'externalname', n, '--external-name=example.com', '--tcp=80'],
  },
  {
    title: 'create quota', group: '', kind: 'ResourceQuota', resource: 'resourcequota',
    command: (n) => ['create', 'quota', n, '--hard=cpu=1,memory=1G,pods=2,requests.cpu=500m', '--scopes=NotBestEffort'],
    check: (o) => { expect(o).toMatchObject({ spec: { hard: { cpu: '1', memory: '1G', pods: '2' }, scopes: ['NotBestEffort'] } }); },
  },
  {
    title: 'create poddisruptionbudget --min-available', group: 'policy', kind: 'PodDisruptionBudget', resource: 'poddisruptionbudget.policy',
    command: (n) => ['create', 'poddisruptionbudget', n, '--selector=app=web', '--min-available=1'],
    check: (o) => { expect(o).toMatchObject({ spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } }); },
  },
  {
    title: 'create poddisruptionbudget --max-unavailable', group: 'policy', kind: 'PodDisruptionBudget', resource: 'poddisruptionbudget.policy',
    command: (n) => ['create', 'poddisruptionbudget', n, '--selector=app=web,tier in (a,b)', '--max-unavailable=50%'],
    check: (o) => { expect(o).toMatchObject({ spec: { maxUnavailable: '50%' } }); },
  },
  {
    title: 'create priorityclass', group: 'scheduling.k8s.io', kind: 'PriorityClass', resource: 'priorityclass',
    command: (n) => ['create', 'priorityclass', n, '--value=0', '--description=x', '--preemption-policy=Never'],
  },
  {
    title: 'create role', group: 'rbac.authorization.k8s.io', kind: 'Role', resource: 'role',
    command: (n) => ['create', 'role', n, '--verb=get,list', '--verb=watch', '--resource=pods,deployments.apps', '--resource-name=x'],
    check: (o) => { expect(o).toMatchObject({ rules: [{ apiGroups: [''] }, { apiGroups: ['apps'] }] }); },
  },
  {
    title: 'create clusterrole', group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', resource: 'clusterrole',
    command: (n) => ['create', 'clusterrole', n, '--verb=get', '--non-resource-url=/logs/*', '--resource=nodes'],
  },
  {
    title: 'create clusterrole --aggregation-rule', group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', resource: 'clusterrole',
    command: (n) => ['create', 'clusterrole', n, '--aggregation-rule=foo=bar'],
  },
  {
    title: 'create rolebinding', group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', resource: 'rolebinding',
    command: (n) => ['create', 'rolebinding', n, '--role=r1', '--user=alice', '--group=devs', '--serviceaccount=default:sa1'],
  },
  {
    title: 'create clusterrolebinding', group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', resource: 'clusterrolebinding',
    command: (n) => ['create', 'clusterrolebinding', n, '--clusterrole=view', '--user=bob', '--serviceaccount=kube-system:default'],
  },
  {
    title: 'create ingress', group: 'networking.k8s.io', kind: 'Ingress', resource: 'ingress',
    command: (n) => ['create', 'ingress', n, '--rule=foo.com/bar*=svc1:8080,tls=secret1', '--class=nginx'],
  },
];

describe('generator commands store through protobuf what they store through JSON', () => {
  let i = 0;
  for (const c of GENERATORS) {
    const name = `gen${String(i++)}`;
    it.skipIf(!served(c.group, c.kind))(`kubectl ${c.title}`, async () => {
      const pair = await viaBothPaths(c.resource, name, c.command);
      expectSameStored(pair);
      c.check?.(pair.viaProtobuf);
    });
  }

  it('kubectl create namespace', async () => {
    expect(await ok(['create', 'namespace', 'made-by-protobuf'])).toBe('namespace/made-by-protobuf created\n');
    expect(await getJson(['namespace', 'made-by-protobuf'])).toMatchObject({ metadata: { name: 'made-by-protobuf' }, spec: { finalizers: ['kubernetes'] } });
  });
});

const RICH_CRONJOB = `apiVersion: batch/v1
kind: CronJob
metadata: {name: rich, labels: {app: rich}}
spec:
  schedule: "*/5 * * * *"
  concurrencyPolicy: Forbid
  startingDeadlineSeconds: 30
  successfulJobsHistoryLimit: 0
  jobTemplate:
    metadata: {labels: {job: rich}, annotations: {team: a}}
    spec:
      parallelism: 2
      completions: 4
      completionMode: Indexed
      backoffLimit: 0
      activeDeadlineSeconds: 600
      ttlSecondsAfterFinished: 0
      template:
        metadata: {labels: {job: rich}}
        spec:
          restartPolicy: Never
          terminationGracePeriodSeconds: 0
          nodeSelector: {disk: ssd}
          automountServiceAccountToken: false
          securityContext: {runAsUser: 0, runAsNonRoot: false, fsGroup: 2000, supplementalGroups: [1, 2]}
          tolerations: [{operator: Exists, effect: NoExecute, tolerationSeconds: 0}]
          affinity:
            nodeAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a, b]}]}]
          volumes:
          - {name: scratch, emptyDir: {}}
          - {name: mem, emptyDir: {medium: Memory, sizeLimit: 64Mi}}
          - {name: cfg, configMap: {name: cm1, defaultMode: 420, optional: true, items: [{key: a, path: a.txt, mode: 256}]}}
          - {name: sec, secret: {secretName: s1, defaultMode: 0}}
          - name: proj
            projected:
              sources:
              - serviceAccountToken: {audience: api, expirationSeconds: 3600, path: token}
              - downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
          containers:
          - name: main
            image: busybox:1.36
            command: [sh, -c, "echo $(A)"]
            ports: [{name: http, containerPort: 8080}]
            env:
            - {name: A, value: "1"}
            - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
            - {name: MEM, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
            envFrom: [{prefix: P_, configMapRef: {name: cm1, optional: true}}]
            resources:
              limits: {cpu: "2", memory: 1Gi}
              requests: {cpu: 500m, memory: 128Mi}
            volumeMounts: [{name: scratch, mountPath: /scratch}, {name: cfg, mountPath: /cfg, readOnly: true}]
            livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 10}
            readinessProbe: {tcpSocket: {port: 8080}}
            startupProbe: {exec: {command: ["true"]}, failureThreshold: 3}
            securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
`;

describe('typed-client commands beyond the generators', () => {
  it.skipIf(!served('batch', 'CronJob') || !served('batch', 'Job'))('kubectl create job --from=cronjob/x carries the whole pod template', async () => {
    await ok(['create', '-f', env.kubectl.file('rich.yaml', RICH_CRONJOB)]);
    const pair = await viaBothPaths('job.batch', 'from-rich', (n) => ['create', 'job', n, '--from=cronjob/rich']);
    expectSameStored(pair);
    const cronjob = await getJson(['cronjob.batch', 'rich']) as { spec: { jobTemplate: { spec: { template: { spec: Obj } } } } };
    const job = pair.viaProtobuf as { spec: Obj & { template: { spec: Obj } } };
    expect(job.spec.template.spec).toEqual(cronjob.spec.jobTemplate.spec.template.spec);
    expect(job.spec).toMatchObject({ parallelism: 2, completions: 4, backoffLimit: 0, ttlSecondsAfterFinished: 0, completionMode: 'Indexed' });
  });

  it.skipIf(!served('', 'ServiceAccount', 'token'))('kubectl create token (TokenRequest)', async () => {
    await ok(['create', 'serviceaccount', 'tokened']);
    const claims = (token: string): Obj => {
      expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n?$/);
      return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Obj;
    };
    expect(claims(await ok(['create', 'token', 'tokened']))).toMatchObject({ sub: 'system:serviceaccount:default:tokened' });
    const custom = claims(await ok(['create', 'token', 'tokened', '--duration=1h', '--audience=a', '--audience=b']));
    expect(custom['aud']).toEqual(['a', 'b']);
    expect(Number(custom['exp']) - Number(custom['iat'])).toBe(3600);
  });

  it.skipIf(!served('authorization.k8s.io', 'SelfSubjectAccessReview'))('kubectl auth can-i (SelfSubjectAccessReview)', async () => {
    expect(await ok(['auth', 'can-i', 'get', 'pods'])).toBe('yes\n');
    expect(await ok(['auth', 'can-i', 'create', 'deployments.apps', '--subresource=scale', '-n', 'kube-system'])).toBe('yes\n');
    expect(await ok(['auth', 'can-i', 'get', '/logs'])).toBe('yes\n');
  });

  it.skipIf(!served('authorization.k8s.io', 'SelfSubjectRulesReview'))('kubectl auth can-i --list (SelfSubjectRulesReview)', async () => {
    expect(await ok(['auth', 'can-i', '--list'])).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/m);
  });

  it.skipIf(!served('authentication.k8s.io', 'SelfSubjectReview'))('kubectl auth whoami (SelfSubjectReview)', async () => {
    expect(await ok(['auth', 'whoami'])).toMatch(/^Username\s+\S+$/m);
  });

  it('kubectl debug --copy-to creates the copy (a Pod)', async () => {
    await ok(['create', '-f', env.kubectl.file('orig.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: orig, labels: {app: orig}}\nspec:\n  containers:\n  - {name: c, image: nginx, env: [{name: A, value: "1"}]}\n')]);
    await ok(['debug', 'orig', '--copy-to=orig-dbg', '--image=busybox', '--container=dbg', '--profile=general', '--', 'sleep', '1']);
    const copy = await getJson(['pod', 'orig-dbg']);
    expect(copy).toMatchObject({
      spec: {
        shareProcessNamespace: true,
        containers: [{ name: 'c', image: 'nginx', env: [{ name: 'A', value: '1' }] }, { name: 'dbg', image: 'busybox', command: ['sleep', '1'], securityContext: { capabilities: { add: ['SYS_PTRACE'] } } }],
      },
    });
  });

  it('kubectl drain --disable-eviction deletes with protobuf DeleteOptions', async () => {
    await ok(['create', '-f', env.kubectl.file('node.yaml', 'apiVersion: v1\nkind: Node\nmetadata: {name: drained}\n')]);
    await ok(['create', '-f', env.kubectl.file('on-node.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: on-node}\nspec: {nodeName: drained, containers: [{name: c, image: nginx}]}\n')]);
    const r = await env.kubectl.run(['drain', 'drained', '--force', '--disable-eviction', '--grace-period=0', '--timeout=20s']);
    expect(r.stderr).not.toMatch(/unknown format|UnsupportedMediaType/);
    expect(r.stdout).toContain('pod/on-node deleted');
    expect(r.code).toBe(0);
  });
});

const RBAC_YAML = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reconciled, labels: {a: b}}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reconciled, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reconciled}
subjects:
- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
- {kind: ServiceAccount, name: sa1, namespace: default}
`;

describe('more typed-client writers', () => {
  it.skipIf(!served('rbac.authorization.k8s.io', 'ClusterRole') || !served('rbac.authorization.k8s.io', 'RoleBinding'))('kubectl auth reconcile (rbac creates)', async () => {
    await ok(['auth', 'reconcile', '-f', env.kubectl.file('rbac.yaml', RBAC_YAML)]);
    expect(await getJson(['clusterrole', 'reconciled'])).toMatchObject({ metadata: { labels: { a: 'b' } }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] });
    expect(await getJson(['rolebinding', 'reconciled'])).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reconciled' },
      subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'ServiceAccount', name: 'sa1', namespace: 'default' }],
    });
  });

  it.skipIf(!served('autoscaling', 'HorizontalPodAutoscaler') || !served('apps', 'Deployment'))('kubectl autoscale (HorizontalPodAutoscaler)', async () => {
    await ok(['create', 'deployment', 'scaled', '--image=nginx']);
    await ok(['autoscale', 'deployment', 'scaled', '--min=1', '--max=3', '--cpu-percent=50']);
    expect(await getJson(['hpa', 'scaled'])).toMatchObject({
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'scaled', apiVersion: 'apps/v1' }, minReplicas: 1, maxReplicas: 3 },
    });
  });

  it.skipIf(!served('', 'Pod', 'eviction'))('kubectl drain (evictions are JSON)', async () => {
    await ok(['create', '-f', env.kubectl.file('node2.yaml', 'apiVersion: v1\nkind: Node\nmetadata: {name: evicted}\n')]);
    await ok(['create', '-f', env.kubectl.file('on-node2.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: on-node2}\nspec: {nodeName: evicted, containers: [{name: c, image: nginx}]}\n')]);
    const r = await env.kubectl.run(['drain', 'evicted', '--force', '--grace-period=0', '--timeout=20s']);
    expect(r.stdout).toContain('pod/on-node2 evicted');
    expect(r.code).toBe(0);
  });
});

describe('JSON commands on protobuf-created objects', () => {
  it.skipIf(!served('apps', 'Deployment', 'scale'))('kubectl scale, set image, rollout restart|pause|resume (patches) on a deployment', async () => {
    await ok(['create', 'deployment', 'patched', '--image=nginx:1.27', '--replicas=0']);
    expect(await ok(['scale', 'deployment', 'patched', '--replicas=2'])).toBe('deployment.apps/patched scaled\n');
    expect(await ok(['set', 'image', 'deployment/patched', 'nginx=nginx:1.28'])).toBe('deployment.apps/patched image updated\n');
    expect(await ok(['rollout', 'pause', 'deployment/patched'])).toBe('deployment.apps/patched paused\n');
    expect(await ok(['rollout', 'resume', 'deployment/patched'])).toBe('deployment.apps/patched resumed\n');
    expect(await ok(['rollout', 'restart', 'deployment/patched'])).toBe('deployment.apps/patched restarted\n');
    const d = await getJson(['deployment.apps', 'patched']) as { spec: { replicas: number; paused?: boolean; template: { metadata: { annotations: Obj }; spec: { containers: Obj[] } } } };
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.paused).toBeUndefined();
    expect(d.spec.template.spec.containers[0]).toMatchObject({ image: 'nginx:1.28' });
    expect(d.spec.template.metadata.annotations).toHaveProperty(['kubectl.kubernetes.io/restartedAt']);
  });
});
