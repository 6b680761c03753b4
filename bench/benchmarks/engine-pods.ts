// The engine work of one pod (a pause sandbox plus two busybox containers joined to it, no
// probes), done two ways: through DockerRuntime, and as the same create/start calls made
// directly with dockerode (the runtime's own client, the same create options from mapping.ts),
// so the difference is what DockerRuntime adds on top of the engine.
import { silentLogger } from '../../lib/log.ts';
import { DockerRuntime } from '../../runtime/docker/docker-runtime.ts';
import { NODELET_PAUSE_IMAGE } from '../../runtime/docker/local-images.ts';
import { containerCreateOptions, sandboxCreateOptions } from '../../runtime/docker/mapping.ts';
import { TEST_IMAGE, containerConfig, newPod, removeNodeContainers, sandboxConfig, startPod } from '../../runtime/docker/test-support.ts';
import type { ContainerConfig } from '../../runtime/types.ts';
import { SkipBenchmark } from '../framework/types.ts';

type Docker = DockerRuntime['docker'];
type CreateOptions = Parameters<Docker['createContainer']>[0];

const OOM_ADJ_REFUSED = /final child's PID from pipe|oom_score_adj/;

function appContainers(): ContainerConfig[] {
  return [
    containerConfig('a', { command: ['sleep', '3600'] }),
    containerConfig('b', { command: ['sleep', '3600'] }),
  ];
}

export class EnginePods {
  readonly runtime: DockerRuntime;
  private oomAdjRefused = false;

  constructor(readonly nodeName: string) {
    this.runtime = new DockerRuntime({ nodeName, log: silentLogger, infraImage: NODELET_PAUSE_IMAGE });
  }

  get docker(): Docker {
    return this.runtime.docker;
  }

  /** Fails with SkipBenchmark when the engine or the local images are missing. */
  async check(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (err) {
      throw new SkipBenchmark(`no Docker engine answers: ${err instanceof Error ? err.message : String(err)}`);
    }
    for (const image of [TEST_IMAGE, NODELET_PAUSE_IMAGE]) {
      try {
        await this.docker.getImage(image).inspect();
      } catch {
        throw new SkipBenchmark(`image ${image} is missing (run \`./bin/nodelet setup\`)`);
      }
    }
  }

  /** Pod start through DockerRuntime. */
  async viaRuntime(name: string): Promise<void> {
    await startPod(this.runtime, sandboxConfig(newPod(name)), appContainers());
  }

  /** The same pod as raw dockerode calls. */
  async viaDockerode(name: string): Promise<void> {
    const sandbox = sandboxConfig(newPod(name));
    const sandboxId = await this.createStarted(sandboxCreateOptions(sandbox, { nodeName: this.nodeName, image: NODELET_PAUSE_IMAGE }));
    for (const c of appContainers()) {
      await this.createStarted(containerCreateOptions(sandboxId, c, sandbox, { nodeName: this.nodeName }));
    }
  }

  private async createStarted(opts: CreateOptions): Promise<string> {
    if (this.oomAdjRefused) delete opts.HostConfig?.OomScoreAdj;
    const c = await this.docker.createContainer(opts);
    try {
      await c.start();
    } catch (err) {
      // Mirrors the runtime's quirk: an engine that refuses a negative oom_score_adj.
      if (opts.HostConfig?.OomScoreAdj === undefined || !OOM_ADJ_REFUSED.test(String(err))) throw err;
      this.oomAdjRefused = true;
      await c.remove({ force: true });
      return this.createStarted(opts);
    }
    return c.id;
  }

  async removeAll(): Promise<number> {
    return removeNodeContainers(this.docker, this.nodeName);
  }
}
