// Services, Endpoints, EndpointSlices, PersistentVolumes and claims, ResourceQuotas, LimitRanges
// and StorageClasses driven by the real kubectl (1.32) against an in-process server: the
// generator commands, apply, the tables, defaults in -o yaml, patches, 422s, watch and delete.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useKubectlServer } from '../testing/kubectl-server.ts';

const env = useKubectlServer({ minRequestTimeoutSeconds: 2 });
const { ok } = env;

async function fails(args: string[]): Promise<string> {
  const r = await env.kubectl.run(args);
  expect(r.code, `kubectl ${args.join(' ')} should fail`).toBe(1);
  return r.stderr;
}

const MANIFESTS = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv1}
spec:
  capacity: {storage: 5Gi}
  accessModes: [ReadWriteOnce, ReadOnlyMany]
  hostPath: {path: /tmp/pv1}
  storageClassName: manual
---
apiVersion: v1
kind: LimitRange
metadata: {name: lr}
spec:
  limits:
  - type: Container
    max: {cpu: "2", memory: 1Gi}
    min: {cpu: 100m}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: fast
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: example.com/fast
allowVolumeExpansion: true
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints:
- addresses: [10.1.0.5]
  conditions: {ready: true}
- addresses: [10.1.0.6]
---
apiVersion: v1
kind: Endpoints
metadata: {name: web}
subsets:
- addresses: [{ip: 10.1.0.5}, {ip: 10.1.0.6}]
  ports: [{name: 80-8080, port: 8080}]
`;

describe('kubectl with services, endpoints, volumes, quotas, limits and storage classes', () => {
  it('lists the kinds with their short names', async () => {
    const resources = await ok(['api-resources', '--no-headers']);
    expect(resources).toMatch(/^services\s+svc\s+v1\s+true\s+Service$/m);
    expect(resources).toMatch(/^endpoints\s+ep\s+v1\s+true\s+Endpoints$/m);
    expect(resources).toMatch(/^persistentvolumes\s+pv\s+v1\s+false\s+PersistentVolume$/m);
    expect(resources).toMatch(/^persistentvolumeclaims\s+pvc\s+v1\s+true\s+PersistentVolumeClaim$/m);
    expect(resources).toMatch(/^resourcequotas\s+quota\s+v1\s+true\s+ResourceQuota$/m);
    expect(resources).toMatch(/^limitranges\s+limits\s+v1\s+true\s+LimitRange$/m);
    expect(resources).toMatch(/^endpointslices\s+discovery\.k8s\.io\/v1\s+true\s+EndpointSlice$/m);
    expect(resources).toMatch(/^storageclasses\s+sc\s+storage\.k8s\.io\/v1\s+false\s+StorageClass$/m);
  });

  it('creates services and a quota with the generator commands', async () => {
    expect(await ok(['create', 'service', 'clusterip', 'web', '--tcp=80:8080'])).toBe('service/web created\n');
    expect(await ok(['create', 'service', 'nodeport', 'np', '--tcp=80:8080'])).toBe('service/np created\n');
    expect(await ok(['create', 'service', 'externalname', 'ext', '--external-name=example.invalid'])).toBe('service/ext created\n');
    expect(await ok(['create', 'quota', 'q', '--hard=pods=10'])).toBe('resourcequota/q created\n');
  });

  it('applies claims, volumes, limit ranges, storage classes, endpoint slices and endpoints', async () => {
    expect(await ok(['apply', '-f', env.kubectl.file('m.yaml', MANIFESTS)])).toBe([
      'persistentvolumeclaim/data created', 'persistentvolume/pv1 created', 'limitrange/lr created',
      'storageclass.storage.k8s.io/fast created', 'endpointslice.discovery.k8s.io/web-abc created', 'endpoints/web created', '',
    ].join('\n'));
    expect(await ok(['apply', '-f', env.kubectl.file('m.yaml', MANIFESTS)])).toContain('persistentvolume/pv1 unchanged');
  });

  it('prints kubectl\'s tables', async () => {
    const out = await ok(['get', 'svc,ep,pvc,pv,quota,limits,sc,endpointslices']);
    expect(out).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/m);
    expect(out).toMatch(/^service\/ext\s+ExternalName\s+<none>\s+example\.invalid\s+<none>\s+\d+s$/m);
    // ClusterIPs from 10.96.0.0/12, node ports from 30000-32767; the server's own `kubernetes` Service at 10.96.0.1
    expect(out).toMatch(/^service\/kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP\s+\d+s$/m);
    expect(out).toMatch(/^service\/np\s+NodePort\s+10\.(?:9[6-9]|10\d|11[01])\.\d+\.\d+\s+<none>\s+80:3[0-2]\d{3}\/TCP\s+\d+s$/m);
    expect(out).toMatch(/^service\/web\s+ClusterIP\s+10\.(?:9[6-9]|10\d|11[01])\.\d+\.\d+\s+<none>\s+80\/TCP\s+\d+s$/m);
    expect(out).toMatch(/^NAME\s+ENDPOINTS\s+AGE$/m);
    expect(out).toMatch(/^endpoints\/web\s+10\.1\.0\.5:8080,10\.1\.0\.6:8080\s+\d+s$/m);
    expect(out).toMatch(/^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE$/m);
    expect(out).toMatch(/^persistentvolumeclaim\/data\s+Pending\s+<unset>\s+\d+s$/m);
    expect(out).toMatch(/^NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE$/m);
    expect(out).toMatch(/^persistentvolume\/pv1\s+5Gi\s+RWO,ROX\s+Retain\s+Pending\s+manual\s+<unset>\s+\d+s$/m);
    expect(out).toMatch(/^NAME\s+AGE\s+REQUEST\s+LIMIT$/m);
    expect(out).toMatch(/^resourcequota\/q\s+\d+s\s*$/m);
    expect(out).toMatch(/^NAME\s+CREATED AT$/m);
    expect(out).toMatch(/^limitrange\/lr\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    expect(out).toMatch(/^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE$/m);
    expect(out).toMatch(/^storageclass\.storage\.k8s\.io\/fast \(default\)\s+example\.com\/fast\s+Delete\s+Immediate\s+true\s+\d+s$/m);
    expect(out).toMatch(/^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE$/m);
    expect(out).toMatch(/^endpointslice\.discovery\.k8s\.io\/web-abc\s+IPv4\s+8080\s+10\.1\.0\.5,10\.1\.0\.6\s+\d+s$/m);

    const wide = await ok(['get', 'svc,pvc,pv', '-o', 'wide']);
    expect(wide).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\s+SELECTOR$/m);
    expect(wide).toMatch(/^service\/web\s+ClusterIP\s+10\.(?:9[6-9]|10\d|11[01])\.\d+\.\d+\s+<none>\s+80\/TCP\s+\d+s\s+app=web$/m);
    expect(wide).toMatch(/^persistentvolumeclaim\/data\s+Pending\s+<unset>\s+\d+s\s+Filesystem$/m);
    expect(wide).toMatch(/^persistentvolume\/pv1\s+.*\s+\d+s\s+Filesystem$/m);
  });

  it('shows the defaults in -o yaml', async () => {
    const svc = await ok(['get', 'svc', 'web', '-o', 'yaml']);
    for (const line of ['  internalTrafficPolicy: Cluster', '  ipFamilyPolicy: SingleStack', '  - IPv4', '    protocol: TCP', '    targetPort: 8080', '  sessionAffinity: None', '  type: ClusterIP', '  loadBalancer: {}']) {
      expect(svc).toContain(line);
    }
    expect(svc).toMatch(/^ {2}clusterIP: 10\.(?:9[6-9]|10\d|11[01])\.\d+\.\d+\n {2}clusterIPs:\n {2}- 10\.(?:9[6-9]|10\d|11[01])\.\d+\.\d+\n/m);
    expect(await ok(['get', 'svc', 'np', '-o', 'jsonpath={.spec.externalTrafficPolicy}'])).toBe('Cluster');
    expect(await ok(['get', 'pv', 'pv1', '-o', 'jsonpath={.spec.persistentVolumeReclaimPolicy} {.spec.volumeMode} {.status.phase}'])).toBe('Retain Filesystem Pending');
    expect(await ok(['get', 'pvc', 'data', '-o', 'jsonpath={.spec.volumeMode} {.status.phase}'])).toBe('Filesystem Pending');
    expect(await ok(['get', 'sc', 'fast', '-o', 'jsonpath={.reclaimPolicy} {.volumeBindingMode}'])).toBe('Delete Immediate');
    expect(await ok(['get', 'limits', 'lr', '-o', 'jsonpath={.spec.limits[0].default.cpu} {.spec.limits[0].defaultRequest.memory}'])).toBe('2 1Gi');
    expect(await ok(['get', 'endpointslice', 'web-abc', '-o', 'jsonpath={.ports[0].protocol} {.metadata.generation}'])).toBe('TCP 1');
  });

  it('patches with merge, strategic and json patches', async () => {
    expect(await ok(['patch', 'svc', 'web', '--type=merge', '-p', '{"metadata":{"annotations":{"note":"m"}}}'])).toBe('service/web patched\n');
    expect(await ok(['patch', 'svc', 'web', '-p', '{"spec":{"selector":{"tier":"fe"}}}'])).toBe('service/web patched\n');
    expect(await ok(['patch', 'svc', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/sessionAffinity","value":"ClientIP"}]'])).toBe('service/web patched\n');
    // a strategic merge patch merges ports by port number
    expect(await ok(['patch', 'svc', 'web', '-p', '{"spec":{"ports":[{"port":80,"targetPort":9090}]}}'])).toBe('service/web patched\n');
    expect(await ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.ports}'])).toBe('[{"name":"80-8080","port":80,"protocol":"TCP","targetPort":9090}]');
    expect(await ok(['get', 'svc', 'web', '-o', 'jsonpath={.metadata.annotations.note} {.spec.selector} {.spec.sessionAffinityConfig.clientIP.timeoutSeconds}']))
      .toBe('m {"app":"web","tier":"fe"} 10800');
    expect(await ok(['patch', 'pvc', 'data', '--type=merge', '-p', '{"metadata":{"labels":{"x":"y"}}}'])).toBe('persistentvolumeclaim/data patched\n');
    expect(await ok(['patch', 'quota', 'q', '--type=merge', '-p', '{"spec":{"hard":{"pods":"20"}}}'])).toBe('resourcequota/q patched\n');
    expect(await ok(['patch', 'sc', 'fast', '--type=merge', '-p', '{"allowVolumeExpansion":false}'])).toBe('storageclass.storage.k8s.io/fast patched\n');
    // the quota controller's write, through the status subresource
    expect(await ok(['patch', 'quota', 'q', '--subresource=status', '--type=merge', '-p', '{"status":{"hard":{"pods":"20","limits.cpu":"2"},"used":{"pods":"1"}}}']))
      .toBe('resourcequota/q patched\n');
    expect(await ok(['get', 'quota', 'q', '--no-headers'])).toMatch(/^q\s+\d+s\s+pods: 1\/20\s+limits\.cpu: 0\/2\n$/);
    expect(await ok(['patch', 'pvc', 'data', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Bound"}}'])).toBe('persistentvolumeclaim/data patched\n');
    expect(await ok(['get', 'pvc', 'data', '-o', 'jsonpath={.status.phase} {.spec.volumeMode}'])).toBe('Bound Filesystem');
  });

  it('refuses what kube refuses, with its 422 text', async () => {
    await ok(['apply', '-f', env.kubectl.file('fixed.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: fixed}\nspec:\n  clusterIP: 10.96.0.10\n  ports: [{port: 53, protocol: UDP}]\n')]);
    expect(await fails(['patch', 'svc', 'fixed', '--type=merge', '-p', '{"spec":{"clusterIP":"10.96.0.11"}}']))
      .toContain('The Service "fixed" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set');
    expect(await fails(['patch', 'pvc', 'data', '--type=merge', '-p', '{"spec":{"accessModes":["ReadWriteMany"]}}']))
      .toContain('The PersistentVolumeClaim "data" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims');
    expect(await fails(['patch', 'sc', 'fast', '--type=merge', '-p', '{"provisioner":"example.com/slow"}']))
      .toContain('The StorageClass "fast" is invalid: provisioner: Forbidden: updates to provisioner are forbidden.');
    expect(await fails(['patch', 'endpointslice', 'web-abc', '--type=merge', '-p', '{"addressType":"IPv6"}']))
      .toContain('addressType: Invalid value: "IPv6": field is immutable');
    const bad = env.kubectl.file('bad.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: Bad}\nspec:\n  type: Weird\n  ports: [{port: 80}, {port: 70000, protocol: FTP}]\n');
    const stderr = await fails(['create', '-f', bad]);
    expect(stderr).toContain('The Service "Bad" is invalid:');
    expect(stderr).toContain('* spec.ports[0].name: Required value');
    expect(stderr).toContain('* spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive');
    expect(stderr).toContain('* spec.ports[1].protocol: Unsupported value: "FTP": supported values: "SCTP", "TCP", "UDP"');
    expect(stderr).toContain('* spec.type: Unsupported value: "Weird": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"');
    expect(await fails(['create', 'quota', 'bad', '--hard=pods=1500m'])).toContain('error: failed to create quota: ResourceQuota "bad" is invalid: spec.hard[pods]: Invalid value: "1500m": must be an integer');
    expect(await fails(['apply', '-f', env.kubectl.file('pv.yaml', 'apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: empty}\nspec:\n  accessModes: [ReadWriteOnce]\n')]))
      .toContain('spec: Required value: must specify a volume type');
  });

  it('includes services in get all', async () => {
    const all = await ok(['get', 'all']);
    expect(all).toMatch(/^service\/web\s+ClusterIP\s+/m);
    expect(all).not.toMatch(/persistentvolumeclaim|endpointslice|resourcequota/);
  });

  it('watches with get -w', async () => {
    const child = spawn('kubectl', ['--cache-dir', join(env.kubectl.dir, 'cache'), 'get', 'svc', '-w', '--no-headers'], { env: { ...process.env, KUBECONFIG: env.kubectl.kubeconfig, HOME: env.kubectl.dir } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const until = async (pred: () => boolean): Promise<void> => {
      const end = Date.now() + 10_000;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timed out; got ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until(() => out.includes('web'));
    await ok(['create', 'service', 'clusterip', 'late', '--tcp=81']);
    await until(() => /^late\s+ClusterIP/m.test(out));
    // minRequestTimeoutSeconds=2: the server ends the watch and kubectl exits 0
    expect(await exited).toBe(0);
  });

  it('deletes', async () => {
    expect(await ok(['delete', 'svc', 'np', 'late'])).toBe('service "np" deleted\nservice "late" deleted\n');
    expect(await ok(['delete', '-f', env.kubectl.file('m.yaml', MANIFESTS)])).toContain('persistentvolume "pv1" deleted');
    expect(await ok(['delete', 'quota', 'q'])).toBe('resourcequota "q" deleted\n');
    expect((await fails(['get', 'pv', 'pv1']))).toContain('Error from server (NotFound): persistentvolumes "pv1" not found');
    // what stays is the server's own: the `kubernetes` Service's slice
    expect(await ok(['get', 'sc,endpointslices,limits,pvc', '-o', 'name'])).toBe('endpointslice.discovery.k8s.io/kubernetes\n');
  });
});
