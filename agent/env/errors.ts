// The error a container's configuration fails with before it is created: the kubelet reports it
// as container state Waiting{reason: CreateContainerConfigError, message} and an event `Failed`.
import { NodeletError } from '../../lib/errors.ts';

export const CREATE_CONTAINER_CONFIG_ERROR = 'CreateContainerConfigError';

export class ContainerConfigError extends NodeletError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ContainerConfig', message, { ...options, reason: CREATE_CONTAINER_CONFIG_ERROR });
  }
}
