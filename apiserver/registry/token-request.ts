// serviceaccounts/token: an authentication.k8s.io/v1 TokenRequest answered with a signed token, as
// kube-apiserver 1.32's TokenREST (pkg/registry/core/serviceaccount/storage/token.go): the body's
// name and namespace must match the URL's, the service account must exist, audiences default to
// the API server's, expirationSeconds to an hour (at least 10 minutes, at most 2^32 seconds), and
// a bound object (a Pod running as this service account, a Secret or a Node) is looked up and
// named in the token; a pod's node goes in too. Nothing is stored.
import { randomUUID } from 'node:crypto';
import { ApiError, fieldErrors as fe, type FieldError } from '../api/errors.ts';
import { decodeError } from '../api/json-types.ts';
import type { SubresourceHandler, SubresourceRequest } from '../kinds/kind.ts';
import type { KubeObject } from '../storage/types.ts';
import { rfc3339 } from './object-meta.ts';
import { serviceAccountClaims, type ObjectRef, type TokenSubject } from './service-account-tokens.ts';
import { cannotUnmarshal, isObj, subresourceBody, type Obj } from './subresource-body.ts';

const GROUP = 'authentication.k8s.io';
const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function refOf(o: KubeObject): ObjectRef {
  return { name: str(o.metadata?.name), uid: str(o.metadata?.['uid']) };
}

/** The decoder's 400 for a spec field of the wrong JSON type. */
function typeError(value: unknown, field: string, goType: string): ApiError {
  return decodeError('TokenRequest', 'v1', { message: cannotUnmarshal(value, `TokenRequestSpec.spec.${field}`, goType), field: `spec.${field}` });
}

/** TokenRequestSpec as the decoder and SetDefaults_TokenRequestSpec leave it. */
function decodeSpec(spec: unknown): { audiences: string[]; expirationSeconds: number; boundObjectRef: Obj | undefined } {
  if (spec !== undefined && spec !== null && !isObj(spec)) {
    throw decodeError('TokenRequest', 'v1', { message: cannotUnmarshal(spec, 'TokenRequest.spec', 'v1.TokenRequestSpec'), field: 'spec' });
  }
  const s = isObj(spec) ? spec : {};
  const auds = s['audiences'];
  if (auds !== undefined && auds !== null && (!Array.isArray(auds) || auds.some((a) => typeof a !== 'string' && a !== null))) {
    throw typeError(Array.isArray(auds) ? auds.find((a) => typeof a !== 'string' && a !== null) : auds, 'audiences', Array.isArray(auds) ? 'string' : '[]string');
  }
  const exp = s['expirationSeconds'];
  if (exp !== undefined && exp !== null && (typeof exp !== 'number' || !Number.isInteger(exp) || Math.abs(exp) > Number.MAX_SAFE_INTEGER)) {
    throw typeError(exp, 'expirationSeconds', 'int64');
  }
  const bound = s['boundObjectRef'];
  if (bound !== undefined && bound !== null && !isObj(bound)) throw typeError(bound, 'boundObjectRef', 'v1.BoundObjectReference');
  return {
    audiences: Array.isArray(auds) ? auds.map(str) : [],
    expirationSeconds: typeof exp === 'number' ? exp : DEFAULT_EXPIRATION_SECONDS,
    boundObjectRef: isObj(bound) ? bound : undefined,
  };
}

/** ValidateTokenRequest. */
export function validateTokenRequest(expirationSeconds: number): FieldError[] {
  const errs: FieldError[] = [];
  if (expirationSeconds < MIN_EXPIRATION_SECONDS) {
    errs.push(fe.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes'));
  }
  if (expirationSeconds > MAX_EXPIRATION_SECONDS) {
    errs.push(fe.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
  }
  return errs;
}

async function getOrUndefined(r: SubresourceRequest, resource: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
  try {
    return await r.storeOf('', resource)?.get(namespace, name);
  } catch (err) {
    if (err instanceof ApiError && err.status.reason === 'NotFound') return undefined;
    throw err;
  }
}

async function getOrFail(r: SubresourceRequest, resource: string, namespace: string | undefined, name: string): Promise<KubeObject> {
  const store = r.storeOf('', resource);
  if (store === undefined) throw ApiError.notFound(resource, name);
  return store.get(namespace, name);
}

/** The object a token is bound to, put into the token's subject. */
async function bindTo(r: SubresourceRequest, ref: Obj, subject: TokenSubject): Promise<void> {
  const apiVersion = str(ref['apiVersion']);
  const kind = str(ref['kind']);
  const name = str(ref['name']);
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  let uid: string;
  if (group === '' && kind === 'Pod') {
    const pod = await getOrFail(r, 'pods', subject.namespace, name);
    const spec = isObj(pod['spec']) ? pod['spec'] : {};
    if (str(spec['serviceAccountName']) !== subject.serviceAccount.name) {
      throw ApiError.badRequest(`cannot bind token for serviceaccount ${JSON.stringify(subject.serviceAccount.name)} to pod running with different serviceaccount name.`);
    }
    subject.pod = refOf(pod);
    uid = subject.pod.uid;
    const nodeName = str(spec['nodeName']);
    if (nodeName !== '') {
      const node = await getOrUndefined(r, 'nodes', undefined, nodeName);
      if (node !== undefined) subject.node = refOf(node);
    }
  } else if (group === '' && kind === 'Secret') {
    subject.secret = refOf(await getOrFail(r, 'secrets', subject.namespace, name));
    uid = subject.secret.uid;
  } else if (group === '' && kind === 'Node') {
    const node = refOf(await getOrFail(r, 'nodes', undefined, name));
    subject.node = node;
    uid = node.uid;
  } else {
    throw ApiError.badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${kind}`);
  }
  const wanted = str(ref['uid']);
  if (wanted !== '' && wanted !== uid) {
    throw ApiError.conflict({ group, resource: kind }, name,
      `the UID in the bound object reference (${wanted}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
}

/** POST serviceaccounts/<name>/token. */
export const createServiceAccountToken: SubresourceHandler = async (r) => {
  const tokens = r.tokens;
  if (tokens === undefined) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
  const body = subresourceBody(r.body, 'TokenRequest', [`${GROUP}/v1`]);
  const namespace = r.namespace ?? '';
  const meta = isObj(body['metadata']) ? { ...body['metadata'] } : {};
  const bodyName = str(meta['name']);
  const bodyNamespace = str(meta['namespace']);
  if (bodyName !== '' && bodyName !== r.name) {
    throw ApiError.invalid('TokenRequest', r.name, [fe.invalid('metadata.name', bodyName, 'must match the service account name if specified')], GROUP);
  }
  if (bodyNamespace !== '' && bodyNamespace !== namespace) {
    throw ApiError.invalid('TokenRequest', r.name, [fe.invalid('metadata.namespace', bodyNamespace, 'must match the service account namespace if specified')], GROUP);
  }
  const spec = decodeSpec(body['spec']);
  const sa = await r.parent.get(namespace, r.name);
  const audiences = spec.audiences.length > 0 ? spec.audiences : [...tokens.audiences];
  const now = r.clock.now();
  const errs = validateTokenRequest(spec.expirationSeconds);
  if (errs.length > 0) throw ApiError.invalid('TokenRequest', '', errs, GROUP);
  const subject: TokenSubject = { namespace, serviceAccount: refOf(sa) };
  if (spec.boundObjectRef !== undefined) await bindTo(r, spec.boundObjectRef, subject);
  const token = tokens.sign(serviceAccountClaims({ subject, audiences, expirationSeconds: spec.expirationSeconds, nowMs: now, jti: randomUUID() }));
  const outSpec: Obj = { audiences, expirationSeconds: spec.expirationSeconds };
  if (spec.boundObjectRef !== undefined) outSpec['boundObjectRef'] = spec.boundObjectRef;
  return {
    code: 201,
    body: {
      kind: 'TokenRequest',
      apiVersion: `${GROUP}/v1`,
      metadata: { ...meta, name: r.name, namespace, creationTimestamp: rfc3339(now) },
      spec: outSpec,
      status: { token, expirationTimestamp: rfc3339(now + spec.expirationSeconds * 1000) },
    },
  };
};
