// `podman kube play` of the same pod (pause + 2 busybox) when podman is installed, with
// DockerRuntime's pod start measured in the same run as its peer. Podman runs its own engine,
// so the ratio compares two whole stacks, not one engine's client overhead; the raw dockerode row
// (the same engine work without DockerRuntime) shows how much of the gap is the engine's own.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { TEST_IMAGE } from '../../runtime/docker/test-support.ts';
import { SkipBenchmark, type Benchmark } from '../framework/types.ts';
import { EnginePods } from './engine-pods.ts';

function podmanInstalled(): boolean {
  return spawnSync('sh', ['-c', 'command -v podman'], { stdio: 'ignore' }).status === 0;
}

function manifest(name: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      restartPolicy: 'Never',
      containers: ['a', 'b'].map((c) => ({ name: c, image: TEST_IMAGE, command: ['sleep', '3600'] })),
    },
  });
}

export const runtimePodman: Benchmark = {
  id: 'runtime.podman-kube-play',
  group: 'runtime',
  title: 'podman kube play of the same pod (peer: DockerRuntime pod start)',
  runs: 5,
  metrics: [
    { key: 'runtime', label: 'DockerRuntime pod start', unit: 'ms', better: 'lower', peer: 'podman', target: { kind: 'ratio', op: '<=', value: 1 } },
    { key: 'raw', label: 'raw dockerode (same engine work)', unit: 'ms', better: 'lower', peer: 'podman' },
    { key: 'podman', label: 'podman kube play', unit: 'ms', better: 'lower', peerOnly: true },
  ],
  async open(ctx) {
    if (!podmanInstalled()) throw new SkipBenchmark('podman not installed (on Debian: apt-get install podman)');
    const pods = new EnginePods(ctx.nodeName);
    await pods.check();
    const dir = mkdtempSync(join(tmpdir(), 'nodelet-bench-podman-'));
    // As root, podman asks runc for RLIMIT_NOFILE and RLIMIT_NPROC of 1048576, which a process
    // whose hard limits are lower (this VM: 20000 files) may not set, and every container fails
    // with "error setting rlimits". Our own containers.conf asks for moderate limits instead
    // (Docker sets none, so the containers inherit the engine's).
    const conf = join(dir, 'containers.conf');
    writeFileSync(conf, '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n');
    const env = { ...process.env, CONTAINERS_CONF: conf };
    // Podman needs the busybox image in its own store: copied once from Docker, untimed.
    const has = spawnSync('podman', ['image', 'exists', TEST_IMAGE]).status === 0;
    if (!has) execFileSync('sh', ['-c', `docker save ${TEST_IMAGE} | podman load`], { stdio: 'ignore' });
    ctx.note('podman: `podman kube play <file>` wall time (returns once the containers run); `podman kube down` untimed');
    const prefix = ctx.nodeName.slice(-40);
    return {
      async iterate(i) {
        const file = join(dir, `pod-${String(i + 10)}.yaml`);
        writeFileSync(file, manifest(`${prefix}-${String(i + 10)}`));
        const t0 = performance.now();
        let podman: number;
        try {
          execFileSync('podman', ['kube', 'play', file], { stdio: ['ignore', 'ignore', 'pipe'], env });
          podman = performance.now() - t0;
        } finally {
          spawnSync('podman', ['kube', 'down', file], { stdio: 'ignore', env });
        }
        const t1 = performance.now();
        await pods.viaRuntime(`podman-peer-${String(i + 10)}`);
        const runtime = performance.now() - t1;
        await pods.removeAll();
        const t2 = performance.now();
        await pods.viaDockerode(`podman-raw-${String(i + 10)}`);
        const raw = performance.now() - t2;
        await pods.removeAll();
        return { podman, runtime, raw };
      },
      async close() {
        await pods.removeAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};
