import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clusterDnsOptions, loadAgentConfig } from './agent.ts';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'nodelet-cfg-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

describe('agent config file', () => {
  it('reads the YAML fields', async () => {
    const f = join(dir, 'agent.yaml');
    await writeFile(f, 'nodeName: n1\nmanifests: /etc/nodelet/manifests\nport: 10255\ncrashLoopBackOff: {initialSeconds: 1, maxSeconds: 60}\nmaxPods: 20\n');
    expect(await loadAgentConfig(f)).toEqual({ nodeName: 'n1', manifests: '/etc/nodelet/manifests', port: 10255, crashLoopBackOff: { initialSeconds: 1, maxSeconds: 60 }, maxPods: 20 });
  });

  it('reads the API-mode fields (kubeconfig, healthzPort)', async () => {
    const f = join(dir, 'agent.yaml');
    await writeFile(f, 'nodeName: n1\nkubeconfig: /etc/nodelet/node.kubeconfig\nport: 10250\nhealthzPort: 10248\n');
    expect(await loadAgentConfig(f)).toEqual({ nodeName: 'n1', kubeconfig: '/etc/nodelet/node.kubeconfig', port: 10250, healthzPort: 10248 });
  });

  it('reads the node-shaping fields (nodeLabels, maxPods, systemReserved)', async () => {
    const f = join(dir, 'agent.yaml');
    await writeFile(f, 'nodeName: n1\nnodeLabels: {pool: a}\nmaxPods: 30\nsystemReserved: {cpu: 500m, memory: 1Gi}\n');
    expect(await loadAgentConfig(f)).toEqual({ nodeName: 'n1', nodeLabels: { pool: 'a' }, maxPods: 30, systemReserved: { cpu: '500m', memory: '1Gi' } });
  });

  it('rejects unknown fields and unreadable files with a clear message', async () => {
    const f = join(dir, 'agent.yaml');
    await writeFile(f, 'nodename: n1\n');
    await expect(loadAgentConfig(f)).rejects.toThrow(`config file ${f}: unknown field "nodename"`);
    await expect(loadAgentConfig(join(dir, 'missing.yaml'))).rejects.toThrow(/^cannot read config file/);
  });
});

describe('--cluster-dns / --cluster-domain', () => {
  it('parses the comma-separated servers; flags win over the config file', () => {
    expect(clusterDnsOptions({ clusterDns: '10.96.0.10', clusterDomain: 'cluster.local' }, {})).toEqual({ clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local' });
    expect(clusterDnsOptions({ clusterDns: '10.96.0.10, fd00::a' }, { clusterDNS: ['1.1.1.1'], clusterDomain: 'corp.local' })).toEqual({ clusterDNS: ['10.96.0.10', 'fd00::a'], clusterDomain: 'corp.local' });
    expect(clusterDnsOptions({}, { clusterDNS: ['1.1.1.1'] })).toEqual({ clusterDNS: ['1.1.1.1'] });
    expect(clusterDnsOptions({}, {})).toEqual({});
  });

  it('rejects what is not an IP address', () => {
    expect(() => clusterDnsOptions({ clusterDns: 'kube-dns.kube-system' }, {})).toThrow('--cluster-dns: "kube-dns.kube-system" is not a valid IP address');
    expect(() => clusterDnsOptions({}, { clusterDNS: '10.96.0.10' as unknown as string[] })).toThrow('clusterDNS: expected a list of IP addresses');
  });
});
