import { describe, expect, it } from 'vitest';
import { prepareForCreate } from './defaults.ts';
import { fieldErrorString } from './errors.ts';
import { invalidError, validateCreate, validateUpdate } from './validation.ts';

const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

function pod(spec: object, meta: object = { name: 'web', namespace: 'default' }): Record<string, unknown> {
  return prepareForCreate({ apiVersion: 'v1', kind: 'Pod', metadata: meta, spec });
}

function errors(obj: unknown): string[] {
  return validateCreate(obj).map(fieldErrorString);
}

describe('pod create', () => {
  it('accepts a defaulted minimal pod', () => {
    expect(errors(pod({ containers: [{ name: 'c', image: 'busybox' }] }))).toEqual([]);
  });

  it('reports missing image and bad name like kube-apiserver', () => {
    const p = pod({ containers: [{ name: 'c' }] }, { name: 'Nginx', namespace: 'default' });
    expect(errors(p)).toEqual([
      `metadata.name: Invalid value: "Nginx": ${SUBDOMAIN_MSG}`,
      'spec.containers[0].image: Required value',
    ]);
    expect(invalidError(p, validateCreate(p)).message).toBe(
      `Pod "Nginx" is invalid: [metadata.name: Invalid value: "Nginx": ${SUBDOMAIN_MSG}, spec.containers[0].image: Required value]`);
    const one = pod({ containers: [{ name: 'c' }] });
    expect(invalidError(one, validateCreate(one)).status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'Pod "web" is invalid: spec.containers[0].image: Required value', reason: 'Invalid',
      details: { name: 'web', kind: 'Pod', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' }] },
      code: 422,
    });
  });

  it('requires containers and a name', () => {
    expect(errors(pod({}, { namespace: 'default' }))).toEqual([
      'metadata.name: Required value: name or generateName is required',
      'spec.containers: Required value',
    ]);
  });

  it('checks container names, uniqueness across init containers, and enums', () => {
    const p = pod({
      restartPolicy: 'Sometimes', dnsPolicy: 'Weird',
      containers: [{ name: 'C_1', image: 'b' }, { name: 'c', image: 'b', imagePullPolicy: 'Maybe', terminationMessagePolicy: 'Nope' }, { name: 'c', image: 'b' }],
      initContainers: [{ name: 'c', image: 'b', restartPolicy: 'OnFailure' }],
    });
    expect(errors(p)).toEqual([
      `spec.containers[0].name: Invalid value: "C_1": ${LABEL_MSG}`,
      'spec.containers[1].terminationMessagePolicy: Unsupported value: "Nope": supported values: "File", "FallbackToLogsOnError"',
      'spec.containers[1].imagePullPolicy: Unsupported value: "Maybe": supported values: "Always", "IfNotPresent", "Never"',
      'spec.containers[2].name: Duplicate value: "c"',
      'spec.initContainers[0].restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
      'spec.initContainers[0].name: Duplicate value: "c"',
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      'spec.dnsPolicy: Unsupported value: "Weird": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
    ]);
  });

  it('checks ports', () => {
    const p = pod({
      containers: [
        { name: 'a', image: 'b', ports: [{ containerPort: 0 }, { containerPort: 70000, name: 'http' }, { containerPort: 80, name: 'http', protocol: 'ICMP' }, { containerPort: 81, hostPort: 8080 }] },
        { name: 'b', image: 'b', ports: [{ containerPort: 82, hostPort: 8080, name: 'Bad_Name' }] },
      ],
    });
    expect(errors(p)).toEqual([
      'spec.containers[0].ports[0].containerPort: Required value',
      'spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[0].ports[2].name: Duplicate value: "http"',
      'spec.containers[0].ports[2].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
      'spec.containers[1].ports[0].name: Invalid value: "Bad_Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.containers[1].ports[0].hostPort: Duplicate value: "8080/TCP"',
    ]);
  });

  it('checks probes and lifecycle handlers', () => {
    const p = pod({
      containers: [{
        name: 'c', image: 'b',
        livenessProbe: { exec: { command: ['true'] }, httpGet: { port: 80 }, successThreshold: 2 },
        readinessProbe: { initialDelaySeconds: -1 },
        startupProbe: { tcpSocket: { port: 'http' }, terminationGracePeriodSeconds: 0 },
        lifecycle: { preStop: { sleep: { seconds: 40 } }, postStart: { exec: {} } },
      }],
      initContainers: [{ name: 'i', image: 'b', livenessProbe: { exec: { command: ['x'] } }, readinessProbe: { exec: { command: ['x'] } } },
        { name: 's', image: 'b', restartPolicy: 'Always', readinessProbe: { exec: { command: ['x'] } } }],
    });
    expect(errors(p)).toEqual([
      'spec.containers[0].lifecycle.postStart.exec.command: Required value',
      'spec.containers[0].lifecycle.preStop.sleep: Invalid value: 40: must be greater than 0 and less than terminationGracePeriodSeconds (30)',
      'spec.containers[0].livenessProbe.httpGet: Forbidden: may not specify more than 1 handler type',
      'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
      'spec.containers[0].readinessProbe: Required value: must specify a handler type',
      'spec.containers[0].readinessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0',
      'spec.containers[0].startupProbe.terminationGracePeriodSeconds: Invalid value: 0: must be greater than 0',
      'spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
      'spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers',
    ]);
  });

  it('checks volumes, mounts and env', () => {
    const p = pod({
      volumes: [{ name: 'v' }, { name: 'v' }, { name: 'two', emptyDir: {}, hostPath: { path: '/x' } }, { name: 'cm', configMap: { name: 'c', items: [{ key: 'k', path: '../x' }] } }],
      containers: [{
        name: 'c', image: 'b',
        volumeMounts: [{ name: 'nope', mountPath: '/a' }, { name: 'v', mountPath: '/a' }],
        env: [{ name: 'A=B', value: 'x' }, { name: 'OK', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'X', valueFrom: {} },
          { name: 'F', valueFrom: { fieldRef: { fieldPath: 'spec.foo' } } }],
      }],
    });
    expect(errors(p)).toEqual([
      'spec.volumes[1].name: Duplicate value: "v"',
      'spec.volumes[2].hostPath: Forbidden: may not specify more than 1 volume type',
      "spec.volumes[3].configMap.items[0].path: Invalid value: \"../x\": must not contain '..'",
      "spec.volumes[3].configMap.items[0].path: Invalid value: \"../x\": must not start with '..'",
      'spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than \'=\'',
      'spec.containers[0].env[1].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
      'spec.containers[0].env[2].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
      'spec.containers[0].env[3].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.foo": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
      'spec.containers[0].volumeMounts[0].name: Not found: "nope"',
      'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/a": must be unique',
    ]);
  });

  it('checks resources, deadlines, sysctls and tolerations', () => {
    const p = pod({
      activeDeadlineSeconds: 0,
      securityContext: { sysctls: [{ name: 'foo-' }, { name: 'kernel.shmmax' }, { name: 'bar..' }, { name: 'kernel.shmmax' }] },
      tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }, { operator: 'Equal', effect: 'Sometimes' }],
      containers: [{ name: 'c', image: 'b', resources: { limits: { cpu: '500m' }, requests: { cpu: '1', memory: 'lots', gpu: '1' } } }],
    });
    const sysctlMsg = 'must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$';
    expect(errors(p)).toEqual([
      'spec.containers[0].resources.requests[memory]: Invalid value: "lots": quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'',
      'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers',
      'spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m',
      `spec.securityContext.sysctls[0].name: Invalid value: "foo-": ${sysctlMsg}`,
      `spec.securityContext.sysctls[2].name: Invalid value: "bar..": ${sysctlMsg}`,
      'spec.securityContext.sysctls[3].name: Duplicate value: "kernel.shmmax"',
      'spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive',
      "spec.tolerations[0].operator: Invalid value: {\"key\":\"k\",\"operator\":\"Exists\",\"value\":\"v\"}: value must be empty when `operator` is 'Exists'",
      'spec.tolerations[1].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
      'spec.tolerations[1].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    ]);
  });

  it('checks labels, annotations and namespace', () => {
    const p = pod({ containers: [{ name: 'c', image: 'b' }] }, { name: 'p', labels: { 'a/b/c': 'x', ok: 'bad value' }, annotations: { big: 'x'.repeat(262144) } });
    expect(errors(p)).toEqual([
      'metadata.namespace: Required value',
      "metadata.labels: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      "metadata.labels: Invalid value: \"bad value\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      'metadata.annotations: Too long: may not be more than 262144 bytes',
    ]);
  });
});

describe('pod update', () => {
  const base = pod({ containers: [{ name: 'c', image: 'busybox:1' }], activeDeadlineSeconds: 100 });
  interface P {
    metadata: { name: string; labels?: Record<string, string> };
    spec: { containers: Record<string, unknown>[]; activeDeadlineSeconds: number; tolerations: unknown[] };
  }
  const upd = (f: (p: P) => void): string[] => {
    const n = structuredClone(base) as unknown as P;
    f(n);
    return validateUpdate(n, base).map(fieldErrorString);
  };

  it('allows image, activeDeadlineSeconds decrease and toleration additions', () => {
    expect(upd((p) => {
      p.spec.containers[0]!.image = 'busybox:2';
      p.spec.activeDeadlineSeconds = 50;
      p.spec.tolerations.push({ key: 'x', operator: 'Exists' });
      p.metadata.labels = { a: 'b' };
    })).toEqual([]);
  });

  it('forbids other spec changes with kube\'s message', () => {
    expect(upd((p) => { p.spec.containers[0]!.ports = [{ containerPort: 80, protocol: 'TCP' }]; })).toEqual([
      'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
    ]);
    expect(upd((p) => { p.spec.containers.push({ name: 'd', image: 'x', imagePullPolicy: 'Always', terminationMessagePolicy: 'File' }); })).toEqual([
      'spec.containers: Forbidden: pod updates may not add or remove containers',
    ]);
    expect(upd((p) => { p.spec.activeDeadlineSeconds = 200; })).toEqual([
      'spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value',
    ]);
    expect(upd((p) => { p.spec.tolerations = []; })).toEqual([
      'spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds',
    ]);
    expect(upd((p) => { p.metadata.name = 'other'; })).toEqual(['metadata.name: Invalid value: "other": field is immutable']);
    expect(upd((p) => { p.spec.containers[0]!.resources = { limits: { cpu: '1' }, requests: { cpu: '1' } }; })).toEqual([
      'metadata: Invalid value: "BestEffort": Pod QoS is immutable',
      'spec: Forbidden: ' + 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
    ]);
  });
});

describe('other kinds', () => {
  it('configmaps and secrets', () => {
    expect(errors({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd' }, data: { 'bad key': 'x', ok: 'y' }, binaryData: { ok: 'eQ==' } })).toEqual([
      "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      'data[ok]: Invalid value: "ok": duplicate of key present in binaryData',
    ]);
    expect(errors({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd' }, data: { a: 'x'.repeat(1048577) } })).toEqual([
      ': Too long: may not be more than 1048576 bytes',
    ]);
    expect(errors({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'd' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } })).toEqual([
      'data[tls.key]: Required value',
    ]);
    expect(errors({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'd' }, type: 'kubernetes.io/basic-auth', data: {} })).toEqual([
      'data[username]: Required value', 'data[password]: Required value',
    ]);
    const old = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'd' }, type: 'Opaque', immutable: true, data: { a: 'eA==' } };
    expect(validateUpdate({ ...old, type: 'Other', data: { a: 'eQ==' } }, old).map(fieldErrorString)).toEqual([
      'type: Invalid value: "Other": field is immutable',
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
  });

  it('namespaces, nodes, leases, events', () => {
    expect(errors({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Dev.x', namespace: 'x' }, spec: { finalizers: ['custom'] } })).toEqual([
      `metadata.name: Invalid value: "Dev.x": ${LABEL_MSG}`,
      'metadata.namespace: Forbidden: not allowed on this type',
      'spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
    ]);
    expect(errors({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1' }, spec: { taints: [{ key: 'k', effect: 'Bad' }] } })).toEqual([
      'spec.taints[0].effect: Unsupported value: "Bad": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    ]);
    expect(errors({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node1', namespace: 'kube-node-lease' }, spec: { leaseDurationSeconds: 0 } })).toEqual([
      'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
    ]);
    expect(invalidError({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n' } }, []).message).toBe(
      'Lease.coordination.k8s.io "n" is invalid');
    expect(errors({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'node1.1', namespace: 'default' }, involvedObject: { kind: 'Node', name: 'node1' }, reason: 'Starting' })).toEqual([]);
    expect(errors({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.1', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'web', namespace: 'other' } })).toEqual([
      'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
    ]);
  });
});
