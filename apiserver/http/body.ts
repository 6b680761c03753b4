// Request bodies: read with kube's 3 MiB limit and decoded from JSON, YAML or the Kubernetes
// protobuf envelope; anything malformed is a 4xx Status, never a 500. For the strict checks of
// fieldValidation, a body can also be decoded with the facts the parsers drop: its duplicate keys
// (duplicate-fields.ts) and whether it was YAML.
import type { IncomingMessage } from 'node:http';
import { MAX_NESTING_DEPTH, NESTING_ERROR, nestsDeeperThan } from '../../kube/schemas/decode.ts';
import { ApiError } from '../api/errors.ts';
import { jsonTextDepth } from '../api/json-text-depth.ts';
import { decodeProtobuf } from '../machinery.ts';
import type { BodyFacts } from '../registry/resource-store.ts';
import { parseYamlDocument, scanJson, yamlDuplicates } from './duplicate-fields.ts';
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

function parseJson(text: string, depth = jsonTextDepth(text)): unknown {
  if (depth > MAX_NESTING_DEPTH) throw ApiError.badRequest(`couldn't get version/kind; json parse error: ${NESTING_ERROR}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw ApiError.badRequest(`couldn't get version/kind; json parse error: ${detail}`);
  }
}

function isYaml(ct: string): boolean {
  return ct === 'application/yaml' || ct === 'application/x-yaml' || ct === 'text/yaml';
}

function isJson(ct: string): boolean {
  return ct === '' || ct === 'application/json' || ct.endsWith('+json') || ct === '*/*' || ct === 'text/plain';
}

/** Parses YAML as `yaml`'s parse() does, except that a repeated key is kept (the last value wins), as kube's YAML-to-JSON does. */
function parseYamlBody(text: string, duplicates: boolean): { value: unknown; facts: BodyFacts } {
  let value: unknown;
  let facts: BodyFacts = { yaml: true };
  try {
    const { doc, lines } = parseYamlDocument(text);
    const first = doc.errors[0];
    if (first !== undefined) throw first;
    value = doc.toJS() as unknown;
    if (duplicates) {
      const found = yamlDuplicates(doc, lines);
      if (found.length > 0) facts = { yaml: true, yamlDuplicates: found };
    }
  } catch (err) {
    throw ApiError.badRequest(`error converting YAML to JSON: ${err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err)}`);
  }
  if (nestsDeeperThan(value)) throw ApiError.badRequest(`error converting YAML to JSON: yaml: exceeded max depth of ${MAX_NESTING_DEPTH}`);
  return { value, facts };
}

/**
 * Decodes a body by its Content-Type; empty bodies decode to undefined. With duplicates, also
 * finds the keys a JSON or YAML body repeats (the parsers keep only the last value).
 */
export function decodeBodyWithFacts(body: Buffer, contentTypeHeader: string | undefined, duplicates: boolean): { value: unknown; facts: BodyFacts } {
  if (body.length === 0) return { value: undefined, facts: {} };
  const ct = contentType(contentTypeHeader);
  if (ct === 'application/vnd.kubernetes.protobuf') return { value: decodeProtobuf(body), facts: {} };
  if (isYaml(ct)) return parseYamlBody(body.toString('utf8'), duplicates);
  if (isJson(ct)) {
    const text = body.toString('utf8');
    if (!duplicates) return { value: parseJson(text), facts: {} };
    // one pass finds the nesting depth and the repeated keys
    const scan = scanJson(text);
    const value = parseJson(text, scan.depth);
    return { value, facts: scan.duplicates === undefined ? {} : { duplicates: scan.duplicates } };
  }
  throw ApiError.unsupportedMediaType(ACCEPTED_BODY_TYPES);
}

/** Decodes a body by its Content-Type; empty bodies decode to undefined. */
export function decodeBody(body: Buffer, contentTypeHeader: string | undefined): unknown {
  return decodeBodyWithFacts(body, contentTypeHeader, false).value;
}

/** A decoded body that must be a JSON object, with its duplicate keys when asked for (see decodeBodyWithFacts). */
export function decodeObjectBodyWithFacts(body: Buffer, contentTypeHeader: string | undefined, duplicates: boolean): { object: Record<string, unknown>; facts: BodyFacts } {
  const { value, facts } = decodeBodyWithFacts(body, contentTypeHeader, duplicates);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw ApiError.badRequest("Object 'Kind' is missing in the request body: expected a JSON object");
  }
  return { object: value as Record<string, unknown>, facts };
}

/** A decoded body that must be a JSON object. */
export function decodeObjectBody(body: Buffer, contentTypeHeader: string | undefined): Record<string, unknown> {
  const v = decodeBody(body, contentTypeHeader);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw ApiError.badRequest("Object 'Kind' is missing in the request body: expected a JSON object");
  }
  return v as Record<string, unknown>;
}

/**
 * The body of a server-side apply (application/apply-patch+yaml; JSON is YAML too), as the apply
 * patcher's yaml.Unmarshal into a map reads it: empty or `null` is an empty configuration, a
 * document that is not a map is a 400 (`error decoding YAML: error unmarshaling JSON: while
 * decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}`).
 * With duplicates, also the document's repeated keys as goyaml words them.
 */
export function decodeApplyBody(body: Buffer, duplicates: boolean): { object: Record<string, unknown>; facts: BodyFacts } {
  if (body.length === 0) return { object: {}, facts: {} };
  let parsed: { value: unknown; facts: BodyFacts };
  try {
    parsed = parseYamlBody(body.toString('utf8'), duplicates);
  } catch (err) {
    if (err instanceof ApiError) throw ApiError.badRequest(`error decoding YAML: ${err.message}`);
    throw err;
  }
  const { value, facts } = parsed;
  if (value === null || value === undefined) return { object: {}, facts };
  if (typeof value !== 'object' || Array.isArray(value)) {
    const type = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value === 'number' ? 'number' : 'string';
    throw ApiError.badRequest(`error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${type} into Go value of type map[string]interface {}`);
  }
  return { object: value as Record<string, unknown>, facts };
}
