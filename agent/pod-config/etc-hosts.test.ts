import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { managedHostsFileContent, writeEtcHosts } from './etc-hosts.ts';

const HEADER = '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';

describe('managedHostsFileContent', () => {
  it('writes the exact kubelet format', () => {
    expect(managedHostsFileContent(['10.0.0.5'], 'test-pod', '')).toBe(`${HEADER}10.0.0.5\ttest-pod\n`);
    expect(managedHostsFileContent(['10.0.0.5', 'fd00::5'], 'h', 'sub.ns.svc.cluster.local', [
      { ip: '123.45.67.89', hostnames: ['foo', 'bar'] }, { ip: '::2', hostnames: ['baz'] },
    ])).toBe(`${HEADER}10.0.0.5\th.sub.ns.svc.cluster.local\th\nfd00::5\th.sub.ns.svc.cluster.local\th\n\n# Entries added by HostAliases.\n123.45.67.89\tfoo\tbar\n::2\tbaz\n`);
  });
});

describe('writeEtcHosts', () => {
  let root: string;
  beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'nodelet-hosts-')); });
  afterEach(async () => { await rm(root, { recursive: true, force: true }); });

  const pod = (hostNetwork: boolean): Pod => ({
    metadata: { name: 'p', namespace: 'ns', uid: 'uid-1' },
    spec: { containers: [], hostNetwork, hostAliases: [{ ip: '123.45.67.89', hostnames: ['foo', 'bar'] }] },
  });

  it('writes <root>/pods/<uid>/etc-hosts (0644) and returns the /etc/hosts mount', async () => {
    const m = await writeEtcHosts(pod(false), { rootDir: root, podIPs: ['10.0.0.5'], hostname: 'p', domain: '' });
    expect(m).toEqual({ hostPath: join(root, 'pods', 'uid-1', 'etc-hosts'), containerPath: '/etc/hosts', readOnly: false });
    expect(await readFile(m.hostPath, 'utf8')).toBe(`${HEADER}10.0.0.5\tp\n\n# Entries added by HostAliases.\n123.45.67.89\tfoo\tbar\n`);
    expect((await stat(m.hostPath)).mode & 0o777).toBe(0o644);
  });

  it('hostNetwork pods get the node file plus aliases', async () => {
    const nodeHosts = join(root, 'node-hosts');
    await writeFile(nodeHosts, '127.0.0.1 localhost\n192.168.1.2 node-1\n');
    const m = await writeEtcHosts(pod(true), { rootDir: root, podIPs: ['192.168.1.2'], hostname: 'p', domain: '', nodeHostsPath: nodeHosts });
    expect(await readFile(m.hostPath, 'utf8')).toBe(
      '# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n192.168.1.2 node-1\n\n# Entries added by HostAliases.\n123.45.67.89\tfoo\tbar\n',
    );
  });
});
