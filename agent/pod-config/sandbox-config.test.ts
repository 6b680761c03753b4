import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import type { DnsOptions } from './dns.ts';
import { buildSandboxConfig } from './sandbox-config.ts';

const dns: DnsOptions = { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', hostResolvConf: 'nameserver 1.1.1.1\n', nodeIPs: ['192.168.1.2'] };

function pod(spec: Partial<NonNullable<Pod['spec']>>): Pod {
  return {
    metadata: { name: 'web', namespace: 'ns1', uid: 'uid-1', labels: { app: 'web' }, annotations: { note: 'x' } },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
  };
}

describe('buildSandboxConfig', () => {
  it('maps a plain pod', () => {
    expect(buildSandboxConfig(pod({}), { attempt: 2, dns, nodeHostname: 'node-1' })).toEqual({
      pod: { name: 'web', namespace: 'ns1', uid: 'uid-1' },
      attempt: 2,
      hostname: 'web',
      dns: { servers: ['10.96.0.10'], searches: ['ns1.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] },
      portMappings: [],
      namespaces: { network: 'pod', ipc: 'pod', pid: 'container' },
      sysctls: {},
      labels: { app: 'web' },
      annotations: { note: 'x' },
    });
  });

  it('maps namespaces, hostPorts, sysctls and the FQDN hostname', () => {
    const p = pod({
      hostIPC: true,
      shareProcessNamespace: true,
      hostname: 'h', subdomain: 's', setHostnameAsFQDN: true,
      securityContext: { sysctls: [{ name: 'kernel.shm_rmid_forced', value: '1' }, { name: 'net/ipv4/conf/eno2.100/rp_filter', value: '0' }] },
      containers: [
        { name: 'a', ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81 }, { name: 'dns', containerPort: 53, hostPort: 5353, protocol: 'UDP', hostIP: '127.0.0.1' }] },
        { name: 'b', ports: [{ name: 'x', containerPort: 90, hostPort: 9090 }, { name: 'x', containerPort: 91, hostPort: 9191 }] },
      ],
    });
    const cfg = buildSandboxConfig(p, { attempt: 0, dns, nodeHostname: 'node-1' });
    expect(cfg.hostname).toBe('h.s.ns1.svc.cluster.local');
    expect(cfg.namespaces).toEqual({ network: 'pod', ipc: 'node', pid: 'pod' });
    expect(cfg.sysctls).toEqual({ 'kernel.shm_rmid_forced': '1', 'net.ipv4.conf.eno2/100.rp_filter': '0' });
    expect(cfg.portMappings).toEqual([
      { protocol: 'TCP', containerPort: 80, hostPort: 8080 },
      { protocol: 'UDP', containerPort: 53, hostPort: 5353, hostIP: '127.0.0.1' },
      { protocol: 'TCP', containerPort: 90, hostPort: 9090 },
    ]);
  });

  it('hostNetwork: node hostname, host DNS, hostPort defaults to containerPort', () => {
    const p = pod({ hostNetwork: true, hostPID: true, containers: [{ name: 'a', ports: [{ containerPort: 8080 }] }] });
    const cfg = buildSandboxConfig(p, { attempt: 0, dns, nodeHostname: 'node-1' });
    expect(cfg.hostname).toBe('node-1');
    expect(cfg.dns).toEqual({ servers: ['1.1.1.1'], searches: [], options: [] });
    expect(cfg.namespaces).toEqual({ network: 'node', ipc: 'pod', pid: 'node' });
    expect(cfg.portMappings).toEqual([{ protocol: 'TCP', containerPort: 8080, hostPort: 8080 }]);
  });

  it('reports DNS events', () => {
    const events: string[] = [];
    buildSandboxConfig(pod({}), { attempt: 0, dns: { ...dns, clusterDNS: [] }, nodeHostname: 'n', onEvent: (e) => events.push(e.reason) });
    expect(events).toEqual(['MissingClusterDNS']);
  });
});
