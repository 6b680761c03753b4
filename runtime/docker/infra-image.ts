// Which image runs the pod sandbox: the caller's, else the standard pause image if it is here or
// can be pulled, else nodelet's own pause image, built offline when missing. Decided once per
// runtime (and logged once); a failed decision is retried on the next sandbox.
import { PROJECT_ROOT } from '../../lib/paths.ts';
import { RuntimeError } from '../errors.ts';
import type { EngineContext } from './context.ts';
import type { DockerImages } from './images.ts';
import { DEFAULT_INFRA_IMAGE, NODELET_PAUSE_IMAGE, ensurePauseImage } from './local-images.ts';

/** A pull of the default infra image that takes longer than this is given up for the fallback. */
const DEFAULT_IMAGE_PULL_BUDGET_MS = 30_000;

export class InfraImage {
  private decided: Promise<string> | undefined;

  constructor(
    private readonly ctx: EngineContext,
    private readonly images: DockerImages,
    private readonly preferred: string = DEFAULT_INFRA_IMAGE,
    private readonly projectRoot: string = PROJECT_ROOT,
  ) {}

  resolve(): Promise<string> {
    this.decided ??= this.decide().catch((err: unknown) => {
      this.decided = undefined;
      throw err;
    });
    return this.decided;
  }

  private async decide(): Promise<string> {
    const log = this.ctx.log;
    if ((await this.images.imageStatus(this.preferred)) !== undefined) {
      log.info({ image: this.preferred }, 'pod infra image: present locally');
      return this.preferred;
    }
    try {
      await this.images.pullImage(this.preferred, undefined, AbortSignal.timeout(DEFAULT_IMAGE_PULL_BUDGET_MS));
      log.info({ image: this.preferred }, 'pod infra image: pulled');
      return this.preferred;
    } catch (err) {
      if (this.preferred !== DEFAULT_INFRA_IMAGE) {
        // An image the operator asked for explicitly is not silently replaced.
        throw err instanceof RuntimeError ? err : new RuntimeError('ERR_IMAGE_PULL', `pod infra image ${this.preferred}: ${String(err)}`, err);
      }
      const why = err instanceof Error ? err.message : String(err);
      const image = await ensurePauseImage({ docker: this.ctx.docker, log, root: this.projectRoot });
      log.info({ image, instead: this.preferred, why }, `pod infra image: ${NODELET_PAUSE_IMAGE} (the default cannot be pulled)`);
      return image;
    }
  }
}
