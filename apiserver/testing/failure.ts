// What a unit test asserts about a refused request: the ApiError's HTTP code and message as one
// string, so that an expectation reads like the Status a client would see.
import { ApiError } from '../api/errors.ts';

/** `${httpCode} ${message}` of the ApiError p rejects with; throws if p resolves or rejects otherwise. */
export async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return `${err.httpCode} ${err.message}`;
    throw err;
  }
  throw new Error('expected a failure');
}
