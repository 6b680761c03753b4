// emptyDir medium: Memory on the real engine: one host tmpfs per volume, bind-mounted into every
// container of the pod, surviving a container being recreated, unmounted with the pod (and with
// orphaned pods after an agent restart). Needs root on Linux (the kubelet's own precondition).
import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/log.ts';
import { containerConfig, newPod, removeNodeContainers, sandboxConfig, testNodeName, testRuntime } from '../../runtime/docker/test-support.ts';
import type { PodRef } from '../../runtime/types.ts';
import { staticLookup } from '../env/object-lookup.ts';
import { makeContainerMounts } from './container-mounts.ts';
import { volumeDir } from './paths.ts';
import { removeOrphanedPodDirs, removePodDir, setupPodVolumes, type VolumeOptions } from './pod-volumes.ts';
import { parseMountPoints, TmpfsMounter } from './tmpfs.ts';

const NODE = testNodeName('tmpfs');
const rt = testRuntime(NODE);
const mounter = new TmpfsMounter({ log: silentLogger });
const root = await mkdtemp(join(tmpdir(), 'nodelet-tmpfs-int-'));
const canMount = process.platform === 'linux' && process.getuid?.() === 0;

afterEach(async () => {
  await removeNodeContainers(rt.docker, NODE);
});
afterAll(async () => {
  await removeNodeContainers(rt.docker, NODE);
  await mounter.unmountUnder(root).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

/** mountinfo lines (mount point → filesystem type and super options) at or below dir. */
async function mountsBelow(dir: string): Promise<{ point: string; fs: string; opts: string }[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const points = parseMountPoints(text);
  return text.split('\n').flatMap((l, i) => {
    const point = points[i];
    if (point === undefined || !(point === dir || point.startsWith(`${dir}/`))) return [];
    const tail = l.split(' - ')[1]?.split(' ') ?? [];
    return [{ point, fs: tail[0] ?? '', opts: tail[2] ?? '' }];
  });
}

function memPod(ref: PodRef, containers: Container[]): Pod {
  return {
    metadata: { name: ref.name, namespace: ref.namespace, uid: ref.uid },
    spec: { containers, volumes: [{ name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } }] },
  };
}

const opts: VolumeOptions = { rootDir: root, lookup: staticLookup({}), allocatable: { memory: '4Gi' }, tmpfs: mounter };

async function sh(id: string, script: string): Promise<string> {
  const r = await rt.execSync(id, ['sh', '-c', script], 10_000);
  if (r.exitCode !== 0) throw new Error(`${script}: exit ${r.exitCode}: ${r.stderr.toString()}`);
  return r.stdout.toString().trim();
}

describe.skipIf(!canMount)('emptyDir medium: Memory (integration)', () => {
  it('is one tmpfs shared by the pod containers, kept across a container recreation, unmounted with the pod', async () => {
    const ref = newPod('mem');
    const spec: Container[] = [
      { name: 'writer', volumeMounts: [{ name: 'mem', mountPath: '/restart-count' }] },
      { name: 'reader', volumeMounts: [{ name: 'mem', mountPath: '/data', readOnly: true }] },
    ];
    const pod = memPod(ref, spec);
    const dir = volumeDir(root, ref.uid, 'empty-dir', 'mem');
    const volumes = await setupPodVolumes(pod, opts);
    expect(volumes.get('mem')).toEqual({ name: 'mem', kind: 'emptyDir', hostPath: dir, readOnly: false });
    expect(await mountsBelow(dir)).toEqual([{ point: dir, fs: 'tmpfs', opts: expect.stringContaining('size=8192k') as string }]);
    // A re-sync (every pod sync sets volumes up again) and an agent restart do not mount twice.
    await setupPodVolumes(pod, opts);
    await setupPodVolumes(pod, { ...opts, tmpfs: new TmpfsMounter({ log: silentLogger }) });
    expect(await mountsBelow(dir)).toHaveLength(1);

    const sb = sandboxConfig(ref);
    const sandboxId = await rt.runSandbox(sb);
    const start = async (c: Container, attempt: number): Promise<string> => {
      const mounts = await makeContainerMounts(c, volumes, []);
      const id = await rt.createContainer(sandboxId, containerConfig(c.name, { attempt, command: ['sleep', '300'], mounts }), sb);
      await rt.startContainer(id);
      return id;
    };
    const writer0 = await start(spec[0]!, 0);
    const reader = await start(spec[1]!, 0);
    await sh(writer0, "echo hello >> /restart-count/restartCount");
    expect(await sh(reader, 'cat /data/restartCount')).toBe('hello');
    expect(await sh(reader, "awk '$2 == \"/data\" { print $3 }' /proc/mounts")).toBe('tmpfs');

    // The writer "restarts": a new container instance sees what the old one wrote.
    await rt.stopContainer(writer0, 0);
    await rt.removeContainer(writer0);
    const writer1 = await start(spec[0]!, 1);
    expect(await sh(writer1, "echo hello >> /restart-count/restartCount; wc -l < /restart-count/restartCount")).toBe('2');
    expect(await sh(reader, 'wc -l < /data/restartCount')).toBe('2');
    expect(await readFile(join(dir, 'restartCount'), 'utf8')).toBe('hello\nhello\n');

    await rt.stopContainer(writer1, 0);
    await rt.stopContainer(reader, 0);
    await rt.stopSandbox(sandboxId, 0);
    await rt.removeSandbox(sandboxId);
    await removePodDir(root, ref.uid, mounter);
    expect(await mountsBelow(join(root, 'pods', ref.uid))).toEqual([]);
    await expect(stat(join(root, 'pods', ref.uid))).rejects.toThrow();
  });

  it('unmounts the memory volumes of orphaned pods (agent restart clean-up)', async () => {
    const kept = newPod('kept');
    const orphan = newPod('orphan');
    await setupPodVolumes(memPod(kept, []), opts);
    await setupPodVolumes(memPod(orphan, []), opts);
    expect(await mountsBelow(join(root, 'pods', orphan.uid))).toHaveLength(1);
    // A new mounter, as after an agent restart: it learns what is mounted from mountinfo.
    expect(await removeOrphanedPodDirs(root, new Set([kept.uid]), new TmpfsMounter({ log: silentLogger }))).toEqual([orphan.uid]);
    expect(await mountsBelow(join(root, 'pods', orphan.uid))).toEqual([]);
    expect(await mountsBelow(join(root, 'pods', kept.uid))).toHaveLength(1);
    await removePodDir(root, kept.uid, mounter);
    expect(await mountsBelow(root)).toEqual([]);
  });
});
