// Pod sandboxes: one pause container per pod that owns the network, IPC (and optionally PID)
// namespaces, the hostname, DNS and every published port; app containers join it.
import { RuntimeError } from '../errors.ts';
import { DOCKER_TYPE_SANDBOX, LABEL_DOCKER_TYPE, LABEL_POD_UID, LABEL_SANDBOX_ID } from '../labels.ts';
import type { SandboxConfig, SandboxService, SandboxStatus } from '../types.ts';
import type { DockerContainers } from './containers.ts';
import type { EngineContext } from './context.ts';
import { createNamedContainer, startById } from './create.ts';
import { withDeadline } from './engine-errors.ts';
import type { DockerImages } from './images.ts';
import type { InfraImage } from './infra-image.ts';
import { ownedFilters, sandboxCreateOptions, sandboxStatusFromInspect, sandboxStatusFromSummary } from './mapping.ts';

/** cri-dockerd's defaultSandboxGracePeriod. */
export const DEFAULT_SANDBOX_GRACE_SECONDS = 10;

/** runc's failure when writing a lower oom_score_adj is refused (the child dies during init). */
const OOM_ADJ_REFUSED = /final child's PID from pipe|oom_score_adj/;

export class DockerSandboxes implements SandboxService {
  constructor(
    private readonly ctx: EngineContext,
    private readonly images: DockerImages,
    private readonly containers: DockerContainers,
    private readonly infra: InfraImage,
  ) {}

  async runSandbox(config: SandboxConfig): Promise<string> {
    const image = config.image ?? (await this.infra.resolve());
    const opts = sandboxCreateOptions(config, { nodeName: this.ctx.nodeName, image });
    const quirks = this.ctx.quirks;
    if (quirks.negativeOomScoreAdj === false) delete opts.HostConfig?.OomScoreAdj;
    let id = await createNamedContainer(this.ctx, this.images, opts);
    try {
      try {
        await startById(this.ctx, id, opts.name ?? id);
      } catch (err) {
        if (!(quirks.negativeOomScoreAdj === undefined && OOM_ADJ_REFUSED.test(String(err)))) throw err;
        // runc could not lower oom_score_adj: learn it once, then run without (logged once).
        await this.containers.removeContainer(id);
        delete opts.HostConfig?.OomScoreAdj;
        id = await createNamedContainer(this.ctx, this.images, opts);
        await startById(this.ctx, id, opts.name ?? id);
        quirks.negativeOomScoreAdj = false;
        this.ctx.log.warn('the engine cannot set a negative oom_score_adj here; sandboxes and containers keep the default');
      }
    } catch (err) {
      // A sandbox that cannot start (hostPort taken, bad sysctl…) is useless, and its name would
      // block the next attempt: remove it and report why.
      await this.containers.removeContainer(id).catch(() => undefined);
      throw err;
    }
    if (opts.HostConfig?.OomScoreAdj !== undefined) quirks.negativeOomScoreAdj = true;
    this.ctx.log.debug({ pod: `${config.pod.namespace}/${config.pod.name}`, id, image }, 'sandbox started');
    return id;
  }

  async stopSandbox(id: string, graceSeconds = DEFAULT_SANDBOX_GRACE_SECONDS): Promise<void> {
    await this.containers.stopContainer(id, graceSeconds);
  }

  async removeSandbox(id: string): Promise<void> {
    // Members first (label io.kubernetes.sandbox.id), then the sandbox itself.
    const members = await this.containers.listIds({ [LABEL_SANDBOX_ID]: id });
    await Promise.all(members.map((m) => this.containers.removeContainer(m)));
    await this.containers.removeContainer(id);
  }

  async sandboxStatus(id: string): Promise<SandboxStatus> {
    const info = await this.containers.inspect(id);
    const labels = info.Config.Labels as Record<string, string> | null;
    if (labels?.[LABEL_DOCKER_TYPE] !== DOCKER_TYPE_SANDBOX) {
      throw new RuntimeError('ERR_NOT_FOUND', `${id} is not a pod sandbox`);
    }
    return sandboxStatusFromInspect(info);
  }

  async listSandboxes(filter: { podUid?: string } = {}): Promise<SandboxStatus[]> {
    const extra = filter.podUid === undefined ? {} : { [LABEL_POD_UID]: filter.podUid };
    const list = await withDeadline(this.ctx.callTimeoutMs, 'listing sandboxes', 'ERR_RUNTIME', (abortSignal) =>
      this.ctx.docker.listContainers({ all: true, filters: { label: ownedFilters(this.ctx.nodeName, 'podsandbox', extra) }, abortSignal }));
    return list.map(sandboxStatusFromSummary);
  }
}
