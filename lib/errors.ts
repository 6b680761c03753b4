// Base of every typed error in nodelet: a stable code, and where it applies the Kubernetes
// reason a user would see (kubectl describe), so mapping happens once, not at each call site.

export class NodeletError extends Error {
  readonly code: string;
  readonly reason: string | undefined;

  constructor(code: string, message: string, options?: { cause?: unknown; reason?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.reason = options?.reason;
  }
}
