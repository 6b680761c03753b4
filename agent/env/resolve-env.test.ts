import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { ContainerConfigError } from './errors.ts';
import { emptyLookup, staticLookup } from './object-lookup.ts';
import { resolveEnv, type EnvOptions } from './resolve-env.ts';

function pod(container: Container, extra: Partial<Pod> = {}): Pod {
  return {
    metadata: { name: 'dapi-pod', namespace: 'ns1', uid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', labels: { app: 'web' }, annotations: { mysubpath: 'mypath' } },
    spec: { containers: [container], nodeName: 'node-1', serviceAccountName: 'default' },
    ...extra,
  };
}

const lookup = staticLookup({
  configMaps: { 'ns1/cm': { 'data-1': 'value-1', 'data-2': 'value-2', 'data-3': 'value-3' } },
  secrets: { 'ns1/sec': { 'data-1': 'value-1\n', 'data-2': Buffer.from('value-2\n'), 'data-3': 'value-3\n' } },
});
const opts: EnvOptions = { lookup, podIPs: ['10.0.0.5', 'fd00::5'], hostIPs: ['192.168.1.2'], allocatable: { cpu: '4', memory: '8Gi', 'ephemeral-storage': '100Gi' } };

async function env(container: Container, o: Partial<EnvOptions> = {}, p?: Pod): Promise<Record<string, string>> {
  const r = await resolveEnv(p ?? pod(container), container, { ...opts, ...o });
  return Object.fromEntries(r.env.map((e) => [e.name, e.value]));
}

describe('resolveEnv', () => {
  it('composes env vars from earlier ones (expansion.go)', async () => {
    const c: Container = { name: 'c', env: [{ name: 'FOO', value: 'foo-value' }, { name: 'BAR', value: 'bar-value' }, { name: 'FOOBAR', value: '$(FOO);;$(BAR)' }] };
    expect(await env(c)).toEqual({ FOO: 'foo-value', BAR: 'bar-value', FOOBAR: 'foo-value;;bar-value' });
  });

  it('only sees previously defined variables, envFrom and service env', async () => {
    const c: Container = {
      name: 'c',
      envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'p-' }],
      env: [{ name: 'A', value: '$(B)|$(p-data-1)|$(SVC_HOST)|$$(B)' }, { name: 'B', value: 'b' }],
    };
    const r = await env(c, { serviceEnv: { SVC_HOST: '10.96.0.1', B: 'svc-b' } });
    expect(r['A']).toBe('svc-b|value-1|10.96.0.1|$(B)');
    // env B overrides the service variable of the same name.
    expect(r['B']).toBe('b');
    expect(r['SVC_HOST']).toBe('10.96.0.1');
  });

  it('service variables come last, once; envFrom and env of the same name win (makeEnvironmentVariables)', async () => {
    const c: Container = {
      name: 'c',
      envFrom: [{ configMapRef: { name: 'cm' } }],
      env: [{ name: 'KUBERNETES_SERVICE_PORT', value: '$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)' }],
    };
    const serviceEnv = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', 'data-1': 'from-service', KUBERNETES_PORT: 'tcp://10.96.0.1:443' };
    const r = await resolveEnv(pod(c), c, { ...opts, serviceEnv });
    expect(r.env).toEqual([
      { name: 'data-1', value: 'value-1' },
      { name: 'data-2', value: 'value-2' },
      { name: 'data-3', value: 'value-3' },
      // expanded against the service variable it then replaces
      { name: 'KUBERNETES_SERVICE_PORT', value: '10.96.0.1:443' },
      { name: 'KUBERNETES_SERVICE_HOST', value: '10.96.0.1' },
      { name: 'KUBERNETES_PORT', value: 'tcp://10.96.0.1:443' },
    ]);
  });

  it('resolves the downward API field refs', async () => {
    const f = (name: string, fieldPath: string): NonNullable<Container['env']>[number] => ({ name, valueFrom: { fieldRef: { fieldPath } } });
    const c: Container = {
      name: 'c',
      env: [
        f('POD_NAME', 'metadata.name'), f('POD_NAMESPACE', 'metadata.namespace'), f('POD_UID', 'metadata.uid'),
        f('APP', "metadata.labels['app']"), f('ANN', "metadata.annotations['mysubpath']"), f('MISSING', "metadata.annotations['nope']"),
        f('NODE', 'spec.nodeName'), f('SA', 'spec.serviceAccountName'), f('POD_IP', 'status.podIP'), f('POD_IPS', 'status.podIPs'),
        f('HOST_IP', 'status.hostIP'), f('HOST_IPS', 'status.hostIPs'), f('LABELS', 'metadata.labels'),
      ],
    };
    expect(await env(c)).toEqual({
      POD_NAME: 'dapi-pod', POD_NAMESPACE: 'ns1', POD_UID: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', APP: 'web', ANN: 'mypath', MISSING: '',
      NODE: 'node-1', SA: 'default', POD_IP: '10.0.0.5', POD_IPS: '10.0.0.5,fd00::5', HOST_IP: '192.168.1.2', HOST_IPS: '192.168.1.2',
      LABELS: 'app="web"',
    });
  });

  it('resolves resource fields with divisors and node-allocatable defaults (downwardapi.go)', async () => {
    const r = (name: string, resource: string, divisor?: string): NonNullable<Container['env']>[number] => ({
      name, valueFrom: { resourceFieldRef: { resource, ...(divisor ? { divisor } : {}) } },
    });
    const c: Container = {
      name: 'c',
      resources: { requests: { cpu: '250m', memory: '32Mi' }, limits: { cpu: '1250m', memory: '64Mi' } },
      env: [r('CPU_LIMIT', 'limits.cpu'), r('MEMORY_LIMIT', 'limits.memory'), r('CPU_REQUEST', 'requests.cpu'), r('MEMORY_REQUEST', 'requests.memory'),
        r('CPU_M', 'limits.cpu', '1m'), r('MEM_MI', 'limits.memory', '1Mi'), r('EPH', 'limits.ephemeral-storage', '1Gi')],
    };
    expect(await env(c)).toEqual({
      CPU_LIMIT: '2', MEMORY_LIMIT: '67108864', CPU_REQUEST: '1', MEMORY_REQUEST: '33554432', CPU_M: '1250', MEM_MI: '64', EPH: '100',
    });
    const plain: Container = { name: 'c', env: [r('CPU_LIMIT', 'limits.cpu'), r('MEMORY_LIMIT', 'limits.memory'), r('CPU_REQUEST', 'requests.cpu')] };
    expect(await env(plain)).toEqual({ CPU_LIMIT: '4', MEMORY_LIMIT: String(8 * 1024 ** 3), CPU_REQUEST: '0' });
  });

  it('reads ConfigMap and Secret keys and envFrom with prefixes (configmap.go, secrets.go)', async () => {
    const c: Container = {
      name: 'c',
      envFrom: [{ secretRef: { name: 'sec' } }, { prefix: '#@!', secretRef: { name: 'sec' } }, { prefix: '1-', configMapRef: { name: 'cm' } }],
      env: [
        { name: 'CONFIG_DATA_1', valueFrom: { configMapKeyRef: { name: 'cm', key: 'data-1' } } },
        { name: 'SECRET_DATA', valueFrom: { secretKeyRef: { name: 'sec', key: 'data-2' } } },
        { name: 'data-1', value: 'overridden' },
      ],
    };
    const r = await resolveEnv(pod(c), c, opts);
    const names = r.env.map((e) => e.name);
    expect(names.slice(0, 3)).toEqual(['data-1', 'data-2', 'data-3']);
    expect(Object.fromEntries(r.env.map((e) => [e.name, e.value]))).toMatchObject({
      'data-1': 'overridden', 'data-2': 'value-2\n', '#@!data-1': 'value-1\n', '1-data-3': 'value-3', CONFIG_DATA_1: 'value-1', SECRET_DATA: 'value-2\n',
    });
    expect(r.warnings).toEqual([]);
  });

  it('skips invalid envFrom names with a warning event', async () => {
    const l = staticLookup({ configMaps: { 'ns1/bad': { good: '1', 'a=b': '2', 'tab\tkey': '3' } } });
    const c: Container = { name: 'c', envFrom: [{ configMapRef: { name: 'bad' } }] };
    const r = await resolveEnv(pod(c), c, { ...opts, lookup: l });
    expect(r.env).toEqual([{ name: 'good', value: '1' }]);
    expect(r.warnings).toEqual([{
      reason: 'InvalidEnvironmentVariableNames',
      message: 'Keys [a=b, tab\tkey] from the EnvFrom configmap ns1/bad were skipped since they are considered invalid environment variable names.',
    }]);
  });

  it('fails with CreateContainerConfigError and the kubelet messages', async () => {
    const cases: [Container, string][] = [
      [{ name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'x', key: 'k' } } }] }, 'configmap "x" not found'],
      [{ name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'x', key: 'k' } } }] }, 'secret "x" not found'],
      [{ name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }] }, "couldn't find key k in ConfigMap ns1/cm"],
      [{ name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'sec', key: 'k' } } }] }, "couldn't find key k in Secret ns1/sec"],
      [{ name: 'c', envFrom: [{ configMapRef: { name: 'x' } }] }, 'configmap "x" not found'],
      [{ name: 'c', envFrom: [{ secretRef: { name: 'x' } }] }, 'secret "x" not found'],
      [{ name: 'c', env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }] }, 'unsupported fieldPath: spec.bogus'],
      [{ name: 'c', env: [{ name: 'X', valueFrom: { resourceFieldRef: { resource: 'limits.bogus' } } }] }, 'unsupported container resource : limits.bogus'],
    ];
    for (const [c, message] of cases) {
      const err = await resolveEnv(pod(c), c, opts).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ContainerConfigError);
      expect(err).toMatchObject({ message, reason: 'CreateContainerConfigError' });
    }
  });

  it('skips optional references that are missing', async () => {
    const c: Container = {
      name: 'c',
      envFrom: [{ configMapRef: { name: 'x', optional: true } }],
      env: [
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'x', key: 'k', optional: true } } },
        { name: 'B', valueFrom: { secretKeyRef: { name: 'sec', key: 'k', optional: true } } },
        { name: 'C', value: '$(A)' },
      ],
    };
    expect(await env(c, { lookup: lookup })).toEqual({ C: '$(A)' });
    expect(await env({ name: 'c', env: [{ name: 'E', value: '' }] }, { lookup: emptyLookup })).toEqual({ E: '' });
  });
});
