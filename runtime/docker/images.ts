// Images: status, pull (with the engine's JSON progress stream decoded), remove, list, and a
// small cache of image facts used to report a container's imageID.
import type { ImageService, ImageStatus, PullProgress } from '../types.ts';
import { RuntimeError } from '../errors.ts';
import type { EngineContext } from './context.ts';
import { engineMessage, statusCode, toRuntimeError, withDeadline } from './engine-errors.ts';
import { imageStatusFrom, type ImageFacts } from './mapping.ts';

interface ProgressLine {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

/** Splits a stream of newline-delimited JSON (partial lines kept between chunks). */
export class JsonLineDecoder<T> {
  private rest = '';

  push(chunk: Buffer | string): T[] {
    this.rest += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const lines = this.rest.split('\n');
    this.rest = lines.pop() ?? '';
    return lines.flatMap((l) => this.parse(l));
  }

  end(): T[] {
    const last = this.rest;
    this.rest = '';
    return this.parse(last);
  }

  private parse(line: string): T[] {
    const t = line.trim();
    if (t === '') return [];
    try {
      return [JSON.parse(t) as T];
    } catch {
      return [];
    }
  }
}

export function progressOf(line: ProgressLine): PullProgress | undefined {
  if (line.status === undefined) return undefined;
  const text = [line.id === undefined ? line.status : `${line.id}: ${line.status}`, line.progress].filter((s) => s !== undefined && s !== '').join(' ');
  const p: PullProgress = { status: text };
  if (line.progressDetail?.current !== undefined) p.current = line.progressDetail.current;
  if (line.progressDetail?.total !== undefined) p.total = line.progressDetail.total;
  return p;
}

const FACTS_TTL_MS = 60_000;

export class DockerImages implements ImageService {
  private readonly facts = new Map<string, { at: number; facts: ImageFacts }>();

  constructor(private readonly ctx: EngineContext) {}

  /** Status from an inspect, so it carries the image's user (Config.User) too. */
  async imageStatus(ref: string): Promise<ImageStatus | undefined> {
    try {
      const info = await withDeadline(this.ctx.callTimeoutMs, `inspecting image ${ref}`, 'ERR_IMAGE_INSPECT', () =>
        this.ctx.docker.getImage(ref).inspect());
      return imageStatusFrom(info);
    } catch (err) {
      if (err instanceof RuntimeError && err.code === 'ERR_NOT_FOUND') return undefined;
      throw err;
    }
  }

  /** Id and digests of an image by id, cached briefly (ContainerStatus needs them on every relist). */
  async imageFacts(imageId: string): Promise<ImageFacts | undefined> {
    const now = this.ctx.clock.now();
    const hit = this.facts.get(imageId);
    if (hit !== undefined && now - hit.at < FACTS_TTL_MS) return hit.facts;
    try {
      const info = await withDeadline(this.ctx.callTimeoutMs, `inspecting image ${imageId}`, 'ERR_IMAGE_INSPECT', () =>
        this.ctx.docker.getImage(imageId).inspect());
      const facts = { id: info.Id, repoDigests: info.RepoDigests as string[] | null ?? [] };
      this.facts.set(imageId, { at: now, facts });
      if (this.facts.size > 512) this.facts.delete(this.facts.keys().next().value as string);
      return facts;
    } catch {
      return undefined;
    }
  }

  async pullImage(ref: string, onProgress?: (p: PullProgress) => void, signal?: AbortSignal): Promise<ImageStatus> {
    const log = this.ctx.log.child({ image: ref });
    log.info('pulling image');
    let stream: NodeJS.ReadableStream;
    try {
      // No deadline: a pull legitimately takes minutes. The caller's signal cancels it.
      stream = await this.ctx.docker.pull(ref, signal === undefined ? {} : { abortSignal: signal });
    } catch (err) {
      throw pullError(ref, err);
    }
    const decoder = new JsonLineDecoder<ProgressLine>();
    let failure: string | undefined;
    const handle = (lines: ProgressLine[]): void => {
      for (const line of lines) {
        if (line.error !== undefined || line.errorDetail?.message !== undefined) {
          failure ??= line.errorDetail?.message ?? line.error;
          continue;
        }
        const p = progressOf(line);
        if (p !== undefined) onProgress?.(p);
      }
    };
    try {
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (chunk: Buffer) => { handle(decoder.push(chunk)); });
        stream.on('end', () => { handle(decoder.end()); resolve(); });
        stream.on('error', reject);
        signal?.addEventListener('abort', () => { reject(signal.reason instanceof Error ? signal.reason : new Error('pull aborted')); }, { once: true });
      });
    } catch (err) {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      throw pullError(ref, err);
    }
    if (failure !== undefined) throw new RuntimeError('ERR_IMAGE_PULL', `failed to pull image "${ref}": ${failure}`);
    const status = await this.imageStatus(ref);
    if (status === undefined) throw new RuntimeError('ERR_IMAGE_PULL', `failed to pull image "${ref}": not present after the pull`);
    log.info({ id: status.id }, 'image pulled');
    return status;
  }

  async removeImage(ref: string): Promise<void> {
    try {
      await withDeadline(this.ctx.callTimeoutMs, `removing image ${ref}`, 'ERR_RUNTIME', (abortSignal) =>
        this.ctx.docker.getImage(ref).remove({ abortSignal } as object));
    } catch (err) {
      if (err instanceof RuntimeError && err.code === 'ERR_NOT_FOUND') return;
      throw err;
    }
  }

  async listImages(): Promise<ImageStatus[]> {
    const list = await withDeadline(this.ctx.callTimeoutMs, 'listing images', 'ERR_RUNTIME', (abortSignal) =>
      this.ctx.docker.listImages({ abortSignal }));
    return list.map(imageStatusFrom);
  }
}

function pullError(ref: string, err: unknown): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const e = toRuntimeError(err, 'ERR_IMAGE_PULL', `pulling ${ref}`);
  if (e.code === 'ERR_ENGINE_UNAVAILABLE' && statusCode(err) === undefined && !(err instanceof Error && err.name === 'AbortError')) return e;
  return new RuntimeError('ERR_IMAGE_PULL', `failed to pull image "${ref}": ${engineMessage(err)}`, err);
}
