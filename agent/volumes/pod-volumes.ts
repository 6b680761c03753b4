// Sets up a pod's volumes under <root>/pods/<uid>/volumes on every sync and removes the pod's
// directory when the pod is gone. emptyDir is a host directory (0777), so its contents survive
// container restarts within the pod; `medium: Memory` is a tmpfs mounted on that directory (like
// the kubelet's), unmounted with the pod, or a per-container runtime tmpfs where the host cannot
// mount (tmpfs.ts).
// A persistentVolumeClaim is a directory per claim under <root>/claims, kept when its pods go.
// configMap/secret/downwardAPI/projected are rewritten atomically (unchanged content is a no-op),
// so label/annotation and ConfigMap updates reach running containers like on a kubelet.
import type { Pod, Volume } from 'kubernetes-types/core/v1.d.ts';
import { readdir, rm, mkdir, chmod } from 'node:fs/promises';
import type { ObjectLookup } from '../env/object-lookup.ts';
import type { NodeAllocatable } from '../env/resource-field.ts';
import { compareQuantity, parseQuantity, quantityValue, ZERO_QUANTITY, addQuantity, type Quantity } from '../pod-config/quantity.ts';
import { writeAtomic } from './atomic-writer.ts';
import { VolumeSetupError } from './errors.ts';
import { checkHostPathType } from './host-path.ts';
import { configMapPayload, DEFAULT_MODE, downwardApiPayload, projectedPayload, secretPayload, type TokenProvider } from './payload.ts';
import { claimDir, podDir, podsDir, volumeDir } from './paths.ts';
import { defaultTmpfsMounter, type TmpfsMounter } from './tmpfs.ts';

export type VolumeKind = 'emptyDir' | 'hostPath' | 'configMap' | 'secret' | 'downwardAPI' | 'projected' | 'persistentVolumeClaim';

/** A set-up volume, ready to be mounted into containers. */
export interface PodVolume {
  name: string;
  kind: VolumeKind;
  /** The host directory or file (for a fallback memory emptyDir: empty, see tmpfs). */
  hostPath: string;
  /** The plugin forces read-only mounts (configMap, secret, downwardAPI, projected). */
  readOnly: boolean;
  /** emptyDir medium: Memory where the host cannot mount: a per-container runtime tmpfs. */
  tmpfs?: { sizeBytes?: number };
}

export type PodVolumes = Map<string, PodVolume>;

export interface VolumeOptions {
  rootDir: string;
  lookup: ObjectLookup;
  /** For resourceFieldRef defaults and the memory emptyDir size. */
  allocatable: NodeAllocatable;
  tokenProvider?: TokenProvider;
  now?: () => Date;
  /** Host tmpfs mounts for medium: Memory (default: the process-wide mounter). */
  tmpfs?: Pick<TmpfsMounter, 'ensureMounted'>;
}

/** The pod's memory limit as the pod cgroup would get it: undefined unless every container has one. */
function podMemoryLimit(pod: Pod): Quantity | undefined {
  const limitOf = (c: { resources?: { limits?: Record<string, string> } }): Quantity | undefined => {
    const v = c.resources?.limits?.['memory'];
    return v === undefined ? undefined : parseQuantity(v);
  };
  let sum: Quantity = ZERO_QUANTITY;
  const inits = pod.spec?.initContainers ?? [];
  for (const c of [...(pod.spec?.containers ?? []), ...inits.filter((i) => i.restartPolicy === 'Always')]) {
    const l = limitOf(c);
    if (l === undefined) return undefined;
    sum = addQuantity(sum, l);
  }
  for (const c of inits.filter((i) => i.restartPolicy !== 'Always')) {
    const l = limitOf(c);
    if (l === undefined) return undefined;
    if (compareQuantity(l, sum) > 0) sum = l;
  }
  return sum;
}

/** calculateEmptyDirMemorySize: min(node allocatable, pod memory limit, sizeLimit), ignoring zeros. */
export function memoryEmptyDirSize(pod: Pod, sizeLimit: string | undefined, allocatable: NodeAllocatable): number | undefined {
  let size: Quantity | undefined = allocatable['memory'] === undefined ? undefined : parseQuantity(allocatable['memory']);
  const narrow = (q: Quantity | undefined): void => {
    if (q === undefined || compareQuantity(q, ZERO_QUANTITY) <= 0) return;
    if (size === undefined || compareQuantity(q, size) <= 0) size = q;
  };
  narrow(podMemoryLimit(pod));
  narrow(sizeLimit === undefined ? undefined : parseQuantity(sizeLimit));
  return size === undefined ? undefined : quantityValue(size);
}

async function setupVolume(pod: Pod, vol: Volume, opts: VolumeOptions): Promise<PodVolume> {
  const uid = pod.metadata?.uid ?? '';
  const now = opts.now?.() ?? new Date();
  if (vol.emptyDir !== undefined) {
    const dir = volumeDir(opts.rootDir, uid, 'empty-dir', vol.name);
    if (vol.emptyDir.medium === 'Memory') {
      const sizeBytes = memoryEmptyDirSize(pod, vol.emptyDir.sizeLimit, opts.allocatable);
      if (await (opts.tmpfs ?? defaultTmpfsMounter).ensureMounted(dir, sizeBytes)) {
        return { name: vol.name, kind: 'emptyDir', hostPath: dir, readOnly: false };
      }
      return { name: vol.name, kind: 'emptyDir', hostPath: '', readOnly: false, tmpfs: sizeBytes === undefined ? {} : { sizeBytes } };
    }
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o777);
    return { name: vol.name, kind: 'emptyDir', hostPath: dir, readOnly: false };
  }
  if (vol.hostPath !== undefined) {
    await checkHostPathType(vol.hostPath.path, vol.hostPath.type);
    return { name: vol.name, kind: 'hostPath', hostPath: vol.hostPath.path, readOnly: false };
  }
  if (vol.configMap !== undefined) {
    const dir = volumeDir(opts.rootDir, uid, 'configmap', vol.name);
    await writeAtomic(dir, await configMapPayload(pod, vol.configMap, opts.lookup, vol.configMap.defaultMode ?? DEFAULT_MODE), now);
    return { name: vol.name, kind: 'configMap', hostPath: dir, readOnly: true };
  }
  if (vol.secret !== undefined) {
    const dir = volumeDir(opts.rootDir, uid, 'secret', vol.name);
    const payload = await secretPayload(pod, vol.secret.secretName ?? '', vol.secret, opts.lookup, vol.secret.defaultMode ?? DEFAULT_MODE);
    await writeAtomic(dir, payload, now);
    return { name: vol.name, kind: 'secret', hostPath: dir, readOnly: true };
  }
  if (vol.downwardAPI !== undefined) {
    const dir = volumeDir(opts.rootDir, uid, 'downward-api', vol.name);
    await writeAtomic(dir, downwardApiPayload(pod, vol.downwardAPI.items, vol.downwardAPI.defaultMode ?? DEFAULT_MODE, opts.allocatable), now);
    return { name: vol.name, kind: 'downwardAPI', hostPath: dir, readOnly: true };
  }
  if (vol.projected !== undefined) {
    const dir = volumeDir(opts.rootDir, uid, 'projected', vol.name);
    await writeAtomic(dir, await projectedPayload(pod, vol.projected, opts.lookup, opts.allocatable, opts.tokenProvider), now);
    return { name: vol.name, kind: 'projected', hostPath: dir, readOnly: true };
  }
  if (vol.persistentVolumeClaim !== undefined) {
    // No provisioner or PersistentVolume binding yet: a claim is a node-local directory keyed by
    // its uid (as a local-path provisioner would make it), so its data survives its pods, and a
    // claim made again under the same name starts empty.
    const claimName = vol.persistentVolumeClaim.claimName;
    const claim = await opts.lookup.persistentVolumeClaim?.(pod.metadata?.namespace ?? 'default', claimName);
    if (claim === undefined) throw new Error(`persistentvolumeclaim ${JSON.stringify(claimName)} not found`);
    if (claim.deleting) throw new Error(`error processing PVC ${pod.metadata?.namespace ?? 'default'}/${claimName}: PVC is being deleted`);
    const dir = claimDir(opts.rootDir, claim.uid);
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o777);
    return { name: vol.name, kind: 'persistentVolumeClaim', hostPath: dir, readOnly: vol.persistentVolumeClaim.readOnly === true };
  }
  throw new Error('volume type is not supported by this node');
}

/**
 * Creates or refreshes every volume of the pod. Throws VolumeSetupError (reason FailedMount,
 * message `MountVolume.SetUp failed for volume "<name>" : <cause>`) for the first that fails.
 */
export async function setupPodVolumes(pod: Pod, opts: VolumeOptions): Promise<PodVolumes> {
  const out: PodVolumes = new Map();
  for (const vol of pod.spec?.volumes ?? []) {
    try {
      out.set(vol.name, await setupVolume(pod, vol, opts));
    } catch (err) {
      throw new VolumeSetupError(vol.name, err instanceof Error ? err.message : String(err), { cause: err });
    }
  }
  return out;
}

/**
 * Removes everything the agent wrote for the pod (volumes, etc-hosts, termination logs), after
 * unmounting whatever is mounted below its directory (memory emptyDirs).
 */
export async function removePodDir(rootDir: string, podUid: string, tmpfs: Pick<TmpfsMounter, 'unmountUnder'> = defaultTmpfsMounter): Promise<void> {
  if (podUid === '' || podUid.includes('/') || podUid === '.' || podUid === '..') throw new Error(`invalid pod uid ${JSON.stringify(podUid)}`);
  const dir = podDir(rootDir, podUid);
  await tmpfs.unmountUnder(dir);
  await rm(dir, { recursive: true, force: true });
}

/** Removes the directories of pods not in keep (after an agent restart); returns the uids removed. */
export async function removeOrphanedPodDirs(rootDir: string, keep: ReadonlySet<string>, tmpfs: Pick<TmpfsMounter, 'unmountUnder'> = defaultTmpfsMounter): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(podsDir(rootDir));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const uid of entries) {
    if (keep.has(uid)) continue;
    await removePodDir(rootDir, uid, tmpfs);
    removed.push(uid);
  }
  return removed;
}
