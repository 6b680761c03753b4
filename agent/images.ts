// EnsureImageExists (pkg/kubelet/images/image_manager.go): pull policy Always / IfNotPresent / Never
// with the API defaults by tag, ImagePullBackOff on the shared back-off, the kubelet's events and
// messages, and pull progress surfaced as (throttled) Pulling events. Concurrent pulls of the same
// image are shared.
import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import type { Clock } from '../lib/clock.ts';
import { NodeletError } from '../lib/errors.ts';
import type { Logger } from '../lib/log.ts';
import { silentLogger } from '../lib/log.ts';
import type { ImageService, ImageStatus, PullProgress } from '../runtime/types.ts';
import type { Backoff } from './backoff.ts';
import { formatDuration, imageBackoffKey } from './backoff.ts';
import type { EventRecorder } from './events.ts';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export type ImageErrorReason = 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName' | 'ImageInspectError';

/** A start failure of the image step; reason/message become the container's Waiting state. */
export class ImageError extends NodeletError {
  declare readonly reason: ImageErrorReason;
  constructor(reason: ImageErrorReason, message: string, cause?: unknown) {
    super(`ERR_${reason.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase().replace(/^_/, '')}`, message, { reason, ...(cause === undefined ? {} : { cause }) });
  }
}

const REF_RE = /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/;

export interface ParsedImage {
  tag: string | undefined;
  digest: string | undefined;
}

export function parseImageRef(image: string): ParsedImage | undefined {
  if (image === '' || !REF_RE.test(image)) return undefined;
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  const tag = colon >= 0 ? name.slice(colon + 1) : undefined;
  return { tag, digest };
}

/** API defaulting: `:latest` or no tag (and no digest) → Always, else IfNotPresent. */
export function defaultPullPolicy(image: string): PullPolicy {
  const p = parseImageRef(image);
  if (p === undefined) return 'IfNotPresent';
  if (p.digest !== undefined && p.tag === undefined) return 'IfNotPresent';
  return p.tag === undefined || p.tag === 'latest' ? 'Always' : 'IfNotPresent';
}

export function pullPolicyOf(c: Container): PullPolicy {
  const p = c.imagePullPolicy;
  return p === 'Always' || p === 'IfNotPresent' || p === 'Never' ? p : defaultPullPolicy(c.image ?? '');
}

export interface ImageManagerOptions {
  images: ImageService;
  clock: Clock;
  backoff: Backoff;
  events: EventRecorder;
  log?: Logger;
  /** Minimum ms between two progress events of one pull. */
  progressIntervalMs?: number;
}

export class ImageManager {
  private readonly inflight = new Map<string, Promise<ImageStatus>>();
  private readonly log: Logger;

  constructor(private readonly opts: ImageManagerOptions) {
    this.log = opts.log ?? silentLogger;
  }

  /** Makes sure the container's image is present; returns its status. Throws ImageError. */
  async ensureImage(pod: Pod, container: Container, signal?: AbortSignal): Promise<ImageStatus> {
    const { events, clock, backoff } = this.opts;
    const image = container.image ?? '';
    const ev = (type: 'Normal' | 'Warning', reason: string, message: string): void => {
      events.containerEvent(pod, container.name, type, reason, message);
    };
    if (parseImageRef(image) === undefined) {
      const msg = `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`;
      ev('Warning', 'InspectFailed', msg);
      throw new ImageError('InvalidImageName', msg);
    }
    const policy = pullPolicyOf(container);
    let present: ImageStatus | undefined;
    try {
      present = await this.opts.images.imageStatus(image);
    } catch (err) {
      const msg = `Failed to inspect image "${image}": ${errText(err)}`;
      ev('Warning', 'InspectFailed', msg);
      throw new ImageError('ImageInspectError', msg, err);
    }
    if (present !== undefined && policy !== 'Always') {
      ev('Normal', 'Pulled', `Container image "${image}" already present on machine`);
      return present;
    }
    if (policy === 'Never') {
      const msg = `Container image "${image}" is not present with pull policy of Never`;
      ev('Warning', 'ErrImageNeverPull', msg);
      throw new ImageError('ErrImageNeverPull', msg);
    }
    const key = imageBackoffKey(pod.metadata?.uid ?? '', image);
    if (backoff.isInBackOffSinceUpdate(key, clock.now())) {
      const msg = `Back-off pulling image "${image}"`;
      ev('Normal', 'BackOff', msg);
      throw new ImageError('ImagePullBackOff', msg);
    }
    ev('Normal', 'Pulling', `Pulling image "${image}"`);
    const started = clock.now();
    try {
      const status = await this.pull(image, (p) => { this.progress(pod, container, image, p); }, signal);
      const took = formatDuration(Math.max(1, clock.now() - started));
      ev('Normal', 'Pulled', `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${status.sizeBytes} bytes.`);
      backoff.reset(key);
      return status;
    } catch (err) {
      backoff.next(key, clock.now());
      const msg = `Failed to pull image "${image}": ${errText(err)}`;
      ev('Warning', 'Failed', msg);
      this.log.info({ pod: pod.metadata?.name, container: container.name, image, err: errText(err) }, 'image pull failed');
      throw new ImageError('ErrImagePull', msg, err);
    }
  }

  private readonly lastProgress = new Map<string, number>();

  private progress(pod: Pod, container: Container, image: string, p: PullProgress): void {
    const k = `${pod.metadata?.uid ?? ''}/${container.name}`;
    const now = this.opts.clock.now();
    const last = this.lastProgress.get(k);
    if (last !== undefined && now - last < (this.opts.progressIntervalMs ?? 5000)) return;
    if (p.total === undefined || p.current === undefined) return;
    this.lastProgress.set(k, now);
    const pct = p.total > 0 ? Math.floor((p.current / p.total) * 100) : 0;
    this.opts.events.containerEvent(pod, container.name, 'Normal', 'Pulling', `Pulling image "${image}": ${p.status} (${pct}%)`);
  }

  private pull(image: string, onProgress: (p: PullProgress) => void, signal?: AbortSignal): Promise<ImageStatus> {
    const existing = this.inflight.get(image);
    if (existing !== undefined) return existing;
    const p = this.opts.images.pullImage(image, onProgress, signal).finally(() => { this.inflight.delete(image); });
    this.inflight.set(image, p);
    return p;
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
