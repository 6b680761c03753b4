// Where a pod's files live under the agent's root dir, laid out like the kubelet's:
//   <root>/pods/<uid>/volumes/kubernetes.io~<plugin>/<volume>   volume contents
//   <root>/pods/<uid>/etc-hosts                                 managed /etc/hosts
//   <root>/pods/<uid>/containers/<container>/<attempt %08x>     termination message files
//   <root>/claims/<claim uid>                                   a persistentVolumeClaim's data, outliving its pods
import { join } from 'node:path';

export type VolumePlugin = 'empty-dir' | 'configmap' | 'secret' | 'downward-api' | 'projected';

export function podsDir(root: string): string {
  return join(root, 'pods');
}

export function podDir(root: string, podUid: string): string {
  return join(podsDir(root), podUid);
}

export function podVolumesDir(root: string, podUid: string): string {
  return join(podDir(root, podUid), 'volumes');
}

export function volumeDir(root: string, podUid: string, plugin: VolumePlugin, volumeName: string): string {
  return join(podVolumesDir(root, podUid), `kubernetes.io~${plugin}`, volumeName);
}

export function etcHostsPath(root: string, podUid: string): string {
  return join(podDir(root, podUid), 'etc-hosts');
}

export function containerDir(root: string, podUid: string, containerName: string): string {
  return join(podDir(root, podUid), 'containers', containerName);
}

/** A claim's node-local directory: outside every pod's directory, so it outlives the pods using it. */
export function claimDir(root: string, claimUid: string): string {
  return join(root, 'claims', claimUid);
}
