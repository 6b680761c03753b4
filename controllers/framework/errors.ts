// The error handling the controllers share: an error's text whatever was thrown, Go's
// utilerrors.NewAggregate message for several failures ("[a, b]"), and
// errors.HasStatusCause(err, NamespaceTerminatingCause) — a create refused because the namespace
// is being deleted, which no controller counts as its own failure.
import { ApiClientError } from '../../kube/client/client.ts';

/** The message of an Error, or the text of anything else thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** err itself when it is an Error, else an Error with its text. */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** utilerrors.NewAggregate: undefined for none, one error as itself, several as "[a, b]". */
export function aggregate(errors: readonly unknown[]): Error | undefined {
  if (errors.length === 0) return undefined;
  if (errors.length === 1) return asError(errors[0]);
  return new Error(`[${errors.map(messageOf).join(', ')}]`);
}

/** v1.NamespaceTerminatingCause. */
export const NAMESPACE_TERMINATING_CAUSE = 'NamespaceTerminating';

/** errors.HasStatusCause(err, NamespaceTerminatingCause): the cause type is "reason" in JSON. */
export function namespaceTerminating(err: unknown): boolean {
  return err instanceof ApiClientError && (err.status.details?.causes ?? []).some((c) => c.reason === NAMESPACE_TERMINATING_CAUSE);
}
