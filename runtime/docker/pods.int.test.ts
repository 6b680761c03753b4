// Pods on the real engine: shared namespaces, hostname, /etc/hosts and DNS, hostPort, resources,
// security, command/args semantics, start/create errors, and state rebuilt from labels.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RuntimeError } from '../errors.ts';
import { ANN_CONTAINER_HASH, ANN_RESTART_COUNT } from '../labels.ts';
import {
  collectLogs,
  containerConfig,
  freePort,
  newPod,
  removeNodeContainers,
  sandboxConfig,
  startPod,
  testNodeName,
  testRuntime,
  waitFor,
} from './test-support.ts';

const NODE = testNodeName('pods');
const rt = testRuntime(NODE);
const tmpDirs: string[] = [];

afterEach(async () => {
  await removeNodeContainers(rt.docker, NODE);
});
afterAll(async () => {
  await removeNodeContainers(rt.docker, NODE);
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

async function run(id: string, cmd: string): Promise<{ code: number; out: string; err: string }> {
  const r = await rt.execSync(id, ['sh', '-c', cmd], 10_000);
  return { code: r.exitCode, out: r.stdout.toString().trim(), err: r.stderr.toString().trim() };
}

async function exited(id: string): Promise<Awaited<ReturnType<typeof rt.containerStatus>>> {
  return waitFor(`container ${id} to exit`, async () => {
    const s = await rt.containerStatus(id);
    return s.state === 'exited' ? s : undefined;
  });
}

async function logsOf(id: string): Promise<string> {
  return (await collectLogs(rt.logs(id, {}))).stdout;
}

describe('DockerRuntime pods (integration)', () => {
  it('runs two containers in one sandbox that talk over 127.0.0.1 and share IPC but not PID', async () => {
    const pod = newPod('web');
    const sb = sandboxConfig(pod);
    const { sandboxId, ids } = await startPod(rt, sb, [
      containerConfig('server', { command: ['httpd', '-f', '-p', '8080', '-h', '/etc'] }),
      containerConfig('client', { command: ['sleep', '300'] }),
    ]);
    const [server, client] = ids as [string, string];
    const page = await waitFor('httpd to answer', async () => {
      const r = await run(client, 'wget -qO- http://127.0.0.1:8080/passwd');
      return r.code === 0 ? r.out : undefined;
    });
    expect(page).toContain('nobody:x:65534');

    const ipc = await Promise.all([run(server, 'readlink /proc/self/ns/ipc'), run(client, 'readlink /proc/self/ns/ipc')]);
    expect(ipc[0].out).toMatch(/^ipc:\[\d+\]$/);
    expect(ipc[0].out).toBe(ipc[1].out);
    // Same /dev/shm: a file written by one is seen by the other.
    await run(server, 'echo shared > /dev/shm/marker');
    expect((await run(client, 'cat /dev/shm/marker')).out).toBe('shared');

    const pid = await Promise.all([run(server, 'readlink /proc/self/ns/pid'), run(client, 'readlink /proc/self/ns/pid')]);
    expect(pid[0].out).not.toBe(pid[1].out);
    expect((await run(client, 'ps')).out).not.toContain('httpd');

    const status = await rt.sandboxStatus(sandboxId);
    expect(status.state).toBe('ready');
    expect(status.ips[0]).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(status.hostNetwork).toBe(false);
    expect(status.pod).toEqual(pod);
    expect(status.labels).toEqual({ app: 'web' });
  });

  it('shares the PID namespace when the pod asks for it', async () => {
    const sb = sandboxConfig(newPod('pidshare'), { namespaces: { network: 'pod', ipc: 'pod', pid: 'pod' } });
    const { ids } = await startPod(rt, sb, [
      containerConfig('a', { command: ['sleep', '4242'] }),
      containerConfig('b', { command: ['sleep', '300'] }),
    ]);
    const [a, b] = ids as [string, string];
    const [nsA, nsB] = await Promise.all([run(a, 'readlink /proc/self/ns/pid'), run(b, 'readlink /proc/self/ns/pid')]);
    expect(nsA.out).toBe(nsB.out);
    const ps = (await run(b, 'ps')).out;
    expect(ps).toContain('sleep 4242');
    expect(ps).toContain('/pause');
  });

  it('falls back to nodelet\'s pause image when the default infra image cannot be pulled', async () => {
    expect(await rt.imageStatus('registry.k8s.io/pause:3.10')).toBeUndefined(); // offline engine
    const sandboxId = await rt.runSandbox(sandboxConfig(newPod('infra')));
    const info = await rt.docker.getContainer(sandboxId).inspect();
    expect(info.Config.Image).toBe('localhost/nodelet-pause:1.0');
    // An infra image the operator named explicitly is not replaced behind their back.
    const strict = testRuntime(NODE, { infraImage: 'localhost/no-such-pause:1' });
    const err = await strict.runSandbox(sandboxConfig(newPod('infra2'))).then(() => undefined, (e: unknown) => e);
    expect((err as RuntimeError).code).toBe('ERR_IMAGE_PULL');
  });

  it('runs hostNetwork/hostIPC/hostPID pods in the node namespaces, with no pod IP', async () => {
    const sb = sandboxConfig(newPod('hostns'), { hostname: 'hostns-pod', namespaces: { network: 'node', ipc: 'node', pid: 'node' } });
    const { sandboxId, ids } = await startPod(rt, sb, [containerConfig('main', { command: ['sleep', '300'] })]);
    const id = ids[0] as string;
    const { readlinkSync } = await import('node:fs');
    expect((await run(id, 'readlink /proc/self/ns/net')).out).toBe(readlinkSync('/proc/self/ns/net'));
    expect((await run(id, 'readlink /proc/self/ns/ipc')).out).toBe(readlinkSync('/proc/self/ns/ipc'));
    expect((await run(id, 'readlink /proc/self/ns/pid')).out).toBe(readlinkSync('/proc/self/ns/pid'));
    const status = await rt.sandboxStatus(sandboxId);
    expect(status).toMatchObject({ state: 'ready', hostNetwork: true, ips: [] });
  });

  it('sets the hostname and DNS on the sandbox and mounts a managed /etc/hosts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nodelet-hosts-'));
    tmpDirs.push(dir);
    const hostsFile = join(dir, 'etc-hosts');
    writeFileSync(hostsFile, '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n10.1.2.3\tmy-host.sub.default.svc.cluster.local\tmy-host\n');
    const sb = sandboxConfig(newPod('named'), {
      hostname: 'my-host',
      dns: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local', 'svc.cluster.local'], options: ['ndots:5'] },
    });
    const { ids } = await startPod(rt, sb, [
      containerConfig('main', { command: ['sleep', '300'], mounts: [{ hostPath: hostsFile, containerPath: '/etc/hosts', readOnly: false }] }),
    ]);
    const id = ids[0] as string;
    expect((await run(id, 'hostname')).out).toBe('my-host');
    expect((await run(id, 'cat /etc/hosts')).out).toContain('10.1.2.3\tmy-host.sub.default.svc.cluster.local\tmy-host');
    const resolv = (await run(id, 'cat /etc/resolv.conf')).out;
    expect(resolv).toContain('nameserver 10.96.0.10');
    expect(resolv).toContain('search default.svc.cluster.local svc.cluster.local');
    expect(resolv).toContain('options ndots:5');
  });

  it('publishes hostPorts on the sandbox, reachable on 127.0.0.1', async () => {
    const port = await freePort();
    const sb = sandboxConfig(newPod('ported'), { portMappings: [{ protocol: 'TCP', containerPort: 8080, hostPort: port, hostIP: '127.0.0.1' }] });
    const dir = mkdtempSync(join(tmpdir(), 'nodelet-www-'));
    tmpDirs.push(dir);
    writeFileSync(join(dir, 'index.html'), 'hello from the pod\n');
    await startPod(rt, sb, [
      containerConfig('web', { command: ['httpd', '-f', '-p', '8080', '-h', '/www'], mounts: [{ hostPath: dir, containerPath: '/www', readOnly: true }] }),
    ]);
    const body = await waitFor('hostPort to answer', async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/index.html`);
        return res.ok ? await res.text() : undefined;
      } catch {
        return undefined;
      }
    });
    expect(body).toBe('hello from the pod\n');
  });

  it('reports OOMKilled when the memory limit is exceeded', async () => {
    const sb = sandboxConfig(newPod('oom'));
    const { ids } = await startPod(rt, sb, [
      containerConfig('hog', { command: ['sh', '-c', 'head -c 100m /dev/zero | tail'], resources: { memoryLimitBytes: 16 * 1024 * 1024 } }),
    ]);
    const s = await exited(ids[0] as string);
    expect(s.reason).toBe('OOMKilled');
    expect(s.exitCode).not.toBe(0);
    expect(s.finishedAt).toBeGreaterThanOrEqual(s.startedAt);
  });

  it('applies cpu quota/period and shares (cgroup v1)', async () => {
    const sb = sandboxConfig(newPod('cpu'));
    const { ids } = await startPod(rt, sb, [
      containerConfig('main', { command: ['sleep', '300'], resources: { cpuQuota: 50_000, cpuPeriod: 100_000, cpuShares: 512 } }),
    ]);
    const id = ids[0] as string;
    expect((await run(id, 'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us')).out).toBe('50000');
    expect((await run(id, 'cat /sys/fs/cgroup/cpu/cpu.cfs_period_us')).out).toBe('100000');
    expect((await run(id, 'cat /sys/fs/cgroup/cpu/cpu.shares')).out).toBe('512');
  });

  it('runs as the requested user with supplemental groups, and enforces a read-only rootfs', async () => {
    const sb = sandboxConfig(newPod('secure'));
    const { ids } = await startPod(rt, sb, [
      containerConfig('main', {
        command: ['sleep', '300'],
        security: { runAsUser: 65534, runAsGroup: 65534, supplementalGroups: [1234], readOnlyRootFilesystem: true, noNewPrivileges: true, capDrop: ['ALL'] },
      }),
    ]);
    const id = ids[0] as string;
    expect((await run(id, 'id -u')).out).toBe('65534');
    expect((await run(id, 'id -G')).out.split(' ')).toContain('1234');
    const touch = await run(id, 'touch /file');
    expect(touch.code).not.toBe(0);
    expect(touch.err).toMatch(/Read-only file system/);
    expect((await run(id, 'grep NoNewPrivs /proc/self/status')).out).toMatch(/NoNewPrivs:\s+1/);
  });

  it('command without args drops the image CMD; args alone keep the image entrypoint', async () => {
    const sb = sandboxConfig(newPod('cmd'));
    const { ids } = await startPod(rt, sb, [
      containerConfig('cmdonly', { command: ['echo', 'only-command'] }),
      containerConfig('both', { name: 'both', command: ['echo'], args: ['with', 'args'] }),
      containerConfig('argsonly', { args: ['echo', 'args-as-cmd'] }),
    ]);
    const [cmdOnly, both, argsOnly] = ids as [string, string, string];
    await Promise.all(ids.map(exited));
    // busybox's image CMD is ["sh"]: if it leaked through, this would print "only-command sh".
    expect(await logsOf(cmdOnly)).toBe('only-command\n');
    expect(await logsOf(both)).toBe('with args\n');
    expect(await logsOf(argsOnly)).toBe('args-as-cmd\n');
    const inspect = await rt.docker.getContainer(cmdOnly).inspect();
    expect((inspect.Config.Cmd as string[] | null) ?? []).toEqual([]);
    const s = await rt.containerStatus(cmdOnly);
    expect(s.reason).toBe('Completed');
    expect(s.exitCode).toBe(0);
    expect(s.image).toBe('localhost/busybox:local');
    expect(s.imageId).toMatch(/^docker:\/\/sha256:[0-9a-f]{64}$/);
  });

  it('reports exit codes as Error and passes env and workingDir', async () => {
    const sb = sandboxConfig(newPod('env'));
    const { ids } = await startPod(rt, sb, [
      containerConfig('main', { command: ['sh', '-c', 'echo "$GREETING from $(pwd)"; exit 3'], env: [{ name: 'GREETING', value: 'hi there' }], workingDir: '/tmp' }),
    ]);
    const s = await exited(ids[0] as string);
    expect(s.exitCode).toBe(3);
    expect(s.reason).toBe('Error');
    expect(await logsOf(ids[0] as string)).toBe('hi there from /tmp\n');
  });

  it('fails a bad command with ERR_RUN_CONTAINER and a clear message; status says ContainerCannotRun', async () => {
    const sb = sandboxConfig(newPod('badcmd'));
    const sandboxId = await rt.runSandbox(sb);
    const id = await rt.createContainer(sandboxId, containerConfig('main', { command: ['no-such-binary'] }), sb);
    const err = await rt.startContainer(id).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe('ERR_RUN_CONTAINER');
    expect((err as RuntimeError).reason).toBe('RunContainerError');
    expect((err as RuntimeError).message).toMatch(/exec: "no-such-binary": executable file not found in \$PATH/);
    const s = await rt.containerStatus(id);
    expect(s.state).toBe('exited');
    expect(s.reason).toBe('ContainerCannotRun');
    expect(s.message).toContain('executable file not found');
  });

  it('fails a missing image with ERR_IMAGE_PULL at once', async () => {
    const sb = sandboxConfig(newPod('noimage'));
    const sandboxId = await rt.runSandbox(sb);
    const t0 = Date.now();
    const err = await rt.createContainer(sandboxId, containerConfig('main', { image: 'localhost/does-not-exist:1' }), sb).then(() => undefined, (e: unknown) => e);
    const createMs = Date.now() - t0;
    expect((err as RuntimeError).code).toBe('ERR_IMAGE_PULL');
    expect((err as RuntimeError).reason).toBe('ErrImagePull');
    expect(createMs).toBeLessThan(5000);
    const t1 = Date.now();
    const pullErr = await rt.pullImage('localhost/does-not-exist:1').then(() => undefined, (e: unknown) => e);
    expect((pullErr as RuntimeError).code).toBe('ERR_IMAGE_PULL');
    expect(Date.now() - t1).toBeLessThan(5000);
    expect(await rt.imageStatus('localhost/does-not-exist:1')).toBeUndefined();
  });

  it('recovers from a name conflict left by a previous instance', async () => {
    const sb = sandboxConfig(newPod('conflict'));
    const sandboxId = await rt.runSandbox(sb);
    const first = await rt.createContainer(sandboxId, containerConfig('main', { command: ['true'] }), sb);
    const second = await rt.createContainer(sandboxId, containerConfig('main', { command: ['true'] }), sb);
    expect(second).not.toBe(first);
    const ids = (await rt.listContainers({ sandboxId })).map((c) => c.id);
    expect(ids).toEqual([second]);
  });

  it('rebuilds state from labels in a fresh runtime, and each node sees only its own', async () => {
    const pod = newPod('rebuild');
    const sb = sandboxConfig(pod, { annotations: { 'example.com/note': 'kept' } });
    const cfg = containerConfig('main', {
      command: ['sleep', '300'],
      attempt: 2,
      labels: { tier: 'backend' },
      annotations: { [ANN_CONTAINER_HASH]: 'abc123', [ANN_RESTART_COUNT]: '2' },
    });
    const { sandboxId, ids } = await startPod(rt, sb, [cfg]);

    const fresh = testRuntime(NODE);
    const sandboxes = await fresh.listSandboxes({ podUid: pod.uid });
    expect(sandboxes).toHaveLength(1);
    expect(sandboxes[0]).toMatchObject({ id: sandboxId, pod, attempt: 0, state: 'ready', annotations: { 'example.com/note': 'kept' } });
    const containers = await fresh.listContainers({ podUid: pod.uid });
    expect(containers).toHaveLength(1);
    expect(containers[0]).toMatchObject({
      id: ids[0],
      name: 'main',
      attempt: 2,
      sandboxId,
      pod,
      state: 'running',
      labels: { tier: 'backend' },
      annotations: { [ANN_CONTAINER_HASH]: 'abc123', [ANN_RESTART_COUNT]: '2' },
      containerId: `docker://${ids[0] ?? ''}`,
    });
    expect(await fresh.listContainers({ podUid: pod.uid, state: 'exited' })).toEqual([]);

    const other = testRuntime(`${NODE}-other`);
    expect(await other.listSandboxes({ podUid: pod.uid })).toEqual([]);
    expect(await other.listContainers({ podUid: pod.uid })).toEqual([]);

    // removeSandbox takes its containers with it, and is idempotent.
    await fresh.removeSandbox(sandboxId);
    await fresh.removeSandbox(sandboxId);
    expect(await fresh.listContainers({ podUid: pod.uid })).toEqual([]);
    expect(await fresh.listSandboxes({ podUid: pod.uid })).toEqual([]);
  });

  it('stops with the grace period, idempotently, and reports not-found ids', async () => {
    const sb = sandboxConfig(newPod('stop'));
    const { sandboxId, ids } = await startPod(rt, sb, [
      // Ignores SIGTERM: only the SIGKILL after the grace period ends it.
      containerConfig('stubborn', { command: ['sh', '-c', "trap '' TERM; while true; do sleep 1; done"] }),
    ]);
    const id = ids[0] as string;
    const t0 = Date.now();
    await rt.stopContainer(id, 1);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(10_000);
    const s = await rt.containerStatus(id);
    expect(s.state).toBe('exited');
    expect(s.exitCode).toBe(137);
    await rt.stopContainer(id, 1);
    await rt.stopSandbox(sandboxId);
    expect((await rt.sandboxStatus(sandboxId)).state).toBe('notready');
    await rt.removeContainer(id);
    await rt.removeContainer(id);
    const err = await rt.containerStatus(id).then(() => undefined, (e: unknown) => e);
    expect((err as RuntimeError).code).toBe('ERR_NOT_FOUND');
  });

  it('reports version, host info and stats', async () => {
    const v = await rt.version();
    expect(v.runtimeName).toBe('docker');
    expect(v.runtimeVersion).toMatch(/^\d+\.\d+/);
    const info = await rt.info();
    expect(info.cpus).toBeGreaterThan(0);
    expect(info.memoryBytes).toBeGreaterThan(0);
    expect(info.os).toBe('linux');
    expect(['amd64', 'arm64']).toContain(info.architecture);
    const sb = sandboxConfig(newPod('stats'));
    const { ids } = await startPod(rt, sb, [containerConfig('main', { command: ['sh', '-c', 'head -c 8m /dev/zero > /dev/shm/x; sleep 300'] })]);
    const stats = await waitFor('memory use to show', async () => {
      const s = await rt.stats(ids[0] as string);
      return s.cpuUsageNanos > 0 ? s : undefined;
    });
    expect(stats.memoryUsageBytes).toBeGreaterThan(0);
  });
});
