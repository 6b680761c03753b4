// Writing responses: JSON objects, Status errors, and the 404 for paths nobody serves.
import type { ServerResponse } from 'node:http';
import { PatchError } from '../../kube/patch/patch-error.ts';
import { ApiError } from '../api/errors.ts';

export function sendJson(res: ServerResponse, code: number, body: unknown, type = 'application/json'): void {
  const payload = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(payload), 'Cache-Control': 'no-cache, private' });
  res.end(payload);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof PatchError) return ApiError.fromPatchError(err);
  return ApiError.internal(err);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // client-go waits and retries by itself when told how long (an eviction's 429, a 504 too-large RV)
  const retry = err.status.details?.retryAfterSeconds;
  if (typeof retry === 'number' && retry > 0) res.setHeader('Retry-After', String(retry));
  sendJson(res, err.httpCode, err.status);
}

export function pathNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}
