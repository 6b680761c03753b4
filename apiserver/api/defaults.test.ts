import { describe, expect, it } from 'vitest';
import { applyDefaults, imageTag, podQOSClass, prepareForCreate, prepareForUpdate } from './defaults.ts';
import { canonicalQuantity, parseQuantity } from './quantity.ts';

describe('quantity', () => {
  it('canonicalises like resource.Quantity.String()', () => {
    const cases: [string, string][] = [
      ['0.5', '500m'], ['1000m', '1'], ['1500m', '1500m'], ['2000', '2k'], ['1500', '1500'], ['100m', '100m'],
      ['1024Mi', '1Gi'], ['1536Mi', '1536Mi'], ['0.5Gi', '512Mi'], ['1.5Ki', '1536'], ['64Mi', '64Mi'],
      ['1e3', '1e3'], ['128974848', '128974848'], ['129e6', '129e6'], ['0', '0'], ['1G', '1G'],
    ];
    for (const [i, o] of cases) expect(canonicalQuantity(i), i).toBe(o);
    expect(canonicalQuantity('0.0001', true)).toBe('1m');
    expect(parseQuantity('abc')).toBeUndefined();
    expect(parseQuantity('1Gi')?.nanos).toBe(1073741824n * 1000000000n);
  });
});

describe('applyDefaults', () => {
  it('defaults a minimal pod like kube-apiserver', () => {
    const pod = applyDefaults({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' },
      spec: {
        containers: [{
          name: 'c', image: 'nginx:1.27', ports: [{ containerPort: 80 }],
          livenessProbe: { httpGet: { port: 80 } },
          readinessProbe: { exec: { command: ['true'] }, periodSeconds: 2 },
          lifecycle: { preStop: { httpGet: { port: 80, path: '/stop' } } },
          resources: { limits: { cpu: '0.5', memory: '64Mi' } },
          env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        }],
        initContainers: [{ name: 'i', image: 'busybox' }],
        volumes: [{ name: 'v' }, { name: 's', secret: { secretName: 'x' } }, { name: 'cm', configMap: { name: 'y' } }],
      },
    });
    expect(pod.spec).toEqual({
      containers: [{
        name: 'c', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80, protocol: 'TCP' }],
        livenessProbe: { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
        readinessProbe: { exec: { command: ['true'] }, timeoutSeconds: 1, periodSeconds: 2, successThreshold: 1, failureThreshold: 3 },
        lifecycle: { preStop: { httpGet: { port: 80, path: '/stop', scheme: 'HTTP' } } },
        resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '500m', memory: '64Mi' } },
        env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name', apiVersion: 'v1' } } }],
        terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
      }],
      initContainers: [{
        name: 'i', image: 'busybox', imagePullPolicy: 'Always', resources: {},
        terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
      }],
      volumes: [{ name: 'v', emptyDir: {} }, { name: 's', secret: { secretName: 'x', defaultMode: 420 } }, { name: 'cm', configMap: { name: 'y', defaultMode: 420 } }],
      dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', securityContext: {}, terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler', enableServiceLinks: true,
    });
  });

  it('keeps explicit values and is idempotent', () => {
    const spec = { restartPolicy: 'Never', terminationGracePeriodSeconds: 0, enableServiceLinks: false, containers: [{ name: 'c', image: 'x:latest', imagePullPolicy: 'Never' }] };
    const once = applyDefaults({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec });
    const twice = applyDefaults(structuredClone(once));
    expect(twice).toEqual(once);
    expect(once.spec).toMatchObject({ restartPolicy: 'Never', terminationGracePeriodSeconds: 0, enableServiceLinks: false });
    expect(once.spec.containers[0]).toMatchObject({ imagePullPolicy: 'Never' });
  });

  it('picks imagePullPolicy from the tag', () => {
    expect(imageTag('busybox')).toBe('latest');
    expect(imageTag('busybox:latest')).toBe('latest');
    expect(imageTag('localhost:5000/busybox')).toBe('latest');
    expect(imageTag('localhost:5000/busybox:1.36')).toBe('1.36');
    expect(imageTag('busybox@sha256:abc')).toBe('');
    const pull = (image: string): unknown =>
      applyDefaults({ apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ name: 'c', image }] } }).spec.containers[0];
    expect(pull('busybox')).toMatchObject({ imagePullPolicy: 'Always' });
    expect(pull('busybox:1.36')).toMatchObject({ imagePullPolicy: 'IfNotPresent' });
    expect(pull('busybox@sha256:abc')).toMatchObject({ imagePullPolicy: 'IfNotPresent' });
  });

  it('defaults other kinds', () => {
    expect(applyDefaults({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { a: 'hi' } })).toEqual({
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', data: { a: 'aGk=' },
    });
    expect(applyDefaults({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } })).toEqual({
      apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev', labels: { 'kubernetes.io/metadata.name': 'dev' } }, status: { phase: 'Active' },
    });
    expect(applyDefaults({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: { capacity: { cpu: '4', pods: '110' } } }).status).toEqual({
      capacity: { cpu: '4', pods: '110' }, allocatable: { cpu: '4', pods: '110' },
    });
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n' }, spec: {} };
    expect(applyDefaults(structuredClone(lease))).toEqual(lease);
  });
});

describe('prepareForCreate', () => {
  it('adds admission and registry fields to pods', () => {
    const pod = prepareForCreate({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] }, status: { phase: 'Running' } });
    expect(pod.spec).toMatchObject({
      serviceAccountName: 'default', serviceAccount: 'default', priority: 0, preemptionPolicy: 'PreemptLowerPriority',
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
    });
    expect(pod.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
  });

  it('keeps tolerations that already cover the taints', () => {
    const pod = prepareForCreate({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' },
      spec: { priorityClassName: 'system-node-critical', containers: [{ name: 'c', image: 'b' }], tolerations: [{ operator: 'Exists' }] },
    });
    expect(pod.spec).toMatchObject({ tolerations: [{ operator: 'Exists' }], priority: 2000001000 });
  });

  it('computes the QoS class', () => {
    const pod = (resources: object, init?: object): object => ({ spec: { containers: [{ name: 'c', resources }], ...(init ? { initContainers: [{ name: 'i', resources: init }] } : {}) } });
    expect(podQOSClass(pod({}))).toBe('BestEffort');
    expect(podQOSClass(pod({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } }))).toBe('Guaranteed');
    expect(podQOSClass(pod({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } }))).toBe('Burstable');
    expect(podQOSClass(pod({ requests: { cpu: '1' } }))).toBe('Burstable');
    expect(podQOSClass(pod({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } }, { requests: { cpu: '1' } }))).toBe('Burstable');
  });

  it('sets namespace finalizers and phase', () => {
    expect(prepareForCreate({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } })).toEqual({
      apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev', labels: { 'kubernetes.io/metadata.name': 'dev' } },
      spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' },
    });
  });
});

describe('prepareForUpdate', () => {
  it('keeps status on the main resource and spec on /status', () => {
    const old = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } };
    const main = prepareForUpdate({ ...structuredClone(old), spec: { nodeName: 'n1', x: 1 }, status: { phase: 'Failed' } }, old);
    expect(main.status).toEqual({ phase: 'Running' });
    const status = prepareForUpdate({ ...structuredClone(old), spec: { nodeName: 'n2' }, status: { phase: 'Failed' } }, old, 'status');
    expect(status.spec).toEqual({ nodeName: 'n1' });
    expect(status.status).toEqual({ phase: 'Failed' });
  });
});
