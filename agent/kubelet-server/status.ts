// metav1.Status objects, shaped exactly as the kubelet writes them: full Status JSON (with kind and
// apiVersion) for HTTP errors, and the bare Status (no TypeMeta) that the streaming server writes
// on the error channel (3) when an exec or attach session ends.

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface KubeStatus {
  kind?: 'Status';
  apiVersion?: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { name?: string; kind?: string; causes?: StatusCause[] };
  code?: number;
}

/** The reason Kubernetes uses for an HTTP code when the caller gives none. */
export function reasonForCode(code: number): string {
  switch (code) {
    case 400: return 'BadRequest';
    case 401: return 'Unauthorized';
    case 403: return 'Forbidden';
    case 404: return 'NotFound';
    case 405: return 'MethodNotAllowed';
    case 409: return 'Conflict';
    case 422: return 'Invalid';
    case 500: return 'InternalError';
    case 503: return 'ServiceUnavailable';
    default: return code >= 500 ? 'InternalError' : 'BadRequest';
  }
}

/** A Status body for an HTTP error response (what kubectl decodes and prints). */
export function errorStatus(code: number, message: string, reason = reasonForCode(code)): KubeStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** Channel-3 Status when the command or attach session ended well. */
export function successStatus(): KubeStatus {
  return { metadata: {}, status: 'Success' };
}

/** Go's `%v` of a []string: `[sh -c exit 3]`. */
function goSlice(items: readonly string[]): string {
  return `[${items.join(' ')}]`;
}

/** Channel-3 Status for a command that exited non-zero (kubelet remotecommand ServeExec). */
export function exitCodeStatus(cmd: readonly string[], exitCode: number): KubeStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command ${goSlice(cmd)}, exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** apierrors.NewInternalError, as written on channel 3 (no TypeMeta). */
export function internalErrorStatus(message: string): KubeStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message }] },
    code: 500,
  };
}
