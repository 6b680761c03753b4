// `podman kube play` of the same pod (pause + 2 busybox) when podman is installed, with
// DockerRuntime's pod start measured in the same run as its peer. Podman runs its own engine,
// so the ratio compares two whole stacks, not one engine's client overhead.
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
    { key: 'podman', label: 'podman kube play', unit: 'ms', better: 'lower', peer: 'runtime' },
    { key: 'runtime', label: 'DockerRuntime', unit: 'ms', better: 'lower', peerOnly: true },
  ],
  async open(ctx) {
    if (!podmanInstalled()) throw new SkipBenchmark('podman not installed');
    const pods = new EnginePods(ctx.nodeName);
    await pods.check();
    const dir = mkdtempSync(join(tmpdir(), 'nodelet-bench-podman-'));
    // Podman needs the busybox image in its own store: copied once from Docker, untimed.
    const has = spawnSync('podman', ['image', 'exists', TEST_IMAGE]).status === 0;
    if (!has) execFileSync('sh', ['-c', `docker save ${TEST_IMAGE} | podman load`], { stdio: 'ignore' });
    ctx.note('podman: `podman kube play <file>` wall time (returns once the containers run); `podman kube down` untimed');
    const prefix = ctx.nodeName.slice(-40);
    return {
      async iterate(i) {
        const file = join(dir, `pod-${i + 10}.yaml`);
        writeFileSync(file, manifest(`${prefix}-${i + 10}`));
        const t0 = performance.now();
        try {
          execFileSync('podman', ['kube', 'play', file], { stdio: 'ignore' });
          const podman = performance.now() - t0;
          const t1 = performance.now();
          await pods.viaRuntime(`podman-peer-${i + 10}`);
          return { podman, runtime: performance.now() - t1 };
        } finally {
          spawnSync('podman', ['kube', 'down', file], { stdio: 'ignore' });
          await pods.removeAll();
        }
      },
      async close() {
        await pods.removeAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};
