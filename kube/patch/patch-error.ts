// A patch the server must refuse, with the HTTP code and Kubernetes reason kube-apiserver answers
// it with: the patch machinery is shared (the server, the agent's fake API), the Status is the
// server's to build.
import { NodeletError } from '../../lib/errors.ts';

export type PatchErrorReason = 'BadRequest' | 'Invalid' | 'UnsupportedMediaType';

export class PatchError extends NodeletError {
  constructor(readonly httpCode: 400 | 415 | 422, reason: PatchErrorReason, message: string) {
    super(`ERR_PATCH_${reason.toUpperCase()}`, message, { reason });
  }

  static badRequest(message: string): PatchError {
    return new PatchError(400, 'BadRequest', message);
  }
}
