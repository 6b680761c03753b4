// The part of the API client the agent's API side uses, so unit tests can pass an in-memory fake
// (agent/api/testing/fake-api-client.ts) and drive timing with a FakeClock.
import { ApiClientError, type ApiClient } from './client.ts';

export type ApiClientLike = Pick<ApiClient, 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete' | 'watch'>;

/** An answer from the API server (as opposed to a transport failure: refused, reset, TLS). */
export function isApiAnswer(err: unknown): err is ApiClientError {
  return err instanceof ApiClientError;
}

/** Transport failures and 5xx/429: the API is unavailable for now, try again later. */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof ApiClientError)) return true;
  return err.httpStatus >= 500 || err.httpStatus === 429;
}

/** A short form of an error for logs. */
export function errorText(err: unknown): string {
  if (err instanceof ApiClientError) return `${err.httpStatus} ${err.status.reason ?? ''}: ${err.message}`;
  if (err instanceof Error) return (err as Error & { code?: string }).code ?? err.message;
  return String(err);
}
