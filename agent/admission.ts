// Pod admission (pkg/kubelet/lifecycle/predicate.go, sysctl and OS admit handlers), pure: returns
// {admit, reason, message}; a rejection becomes a Failed pod status, never an exception.
import type { Pod } from 'kubernetes-types/core/v1.d.ts';

export interface AdmitResult {
  admit: boolean;
  reason?: string;
  message?: string;
}

export interface AdmissionOptions {
  /** Node OS (runtime info: 'linux'). */
  nodeOS: string;
  /** --max-pods (default 110). */
  maxPods: number;
  /** Unsafe sysctls allowed on this node (names or prefixes ending in *). */
  allowedUnsafeSysctls?: readonly string[];
}

/** The kubelet's safe sysctl set (pkg/kubelet/sysctl/safe_sysctls.go). */
export const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
]);

function sysctlAllowed(name: string, allowed: readonly string[]): boolean {
  const n = name.replace(/\//g, '.');
  if (SAFE_SYSCTLS.has(n)) return true;
  return allowed.some((a) => (a.endsWith('*') ? n.startsWith(a.slice(0, -1)) : a === n));
}

/**
 * Admits `pod` given the pods already admitted on the node (not counting terminated ones).
 * Checks, in the kubelet's order: OS, pod count, sysctls, init container restart policies.
 */
export function admitPod(pod: Pod, activePods: readonly Pod[], opts: AdmissionOptions): AdmitResult {
  const spec = pod.spec;
  const osName = spec?.os?.name;
  if (osName !== undefined && osName !== opts.nodeOS) {
    return { admit: false, reason: 'PodOSNotSupported', message: "Failed to admit pod as the OS field doesn't match node OS" };
  }
  const selOS = spec?.nodeSelector?.['kubernetes.io/os'];
  if (selOS !== undefined && selOS !== opts.nodeOS) {
    return { admit: false, reason: 'PodOSSelectorNodeLabelDoesNotMatch', message: "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label" };
  }
  const used = activePods.filter((p) => p.metadata?.uid !== pod.metadata?.uid).length;
  if (used + 1 > opts.maxPods) {
    return { admit: false, reason: 'OutOfpods', message: `Node didn't have enough resource: pods, requested: 1, used: ${used}, capacity: ${opts.maxPods}` };
  }
  for (const s of spec?.securityContext?.sysctls ?? []) {
    if (!sysctlAllowed(s.name, opts.allowedUnsafeSysctls ?? [])) {
      return { admit: false, reason: 'SysctlForbidden', message: `forbidden sysctl: "${s.name}" not allowlisted` };
    }
  }
  for (const c of spec?.initContainers ?? []) {
    if (c.restartPolicy !== undefined && c.restartPolicy !== 'Always') {
      return { admit: false, reason: 'InitContainerRestartPolicyForbidden', message: `Init container "${c.name}" may not have non-default restartPolicy` };
    }
  }
  return { admit: true };
}
