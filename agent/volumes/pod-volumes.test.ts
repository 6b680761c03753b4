import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { mkdir, mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/log.ts';
import { staticLookup } from '../env/object-lookup.ts';
import { VolumeSetupError } from './errors.ts';
import { memoryEmptyDirSize, removeOrphanedPodDirs, removePodDir, setupPodVolumes, type VolumeOptions } from './pod-volumes.ts';
import { TmpfsMounter } from './tmpfs.ts';

/** Records host tmpfs mounts instead of making them (the real ones: tmpfs.int.test.ts). */
class RecordingMounter {
  readonly mounted = new Map<string, number | undefined>();
  readonly unmounted: string[] = [];
  async ensureMounted(dir: string, sizeBytes: number | undefined): Promise<boolean> {
    await mkdir(dir, { recursive: true });
    this.mounted.set(dir, sizeBytes);
    return true;
  }
  unmountUnder(dir: string): Promise<string[]> {
    this.unmounted.push(dir);
    return Promise.resolve([]);
  }
}

const lookup = staticLookup({
  configMaps: { 'ns/cm': { 'data-1': 'value-1', 'data-2': 'value-2' } },
  secrets: { 'ns/sec': { user: Buffer.from('admin'), pass: Buffer.from([0, 1, 2, 255]) } },
});

function pod(volumes: NonNullable<NonNullable<Pod['spec']>['volumes']>, uid = 'uid-1'): Pod {
  return {
    metadata: { name: 'p', namespace: 'ns', uid, labels: { b: '2', a: '1' }, annotations: { note: 'say "hi"' } },
    spec: { containers: [{ name: 'c', resources: { limits: { memory: '64Mi' } } }], volumes },
  };
}

describe('setupPodVolumes', () => {
  let root: string;
  let opts: VolumeOptions;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'nodelet-vol-'));
    opts = { rootDir: root, lookup, allocatable: { cpu: '2', memory: '4Gi' }, tmpfs: new RecordingMounter() };
  });
  afterEach(async () => { await rm(root, { recursive: true, force: true }); });

  it('creates a 0777 emptyDir that survives re-sync, and a host tmpfs on the volume dir for medium Memory', async () => {
    const mounter = new RecordingMounter();
    const p = pod([{ name: 'work', emptyDir: {} }, { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } }]);
    const vols = await setupPodVolumes(p, { ...opts, tmpfs: mounter });
    const dir = join(root, 'pods', 'uid-1', 'volumes', 'kubernetes.io~empty-dir', 'work');
    const memDir = join(root, 'pods', 'uid-1', 'volumes', 'kubernetes.io~empty-dir', 'mem');
    expect(vols.get('work')).toEqual({ name: 'work', kind: 'emptyDir', hostPath: dir, readOnly: false });
    expect((await stat(dir)).mode & 0o777).toBe(0o777);
    // A plain bind of the mounted directory: shared by the pod's containers, kept across restarts.
    expect(vols.get('mem')).toEqual({ name: 'mem', kind: 'emptyDir', hostPath: memDir, readOnly: false });
    expect([...mounter.mounted]).toEqual([[memDir, 16 * 1024 * 1024]]);
    await writeFile(join(dir, 'keep'), 'x');
    await setupPodVolumes(p, opts);
    expect(await readFile(join(dir, 'keep'), 'utf8')).toBe('x');
  });

  it('gives a persistentVolumeClaim a directory per claim that outlives the pod; a missing or deleting claim is FailedMount', async () => {
    const claims: Record<string, { uid: string; deleting: boolean }> = { 'ns/www-web-0': { uid: 'claim-1', deleting: false }, 'ns/going': { uid: 'claim-2', deleting: true } };
    const withClaims = { ...opts, lookup: { ...lookup, persistentVolumeClaim: (ns: string, name: string) => Promise.resolve(claims[`${ns}/${name}`]) } };
    const p = pod([{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }]);
    const vols = await setupPodVolumes(p, withClaims);
    const dir = join(root, 'claims', 'claim-1');
    expect(vols.get('www')).toEqual({ name: 'www', kind: 'persistentVolumeClaim', hostPath: dir, readOnly: false });
    await writeFile(join(dir, 'data'), 'kept');
    await removePodDir(root, 'uid-1', new RecordingMounter());
    // the next pod of the same claim (a StatefulSet's replacement) finds the data
    await setupPodVolumes(pod([{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0', readOnly: true } }], 'uid-2'), withClaims);
    expect(await readFile(join(dir, 'data'), 'utf8')).toBe('kept');
    await expect(setupPodVolumes(pod([{ name: 'v', persistentVolumeClaim: { claimName: 'nope' } }]), withClaims)).rejects.toThrow('MountVolume.SetUp failed for volume "v" : persistentvolumeclaim "nope" not found');
    await expect(setupPodVolumes(pod([{ name: 'v', persistentVolumeClaim: { claimName: 'going' } }]), withClaims)).rejects.toThrow('error processing PVC ns/going: PVC is being deleted');
    // static pods (no API): no claims
    await expect(setupPodVolumes(p, opts)).rejects.toThrow('persistentvolumeclaim "www-web-0" not found');
  });

  it('falls back to a per-container runtime tmpfs where the host cannot mount', async () => {
    const p = pod([{ name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } }]);
    const vols = await setupPodVolumes(p, { ...opts, tmpfs: new TmpfsMounter({ platform: 'darwin', log: silentLogger }) });
    expect(vols.get('mem')).toEqual({ name: 'mem', kind: 'emptyDir', hostPath: '', readOnly: false, tmpfs: { sizeBytes: 16 * 1024 * 1024 } });
  });

  it('sizes memory emptyDirs by allocatable, pod limit and sizeLimit', () => {
    const p = pod([]);
    expect(memoryEmptyDirSize(p, undefined, { memory: '4Gi' })).toBe(64 * 1024 * 1024);
    expect(memoryEmptyDirSize(p, '1Gi', { memory: '4Gi' })).toBe(64 * 1024 * 1024);
    const noLimit: Pod = { spec: { containers: [{ name: 'c' }] } };
    expect(memoryEmptyDirSize(noLimit, undefined, { memory: '4Gi' })).toBe(4 * 1024 ** 3);
    expect(memoryEmptyDirSize(noLimit, '0', {})).toBeUndefined();
  });

  it('checks hostPath types', async () => {
    const hp = join(root, 'host', 'data');
    const vols = await setupPodVolumes(pod([{ name: 'h', hostPath: { path: hp, type: 'DirectoryOrCreate' } }]), opts);
    expect(vols.get('h')).toEqual({ name: 'h', kind: 'hostPath', hostPath: hp, readOnly: false });
    const err = await setupPodVolumes(pod([{ name: 'h', hostPath: { path: join(root, 'nope'), type: 'Directory' } }]), opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VolumeSetupError);
    expect(err).toMatchObject({ reason: 'FailedMount', message: `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${join(root, 'nope')} is not a directory` });
  });

  it('writes configMap and secret volumes with items, modes and decoded bytes', async () => {
    const vols = await setupPodVolumes(pod([
      { name: 'cfg', configMap: { name: 'cm' } },
      { name: 'items', configMap: { name: 'cm', defaultMode: 0o600, items: [{ key: 'data-2', path: 'path/to/data-2', mode: 0o400 }, { key: 'data-1', path: 'one' }] } },
      { name: 'sec', secret: { secretName: 'sec' } },
      { name: 'opt', configMap: { name: 'missing', optional: true } },
    ]), opts);
    const cfg = vols.get('cfg');
    expect(cfg).toMatchObject({ kind: 'configMap', readOnly: true });
    expect(await readFile(join(cfg?.hostPath ?? '', 'data-1'), 'utf8')).toBe('value-1');
    expect((await stat(join(cfg?.hostPath ?? '', 'data-1'))).mode & 0o777).toBe(0o644);
    const items = vols.get('items')?.hostPath ?? '';
    expect(await readFile(join(items, 'path/to/data-2'), 'utf8')).toBe('value-2');
    expect((await stat(join(items, 'path/to/data-2'))).mode & 0o777).toBe(0o400);
    expect((await stat(join(items, 'one'))).mode & 0o777).toBe(0o600);
    await expect(stat(join(items, 'data-1'))).rejects.toThrow();
    const sec = vols.get('sec')?.hostPath ?? '';
    expect(sec).toBe(join(root, 'pods', 'uid-1', 'volumes', 'kubernetes.io~secret', 'sec'));
    expect([...(await readFile(join(sec, 'pass')))]).toEqual([0, 1, 2, 255]);
    expect(await readlink(join(sec, 'user'))).toBe('..data/user');
  });

  it('fails on missing objects and keys with the kubelet messages', async () => {
    const cases: [NonNullable<NonNullable<Pod['spec']>['volumes']>[number], string][] = [
      [{ name: 'v', configMap: { name: 'x' } }, 'configmap "x" not found'],
      [{ name: 'v', secret: { secretName: 'x' } }, 'secret "x" not found'],
      [{ name: 'v', configMap: { name: 'cm', items: [{ key: 'k', path: 'k' }] } }, 'configmap references non-existent config key: k'],
      [{ name: 'v', secret: { secretName: 'sec', items: [{ key: 'k', path: 'k' }] } }, 'references non-existent secret key: k'],
      [{ name: 'v', configMap: { name: 'cm', items: [{ key: 'data-1', path: '../x' }] } }, "invalid path: must not contain '..': ../x"],
      [{ name: 'v', nfs: { server: 'x', path: '/' } }, 'volume type is not supported by this node'],
    ];
    for (const [vol, msg] of cases) {
      await expect(setupPodVolumes(pod([vol]), opts)).rejects.toThrow(`MountVolume.SetUp failed for volume "v" : ${msg}`);
    }
    // Optional items that are missing are skipped.
    await setupPodVolumes(pod([{ name: 'v', configMap: { name: 'cm', optional: true, items: [{ key: 'k', path: 'k' }] } }]), opts);
  });

  it('writes downwardAPI and projected volumes and refreshes them on change', async () => {
    const p = pod([
      {
        name: 'dapi',
        downwardAPI: {
          items: [
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
            { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
            { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
            { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } },
            { path: 'cpu', resourceFieldRef: { containerName: 'c', resource: 'limits.cpu', divisor: '1m' } },
          ],
        },
      },
      {
        name: 'proj',
        projected: {
          defaultMode: 0o440,
          sources: [
            { configMap: { name: 'cm', items: [{ key: 'data-1', path: 'cm-1' }] } },
            { secret: { name: 'sec', items: [{ key: 'user', path: 'user' }] } },
            { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
            { serviceAccountToken: { path: 'token' } },
          ],
        },
      },
    ]);
    const vols = await setupPodVolumes(p, { ...opts, tokenProvider: () => Promise.resolve('tok') });
    const d = vols.get('dapi')?.hostPath ?? '';
    expect(await readFile(join(d, 'labels'), 'utf8')).toBe('a="1"\nb="2"');
    expect(await readFile(join(d, 'annotations'), 'utf8')).toBe('note="say \\"hi\\""');
    expect(await readFile(join(d, 'name'), 'utf8')).toBe('p');
    expect(await readFile(join(d, 'mem'), 'utf8')).toBe('64');
    expect(await readFile(join(d, 'cpu'), 'utf8')).toBe('2000');
    const pj = vols.get('proj')?.hostPath ?? '';
    expect(await readFile(join(pj, 'cm-1'), 'utf8')).toBe('value-1');
    expect(await readFile(join(pj, 'user'), 'utf8')).toBe('admin');
    expect(await readFile(join(pj, 'ns'), 'utf8')).toBe('ns');
    expect(await readFile(join(pj, 'token'), 'utf8')).toBe('tok');
    expect((await stat(join(pj, 'user'))).mode & 0o777).toBe(0o440);

    const before = await readlink(join(d, '..data'));
    const updated: Pod = { ...p, metadata: { ...p.metadata, labels: { a: '1', c: '3' } } };
    await setupPodVolumes(updated, opts);
    expect(await readFile(join(d, 'labels'), 'utf8')).toBe('a="1"\nc="3"');
    expect(await readlink(join(d, '..data'))).not.toBe(before);
  });

  it('aggregates projected errors', async () => {
    const p = pod([{ name: 'v', projected: { sources: [{ configMap: { name: 'x' } }, { secret: { name: 'y' } }] } }]);
    await expect(setupPodVolumes(p, opts)).rejects.toThrow('MountVolume.SetUp failed for volume "v" : [configmap "x" not found, secret "y" not found]');
  });

  it('removes the pod dir, and orphaned pod dirs', async () => {
    await setupPodVolumes(pod([{ name: 'w', emptyDir: {} }], 'a'), opts);
    await setupPodVolumes(pod([{ name: 'w', emptyDir: {} }], 'b'), opts);
    await mkdir(join(root, 'pods', 'c'));
    const mounter = new RecordingMounter();
    await removePodDir(root, 'a', mounter);
    await expect(stat(join(root, 'pods', 'a'))).rejects.toThrow();
    expect((await removeOrphanedPodDirs(root, new Set(['b']), mounter)).sort()).toEqual(['c']);
    // Mounts below a pod dir are undone before it is removed.
    expect(mounter.unmounted).toEqual([join(root, 'pods', 'a'), join(root, 'pods', 'c')]);
    expect((await stat(join(root, 'pods', 'b'))).isDirectory()).toBe(true);
    await expect(removePodDir(root, '..')).rejects.toThrow();
  });
});
