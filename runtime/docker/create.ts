// Creating a named container the way cri-dockerd does (peers doc §1.3): the deterministic name
// makes creation idempotent; a stale holder of the name is removed when it is ours, and a name
// that cannot be freed is side-stepped with a random suffix. A missing image is pulled once
// (a registry that cannot answer fails at once with ERR_IMAGE_PULL, no retries).
import type Docker from 'dockerode';
import { RuntimeError } from '../errors.ts';
import { LABEL_NODE_NAME } from '../labels.ts';
import type { EngineContext } from './context.ts';
import { engineMessage, statusCode, toRuntimeError, withDeadline } from './engine-errors.ts';
import type { DockerImages } from './images.ts';
import { conflictingContainerId, randomizeName } from './naming.ts';

async function createOnce(ctx: EngineContext, opts: Docker.ContainerCreateOptions): Promise<string> {
  const c = await ctx.docker.createContainer({ ...opts, abortSignal: AbortSignal.timeout(ctx.callTimeoutMs) });
  return c.id;
}

async function removeHolder(ctx: EngineContext, holder: string): Promise<'removed' | 'gone' | 'foreign'> {
  try {
    const info = await ctx.docker.getContainer(holder).inspect({ abortSignal: AbortSignal.timeout(ctx.callTimeoutMs) });
    const labels = info.Config.Labels as Record<string, string> | null;
    if (labels?.[LABEL_NODE_NAME] !== ctx.nodeName) return 'foreign';
    await ctx.docker.getContainer(holder).remove({ force: true, v: true });
    return 'removed';
  } catch (err) {
    if (statusCode(err) === 404) return 'gone';
    throw toRuntimeError(err, 'ERR_CREATE_CONTAINER', `removing container ${holder} that holds a name`);
  }
}

export async function createNamedContainer(ctx: EngineContext, images: DockerImages, opts: Docker.ContainerCreateOptions): Promise<string> {
  const name = opts.name ?? '';
  let current = opts;
  let pulled = false;
  let recovered = false;
  for (;;) {
    try {
      return await createOnce(ctx, current);
    } catch (err) {
      const code = statusCode(err);
      const msg = engineMessage(err);
      if (code === 404 && /no such image/i.test(msg) && !pulled && current.Image !== undefined) {
        pulled = true;
        // Throws ERR_IMAGE_PULL itself when the image cannot be fetched.
        await images.pullImage(current.Image);
        continue;
      }
      const holder = code === 409 ? conflictingContainerId(msg) : undefined;
      if (holder !== undefined && !recovered) {
        recovered = true;
        const outcome = await removeHolder(ctx, holder);
        ctx.log.warn({ name, holder, outcome }, 'container name conflict');
        // A removed holder frees the name; a vanished or foreign one is side-stepped.
        if (outcome !== 'removed') current = { ...current, name: randomizeName(name) };
        continue;
      }
      if (err instanceof RuntimeError) throw err;
      const mapped = toRuntimeError(err, 'ERR_CREATE_CONTAINER', `creating ${name}`);
      if (mapped.code === 'ERR_ENGINE_UNAVAILABLE' || mapped.code === 'ERR_CONFLICT') throw mapped;
      throw new RuntimeError('ERR_CREATE_CONTAINER', `creating ${name}: ${msg}`, err);
    }
  }
}

/** A clear start error: runc's long message reduced to what the user needs (cri-dockerd does the same). */
export function startErrorMessage(name: string, engineMsg: string): string {
  const exec = /exec: ("[^"]*"): (executable file not found in \$PATH|stat [^:]*: no such file or directory|permission denied|no such file or directory)/.exec(engineMsg);
  if (exec !== null) return `failed to start container "${name}": exec: ${exec[1] ?? ''}: ${exec[2] ?? ''}`;
  return `failed to start container "${name}": ${engineMsg}`;
}

export async function startById(ctx: EngineContext, id: string, name: string): Promise<void> {
  try {
    await withDeadline(ctx.callTimeoutMs, `starting ${name}`, 'ERR_RUN_CONTAINER', (abortSignal) =>
      ctx.docker.getContainer(id).start({ abortSignal }));
  } catch (err) {
    if (!(err instanceof RuntimeError)) throw err;
    const cause: unknown = err.cause;
    const code = statusCode(cause);
    if (code === 304) return; // already started
    if (code === 404 && engineMessage(cause).includes(id)) throw err;
    if (err.code === 'ERR_ENGINE_UNAVAILABLE') throw err;
    throw new RuntimeError('ERR_RUN_CONTAINER', startErrorMessage(name, engineMessage(cause)), cause);
  }
}
