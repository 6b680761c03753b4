import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { admitPod } from './admission.ts';

const opts = { nodeOS: 'linux', maxPods: 2 };
const pod = (uid: string, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({ metadata: { name: uid, uid }, spec: { containers: [{ name: 'c' }], ...spec } });

describe('admitPod', () => {
  it.each<[string, Pod, Pod[], string | undefined, string | undefined]>([
    ['plain pod', pod('a'), [], undefined, undefined],
    ['windows pod on linux', pod('a', { os: { name: 'windows' } }), [], 'PodOSNotSupported', "Failed to admit pod as the OS field doesn't match node OS"],
    ['too many pods', pod('c'), [pod('a'), pod('b')], 'OutOfpods', "Node didn't have enough resource: pods, requested: 1, used: 2, capacity: 2"],
    ['itself is not counted', pod('a'), [pod('a'), pod('b')], undefined, undefined],
    ['unsafe sysctl', pod('a', { securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }] } }), [], 'SysctlForbidden', 'forbidden sysctl: "kernel.msgmax" not allowlisted'],
    ['safe sysctl with slashes', pod('a', { securityContext: { sysctls: [{ name: 'kernel/shm_rmid_forced', value: '1' }] } }), [], undefined, undefined],
    ['init container restartPolicy Never', pod('a', { initContainers: [{ name: 'i', restartPolicy: 'Never' }] }), [], 'InitContainerRestartPolicyForbidden', undefined],
  ])('%s', (_d, p, active, reason, message) => {
    const r = admitPod(p, active, opts);
    expect(r.admit).toBe(reason === undefined);
    expect(r.reason).toBe(reason);
    if (message !== undefined) expect(r.message).toBe(message);
  });

  it('allows configured unsafe sysctls by prefix', () => {
    expect(admitPod(pod('a', { securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }] } }), [], { ...opts, allowedUnsafeSysctls: ['kernel.msg*'] }).admit).toBe(true);
  });
});
