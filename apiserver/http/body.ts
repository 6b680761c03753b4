// Request bodies: read with kube's 3 MiB limit and decoded from JSON, YAML or the Kubernetes
// protobuf envelope; anything malformed is a 4xx Status, never a 500.
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError } from '../api/errors.ts';
import { decodeProtobuf } from '../machinery.ts';
import { contentType } from './negotiate.ts';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export const ACCEPTED_BODY_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) {
    req.resume();
    return Promise.reject(ApiError.requestEntityTooLarge(`limit is ${limit}`));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(ApiError.requestEntityTooLarge(`limit is ${limit}`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => { if (!failed) resolve(Buffer.concat(chunks)); });
    req.on('error', (err) => { if (!failed) reject(err); });
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw ApiError.badRequest(`couldn't get version/kind; json parse error: ${detail}`);
  }
}

/** Decodes a body by its Content-Type; empty bodies decode to undefined. */
export function decodeBody(body: Buffer, contentTypeHeader: string | undefined): unknown {
  if (body.length === 0) return undefined;
  const ct = contentType(contentTypeHeader);
  if (ct === 'application/vnd.kubernetes.protobuf') return decodeProtobuf(body);
  if (ct === 'application/yaml' || ct === 'application/x-yaml' || ct === 'text/yaml') {
    try {
      return parseYaml(body.toString('utf8')) as unknown;
    } catch (err) {
      throw ApiError.badRequest(`error converting YAML to JSON: ${err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err)}`);
    }
  }
  if (ct === '' || ct === 'application/json' || ct.endsWith('+json') || ct === '*/*' || ct === 'text/plain') return parseJson(body);
  throw ApiError.unsupportedMediaType(ACCEPTED_BODY_TYPES);
}

/** A decoded body that must be a JSON object. */
export function decodeObjectBody(body: Buffer, contentTypeHeader: string | undefined): Record<string, unknown> {
  const v = decodeBody(body, contentTypeHeader);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw ApiError.badRequest("Object 'Kind' is missing in the request body: expected a JSON object");
  }
  return v as Record<string, unknown>;
}
