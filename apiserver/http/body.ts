// Request bodies: read with kube's 3 MiB limit and decoded from JSON, YAML or the Kubernetes
// protobuf envelope; anything malformed is a 4xx Status, never a 500.
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError } from '../api/errors.ts';
import { MAX_NESTING_DEPTH, NESTING_ERROR, nestsDeeperThan } from '../api/json-types.ts';
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
    let settled = false;
    // A client that hangs up (or breaks the framing) before the body is complete gets a 400: the
    // request is malformed, not the server broken (it is rarely there to read the answer).
    const fail = (err: ApiError): void => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    const cut = (why: string): void => { fail(ApiError.badRequest(`the request body was not received in full: ${why}`)); };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) {
        fail(ApiError.requestEntityTooLarge(`limit is ${limit}`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks));
    });
    req.on('aborted', () => { cut('the client closed the connection'); });
    req.on('error', (err) => { cut(err.message); });
    req.on('close', () => { if (!req.complete) cut('the client closed the connection'); });
  });
}

/** The deepest nesting of [ and { in JSON text (outside strings), without parsing it. */
function jsonTextDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return max;
}

function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (jsonTextDepth(text) > MAX_NESTING_DEPTH) throw ApiError.badRequest(`couldn't get version/kind; json parse error: ${NESTING_ERROR}`);
  try {
    return JSON.parse(text) as unknown;
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
    let value: unknown;
    try {
      value = parseYaml(body.toString('utf8'), { logLevel: 'error' }) as unknown;
    } catch (err) {
      throw ApiError.badRequest(`error converting YAML to JSON: ${err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err)}`);
    }
    if (nestsDeeperThan(value)) throw ApiError.badRequest(`error converting YAML to JSON: yaml: exceeded max depth of ${MAX_NESTING_DEPTH}`);
    return value;
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
