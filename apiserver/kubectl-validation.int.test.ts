// Field validation as the real kubectl (1.32) meets it: `apply` sends fieldValidation=Strict by
// default and prints the server's 400 for a typo; --validate=warn stores the object and prints
// the server's warnings; --validate=false stores it silently; a wrong JSON type is the decoder's
// 400 whatever the flag; kubectl itself turns a YAML manifest into JSON, keeping a repeated key's
// last value, so the server never sees the repeat (as upstream).
import { describe, expect, it } from 'vitest';
import { PODS } from '../kube/client/client.ts';
import { useKubectlServer } from './testing/kubectl-server.ts';

const env = useKubectlServer({ minRequestTimeoutSeconds: 2 });

function podWithTypo(name: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  containers:
  - name: main
    image: busybox
    comand: ["sleep", "3600"]
`;
}

async function storedContainer(name: string): Promise<Record<string, unknown>> {
  const pod = await env.client.get(PODS, 'default', name);
  return ((pod as Record<string, unknown>)['spec'] as { containers: Record<string, unknown>[] }).containers[0] ?? {};
}

describe('kubectl and field validation', () => {
  it('apply refuses an unknown field with the server\'s strict decoding error', async () => {
    const file = env.kubectl.file('typo.yaml', podWithTypo('typo'));
    const r = await env.kubectl.run(['apply', '-f', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error from server (BadRequest): error when creating "${file}": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].comand"\n`);
    expect((await env.kubectl.run(['get', 'pod', 'typo'])).code).toBe(1);
  });

  it('create refuses it too, and so does apply --validate=strict', async () => {
    const file = env.kubectl.file('typo2.yaml', podWithTypo('typo2'));
    for (const args of [['create', '-f', file], ['apply', '--validate=strict', '-f', file]]) {
      const r = await env.kubectl.run(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain('strict decoding error: unknown field "spec.containers[0].comand"');
    }
  });

  it('--validate=warn stores the pod without the field and prints the warning', async () => {
    const r = await env.kubectl.run(['apply', '--validate=warn', '-f', env.kubectl.file('warn.yaml', podWithTypo('warned'))]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('Warning: unknown field "spec.containers[0].comand"\n');
    expect(r.stdout).toBe('pod/warned created\n');
    expect(await storedContainer('warned')).not.toHaveProperty('comand');
  });

  it('--validate=false stores it silently', async () => {
    const r = await env.kubectl.run(['apply', '--validate=false', '-f', env.kubectl.file('ignore.yaml', podWithTypo('ignored'))]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('pod/ignored created\n');
    expect(await storedContainer('ignored')).not.toHaveProperty('comand');
  });

  it('apply of a change with a typo to an existing object is the patch\'s 422', async () => {
    const ok = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: "1"\n`;
    expect((await env.kubectl.run(['apply', '-f', env.kubectl.file('cm.yaml', ok)])).code).toBe(0);
    const typo = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: "2"\ndatta:\n  b: "1"\n`;
    const r = await env.kubectl.run(['apply', '-f', env.kubectl.file('cm2.yaml', typo)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('patch: Invalid value: "map[');
    expect(r.stderr).toContain('strict decoding error: unknown field "datta"');
  });

  it('a repeated key of a YAML manifest never reaches the server: kubectl keeps the last value', async () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata:
  name: twice
spec:
  containers:
  - name: first
    image: busybox
  containers:
  - name: second
    image: busybox
`;
    const r = await env.kubectl.run(['apply', '-f', env.kubectl.file('twice.yaml', manifest)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect((await storedContainer('twice'))['name']).toBe('second');
  });

  it('a value of the wrong type is the decoder\'s 400, whatever --validate says', async () => {
    const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: "two"
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
`;
    const file = env.kubectl.file('web.yaml', deployment);
    for (const validate of ['--validate=strict', '--validate=false']) {
      const r = await env.kubectl.run(['apply', validate, '-f', file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`Error from server (BadRequest): error when creating "${file}": Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32\n`);
    }
  });
});
