import type { Container } from 'kubernetes-types/core/v1.d.ts';
import { mkdir, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContainerConfigError } from '../env/errors.ts';
import { makeContainerMounts } from './container-mounts.ts';
import type { PodVolumes } from './pod-volumes.ts';

describe('makeContainerMounts', () => {
  let root: string;
  let volumes: PodVolumes;
  const etcHosts = { hostPath: '/x/etc-hosts', containerPath: '/etc/hosts', readOnly: false };
  const tm = { hostPath: '/x/tm', containerPath: '/dev/termination-log', readOnly: false };
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'nodelet-mnt-'));
    await mkdir(join(root, 'work'));
    await mkdir(join(root, 'cfg'));
    volumes = new Map([
      ['work', { name: 'work', kind: 'emptyDir', hostPath: join(root, 'work'), readOnly: false }],
      ['cfg', { name: 'cfg', kind: 'configMap', hostPath: join(root, 'cfg'), readOnly: true }],
      ['mem', { name: 'mem', kind: 'emptyDir', hostPath: '', readOnly: false, tmpfs: { sizeBytes: 1024 } }],
    ]);
  });
  afterEach(async () => { await rm(root, { recursive: true, force: true }); });

  it('mounts volumes with readOnly and propagation, then /etc/hosts and the termination log', async () => {
    const c: Container = {
      name: 'c',
      volumeMounts: [
        { name: 'work', mountPath: '/work', mountPropagation: 'HostToContainer' },
        { name: 'cfg', mountPath: '/etc/cfg' },
        { name: 'work', mountPath: '/ro', readOnly: true, mountPropagation: 'Bidirectional' },
        { name: 'mem', mountPath: '/mem' },
      ],
    };
    expect(await makeContainerMounts(c, volumes, [], { etcHosts, terminationMessage: tm })).toEqual([
      { hostPath: join(root, 'work'), containerPath: '/work', readOnly: false, propagation: 'rslave' },
      { hostPath: join(root, 'cfg'), containerPath: '/etc/cfg', readOnly: true, propagation: 'private' },
      { hostPath: join(root, 'work'), containerPath: '/ro', readOnly: true, propagation: 'rshared' },
      { hostPath: '', containerPath: '/mem', readOnly: false, tmpfs: { sizeBytes: 1024 } },
      etcHosts,
      tm,
    ]);
  });

  it('does not mount the managed /etc/hosts over a user mount at /etc/hosts', async () => {
    const c: Container = { name: 'c', volumeMounts: [{ name: 'work', mountPath: '/etc/hosts' }] };
    const mounts = await makeContainerMounts(c, volumes, [], { etcHosts });
    expect(mounts.map((m) => m.hostPath)).toEqual([join(root, 'work')]);
  });

  it('creates subPath and subPathExpr directories inside the volume', async () => {
    const c: Container = {
      name: 'c',
      volumeMounts: [{ name: 'work', mountPath: '/logs', subPathExpr: '$(POD_NAME)' }, { name: 'work', mountPath: '/deep', subPath: 'a/b/c' }],
    };
    const mounts = await makeContainerMounts(c, volumes, [{ name: 'POD_NAME', value: 'my-pod' }]);
    expect(mounts.map((m) => m.hostPath)).toEqual([join(root, 'work', 'my-pod'), join(root, 'work', 'a', 'b', 'c')]);
    expect((await stat(join(root, 'work', 'my-pod'))).isDirectory()).toBe(true);
  });

  it('rejects absolute, backstepping, unexpandable and escaping subPaths', async () => {
    const env = [{ name: 'ABS', value: '/tmp' }, { name: 'UP', value: '..' }];
    const cases: [Partial<NonNullable<Container['volumeMounts']>[number]>, string][] = [
      [{ subPathExpr: '$(ABS)' }, 'error SubPath `/tmp` must not be an absolute path'],
      [{ subPathExpr: '$(UP)' }, "unable to provision SubPath `..`: must not contain '..'"],
      [{ subPath: 'a/../../etc' }, "unable to provision SubPath `a/../../etc`: must not contain '..'"],
      [{ subPathExpr: '$(ANNOTATION)/$(POD_NAME)' }, 'missing value for ANNOTATION, POD_NAME'],
      [{ name: 'nope' }, 'cannot find volume "nope" to mount into container "c"'],
      [{ mountPropagation: 'Sideways' }, 'invalid MountPropagation mode: "Sideways"'],
    ];
    for (const [vm, message] of cases) {
      const c: Container = { name: 'c', volumeMounts: [{ name: 'work', mountPath: '/m', ...vm }] };
      const err = await makeContainerMounts(c, volumes, env).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ContainerConfigError);
      expect(err).toMatchObject({ message, reason: 'CreateContainerConfigError' });
    }
    // A symlink inside the volume pointing outside it is refused. Its target is a fresh empty
    // directory: with /tmp the outcome depended on whether some /tmp/x happened to exist.
    const outside = await mkdtemp(join(tmpdir(), 'nodelet-outside-'));
    await symlink(outside, join(root, 'work', 'evil'));
    const c: Container = { name: 'c', volumeMounts: [{ name: 'work', mountPath: '/m', subPath: 'evil/x' }] };
    await expect(makeContainerMounts(c, volumes, [])).rejects.toThrow('failed to create subPath for volumeMount "work" of container "c"');
    const c2: Container = { name: 'c', volumeMounts: [{ name: 'work', mountPath: '/m', subPath: 'evil' }] };
    await expect(makeContainerMounts(c2, volumes, [])).rejects.toThrow('failed to prepare subPath for volumeMount "work" of container "c"');
    await rm(outside, { recursive: true, force: true });
  });
});
