import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { containerSecurity, dockerCapability, normalizeSysctlName, verifyRunAsNonRoot } from './security.ts';

function pod(container: Container, securityContext?: NonNullable<Pod['spec']>['securityContext']): Pod {
  return { metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [container], ...(securityContext ? { securityContext } : {}) } };
}

describe('containerSecurity', () => {
  it('merges pod and container contexts; fsGroup then supplementalGroups', () => {
    const c: Container = {
      name: 'c',
      securityContext: { runAsUser: 1000, privileged: false, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN', 'CAP_SYS_TIME'], drop: ['ALL'] } },
    };
    expect(containerSecurity(pod(c, { runAsUser: 0, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000, 5000] }), c)).toEqual({
      runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [2000, 4000, 5000], privileged: false,
      capAdd: ['CAP_NET_ADMIN', 'CAP_SYS_TIME'], capDrop: ['ALL'], readOnlyRootFilesystem: true, noNewPrivileges: true,
    });
    expect(containerSecurity(pod({ name: 'c' }), { name: 'c' })).toEqual({});
    const ape: Container = { name: 'c', securityContext: { allowPrivilegeEscalation: true } };
    expect(containerSecurity(pod(ape), ape)).toEqual({});
  });

  it('maps capability names', () => {
    expect(['net_raw', 'ALL', 'CAP_CHOWN'].map(dockerCapability)).toEqual(['CAP_NET_RAW', 'ALL', 'CAP_CHOWN']);
  });

  it('normalizes slash-separated sysctls', () => {
    expect(normalizeSysctlName('kernel/shm_rmid_forced')).toBe('kernel.shm_rmid_forced');
    expect(normalizeSysctlName('net.ipv4.conf.eno2/100.rp_filter')).toBe('net.ipv4.conf.eno2/100.rp_filter');
  });
});

describe('verifyRunAsNonRoot', () => {
  const nonRoot = (runAsUser?: number): Container => ({ name: 'c', securityContext: { runAsNonRoot: true, ...(runAsUser === undefined ? {} : { runAsUser }) } });
  it('accepts explicit non-root users and numeric non-root image users', () => {
    expect(() => { verifyRunAsNonRoot(pod(nonRoot(1000)), nonRoot(1000), ''); }).not.toThrow();
    expect(() => { verifyRunAsNonRoot(pod(nonRoot()), nonRoot(), '1234'); }).not.toThrow();
    expect(() => { verifyRunAsNonRoot(pod({ name: 'c' }), { name: 'c' }, ''); }).not.toThrow();
  });
  it('rejects root with the kubelet messages', () => {
    const suffix = ' (pod: "p_ns(u)", container: c)';
    expect(() => { verifyRunAsNonRoot(pod(nonRoot(0)), nonRoot(0), '1234'); }).toThrow(`container's runAsUser breaks non-root policy${suffix}`);
    expect(() => { verifyRunAsNonRoot(pod(nonRoot()), nonRoot(), ''); }).toThrow(`container has runAsNonRoot and image will run as root${suffix}`);
    expect(() => { verifyRunAsNonRoot(pod(nonRoot()), nonRoot(), '0:0'); }).toThrow(`container has runAsNonRoot and image will run as root${suffix}`);
    expect(() => { verifyRunAsNonRoot(pod(nonRoot()), nonRoot(), 'nobody'); }).toThrow(
      `container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root${suffix}`,
    );
    // Pod-level runAsNonRoot applies to the container.
    const c: Container = { name: 'c' };
    expect(() => { verifyRunAsNonRoot(pod(c, { runAsNonRoot: true }), c, ''); }).toThrow(/image will run as root/);
  });
});
