// Typed runtime errors with stable codes and the Kubernetes waiting reason each maps to.
import { NodeletError } from '../lib/errors.ts';

export type RuntimeErrorCode =
  | 'ERR_IMAGE_PULL'
  | 'ERR_IMAGE_NEVER_PULL'
  | 'ERR_IMAGE_INSPECT'
  | 'ERR_CREATE_CONTAINER_CONFIG'
  | 'ERR_CREATE_CONTAINER'
  | 'ERR_RUN_CONTAINER'
  | 'ERR_NOT_FOUND'
  | 'ERR_CONFLICT'
  | 'ERR_ENGINE_UNAVAILABLE'
  /** Port-forward could not connect inside the pod, or its relay failed (message says why). */
  | 'ERR_PORT_FORWARD'
  | 'ERR_RUNTIME';

const REASONS: Record<RuntimeErrorCode, string | undefined> = {
  ERR_IMAGE_PULL: 'ErrImagePull',
  ERR_IMAGE_NEVER_PULL: 'ErrImageNeverPull',
  ERR_IMAGE_INSPECT: 'ImageInspectError',
  ERR_CREATE_CONTAINER_CONFIG: 'CreateContainerConfigError',
  ERR_CREATE_CONTAINER: 'CreateContainerError',
  ERR_RUN_CONTAINER: 'RunContainerError',
  ERR_NOT_FOUND: undefined,
  ERR_CONFLICT: undefined,
  ERR_ENGINE_UNAVAILABLE: undefined,
  ERR_PORT_FORWARD: undefined,
  ERR_RUNTIME: undefined,
};

export class RuntimeError extends NodeletError {
  declare readonly code: RuntimeErrorCode;

  constructor(code: RuntimeErrorCode, message: string, cause?: unknown) {
    const reason = REASONS[code];
    super(code, message, { cause, ...(reason === undefined ? {} : { reason }) });
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof RuntimeError && err.code === 'ERR_NOT_FOUND';
}

export function isConflict(err: unknown): boolean {
  return err instanceof RuntimeError && err.code === 'ERR_CONFLICT';
}
