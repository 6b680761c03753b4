// App containers: created into a sandbox's namespaces, started, stopped with a grace period,
// removed, and read back (status, list by label) so an agent restart can rebuild its state.
import type Docker from 'dockerode';
import { RuntimeError } from '../errors.ts';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID, LABEL_SANDBOX_ID } from '../labels.ts';
import type { ContainerConfig, ContainerFilter, ContainerService, ContainerStatus, SandboxConfig } from '../types.ts';
import type { EngineContext } from './context.ts';
import { createNamedContainer, startById } from './create.ts';
import { statusCode, withDeadline } from './engine-errors.ts';
import type { DockerImages } from './images.ts';
import { containerCreateOptions, containerStatusFromInspect, ownedFilters } from './mapping.ts';

/** How many inspects a list runs at once: enough to be quick, few enough not to swamp the engine. */
const LIST_CONCURRENCY = 8;

export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function ignoreCodes(err: unknown, codes: number[]): boolean {
  return err instanceof RuntimeError && codes.includes(statusCode(err.cause) ?? -1);
}

export class DockerContainers implements ContainerService {
  constructor(
    private readonly ctx: EngineContext,
    private readonly images: DockerImages,
  ) {}

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: SandboxConfig): Promise<string> {
    const { runAsUser, runAsGroup } = config.security;
    let imageUser: string | undefined;
    if (runAsGroup !== undefined && runAsUser === undefined) {
      imageUser = (await this.images.imageStatus(config.image))?.user;
    }
    const opts = containerCreateOptions(sandboxId, config, sandbox, {
      nodeName: this.ctx.nodeName,
      ...(imageUser === undefined ? {} : { imageUser }),
    });
    if (this.ctx.quirks.negativeOomScoreAdj === false && (opts.HostConfig?.OomScoreAdj ?? 0) < 0) {
      delete opts.HostConfig?.OomScoreAdj; // see EngineQuirks: the start would fail
    }
    const id = await createNamedContainer(this.ctx, this.images, opts);
    this.ctx.log.debug({ pod: `${sandbox.pod.namespace}/${sandbox.pod.name}`, container: config.name, id }, 'container created');
    return id;
  }

  async startContainer(id: string): Promise<void> {
    await startById(this.ctx, id, id.slice(0, 12));
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    const t = Math.max(0, Math.ceil(graceSeconds));
    try {
      // Docker sends the container's StopSignal, waits t seconds, then SIGKILL; the deadline
      // covers the grace period plus the usual call budget.
      await withDeadline(t * 1000 + this.ctx.callTimeoutMs, `stopping ${id}`, 'ERR_RUNTIME', (abortSignal) =>
        this.ctx.docker.getContainer(id).stop({ t, abortSignal } as Docker.ContainerStopOptions));
    } catch (err) {
      // 304: already stopped; 404: already gone. Both are what the caller wanted.
      if (ignoreCodes(err, [304, 404])) return;
      throw err;
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await withDeadline(this.ctx.callTimeoutMs, `removing ${id}`, 'ERR_RUNTIME', (abortSignal) =>
        this.ctx.docker.getContainer(id).remove({ force: true, v: true, abortSignal } as Docker.ContainerRemoveOptions));
    } catch (err) {
      if (ignoreCodes(err, [404])) return;
      // "removal of container … is already in progress"
      if (ignoreCodes(err, [409]) && err instanceof RuntimeError && /already in progress/.test(err.message)) return;
      throw err;
    }
  }

  async inspect(id: string): Promise<Docker.ContainerInspectInfo> {
    return withDeadline(this.ctx.callTimeoutMs, `inspecting ${id}`, 'ERR_RUNTIME', (abortSignal) =>
      this.ctx.docker.getContainer(id).inspect({ abortSignal }));
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    const info = await this.inspect(id);
    return containerStatusFromInspect(info, await this.images.imageFacts(info.Image));
  }

  /** Ids of this node's containers matching label filters (all states). */
  async listIds(extra: Record<string, string>): Promise<string[]> {
    const list = await withDeadline(this.ctx.callTimeoutMs, 'listing containers', 'ERR_RUNTIME', (abortSignal) =>
      this.ctx.docker.listContainers({ all: true, filters: { label: ownedFilters(this.ctx.nodeName, 'container', extra) }, abortSignal }));
    return list.map((c) => c.Id);
  }

  async listContainers(filter: ContainerFilter = {}): Promise<ContainerStatus[]> {
    const extra: Record<string, string> = {};
    if (filter.podUid !== undefined) extra[LABEL_POD_UID] = filter.podUid;
    if (filter.sandboxId !== undefined) extra[LABEL_SANDBOX_ID] = filter.sandboxId;
    if (filter.name !== undefined) extra[LABEL_CONTAINER_NAME] = filter.name;
    const ids = await this.listIds(extra);
    // The list summary lacks exit codes and times, so each container is inspected.
    const statuses = await mapLimit(ids, LIST_CONCURRENCY, async (id) => {
      try {
        return await this.containerStatus(id);
      } catch (err) {
        if (err instanceof RuntimeError && err.code === 'ERR_NOT_FOUND') return undefined; // removed meanwhile
        throw err;
      }
    });
    return statuses.filter((s): s is ContainerStatus => s !== undefined && (filter.state === undefined || s.state === filter.state));
  }
}
