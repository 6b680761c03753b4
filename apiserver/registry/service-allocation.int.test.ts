// ClusterIP and node port allocation and the `kubernetes` Service through the real HTTP path and
// the real kubectl (1.32) against an in-process server; a restart over the same SQLite file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/log.ts';
import { ApiClient, ApiClientError, type KubeObject, type ResourceType } from '../../kube/client/client.ts';
import { parseKubeconfig } from '../../kube/client/kubeconfig.ts';
import { startApiServer } from '../main.ts';
import { createSqliteStorage } from '../storage/sqlite-storage.ts';
import { useKubectlServer } from '../testing/kubectl-server.ts';
import { until } from '../testing/until.ts';

interface ServiceObject extends KubeObject {
  spec: { type?: string; clusterIP?: string; ports: { port: number; nodePort?: number }[] };
}

const SERVICES: ResourceType = { group: '', version: 'v1', resource: 'services', namespaced: true };
const ADVERTISE = '192.0.2.10';

const env = useKubectlServer({ advertiseAddress: ADVERTISE, kubernetesServiceIntervalMs: 100, scheduler: false });
const { ok, fails } = env;

const IN_RANGE = /^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/;

describe('Service allocation through kubectl', () => {
  it('gives a ClusterIP to `kubectl create service clusterip` and shows it in the table', async () => {
    expect(await ok(['create', 'service', 'clusterip', 'web', '--tcp=80:8080'])).toBe('service/web created\n');
    const ip = await ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}']);
    expect(ip).toMatch(IN_RANGE);
    expect(await ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIPs}'])).toBe(`["${ip}"]`);
    expect(await ok(['get', 'svc', 'web'])).toMatch(new RegExp(`^web\\s+ClusterIP\\s+${ip.replaceAll('.', '\\.')}\\s+<none>\\s+80/TCP\\s+\\d+s\\n$`, 'm'));
  });

  it('gives a NodePort Service the node port asked for, or a random one, and prints PORT(S) as 80:30080/TCP', async () => {
    expect(await ok(['create', 'service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30080'])).toBe('service/np created\n');
    expect(await ok(['create', 'service', 'nodeport', 'np2', '--tcp=81:8080'])).toBe('service/np2 created\n');
    const table = await ok(['get', 'svc', 'np', 'np2']);
    expect(table).toMatch(/^np\s+NodePort\s+10\.\d+\.\d+\.\d+\s+<none>\s+80:30080\/TCP\s+\d+s$/m);
    expect(table).toMatch(/^np2\s+NodePort\s+10\.\d+\.\d+\.\d+\s+<none>\s+81:3[0-2]\d{3}\/TCP\s+\d+s$/m);
  });

  it('refuses an allocated ClusterIP and node port with upstream\'s 422 text', async () => {
    const ip = await ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}']);
    expect(await fails(['create', 'service', 'clusterip', 'dup', `--clusterip=${ip}`, '--tcp=80']))
      .toBe(`error: failed to create ClusterIP service: Service "dup" is invalid: spec.clusterIPs: Invalid value: []string{"${ip}"}: failed to allocate IP ${ip}: provided IP is already allocated\n`);
    expect(await fails(['create', 'service', 'clusterip', 'far', '--clusterip=192.168.7.7', '--tcp=80']))
      .toBe('error: failed to create ClusterIP service: Service "far" is invalid: spec.clusterIPs: Invalid value: []string{"192.168.7.7"}: failed to allocate IP 192.168.7.7: the provided IP (192.168.7.7) is not in the valid range. The range of valid IPs is 10.96.0.0/12\n');
    expect(await fails(['create', 'service', 'nodeport', 'np3', '--tcp=80', '--node-port=30080']))
      .toBe('error: failed to create NodePort service: Service "np3" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated\n');
    expect(await fails(['create', 'service', 'nodeport', 'np4', '--tcp=80', '--node-port=8080']))
      .toBe('error: failed to create NodePort service: Service "np4" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767\n');
  });

  it('a server-side dry run fills in placeholders and takes nothing', async () => {
    expect(await ok(['create', 'service', 'clusterip', 'dry', '--clusterip=10.96.0.77', '--tcp=80', '--dry-run=server', '-o', 'jsonpath={.spec.clusterIP}'])).toBe('10.96.0.77');
    expect(await ok(['create', 'service', 'nodeport', 'dry2', '--tcp=80', '--dry-run=server', '-o', 'jsonpath={.spec.clusterIP} {.spec.ports[0].nodePort}'])).toBe('10.96.0.0 32769');
    expect(await ok(['create', 'service', 'clusterip', 'real', '--clusterip=10.96.0.77', '--tcp=80'])).toBe('service/real created\n');
  });

  it('switching type takes and gives back node ports; deleting gives the ClusterIP back', async () => {
    await ok(['patch', 'svc', 'np', '--type=merge', '-p', '{"spec":{"type":"ClusterIP","ports":[{"port":80,"targetPort":8080}]}}']);
    expect(await ok(['get', 'svc', 'np', '-o', 'jsonpath={.spec.ports[0].nodePort}'])).toBe('');
    expect(await ok(['create', 'service', 'nodeport', 'np5', '--tcp=80', '--node-port=30080'])).toBe('service/np5 created\n');
    await ok(['delete', 'svc', 'real']);
    expect(await ok(['create', 'service', 'clusterip', 'again', '--clusterip=10.96.0.77', '--tcp=80'])).toBe('service/again created\n');
  });

  it('re-applying a manifest (client-side and server-side) keeps the allocated values', async () => {
    const manifest = (target: number): string => `apiVersion: v1\nkind: Service\nmetadata: {name: applied}\nspec:\n  type: NodePort\n  ports: [{port: 80, targetPort: ${target}}]\n`;
    const read = (): Promise<string> => ok(['get', 'svc', 'applied', '-o', 'jsonpath={.spec.clusterIP} {.spec.ports[0].nodePort}']);
    await ok(['apply', '-f', env.kubectl.file('applied.yaml', manifest(8080))]);
    const before = await read();
    expect(before).toMatch(/^10\.\d+\.\d+\.\d+ 3\d{4}$/);
    await ok(['apply', '-f', env.kubectl.file('applied.yaml', manifest(8081))]);
    expect(await read()).toBe(before);
    await ok(['apply', '--server-side', '--force-conflicts', '-f', env.kubectl.file('applied.yaml', manifest(8082))]);
    await ok(['apply', '--server-side', '--force-conflicts', '-f', env.kubectl.file('applied.yaml', manifest(8083))]);
    expect(await read()).toBe(before);
    expect(await ok(['get', 'svc', 'applied', '-o', 'jsonpath={.spec.ports[0].targetPort}'])).toBe('8083');
  });

  it('concurrent creates over HTTP never share a ClusterIP or node port', async () => {
    const made = await Promise.all(Array.from({ length: 30 }, (_, i) => env.client.create<ServiceObject>(SERVICES, 'default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: `c${i}` }, spec: { type: 'NodePort', ports: [{ port: 80 }] },
    })));
    expect(new Set(made.map((o) => o.spec.clusterIP)).size).toBe(30);
    expect(new Set(made.map((o) => o.spec.ports[0]?.nodePort)).size).toBe(30);
  });

  it('the HTTP answer to a taken IP is a 422 Status with the field cause', async () => {
    const ip = await ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}']);
    const err = await env.client.create(SERVICES, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { clusterIP: ip, ports: [{ port: 80 }] } })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApiClientError);
    const e = err as ApiClientError;
    expect(e.httpStatus).toBe(422);
    expect(e.status).toMatchObject({
      kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422,
      details: { name: 'x', kind: 'Service', causes: [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: []string{"${ip}"}: failed to allocate IP ${ip}: provided IP is already allocated` }] },
    });
  });
});

describe('the kubernetes Service', () => {
  it('points 443 at the server\'s port on the advertised address, as kube-apiserver keeps it', async () => {
    const port = String(env.server.port);
    expect(await ok(['get', 'svc', 'kubernetes'])).toMatch(/^kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP\s+\d+s$/m);
    const svc = await env.yamlOf('svc', 'kubernetes');
    expect(svc).toMatchObject({
      metadata: { labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], type: 'ClusterIP', sessionAffinity: 'None', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: env.server.port }] },
    });
    expect(await env.yamlOf('endpoints', 'kubernetes')).toMatchObject({
      metadata: { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: [{ addresses: [{ ip: ADVERTISE }], ports: [{ name: 'https', port: env.server.port, protocol: 'TCP' }] }],
    });
    expect(await env.yamlOf('endpointslice', 'kubernetes')).toMatchObject({
      metadata: { labels: { 'kubernetes.io/service-name': 'kubernetes' } },
      addressType: 'IPv4', endpoints: [{ addresses: [ADVERTISE], conditions: { ready: true } }], ports: [{ name: 'https', port: env.server.port, protocol: 'TCP' }],
    });
    expect(await ok(['get', 'endpoints', 'kubernetes'])).toMatch(new RegExp(`^kubernetes\\s+${ADVERTISE.replaceAll('.', '\\.')}:${port}\\s+\\d+s$`, 'm'));
  });

  it('comes back when deleted, and its endpoints are put right when changed', async () => {
    await ok(['delete', 'svc', 'kubernetes']);
    await ok(['delete', 'endpointslice', 'kubernetes']);
    await ok(['patch', 'endpoints', 'kubernetes', '--type=merge', '-p', '{"subsets":[{"addresses":[{"ip":"10.9.9.9"}],"ports":[{"name":"https","port":1}]}]}']);
    await until(async () => (await env.kubectl.run(['get', 'svc', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}'])).stdout === '10.96.0.1' || undefined);
    await until(async () => (await env.kubectl.run(['get', 'endpointslice', 'kubernetes', '-o', 'name'])).code === 0 || undefined);
    await until(async () => (await env.kubectl.run(['get', 'endpoints', 'kubernetes', '-o', 'jsonpath={.subsets[0].addresses[0].ip}'])).stdout === ADVERTISE || undefined);
  });
});

describe('restarts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodelet-svc-alloc-'));
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  it('rebuild the allocation from the durable store', async () => {
    const file = join(dir, 'state.db');
    const first = await startApiServer({ storage: createSqliteStorage(file), log: silentLogger, scheduler: false });
    let client = ApiClient.fromConnection(parseKubeconfig(first.kubeconfig()));
    try {
      await client.create(SERVICES, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kept' }, spec: { clusterIP: '10.96.0.42', type: 'NodePort', ports: [{ port: 80, nodePort: 30042 }] } });
    } finally {
      client.close();
      await first.close();
    }
    const second = await startApiServer({ storage: createSqliteStorage(file), log: silentLogger, scheduler: false });
    client = ApiClient.fromConnection(parseKubeconfig(second.kubeconfig()));
    try {
      expect([second.serviceAllocator.ips.has('10.96.0.42'), second.serviceAllocator.ports.has(30042), second.serviceAllocator.ips.has('10.96.0.1')]).toEqual([true, true, true]);
      const err = await client.create(SERVICES, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'clash' }, spec: { clusterIP: '10.96.0.42', ports: [{ port: 80 }] } })
        .then(() => undefined, (e: unknown) => e);
      expect((err as ApiClientError).status.message).toContain('failed to allocate IP 10.96.0.42: provided IP is already allocated');
    } finally {
      client.close();
      await second.close();
    }
  });
});
