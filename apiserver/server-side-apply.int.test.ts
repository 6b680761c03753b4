// Server-side apply driven by the real kubectl (1.32): `apply --server-side` creating, changing,
// conflicting with another --field-manager (kubectl's own conflict text) and forcing; client-side
// apply beside it and the upgrade from client-side to server-side apply; `get --show-managed-fields`;
// `kubectl scale` then an apply conflicting on .spec.replicas; `diff --server-side`; and every
// served kind applied twice.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RESOURCES } from './resources.ts';
import { useKubectlServer } from './testing/kubectl-server.ts';
import { sample } from './testing/samples.ts';

const env = useKubectlServer({ minRequestTimeoutSeconds: 2 });
const { ok } = env;

type Obj = Record<string, unknown>;

interface Entry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: Obj;
}

async function getYaml(kind: string, name: string): Promise<Obj> {
  return parse(await ok(['get', kind, name, '-o', 'yaml', '--show-managed-fields'])) as Obj;
}

function entries(obj: Obj): Entry[] {
  return ((obj['metadata'] as Obj | undefined)?.['managedFields'] as Entry[] | undefined) ?? [];
}

function owners(obj: Obj): string[] {
  return entries(obj).map((e) => `${e.manager ?? ''}/${e.operation ?? ''}${e.subresource === undefined ? '' : `/${e.subresource}`}`);
}

/** kubectl's advice after an apply conflict (apply.go), printed after the server's message. */
const CONFLICT_ADVICE = `Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the \`--force-conflicts\` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts
`;

function configMap(data: Record<string, string>): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join('\n')}
`;
}

function deployment(replicas: number, image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: ${image}
`;
}

function service(targetPort: number): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: websvc
spec:
  selector: {app: web}
  ports:
  - name: http
    port: 80
    targetPort: ${targetPort}
`;
}

describe('kubectl apply --server-side', () => {
  it('creates, changes, conflicts with another field manager and is forced (ConfigMap)', async () => {
    const file = env.kubectl.file('cm.yaml', configMap({ a: '1', b: '2' }));
    expect(await ok(['apply', '--server-side', '-f', file])).toBe('configmap/settings serverside-applied\n');
    env.kubectl.file('cm.yaml', configMap({ a: '10' }));
    expect(await ok(['apply', '--server-side', '-f', file])).toBe('configmap/settings serverside-applied\n');
    let cm = await getYaml('configmap', 'settings');
    expect(cm['data']).toEqual({ a: '10' });
    expect(entries(cm)).toEqual([expect.objectContaining({ manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } })]);

    const other = env.kubectl.file('cm-other.yaml', configMap({ a: '11' }));
    const conflict = await env.kubectl.run(['apply', '--server-side', '--field-manager=ops', '-f', other]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toBe(`error: Apply failed with 1 conflict: conflict with "kubectl": .data.a\n${CONFLICT_ADVICE}`);

    expect(await ok(['apply', '--server-side', '--field-manager=ops', '--force-conflicts', '-f', other])).toBe('configmap/settings serverside-applied\n');
    cm = await getYaml('configmap', 'settings');
    expect(cm['data']).toEqual({ a: '11' });
    expect(owners(cm)).toEqual(['ops/Apply']);
    // without the flag kubectl hides them
    const plain = parse(await ok(['get', 'configmap', 'settings', '-o', 'yaml'])) as Obj;
    expect(plain['metadata']).not.toHaveProperty('managedFields');
  });

  it('takes .spec.replicas back from kubectl scale only when forced, and diffs --server-side (Deployment)', async () => {
    const file = env.kubectl.file('deploy.yaml', deployment(2, 'nginx:1.25'));
    expect(await ok(['apply', '--server-side', '-f', file])).toBe('deployment.apps/web serverside-applied\n');
    env.kubectl.file('deploy.yaml', deployment(2, 'nginx:1.26'));
    expect(await ok(['apply', '--server-side', '-f', file])).toBe('deployment.apps/web serverside-applied\n');
    let d = await getYaml('deployment', 'web');
    expect(((d['metadata'] as Obj)['generation'])).toBe(2);

    const conflict = await env.kubectl.run(['apply', '--server-side', '--field-manager=ops', '-f', env.kubectl.file('deploy-ops.yaml', deployment(4, 'nginx:1.26'))]);
    expect(conflict.stderr).toBe(`error: Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas\n${CONFLICT_ADVICE}`);

    expect(await ok(['scale', 'deployment', 'web', '--replicas=3'])).toBe('deployment.apps/web scaled\n');
    d = await getYaml('deployment', 'web');
    expect(owners(d)).toEqual(['kubectl/Apply', 'kubectl/Update/scale']);
    expect(entries(d)[1]?.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    const again = await env.kubectl.run(['apply', '--server-side', '-f', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`error: Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas\n${CONFLICT_ADVICE}`);
    expect(await ok(['apply', '--server-side', '--force-conflicts', '-f', file])).toBe('deployment.apps/web serverside-applied\n');
    d = await getYaml('deployment', 'web');
    expect((d['spec'] as Obj)['replicas']).toBe(2);
    expect(owners(d)).toEqual(['kubectl/Apply']);

    const before = (d['metadata'] as Obj)['resourceVersion'];
    env.kubectl.file('deploy.yaml', deployment(2, 'nginx:1.27'));
    const diff = await env.kubectl.run(['diff', '--server-side', '-f', file]);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toMatch(/^-\s+- image: nginx:1\.26$/m);
    expect(diff.stdout).toMatch(/^\+\s+- image: nginx:1\.27$/m);
    // a dry run: nothing changed
    expect(((await getYaml('deployment', 'web'))['metadata'] as Obj)['resourceVersion']).toBe(before);
  });

  it('conflicts on a keyed list item\'s field (Service)', async () => {
    const file = env.kubectl.file('svc.yaml', service(8080));
    expect(await ok(['apply', '--server-side', '-f', file])).toBe('service/websvc serverside-applied\n');
    env.kubectl.file('svc.yaml', service(9090));
    expect(await ok(['apply', '--server-side', '-f', file])).toBe('service/websvc serverside-applied\n');
    const conflict = await env.kubectl.run(['apply', '--server-side', '--field-manager=ops', '-f', env.kubectl.file('svc-ops.yaml', service(7070))]);
    expect(conflict.stderr).toBe(`error: Apply failed with 1 conflict: conflict with "kubectl": .spec.ports[port=80,protocol="TCP"].targetPort\n${CONFLICT_ADVICE}`);
    const svc = await getYaml('service', 'websvc');
    expect(((svc['spec'] as Obj)['ports'] as Obj[])[0]?.['targetPort']).toBe(9090);
    expect(entries(svc)[0]?.fieldsV1).toEqual({
      'f:spec': {
        'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:port': {}, 'f:targetPort': {} } },
        'f:selector': {},
      },
    });
  });

  it('works beside client-side apply and takes its fields over on the first server-side apply', async () => {
    const file = env.kubectl.file('csa.yaml', configMap({ a: '1', b: '2' }).replace('name: settings', 'name: csa'));
    expect(await ok(['apply', '-f', file])).toBe('configmap/csa created\n');
    env.kubectl.file('csa.yaml', configMap({ a: '1', b: '3' }).replace('name: settings', 'name: csa'));
    expect(await ok(['apply', '-f', file])).toBe('configmap/csa configured\n');
    let cm = await getYaml('configmap', 'csa');
    expect(owners(cm)).toEqual(['kubectl-client-side-apply/Update']);
    const annotations = (cm['metadata'] as Obj)['annotations'] as Record<string, string>;
    expect(JSON.parse(annotations['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}')).toMatchObject({ data: { a: '1', b: '3' } });

    // the server-side apply drops b: no conflict, and b goes once ownership moved to kubectl
    env.kubectl.file('csa.yaml', configMap({ a: '1', c: '4' }).replace('name: settings', 'name: csa'));
    expect(await ok(['apply', '--server-side', '-f', file])).toBe('configmap/csa serverside-applied\n');
    cm = await getYaml('configmap', 'csa');
    expect(cm['data']).toEqual({ a: '1', c: '4' });
    expect(owners(cm)).not.toContain('kubectl-client-side-apply/Update');
    expect(entries(cm).find((e) => e.manager === 'kubectl')?.fieldsV1).toEqual({ 'f:data': { 'f:a': {}, 'f:c': {} } });
    // the annotation follows the server-side applies (for a later client-side apply)
    const after = (cm['metadata'] as Obj)['annotations'] as Record<string, string>;
    expect(JSON.parse(after['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}')).toMatchObject({ data: { a: '1', c: '4' } });
    // and a client-side apply still works on it
    env.kubectl.file('csa.yaml', configMap({ a: '2', c: '4' }).replace('name: settings', 'name: csa'));
    expect(await ok(['apply', '-f', file])).toBe('configmap/csa configured\n');
    expect((await getYaml('configmap', 'csa'))['data']).toEqual({ a: '2', c: '4' });
  });

  it('applies every served kind, then applies it again', async () => {
    const failures: string[] = [];
    for (const r of RESOURCES) {
      if (r.review !== undefined || !r.verbs.includes('patch')) continue;
      // core/v1 and events.k8s.io/v1 Events share one store: the group keeps their names apart
      const obj = sample(r, 'default', `ssa-${r.group === '' ? '' : `${r.group.split('.')[0] ?? ''}-`}${r.resource}`.slice(0, 50));
      // PodSpec.tolerations is an atomic list: re-applying one replaces what admission added on
      // create, which validation refuses (as in Kubernetes)
      if (r.kind === 'Pod' && r.group === '') delete (obj['spec'] as Obj)['tolerations'];
      const file = env.kubectl.file(`kind-${r.group}-${r.resource}.json`, JSON.stringify(obj));
      for (const round of ['create', 'again']) {
        const out = await env.kubectl.run(['apply', '--server-side', '-f', file]);
        if (out.code !== 0 || !out.stdout.endsWith(' serverside-applied\n')) failures.push(`${r.group}/${r.resource} (${round}): ${out.stderr.split('\n')[0] ?? ''}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
