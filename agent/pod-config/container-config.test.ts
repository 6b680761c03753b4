import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContainerConfigError } from '../env/errors.ts';
import { staticLookup } from '../env/object-lookup.ts';
import { setupPodVolumes } from '../volumes/pod-volumes.ts';
import { buildContainerConfig, type ContainerConfigOptions } from './container-config.ts';
import { hashContainer } from './container-hash.ts';
import { writeEtcHosts } from './etc-hosts.ts';

const GiB = 1024 ** 3;

function testPod(): Pod {
  return {
    metadata: { name: 'web', namespace: 'ns1', uid: 'uid-1', annotations: { mysubpath: 'mypath' } },
    spec: {
      terminationGracePeriodSeconds: 5,
      securityContext: { runAsUser: 1000, fsGroup: 2000 },
      volumes: [{ name: 'work', emptyDir: {} }],
      initContainers: [
        { name: 'init', image: 'busybox' },
        { name: 'side', image: 'busybox', restartPolicy: 'Always' },
      ],
      containers: [{
        name: 'app',
        image: 'busybox:1.36',
        command: ['sh', '-c'],
        args: ['echo $(GREETING) $(MISSING) $$(GREETING)'],
        workingDir: '/work',
        tty: true,
        stdin: true,
        env: [
          { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'cm', key: 'greeting' } } },
          { name: 'ANNOTATION', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['mysubpath']" } } },
        ],
        volumeMounts: [{ name: 'work', mountPath: '/work' }, { name: 'work', mountPath: '/sub', subPathExpr: '$(ANNOTATION)' }],
        resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '500m', memory: '2Gi' } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        lifecycle: { preStop: { exec: { command: ['sleep', '1'] } } },
        terminationMessagePolicy: 'FallbackToLogsOnError',
      }],
    },
  };
}

describe('buildContainerConfig', () => {
  let root: string;
  beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'nodelet-cc-')); });
  afterEach(async () => { await rm(root, { recursive: true, force: true }); });

  async function options(pod: Pod): Promise<ContainerConfigOptions> {
    return {
      rootDir: root,
      attempt: 3,
      restartCount: 2,
      lookup: staticLookup({ configMaps: { 'ns1/cm': { greeting: 'hello' } } }),
      podIPs: ['10.0.0.5'],
      hostIPs: ['192.168.1.2'],
      allocatable: { cpu: '4', memory: '8Gi' },
      memoryCapacityBytes: 8 * GiB,
      volumes: await setupPodVolumes(pod, { rootDir: root, lookup: staticLookup({}), allocatable: {} }),
      etcHosts: await writeEtcHosts(pod, { rootDir: root, podIPs: ['10.0.0.5'], hostname: 'web', domain: '' }),
    };
  }

  it('maps the whole container', async () => {
    const pod = testPod();
    const app = pod.spec?.containers[0];
    if (app === undefined) throw new Error('no container');
    const cfg = await buildContainerConfig(pod, app, await options(pod));
    const podDir = join(root, 'pods', 'uid-1');
    const work = join(podDir, 'volumes', 'kubernetes.io~empty-dir', 'work');
    expect(cfg).toEqual({
      name: 'app',
      attempt: 3,
      image: 'busybox:1.36',
      command: ['sh', '-c'],
      args: ['echo hello $(MISSING) $(GREETING)'],
      env: [{ name: 'GREETING', value: 'hello' }, { name: 'ANNOTATION', value: 'mypath' }],
      workingDir: '/work',
      tty: true,
      stdin: true,
      stdinOnce: false,
      mounts: [
        { hostPath: work, containerPath: '/work', readOnly: false, propagation: 'private' },
        { hostPath: join(work, 'mypath'), containerPath: '/sub', readOnly: false, propagation: 'private' },
        { hostPath: join(podDir, 'etc-hosts'), containerPath: '/etc/hosts', readOnly: false },
        { hostPath: join(podDir, 'containers', 'app', '00000003'), containerPath: '/dev/termination-log', readOnly: false },
      ],
      resources: { cpuShares: 256, cpuQuota: 50000, cpuPeriod: 100000, memoryLimitBytes: 2 * GiB, oomScoreAdj: 875 },
      security: { runAsUser: 1000, supplementalGroups: [2000], capDrop: ['ALL'], noNewPrivileges: true },
      labels: {
        'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'ns1', 'io.kubernetes.pod.uid': 'uid-1', 'io.kubernetes.container.name': 'app',
      },
      annotations: {
        'io.kubernetes.container.hash': hashContainer(app),
        'io.nodelet.container.hashScheme': '1',
        'io.kubernetes.container.restartCount': '2',
        'io.kubernetes.container.type': 'regular',
        'io.kubernetes.pod.terminationGracePeriod': '5',
        'io.kubernetes.container.terminationMessagePath': '/dev/termination-log',
        'io.kubernetes.container.terminationMessagePolicy': 'FallbackToLogsOnError',
        'io.kubernetes.container.preStopHandler': '{"exec":{"command":["sleep","1"]}}',
        'io.kubernetes.container.ports': '[{"containerPort":80,"protocol":"TCP"}]',
      },
    });
    expect((await stat(join(podDir, 'containers', 'app', '00000003'))).mode & 0o777).toBe(0o666);
  });

  it('marks init and sidecar containers and passes a stop signal', async () => {
    const pod = testPod();
    const init = pod.spec?.initContainers?.[0];
    const side = pod.spec?.initContainers?.[1];
    if (init === undefined || side === undefined) throw new Error('no init containers');
    Object.assign(side, { lifecycle: { stopSignal: 'SIGUSR1' } });
    const opts = await options(pod);
    expect((await buildContainerConfig(pod, init, opts)).annotations['io.kubernetes.container.type']).toBe('init');
    const sc = await buildContainerConfig(pod, side, opts);
    expect(sc.annotations['io.kubernetes.container.type']).toBe('sidecar');
    expect(sc.stopSignal).toBe('SIGUSR1');
    expect(sc.command).toBeUndefined();
  });

  it('fails with CreateContainerConfigError when a reference or subPath is bad', async () => {
    const pod = testPod();
    const opts = await options(pod);
    const app = pod.spec?.containers[0];
    if (app === undefined) throw new Error('no container');
    await expect(buildContainerConfig(pod, app, { ...opts, lookup: staticLookup({}) })).rejects.toThrow(ContainerConfigError);
    const noAnn: Pod = { ...pod, metadata: { ...pod.metadata, annotations: {} } };
    await expect(buildContainerConfig(noAnn, app, opts)).rejects.toMatchObject({ reason: 'CreateContainerConfigError', message: 'missing value for ANNOTATION' });
  });
});
