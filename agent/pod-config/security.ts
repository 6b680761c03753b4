// Effective security context (securitycontext.DetermineEffectiveSecurityContext plus kuberuntime's
// determineEffectiveSecurityContext): pod-level runAsUser/runAsGroup/runAsNonRoot/seccomp are
// overridden by the container's; supplemental groups are fsGroup then supplementalGroups;
// allowPrivilegeEscalation=false → no_new_privs; capability names get Docker's CAP_ prefix.
import type { Container, Pod, SecurityContext } from 'kubernetes-types/core/v1.d.ts';
import type { SecurityConfig } from '../../runtime/types.ts';
import { ContainerConfigError } from '../env/errors.ts';

/** Pod-level fields that apply to containers, overridden field by field by the container's. */
export function effectiveSecurityContext(pod: Pod, container: Container): SecurityContext {
  const psc = pod.spec?.securityContext;
  const fromPod: SecurityContext = {};
  if (psc?.seLinuxOptions !== undefined) fromPod.seLinuxOptions = psc.seLinuxOptions;
  if (psc?.windowsOptions !== undefined) fromPod.windowsOptions = psc.windowsOptions;
  if (psc?.runAsUser !== undefined) fromPod.runAsUser = psc.runAsUser;
  if (psc?.runAsGroup !== undefined) fromPod.runAsGroup = psc.runAsGroup;
  if (psc?.runAsNonRoot !== undefined) fromPod.runAsNonRoot = psc.runAsNonRoot;
  if (psc?.seccompProfile !== undefined) fromPod.seccompProfile = psc.seccompProfile;
  if (psc?.appArmorProfile !== undefined) fromPod.appArmorProfile = psc.appArmorProfile;
  const csc = container.securityContext ?? {};
  const out: SecurityContext = { ...fromPod };
  for (const [k, v] of Object.entries(csc) as [keyof SecurityContext, unknown][]) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Kubernetes capability name → Docker's (`NET_ADMIN` → `CAP_NET_ADMIN`; `ALL` stays). */
export function dockerCapability(name: string): string {
  const upper = name.toUpperCase();
  if (upper === 'ALL' || upper.startsWith('CAP_')) return upper;
  return `CAP_${upper}`;
}

export function containerSecurity(pod: Pod, container: Container): SecurityConfig {
  const sc = effectiveSecurityContext(pod, container);
  const out: SecurityConfig = {};
  if (sc.runAsUser !== undefined) out.runAsUser = sc.runAsUser;
  if (sc.runAsGroup !== undefined) out.runAsGroup = sc.runAsGroup;
  const psc = pod.spec?.securityContext;
  const groups: number[] = [];
  if (psc?.fsGroup !== undefined) groups.push(psc.fsGroup);
  for (const g of psc?.supplementalGroups ?? []) groups.push(g);
  if (groups.length > 0) out.supplementalGroups = groups;
  if (sc.privileged !== undefined) out.privileged = sc.privileged;
  const add = sc.capabilities?.add ?? [];
  const drop = sc.capabilities?.drop ?? [];
  if (add.length > 0) out.capAdd = add.map(dockerCapability);
  if (drop.length > 0) out.capDrop = drop.map(dockerCapability);
  if (sc.readOnlyRootFilesystem !== undefined) out.readOnlyRootFilesystem = sc.readOnlyRootFilesystem;
  if (sc.allowPrivilegeEscalation === false) out.noNewPrivileges = true;
  return out;
}

function formatPod(pod: Pod): string {
  return `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;
}

/**
 * The kubelet's verifyRunAsNonRoot. imageUser is the image config's User ("", "1234", "1234:5",
 * "nobody"); an image without a user runs as root. Throws ContainerConfigError.
 */
export function verifyRunAsNonRoot(pod: Pod, container: Container, imageUser: string): void {
  const sc = effectiveSecurityContext(pod, container);
  if (sc.runAsNonRoot !== true) return;
  const suffix = ` (pod: "${formatPod(pod)}", container: ${container.name})`;
  if (sc.runAsUser !== undefined) {
    if (sc.runAsUser === 0) throw new ContainerConfigError(`container's runAsUser breaks non-root policy${suffix}`);
    return;
  }
  const user = imageUser.split(':')[0] ?? '';
  if (user === '' || /^0+$/.test(user)) throw new ContainerConfigError(`container has runAsNonRoot and image will run as root${suffix}`);
  if (!/^\d+$/.test(user)) {
    throw new ContainerConfigError(`container has runAsNonRoot and image has non-numeric user (${user}), cannot verify user is non-root${suffix}`);
  }
}

/** Sysctl names with '/' separators normalised to dots (kernel/shm_rmid_forced → kernel.shm_rmid_forced). */
export function normalizeSysctlName(name: string): string {
  const m = /[./]/.exec(name);
  if (m === null || m[0] === '.') return name;
  return name.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
}
