import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { ANN_CONTAINER_HASH } from '../labels.ts';
import type { ContainerConfig, SandboxConfig } from '../types.ts';
import {
  containerCreateOptions,
  containerStatusFromInspect,
  dockerTimeMs,
  eventFromMessage,
  imageIdFor,
  imageStatusFrom,
  ownedFilters,
  repoOf,
  sandboxCreateOptions,
  sandboxStatusFromInspect,
  sandboxStatusFromSummary,
  splitLabels,
} from './mapping.ts';

const pod = { name: 'web', namespace: 'prod', uid: 'u-1' };

function sandbox(over: Partial<SandboxConfig> = {}): SandboxConfig {
  return {
    pod,
    attempt: 1,
    hostname: 'web',
    portMappings: [],
    namespaces: { network: 'pod', ipc: 'pod', pid: 'container' },
    sysctls: {},
    labels: { app: 'web' },
    annotations: { 'kubernetes.io/config.source': 'api' },
    ...over,
  };
}

function container(over: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    name: 'app',
    attempt: 3,
    image: 'localhost/busybox:local',
    env: [{ name: 'A', value: 'x=y' }],
    tty: false,
    stdin: false,
    stdinOnce: false,
    mounts: [],
    resources: {},
    security: {},
    labels: { tier: 'be' },
    annotations: { [ANN_CONTAINER_HASH]: 'h1' },
    ...over,
  };
}

describe('sandboxCreateOptions', () => {
  it('builds a pause container with pod identity, node labels and cri-dockerd defaults', () => {
    const o = sandboxCreateOptions(sandbox(), { nodeName: 'n1', image: 'pause:1' });
    expect(o.name).toBe('k8s_POD_web_prod_u-1_1');
    expect(o.Image).toBe('pause:1');
    expect(o.Hostname).toBe('web');
    expect(o.Labels).toEqual({
      app: 'web',
      'annotation.kubernetes.io/config.source': 'api',
      'io.kubernetes.pod.name': 'web',
      'io.kubernetes.pod.namespace': 'prod',
      'io.kubernetes.pod.uid': 'u-1',
      'io.kubernetes.container.name': 'POD',
      'io.kubernetes.docker.type': 'podsandbox',
      'io.nodelet.attempt': '1',
      'io.nodelet.managed-by': 'nodelet',
      'io.nodelet.node': 'n1',
    });
    expect(o.Healthcheck).toEqual({ Test: ['NONE'] });
    expect(o.HostConfig).toMatchObject({
      NetworkMode: 'bridge',
      IpcMode: 'shareable',
      RestartPolicy: { Name: 'no' },
      OomScoreAdj: -998,
      CpuShares: 2,
      ShmSize: 64 * 1024 * 1024,
    });
    expect(o.HostConfig?.PidMode).toBeUndefined();
    expect(o.HostConfig?.Dns).toBeUndefined();
  });

  it('cannot let caller labels override the runtime identity labels', () => {
    const o = sandboxCreateOptions(sandbox({ labels: { 'io.nodelet.node': 'evil', 'io.kubernetes.pod.uid': 'x' } }), { nodeName: 'n1', image: 'p' });
    expect(o.Labels?.['io.nodelet.node']).toBe('n1');
    expect(o.Labels?.['io.kubernetes.pod.uid']).toBe('u-1');
  });

  it('publishes every hostPort on the sandbox, and DNS and sysctls go there too', () => {
    const o = sandboxCreateOptions(
      sandbox({
        portMappings: [
          { protocol: 'TCP', containerPort: 80, hostPort: 8080 },
          { protocol: 'UDP', containerPort: 53, hostPort: 5353, hostIP: '127.0.0.1' },
          { protocol: 'TCP', containerPort: 9090, hostPort: 0 },
        ],
        dns: { servers: ['10.0.0.10'], searches: ['prod.svc.cluster.local'], options: ['ndots:5'] },
        sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' },
        cgroupParent: '/kubepods/pod-u-1',
      }),
      { nodeName: 'n1', image: 'p' },
    );
    expect(o.ExposedPorts).toEqual({ '80/tcp': {}, '53/udp': {}, '9090/tcp': {} });
    expect(o.HostConfig?.PortBindings).toEqual({
      '80/tcp': [{ HostIp: '', HostPort: '8080' }],
      '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }],
    });
    expect(o.HostConfig).toMatchObject({
      Dns: ['10.0.0.10'],
      DnsSearch: ['prod.svc.cluster.local'],
      DnsOptions: ['ndots:5'],
      Sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' },
      CgroupParent: '/kubepods/pod-u-1',
    });
  });

  it('maps hostNetwork/hostIPC/hostPID to host modes and publishes nothing', () => {
    const o = sandboxCreateOptions(
      sandbox({ namespaces: { network: 'node', ipc: 'node', pid: 'node' }, portMappings: [{ protocol: 'TCP', containerPort: 80, hostPort: 80 }] }),
      { nodeName: 'n1', image: 'p' },
    );
    expect(o.HostConfig).toMatchObject({ NetworkMode: 'host', IpcMode: 'host', PidMode: 'host', PortBindings: {} });
    expect(o.ExposedPorts).toEqual({});
  });
});

describe('containerCreateOptions', () => {
  const sid = 'sandbox123';

  it('joins the sandbox namespaces and labels the container for recovery', () => {
    const o = containerCreateOptions(sid, container(), sandbox(), { nodeName: 'n1' });
    expect(o.name).toBe('k8s_app_web_prod_u-1_3');
    expect(o.HostConfig).toMatchObject({
      NetworkMode: 'container:sandbox123',
      IpcMode: 'container:sandbox123',
      RestartPolicy: { Name: 'no' },
      ShmSize: 64 * 1024 * 1024,
    });
    expect(o.HostConfig?.PidMode).toBeUndefined();
    expect(o.HostConfig?.UTSMode).toBeUndefined();
    expect(o.Healthcheck).toEqual({ Test: ['NONE'] });
    expect(o.Env).toEqual(['A=x=y']);
    expect(o.Labels).toMatchObject({
      tier: 'be',
      [`annotation.${ANN_CONTAINER_HASH}`]: 'h1',
      'io.kubernetes.container.name': 'app',
      'io.kubernetes.docker.type': 'container',
      'io.kubernetes.sandbox.id': sid,
      'io.kubernetes.pod.uid': 'u-1',
      'io.nodelet.attempt': '3',
      'io.nodelet.node': 'n1',
      'io.nodelet.managed-by': 'nodelet',
    });
    // Nothing the engine refuses for a container: network mode.
    expect(o.Hostname).toBeUndefined();
    expect(o.HostConfig?.Dns).toBeUndefined();
    expect(o.HostConfig?.PortBindings).toBeUndefined();
  });

  it.each([
    ['pod', 'container:sandbox123'],
    ['node', 'host'],
    ['container', undefined],
  ] as const)('pid namespace %s → PidMode %s', (pid, mode) => {
    const o = containerCreateOptions(sid, container(), sandbox({ namespaces: { network: 'pod', ipc: 'pod', pid } }), { nodeName: 'n1' });
    expect(o.HostConfig?.PidMode).toBe(mode);
  });

  it('uses the host UTS namespace with hostNetwork', () => {
    const o = containerCreateOptions(sid, container(), sandbox({ namespaces: { network: 'node', ipc: 'pod', pid: 'container' } }), { nodeName: 'n1' });
    expect(o.HostConfig?.UTSMode).toBe('host');
    expect(o.HostConfig?.NetworkMode).toBe('container:sandbox123');
  });

  it.each([
    [undefined, undefined, undefined, undefined],
    [['sh', '-c', 'x'], undefined, ['sh', '-c', 'x'], []],
    [['echo'], ['a', 'b'], ['echo'], ['a', 'b']],
    [undefined, ['a'], undefined, ['a']],
    [[], [], undefined, undefined],
  ])('command %j args %j → Entrypoint %j Cmd %j', (command, args, entrypoint, cmd) => {
    const o = containerCreateOptions(sid, container({ ...(command ? { command } : {}), ...(args ? { args } : {}) }), sandbox(), { nodeName: 'n1' });
    expect(o.Entrypoint).toEqual(entrypoint);
    expect(o.Cmd).toEqual(cmd);
  });

  it('maps mounts, resources and security', () => {
    const o = containerCreateOptions(
      sid,
      container({
        mounts: [
          { hostPath: '/var/lib/pods/u/etc-hosts', containerPath: '/etc/hosts', readOnly: false },
          { hostPath: '/data', containerPath: '/data', readOnly: true, propagation: 'rslave' },
          { hostPath: '/odd:path', containerPath: '/odd', readOnly: true, propagation: 'rshared' },
          { hostPath: '', containerPath: '/cache', readOnly: false, tmpfs: { sizeBytes: 1048576 } },
        ],
        resources: { memoryLimitBytes: 64 << 20, cpuShares: 512, cpuQuota: 50000, cpuPeriod: 100000, oomScoreAdj: 1000 },
        security: { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000], privileged: true, capAdd: ['NET_ADMIN'], capDrop: ['ALL'], readOnlyRootFilesystem: true, noNewPrivileges: true },
        workingDir: '/work',
        stopSignal: 'SIGQUIT',
        tty: true,
        stdin: true,
        stdinOnce: true,
      }),
      sandbox({ cgroupParent: '/kubepods/x' }),
      { nodeName: 'n1' },
    );
    expect(o.HostConfig?.Binds).toEqual(['/var/lib/pods/u/etc-hosts:/etc/hosts', '/data:/data:ro,rslave']);
    expect(o.HostConfig?.Mounts).toEqual([{ Type: 'bind', Source: '/odd:path', Target: '/odd', ReadOnly: true, BindOptions: { Propagation: 'rshared' } }]);
    expect(o.HostConfig?.Tmpfs).toEqual({ '/cache': 'size=1048576' });
    expect(o.HostConfig).toMatchObject({
      Memory: 64 << 20,
      MemorySwap: 64 << 20,
      CpuShares: 512,
      CpuQuota: 50000,
      CpuPeriod: 100000,
      OomScoreAdj: 1000,
      Privileged: true,
      CapAdd: ['NET_ADMIN'],
      CapDrop: ['ALL'],
      ReadonlyRootfs: true,
      SecurityOpt: ['no-new-privileges'],
      GroupAdd: ['4000'],
      CgroupParent: '/kubepods/x',
    });
    expect(o).toMatchObject({ User: '1000:3000', WorkingDir: '/work', StopSignal: 'SIGQUIT', Tty: true, OpenStdin: true, StdinOnce: true, AttachStdin: true });
  });

  it.each([
    [{ runAsUser: 0 }, undefined, '0'],
    [{ runAsGroup: 5 }, undefined, '0:5'],
    [{ runAsGroup: 5 }, 'nobody:nogroup', 'nobody:5'],
    [{}, 'nobody', undefined],
  ])('security %j with image user %j → User %j', (security, imageUser, user) => {
    const o = containerCreateOptions(sid, container({ security }), sandbox(), { nodeName: 'n1', ...(imageUser === undefined ? {} : { imageUser }) });
    expect(o.User).toBe(user);
  });
});

function inspect(over: { State?: Partial<Docker.ContainerInspectInfo['State']>; Labels?: Record<string, string> | null; Name?: string; NetworkMode?: string } = {}): Docker.ContainerInspectInfo {
  return {
    Id: 'c'.repeat(64),
    Name: over.Name ?? '/k8s_app_web_prod_u-1_3',
    Created: '2026-01-01T00:00:00.5Z',
    Image: 'sha256:' + 'a'.repeat(64),
    State: {
      Status: 'exited',
      Running: false,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 0,
      ExitCode: 0,
      Error: '',
      StartedAt: '2026-01-01T00:00:01Z',
      FinishedAt: '2026-01-01T00:00:02Z',
      ...over.State,
    },
    Config: {
      Image: 'busybox:1',
      Labels: over.Labels === undefined
        ? {
            'io.kubernetes.pod.name': 'web',
            'io.kubernetes.pod.namespace': 'prod',
            'io.kubernetes.pod.uid': 'u-1',
            'io.kubernetes.container.name': 'app',
            'io.kubernetes.docker.type': 'container',
            'io.kubernetes.sandbox.id': 'sb1',
            'io.nodelet.attempt': '3',
            'io.nodelet.node': 'n1',
            'io.nodelet.managed-by': 'nodelet',
            'io.nodelet.image-inputs': 'abc',
            tier: 'be',
            'annotation.io.kubernetes.container.restartCount': '2',
          }
        : over.Labels,
    },
    HostConfig: { NetworkMode: over.NetworkMode ?? 'container:sb1' },
    NetworkSettings: { Networks: {} },
  } as unknown as Docker.ContainerInspectInfo;
}

describe('containerStatusFromInspect', () => {
  it('maps identity, labels and annotations back', () => {
    const s = containerStatusFromInspect(inspect());
    expect(s).toMatchObject({
      name: 'app',
      attempt: 3,
      sandboxId: 'sb1',
      pod,
      state: 'exited',
      reason: 'Completed',
      exitCode: 0,
      createdAt: Date.UTC(2026, 0, 1, 0, 0, 0, 500),
      startedAt: Date.UTC(2026, 0, 1, 0, 0, 1),
      finishedAt: Date.UTC(2026, 0, 1, 0, 0, 2),
      image: 'busybox:1',
      imageId: `docker://sha256:${'a'.repeat(64)}`,
      containerId: `docker://${'c'.repeat(64)}`,
      labels: { tier: 'be' },
      annotations: { 'io.kubernetes.container.restartCount': '2' },
    });
  });

  it.each([
    [{ Status: 'running', Running: true, FinishedAt: '0001-01-01T00:00:00Z' }, 'running', '', 0],
    [{ ExitCode: 2 }, 'exited', 'Error', 2],
    [{ ExitCode: 137, OOMKilled: true }, 'exited', 'OOMKilled', 137],
    [{ Status: 'created', ExitCode: 127, Error: 'exec: "x": executable file not found in $PATH', StartedAt: '0001-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z' }, 'exited', 'ContainerCannotRun', 127],
    [{ Status: 'created', StartedAt: '0001-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z' }, 'created', '', 0],
  ])('state %j → %s %s', (state, expected, reason, code) => {
    const s = containerStatusFromInspect(inspect({ State: state }));
    expect(s.state).toBe(expected);
    expect(s.reason).toBe(reason);
    expect(s.exitCode).toBe(code);
    if (reason === 'ContainerCannotRun') {
      expect(s.startedAt).toBe(s.createdAt);
      expect(s.finishedAt).toBe(s.createdAt);
      expect(s.message).toContain('executable file not found');
    }
    if (expected === 'running') expect(s.finishedAt).toBe(0);
  });

  it('falls back to the name when labels are missing (null from the engine)', () => {
    const s = containerStatusFromInspect(inspect({ Labels: null }));
    expect(s.name).toBe('app');
    expect(s.pod).toEqual(pod);
    expect(s.attempt).toBe(3);
    expect(s.labels).toEqual({});
  });

  it('reports docker-pullable image ids when the image has repo digests', () => {
    const s = containerStatusFromInspect(inspect(), { id: 'sha256:x', repoDigests: ['other@sha256:1', 'busybox@sha256:2'] });
    expect(s.imageId).toBe('docker-pullable://busybox@sha256:2');
  });
});

describe('sandbox statuses', () => {
  it('reads ready/IPs from inspect and hides IPs for hostNetwork', () => {
    const base = inspect({
      Name: '/k8s_POD_web_prod_u-1_1',
      State: { Status: 'running', Running: true },
      Labels: { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'prod', 'io.kubernetes.pod.uid': 'u-1', 'io.kubernetes.container.name': 'POD', 'io.kubernetes.docker.type': 'podsandbox', 'io.nodelet.attempt': '1', app: 'web', 'annotation.a': 'b' },
      NetworkMode: 'bridge',
    });
    (base.NetworkSettings as { Networks: object }).Networks = { bridge: { IPAddress: '172.17.0.5' } };
    expect(sandboxStatusFromInspect(base)).toMatchObject({ pod, attempt: 1, state: 'ready', ips: ['172.17.0.5'], hostNetwork: false, labels: { app: 'web' }, annotations: { a: 'b' } });
    base.HostConfig.NetworkMode = 'host';
    expect(sandboxStatusFromInspect(base)).toMatchObject({ ips: [], hostNetwork: true });
  });

  it('reads a list summary', () => {
    const s = sandboxStatusFromSummary({
      Id: 'sb',
      Names: ['/k8s_POD_web_prod_u-1_4'],
      Created: 1767225600,
      State: 'exited',
      Labels: { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'prod', 'io.kubernetes.pod.uid': 'u-1' },
      HostConfig: { NetworkMode: 'bridge' },
      NetworkSettings: { Networks: { bridge: { IPAddress: '' } } },
    } as unknown as Docker.ContainerInfo);
    expect(s).toMatchObject({ id: 'sb', pod, attempt: 4, state: 'notready', createdAt: 1767225600000, ips: [] });
  });
});

describe('helpers', () => {
  it('treats Docker zero times as 0', () => {
    expect(dockerTimeMs('0001-01-01T00:00:00Z')).toBe(0);
    expect(dockerTimeMs('')).toBe(0);
    expect(dockerTimeMs('2026-01-01T00:00:00.123456789Z')).toBe(Date.UTC(2026, 0, 1, 0, 0, 0, 123));
  });

  it('splits labels from annotations and drops runtime keys', () => {
    expect(splitLabels({ a: '1', 'annotation.b': '2', 'io.nodelet.node': 'n', 'io.kubernetes.sandbox.id': 's' })).toEqual({ labels: { a: '1' }, annotations: { b: '2' } });
    expect(splitLabels(null)).toEqual({ labels: {}, annotations: {} });
  });

  it('filters by owner, node and kind', () => {
    expect(ownedFilters('n1', 'podsandbox', { 'io.kubernetes.pod.uid': 'u' })).toEqual([
      'io.nodelet.managed-by=nodelet',
      'io.nodelet.node=n1',
      'io.kubernetes.docker.type=podsandbox',
      'io.kubernetes.pod.uid=u',
    ]);
  });

  it('finds the repository of a reference', () => {
    expect(repoOf('localhost:5000/a/b:1')).toBe('localhost:5000/a/b');
    expect(repoOf('busybox')).toBe('busybox');
    expect(repoOf('busybox@sha256:abc')).toBe('busybox');
    expect(imageIdFor('sha256:1', [])).toBe('docker://sha256:1');
  });

  it('carries the image config user on an inspected image (runAsNonRoot needs it)', () => {
    const base = { Id: 'sha256:1', RepoTags: ['x:1', '<none>:<none>'], RepoDigests: null, Size: 10 };
    expect(imageStatusFrom({ ...base, Config: { User: '65534' } })).toEqual({ id: 'sha256:1', repoTags: ['x:1'], repoDigests: [], sizeBytes: 10, user: '65534' });
    expect(imageStatusFrom({ ...base, Config: { User: '' } })).not.toHaveProperty('user');
    expect(imageStatusFrom(base)).not.toHaveProperty('user');
  });
});

describe('eventFromMessage', () => {
  const attrs = { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'prod', 'io.kubernetes.pod.uid': 'u-1', 'io.kubernetes.container.name': 'app', 'io.kubernetes.docker.type': 'container' };

  it('decodes a die event with its exit code and pod', () => {
    expect(eventFromMessage({ Type: 'container', Action: 'die', Actor: { ID: 'c1', Attributes: { ...attrs, exitCode: '137' } }, time: 1, timeNano: 1_500_000_000 })).toEqual({
      type: 'die',
      containerId: 'c1',
      pod,
      containerName: 'app',
      isSandbox: false,
      time: 1500,
      exitCode: 137,
    });
  });

  it('marks sandbox events and ignores actions it does not watch', () => {
    expect(eventFromMessage({ Type: 'container', Action: 'start', Actor: { ID: 's', Attributes: { ...attrs, 'io.kubernetes.docker.type': 'podsandbox' } }, time: 2 })?.isSandbox).toBe(true);
    expect(eventFromMessage({ Type: 'container', Action: 'exec_start: sh', Actor: { ID: 's', Attributes: attrs } })).toBeUndefined();
    expect(eventFromMessage({ Type: 'image', Action: 'pull', Actor: { ID: 'x' } })).toBeUndefined();
  });
});
