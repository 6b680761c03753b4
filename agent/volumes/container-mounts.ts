// A container's mounts (the kubelet's makeMounts): each volumeMount from the pod's set-up volumes
// (read-only when the mount asks or the plugin forces it, propagation None/HostToContainer/
// Bidirectional → private/rslave/rshared), subPath / subPathExpr as a bind of a directory inside
// the volume (created on demand; absolute paths, '..' and symlink escapes rejected), then the
// managed /etc/hosts unless the container mounts something at /etc/hosts itself.
import type { Container, VolumeMount } from 'kubernetes-types/core/v1.d.ts';
import { mkdir, realpath, stat } from 'node:fs/promises';
import { join, posix, sep } from 'node:path';
import type { Mount } from '../../runtime/types.ts';
import { ContainerConfigError } from '../env/errors.ts';
import { expandSubPathExpr } from '../env/expansion.ts';
import type { PodVolumes } from './pod-volumes.ts';

export const ETC_HOSTS_PATH = '/etc/hosts';

export function translatePropagation(mode: string | undefined): NonNullable<Mount['propagation']> {
  switch (mode) {
    case undefined:
    case 'None':
      return 'private';
    case 'HostToContainer':
      return 'rslave';
    case 'Bidirectional':
      return 'rshared';
    default:
      throw new ContainerConfigError(`invalid MountPropagation mode: "${mode}"`);
  }
}

/** The subPath of a mount after expansion and validation (undefined when there is none). */
export function resolveSubPath(mount: VolumeMount, env: readonly { name: string; value: string }[]): string | undefined {
  let subPath = mount.subPath ?? '';
  if (mount.subPathExpr !== undefined && mount.subPathExpr !== '') {
    const r = expandSubPathExpr(mount.subPathExpr, env);
    if ('error' in r) throw new ContainerConfigError(r.error);
    subPath = r.value;
  }
  if (subPath === '') return undefined;
  if (posix.isAbsolute(subPath)) throw new ContainerConfigError(`error SubPath \`${subPath}\` must not be an absolute path`);
  if (subPath.split('/').includes('..')) throw new ContainerConfigError(`unable to provision SubPath \`${subPath}\`: must not contain '..'`);
  return subPath;
}

function within(base: string, target: string): boolean {
  return target === base || target.startsWith(base.endsWith(sep) ? base : base + sep);
}

/** Creates the sub-path inside the volume if missing and returns its host path, refusing escapes. */
async function prepareSubPath(volumePath: string, subPath: string, mountName: string, containerName: string): Promise<string> {
  const failed = (what: string): ContainerConfigError =>
    new ContainerConfigError(`failed to ${what} subPath for volumeMount "${mountName}" of container "${containerName}"`);
  const base = await realpath(volumePath);
  const hostPath = join(volumePath, subPath);
  let exists = true;
  try {
    await stat(hostPath);
  } catch {
    exists = false;
  }
  if (!exists) {
    // Walk component by component so a symlink inside the volume cannot lead the mkdir outside it.
    let current = base;
    for (const part of subPath.split('/').filter((p) => p !== '' && p !== '.')) {
      const next = join(current, part);
      try {
        const resolved = await realpath(next);
        if (!within(base, resolved)) throw failed('create');
        current = resolved;
      } catch (err) {
        if (err instanceof ContainerConfigError) throw err;
        const mode = (await stat(current)).mode & 0o7777;
        try {
          await mkdir(next, { mode });
        } catch {
          throw failed('create');
        }
        current = next;
      }
    }
  }
  const resolved = await realpath(hostPath).catch(() => undefined);
  if (resolved === undefined || !within(base, resolved)) throw failed('prepare');
  return resolved;
}

export interface ContainerMountOptions {
  /** The managed /etc/hosts mount; omit when the pod IPs are not known yet. */
  etcHosts?: Mount;
  /** The termination message mount (prepareTerminationMessageFile). */
  terminationMessage?: Mount;
}

/**
 * Mounts for one container. env is the container's resolved environment (for subPathExpr).
 * Errors are ContainerConfigError (CreateContainerConfigError), e.g. `missing value for POD_NAME`.
 */
export async function makeContainerMounts(
  container: Container, volumes: PodVolumes, env: readonly { name: string; value: string }[], opts: ContainerMountOptions = {},
): Promise<Mount[]> {
  const mounts: Mount[] = [];
  let mountEtcHosts = opts.etcHosts !== undefined;
  for (const vm of container.volumeMounts ?? []) {
    if (vm.mountPath === ETC_HOSTS_PATH) mountEtcHosts = false;
    const vol = volumes.get(vm.name);
    if (vol === undefined) throw new ContainerConfigError(`cannot find volume "${vm.name}" to mount into container "${container.name}"`);
    const subPath = resolveSubPath(vm, env);
    const containerPath = posix.isAbsolute(vm.mountPath) ? vm.mountPath : `/${vm.mountPath}`;
    const propagation = translatePropagation(vm.mountPropagation);
    const readOnly = vm.readOnly === true || vol.readOnly;
    if (vol.tmpfs !== undefined) {
      mounts.push({ hostPath: '', containerPath, readOnly, tmpfs: { ...vol.tmpfs } });
      continue;
    }
    const hostPath = subPath === undefined ? vol.hostPath : await prepareSubPath(vol.hostPath, subPath, vm.name, container.name);
    mounts.push({ hostPath, containerPath, readOnly, propagation });
  }
  if (mountEtcHosts && opts.etcHosts !== undefined) mounts.push(opts.etcHosts);
  if (opts.terminationMessage !== undefined) mounts.push(opts.terminationMessage);
  return mounts;
}
